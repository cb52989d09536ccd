// The node:crypto fast path must produce signatures that OpenPGP.js and gpg 2.2 accept exactly like
// the ones OpenPGP.js makes (gpg.test.ts runs the default signer, i.e. this path, against real gpg).
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as openpgp from 'openpgp';
import { canonicalBytes } from '../canonical.js';
import type { Receipt } from '../receipt.js';
import { generateSigningKey } from './keys.js';
import { ReceiptSigner } from './signer.js';
import { ReceiptVerifier } from './verify.js';
import { VerificationError } from '../errors.js';

let fast: ReceiptSigner;
let slow: ReceiptSigner;
let verifier: ReceiptVerifier;

const receipt = (text: string, time = '2026-11-25T12:00:00.000Z'): Receipt => ({
  v: 1,
  kind: 'memory',
  origin: 'test.example/log',
  time,
  subject: { text },
  evidence: [],
});

beforeAll(async () => {
  const k = await generateSigningKey({ name: 'Native Test' });
  fast = await ReceiptSigner.create(k.armoredPrivateKey);
  slow = await ReceiptSigner.create(k.armoredPrivateKey, { useOpenPgpJs: true });
  verifier = await ReceiptVerifier.create([k.armoredPublicKey]);
});

async function packetOf(armored: string) {
  const sig = await openpgp.readSignature({ armoredSignature: armored });
  return sig.packets[0]!;
}

describe('native Ed25519 OpenPGP signatures', () => {
  it('have the same packet shape as OpenPGP.js signatures', async () => {
    const a = await packetOf(await fast.sign(receipt('x')));
    const b = await packetOf(await slow.sign(receipt('x')));
    for (const field of ['version', 'signatureType', 'publicKeyAlgorithm', 'hashAlgorithm'] as const) expect(a[field]).toBe(b[field]);
    expect(a.issuerKeyID.toHex()).toBe(b.issuerKeyID.toHex());
    expect(Buffer.from(a.issuerFingerprint as Uint8Array).toString('hex')).toBe(Buffer.from(b.issuerFingerprint as Uint8Array).toString('hex'));
  });

  it('verify with OpenPGP.js for any receipt text, and only for that receipt', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), fc.string({ minLength: 1, maxLength: 20 }), async (text, other) => {
        const r = receipt(text);
        const sig = await fast.sign(r);
        const v = await verifier.verify(r, sig);
        expect(v.fingerprint).toBe(fast.fingerprint);
        if (other !== text) await expect(verifier.verify(receipt(other), sig)).rejects.toBeInstanceOf(VerificationError);
      }),
      { numRuns: 60 },
    );
  });

  it('verify with OpenPGP.js over the raw JCS bytes (not only through our verifier)', async () => {
    const r = receipt('raw check');
    const armored = await fast.sign(r);
    const res = await openpgp.verify({
      message: await openpgp.createMessage({ binary: canonicalBytes(r) }),
      signature: await openpgp.readSignature({ armoredSignature: armored }),
      verificationKeys: await openpgp.readKey({ armoredKey: fast.armoredPublicKey }),
      expectSigned: true,
    });
    expect(res.signatures).toHaveLength(1);
  });
});
