// The node:crypto verification fast path may only ever accept what OpenPGP.js accepts: a
// differential property over random receipts and random damage to their signatures.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalBytes } from '../canonical.js';
import type { Receipt } from '../receipt.js';
import { generateSigningKey } from './keys.js';
import { verifyDetachedNative, fastKeyFromEd25519, type FastKey } from './native-verify.js';
import { ReceiptSigner } from './signer.js';
import { ReceiptVerifier } from './verify.js';
import * as openpgp from 'openpgp';

let signer: ReceiptSigner;
let slowSigner: ReceiptSigner;
let fast: ReceiptVerifier;
let slow: ReceiptVerifier;
let keys: Map<string, FastKey>;
let otherKeys: Map<string, FastKey>;

const receipt = (text: string): Receipt => ({ v: 1, kind: 'memory', origin: 'native.example/log', time: '2026-11-25T12:00:00Z', subject: { text }, evidence: [] });

async function fastKeyOf(armoredPublicKey: string): Promise<FastKey> {
  const key = await openpgp.readKey({ armoredKey: armoredPublicKey });
  const q = (key.keyPacket as unknown as { publicParams: { Q: Uint8Array } }).publicParams.Q;
  return fastKeyFromEd25519(key.getFingerprint(), q.subarray(1), key.getCreationTime());
}

beforeAll(async () => {
  const k = await generateSigningKey({ name: 'Differential' });
  const other = await generateSigningKey({ name: 'Other' });
  signer = await ReceiptSigner.create(k.armoredPrivateKey);
  slowSigner = await ReceiptSigner.create(k.armoredPrivateKey, { useOpenPgpJs: true });
  fast = await ReceiptVerifier.create([k.armoredPublicKey]);
  slow = await ReceiptVerifier.create([k.armoredPublicKey], { fastPath: false });
  const fk = await fastKeyOf(k.armoredPublicKey);
  keys = new Map([[fk.fingerprint, fk]]);
  const ok = await fastKeyOf(other.armoredPublicKey);
  otherKeys = new Map([[ok.fingerprint, ok]]);
});

async function openpgpAccepts(r: Receipt, sig: string): Promise<boolean> {
  try {
    await slow.verify(r, sig);
    return true;
  } catch {
    return false;
  }
}

describe('native signature verification', () => {
  it('accepts the signatures of both signing paths, and only under the right key and data', async () => {
    for (const s of [signer, slowSigner]) {
      const r = receipt('hello');
      const sig = await s.sign(r);
      expect(verifyDetachedNative(keys, canonicalBytes(r), sig)).toMatchObject({ fingerprint: signer.fingerprint });
      expect(verifyDetachedNative(otherKeys, canonicalBytes(r), sig)).toBeUndefined();
      expect(verifyDetachedNative(keys, canonicalBytes(receipt('hellO')), sig)).toBeUndefined();
      // a signature made "in the future" is left to OpenPGP.js
      expect(verifyDetachedNative(keys, canonicalBytes(r), sig, new Date(0))).toBeUndefined();
    }
  });

  it('never accepts what OpenPGP.js rejects (random receipts, random damage to the armored signature)', async () => {
    const damage = fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), c: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -') }),
        fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
        fc.record({ op: fc.constant('insert' as const), at: fc.nat(), c: fc.constantFrom('A', '=', '\n', ' ', 'wnUE') }),
      ),
      { minLength: 0, maxLength: 3 },
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 80 }), damage, fc.boolean(), async (text, ops, otherData) => {
        const r = receipt(text);
        let sig = await signer.sign(r);
        for (const o of ops) {
          const i = o.at % sig.length;
          if (o.op === 'flip') sig = sig.slice(0, i) + o.c + sig.slice(i + 1);
          else if (o.op === 'drop') sig = sig.slice(0, i) + sig.slice(i + 1);
          else sig = sig.slice(0, i) + o.c + sig.slice(i);
        }
        const checked = otherData ? receipt(`${text}!`) : r;
        const native = verifyDetachedNative(keys, canonicalBytes(checked), sig);
        if (native) {
          accepted++;
          expect(await openpgpAccepts(checked, sig)).toBe(true);
          // and the public verifier (fast path on) agrees with OpenPGP.js on the facts
          expect((await fast.verify(checked, sig)).fingerprint).toBe(native.fingerprint);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
    expect(accepted).toBeGreaterThan(0); // the property is not vacuous: undamaged signatures pass natively
  });
});
