import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as openpgp from 'openpgp';
import { generateSigningKey, importSigningKey, type GeneratedSigningKey } from './keys.js';
import { ReceiptSigner, mapConcurrent } from './signer.js';
import { ReceiptVerifier, verifyReceiptSignature } from './verify.js';
import { canonicalBytes } from '../canonical.js';
import { InputError, VerificationError } from '../errors.js';
import type { Receipt } from '../receipt.js';

const H = 'ab'.repeat(32);
function receipt(note?: string): Receipt {
  const r: Receipt = { v: 1, kind: 'artifact', origin: 'example.org/log', time: '2025-01-02T03:04:05Z', subject: { name: 'a.tgz', sha256: H }, evidence: [] };
  return note === undefined ? r : { ...r, note };
}

async function code(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (e instanceof VerificationError || e instanceof InputError) return e.code;
    throw e;
  }
  return 'OK';
}

let alice: GeneratedSigningKey;
let bob: GeneratedSigningKey;
let signer: ReceiptSigner;
let signature: string;

beforeAll(async () => {
  [alice, bob] = await Promise.all([
    generateSigningKey({ name: 'Alice', email: 'alice@example.org' }),
    generateSigningKey({ name: 'Bob' }),
  ]);
  signer = await ReceiptSigner.create(alice.armoredPrivateKey);
  signature = await signer.sign(receipt());
});

describe('generateSigningKey / importSigningKey', () => {
  it('makes a v4 EdDSA (ed25519Legacy) signing key with no other subkeys', async () => {
    const k = await openpgp.readKey({ armoredKey: alice.armoredPublicKey });
    expect(k.keyPacket.version).toBe(4);
    expect(k.getAlgorithmInfo()).toEqual({ algorithm: 'eddsaLegacy', curve: 'ed25519Legacy' });
    expect(k.getSubkeys()).toHaveLength(0);
    expect(k.getFingerprint()).toBe(alice.fingerprint);
    expect(alice.fingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(k.getUserIDs()).toEqual(['Alice <alice@example.org>']);
  });

  it('imports its own keys', async () => {
    const imported = await importSigningKey(alice.armoredPrivateKey);
    expect([imported.fingerprint, imported.algorithm, imported.userIds]).toEqual([alice.fingerprint, 'eddsaLegacy/ed25519Legacy', ['Alice <alice@example.org>']]);
    expect(imported.signingKeyId).toBe(alice.fingerprint.slice(-16));
  });

  it('unlocks a passphrase-protected key only with its passphrase, and hands it back unprotected', async () => {
    const locked = await openpgp.encryptKey({ privateKey: await openpgp.readPrivateKey({ armoredKey: alice.armoredPrivateKey }), passphrase: 'pw' });
    const armored = locked.armor();
    expect(await code(() => importSigningKey(armored))).toBe('BAD_INPUT');
    expect(await code(() => importSigningKey(armored, { passphrase: 'nope' }))).toBe('BAD_INPUT');
    const unlocked = await importSigningKey(armored, { passphrase: 'pw' });
    expect((await importSigningKey(unlocked.armoredPrivateKey)).fingerprint).toBe(alice.fingerprint);
  });

  it('refuses what it cannot sign with, or what GnuPG 2.2 could not verify', async () => {
    const v6 = await openpgp.generateKey({ userIDs: [{ name: 'six' }], format: 'armored', config: { v6Keys: true } });
    const v4ed25519 = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ name: 'new algo' }], format: 'armored' });
    const day = 86400;
    const expired = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'old' }],
      date: new Date(Date.now() - 10 * day * 1000),
      keyExpirationTime: day,
      format: 'armored',
    });
    for (const armored of [alice.armoredPublicKey, 'garbage', '', v6.privateKey, v4ed25519.privateKey, expired.privateKey]) {
      expect(await code(() => importSigningKey(armored))).toBe('BAD_INPUT');
    }
  });

  it('refuses a name that would break the user id', async () => {
    expect(await code(() => generateSigningKey({ name: '' }))).toBe('BAD_INPUT');
    expect(await code(() => generateSigningKey({ name: 'a\nb' }))).toBe('BAD_INPUT');
    expect(await code(() => generateSigningKey({ name: 'a', email: 'x y' }))).toBe('BAD_INPUT');
  });
});

describe('ReceiptSigner and verifyReceiptSignature', () => {
  it('signs JCS(receipt) and the signature verifies under the trusted key', async () => {
    expect(signature).toMatch(/^-----BEGIN PGP SIGNATURE-----\n[\s\S]+\n-----END PGP SIGNATURE-----\n$/);
    const v = await verifyReceiptSignature(receipt(), signature, [bob.armoredPublicKey, alice.armoredPublicKey]);
    expect(v.fingerprint).toBe(alice.fingerprint);
    expect(v.signingKeyId).toBe(alice.fingerprint.slice(-16));
    expect(Math.abs(v.created.getTime() - Date.now())).toBeLessThan(600_000);
  });

  it('signs the canonical bytes, so key order does not matter', async () => {
    const r = receipt();
    const reordered = Object.fromEntries(Object.entries(r).reverse()) as Receipt;
    await expect(verifyReceiptSignature(reordered, signature, [alice.armoredPublicKey])).resolves.toBeDefined();
    // The signature is exactly over canonicalBytes: verify it with OpenPGP.js directly.
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: canonicalBytes(r) }),
      signature: await openpgp.readSignature({ armoredSignature: signature }),
      verificationKeys: await openpgp.readKey({ armoredKey: alice.armoredPublicKey }),
      expectSigned: true,
      format: 'binary',
    });
    await expect(result.signatures[0]!.verified).resolves.toBe(true);
  });

  it('writes no random salt notation (deterministic, GnuPG-like packets)', async () => {
    const sig = await openpgp.readSignature({ armoredSignature: signature });
    const packet = sig.packets[0] as unknown as { rawNotations: unknown[]; signatureType: number };
    expect(packet.rawNotations).toEqual([]);
    expect(packet.signatureType).toBe(openpgp.enums.signature.binary);
  });

  it('throws RECEIPT_SIGNATURE when the receipt was changed', async () => {
    expect(await code(() => verifyReceiptSignature(receipt('changed'), signature, [alice.armoredPublicKey]))).toBe('RECEIPT_SIGNATURE');
  });

  it('throws UNTRUSTED_KEY for a valid signature by a key not in the list, and never verifies it', async () => {
    expect(await code(() => verifyReceiptSignature(receipt(), signature, [bob.armoredPublicKey]))).toBe('UNTRUSTED_KEY');
    expect(await code(() => verifyReceiptSignature(receipt(), signature, []))).toBe('UNTRUSTED_KEY');
  });

  it('throws BAD_INPUT for a trusted key that does not parse', async () => {
    expect(await code(() => verifyReceiptSignature(receipt(), signature, ['not a key']))).toBe('BAD_INPUT');
  });

  it('accepts a text-mode signature over the same bytes (JCS has no line breaks to normalise)', async () => {
    const key = await openpgp.readPrivateKey({ armoredKey: alice.armoredPrivateKey });
    const text = new TextDecoder().decode(canonicalBytes(receipt()));
    const sig = await openpgp.sign({ message: await openpgp.createMessage({ text }), signingKeys: key, detached: true });
    expect((await verifyReceiptSignature(receipt(), sig, [alice.armoredPublicKey])).fingerprint).toBe(alice.fingerprint);
  });

  it('still verifies a signature made before the key expired', async () => {
    const day = 86400_000;
    const created = new Date(Date.now() - 10 * day);
    const { privateKey, publicKey } = await openpgp.generateKey({ type: 'ecc', curve: 'ed25519Legacy', userIDs: [{ name: 'Old' }], date: created, keyExpirationTime: 86400, format: 'object' });
    const sig = await openpgp.sign({
      message: await openpgp.createMessage({ binary: canonicalBytes(receipt()) }),
      signingKeys: privateKey,
      detached: true,
      date: new Date(created.getTime() + 3600_000),
    });
    expect((await verifyReceiptSignature(receipt(), sig, [publicKey.armor()])).fingerprint).toBe(publicKey.getFingerprint());
  });

  it('rejects two signatures in one block even when one is trusted and valid', async () => {
    const bobSigner = await ReceiptSigner.create(bob.armoredPrivateKey);
    const both = await openpgp.readSignature({ armoredSignature: signature });
    const other = await openpgp.readSignature({ armoredSignature: await bobSigner.sign(receipt()) });
    both.packets.push(...other.packets);
    expect(await code(() => verifyReceiptSignature(receipt(), both.armor(), [alice.armoredPublicKey, bob.armoredPublicKey]))).toBe('RECEIPT_SIGNATURE');
  });

  it('throws only RECEIPT_SIGNATURE or UNTRUSTED_KEY for garbled signatures', async () => {
    const verifier = await ReceiptVerifier.create([alice.armoredPublicKey]);
    const body = signature.split('\n');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.constant(''),
          fc.nat().map((n) => signature.slice(0, n % signature.length)),
          // Replace one character of the armored base64 body.
          fc.tuple(fc.integer({ min: 2, max: body.length - 3 }), fc.nat(), fc.constantFrom('A', 'z', '+', '/', '=', '-', ' ')).map(([line, at, c]) => {
            const l = body[line]!;
            const i = at % Math.max(1, l.length);
            return [...body.slice(0, line), l.slice(0, i) + c + l.slice(i + 1), ...body.slice(line + 1)].join('\n');
          }),
        ),
        async (garbled) => {
          const got = await code(() => verifier.verify(receipt(), garbled));
          if (garbled === signature) expect(got).toBe('OK');
          else expect(['RECEIPT_SIGNATURE', 'UNTRUSTED_KEY', 'OK']).toContain(got);
          // A changed signature may still verify only if OpenPGP decodes it to the same packet
          // (armor checksum lines and whitespace are not signed); it never verifies another receipt.
          if (got === 'OK') expect(await code(() => verifier.verify(receipt('other'), garbled))).toBe('RECEIPT_SIGNATURE');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses to sign an invalid receipt (BAD_INPUT: it would never verify in the log)', async () => {
    expect(await code(() => signer.sign({ ...receipt(), time: 'now' }))).toBe('BAD_INPUT');
  });

  it('signMany keeps input order, and each signature covers its own receipt', async () => {
    const receipts = Array.from({ length: 40 }, (_, i) => receipt(`n${i}`));
    const sigs = await signer.signMany(receipts, { concurrency: 7 });
    const verifier = await ReceiptVerifier.create([alice.armoredPublicKey]);
    const results = await verifier.verifyMany(receipts.map((r, i) => ({ receipt: r, signature: sigs[i]! })));
    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    const swapped = await verifier.verifyMany([{ receipt: receipts[0]!, signature: sigs[1]! }, { receipt: receipts[1]!, signature: sigs[1]! }]);
    expect([swapped[0] instanceof VerificationError && swapped[0].code, swapped[1] instanceof Error]).toEqual(['RECEIPT_SIGNATURE', false]);
  });
});

describe('mapConcurrent', () => {
  it('never exceeds the limit and keeps order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapConcurrent([...Array(50).keys()], 5, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n % 3));
      inFlight--;
      return n * 2;
    });
    expect(out).toEqual([...Array(50).keys()].map((n) => n * 2));
    expect(peak).toBe(5);
  });

  it('rejects with the first failure and stops taking work', async () => {
    let started = 0;
    const run = mapConcurrent([...Array(100).keys()], 2, async (n) => {
      started++;
      await Promise.resolve();
      if (n === 3) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toBeLessThan(10);
  });

  it('refuses a concurrency below 1', async () => {
    expect(await code(() => mapConcurrent([1], 0, async (x) => x))).toBe('BAD_INPUT');
  });
});
