// End-to-end tests of the offline bundle verifier on real bundles (testkit.ts: real OpenPGP key,
// real Merkle tree, real Ed25519 checkpoint, real RFC 3161 tokens from an in-process dev TSA, and
// the openssl-made test PKI of fixtures/tsa for a non-dev TSA). Each tamper names the check and
// code it must fail with; messages are not asserted, except the few details the CLI contract names.
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../bytes.js';
import { InputError, VerificationError } from '../errors.js';
import { parseSignerKey, signNote, generateNoteKey } from '../checkpoint/note.js';
import { signCheckpoint } from '../checkpoint/checkpoint.js';
import { receiptId } from '../receipt.js';
import { toPemCertificate } from '../timestamp/pem.js';
import { fixtureSigner, pem, TEST_POLICY } from '../../test/tsa-fixtures.js';
import { CHECK_NAMES, type BundleReport, type CheckName, type TrustPolicy } from './types.js';
import { BundleVerifier, verifyBundle, verifyBundleReport } from './verifier.js';
import { createDevTsa, createTestKit, stampCheckpoint, type BuiltLog, type BundleJson, type TestKit } from './testkit.js';

let kit: TestKit;
let other: TestKit; // another log: other origin, other keys, other dev TSA
let log: BuiltLog;
let otherLog: BuiltLog;
let good: BundleJson;

beforeAll(async () => {
  [kit, other] = await Promise.all([createTestKit('test.example/log'), createTestKit('other.example/log')]);
  [log, otherLog] = await Promise.all([kit.build({ size: 7 }), other.build({ size: 7 })]);
  good = log.bundle(3);
});

const fresh = (): BundleJson => structuredClone(good);

function check(r: BundleReport, name: CheckName) {
  return r.checks.find((c) => c.name === name)!;
}

/** The report lists every check in order, fails as a whole, and fails `name` with `code`. */
async function expectFailure(b: unknown, name: CheckName, code: string, policy: TrustPolicy = kit.policy()): Promise<BundleReport> {
  const r = await verifyBundleReport(b, policy);
  expect(r.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
  expect(r.ok).toBe(false);
  expect(check(r, name)).toMatchObject({ ok: false, code });
  return r;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Flip one character of `s` at `at` to another character of the same alphabet. */
function flipChar(s: string, at: number): string {
  const c = s[at]!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const r = alphabet[(alphabet.indexOf(c) + 7) % alphabet.length]!;
  return s.slice(0, at) + r + s.slice(at + 1);
}

describe('a valid bundle', () => {
  it('passes every named check, in order, and reports what it verified', async () => {
    const r = await verifyBundleReport(fresh(), kit.policy());
    expect(r.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
    expect(r.checks.every((c) => c.ok && c.code === undefined)).toBe(true);
    expect(r.ok).toBe(true);
    const id = receiptId(log.entries[3]!);
    expect(r).toMatchObject({ id, index: 3, treeSize: 7, origin: kit.origin, signer: kit.signingKey.fingerprint, devTsa: true });
    expect(check(r, 'leaf hash').detail).toContain(id);
    expect(check(r, 'timestamp').detail).toContain('dev TSA');
    expect(check(r, 'timestamp').detail).toContain(r.genTime);
    expect(Date.parse(r.genTime!)).toBeGreaterThan(Date.now() - 600_000);
  });

  it('verifyBundle returns the same facts', async () => {
    const v = await verifyBundle(fresh(), kit.policy());
    expect(v).toMatchObject({ id: receiptId(log.entries[3]!), index: 3, treeSize: 7, origin: kit.origin, devTsa: true });
    expect(v.checkpointKey).toMatch(/^test\.example\/log\+[0-9a-f]{8}$/);
    expect(v.checks).toHaveLength(CHECK_NAMES.length);
  });

  it('verifies every leaf of the tree (left edge, right edge, odd last leaf)', async () => {
    const verifier = await BundleVerifier.create(kit.policy());
    for (let i = 0; i < 7; i++) {
      const r = await verifier.report(log.bundle(i));
      expect([i, r.ok]).toEqual([i, true]);
    }
  });

  it('verifies a one-leaf log (empty proof)', async () => {
    const one = await kit.build({ size: 1 });
    expect((await verifyBundleReport(one.bundle(0), kit.policy())).ok).toBe(true);
  });

  it('is not affected by reformatting (key order, whitespace)', async () => {
    const b = fresh();
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(b).reverse()), null, 3)) as unknown;
    expect((await verifyBundleReport(reordered, kit.policy())).ok).toBe(true);
  });

  it('ignores a cosignature by a key the policy does not know', async () => {
    const witness = generateNoteKey('witness.example');
    const text = log.checkpoint.slice(0, log.checkpoint.indexOf('\n\n') + 1);
    const b = fresh();
    b.checkpoint = signNote(text, [parseSignerKey(kit.checkpointKey.signerKey), parseSignerKey(witness.signerKey)]);
    expect((await verifyBundleReport(b, kit.policy())).ok).toBe(true);
  });

  it('accepts a bundle without the optional publicKey and checkpointKey', async () => {
    const b: Partial<BundleJson> = fresh();
    delete b.publicKey;
    delete b.checkpointKey;
    expect((await verifyBundleReport(b, kit.policy())).ok).toBe(true);
  });

  it('accepts a bundle whose tsaCertificates are absent when the token carries its signer', async () => {
    const b = fresh();
    delete b.tsaCertificates;
    expect((await verifyBundleReport(b, kit.policy())).ok).toBe(true);
  });

  it('accepts a token from a non-dev TSA (openssl-made PKI), also under requireTrustedTsa', async () => {
    const signer = fixtureSigner();
    const b = fresh();
    b.timestamp = toBase64(stampCheckpoint(signer, log.checkpoint));
    b.tsaCertificates = signer.certificates.map(toPemCertificate);
    const r = await verifyBundleReport(b, kit.policy({ tsaRoots: [pem('ca.pem')], requireTrustedTsa: true, tsaPolicy: TEST_POLICY }));
    expect(r.ok).toBe(true);
    expect(r.devTsa).toBe(false);
    expect(check(r, 'timestamp').detail).not.toContain('dev TSA');
  });

  it('matches an expected id and fails LEAF_HASH on another', async () => {
    const id = receiptId(log.entries[3]!);
    expect((await verifyBundleReport(fresh(), kit.policy(), { expectedId: id })).ok).toBe(true);
    const r = await verifyBundleReport(fresh(), kit.policy(), { expectedId: receiptId(log.entries[2]!) });
    expect(check(r, 'leaf hash')).toMatchObject({ ok: false, code: 'LEAF_HASH' });
    expect(check(r, 'inclusion proof').detail).toBe('not checked: depends on leaf hash');
  });
});

describe('when the entry is tampered with', () => {
  it('one character of the receipt fails RECEIPT_SIGNATURE, and its leaf is not in the tree', async () => {
    const b = fresh();
    (b.entry.receipt as { time: string }).time = '2026-01-02T03:04:06Z';
    const r = await expectFailure(b, 'receipt signature', 'RECEIPT_SIGNATURE');
    expect(check(r, 'inclusion proof')).toMatchObject({ ok: false, code: 'ROOT_MISMATCH' });
  });

  it('one character of the signature fails RECEIPT_SIGNATURE', async () => {
    const b = fresh();
    const sig = b.entry.signature;
    // A character of the last base64 line before the checksum: inside the EdDSA signature MPIs.
    const lines = sig.split('\n');
    const k = lines.findIndex((l) => l.startsWith('=')) - 1;
    lines[k] = flipChar(lines[k]!, 5);
    b.entry.signature = lines.join('\n');
    await expectFailure(b, 'receipt signature', 'RECEIPT_SIGNATURE');
  });

  it('a signature by a key outside the trust list fails UNTRUSTED_KEY, naming the bundle key fingerprint', async () => {
    const r = await expectFailure(fresh(), 'receipt signature', 'UNTRUSTED_KEY', kit.policy({ receiptKeys: [other.signingKey.armoredPublicKey] }));
    expect(check(r, 'receipt signature').detail).toContain(kit.signingKey.fingerprint);
    expect(check(r, 'receipt signature').hint).toContain('--trust-key');
    expect(r.signer).toBeUndefined();
    // The others still ran: only the signature's trust is missing.
    expect(r.checks.filter((c) => c.ok).map((c) => c.name)).toEqual(['schema', 'leaf hash', 'checkpoint signature', 'inclusion proof', 'timestamp']);
  });

  it('an empty receipt trust list fails UNTRUSTED_KEY, never passes', async () => {
    const r = await expectFailure(fresh(), 'receipt signature', 'UNTRUSTED_KEY', kit.policy({ receiptKeys: [] }));
    expect(check(r, 'receipt signature').hint).toContain('--trust-key');
  });

  it('a bundle publicKey that is not the signer fails RECEIPT_SIGNATURE (inconsistent bundle)', async () => {
    const b = fresh();
    b.publicKey = other.signingKey.armoredPublicKey;
    await expectFailure(b, 'receipt signature', 'RECEIPT_SIGNATURE', kit.policy({ receiptKeys: [kit.signingKey.armoredPublicKey, other.signingKey.armoredPublicKey] }));
  });

  it('a bundle publicKey that does not parse fails RECEIPT_SIGNATURE', async () => {
    const b = fresh();
    b.publicKey = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----\n';
    await expectFailure(b, 'receipt signature', 'RECEIPT_SIGNATURE');
  });

  it('a secret key in the bundle publicKey fails RECEIPT_SIGNATURE', async () => {
    const b = fresh();
    b.publicKey = kit.signingKey.armoredPrivateKey;
    await expectFailure(b, 'receipt signature', 'RECEIPT_SIGNATURE');
  });
});

describe('when the inclusion proof is tampered with', () => {
  it('one byte of a proof hash fails ROOT_MISMATCH', async () => {
    const b = fresh();
    const h = fromBase64(b.inclusionProof.hashes[1]!)!;
    h[0]! ^= 1;
    b.inclusionProof.hashes[1] = toBase64(h);
    await expectFailure(b, 'inclusion proof', 'ROOT_MISMATCH');
  });

  it('a changed logIndex fails', async () => {
    const b = fresh();
    b.inclusionProof.logIndex = 2;
    await expectFailure(b, 'inclusion proof', 'ROOT_MISMATCH');
    b.inclusionProof.logIndex = 7;
    await expectFailure(b, 'inclusion proof', 'INCLUSION_PROOF');
  });

  it('a changed treeSize fails INCLUSION_PROOF', async () => {
    const b = fresh();
    b.inclusionProof.treeSize = 8;
    await expectFailure(b, 'inclusion proof', 'INCLUSION_PROOF');
  });

  it('a valid proof for a smaller tree fails: the size comes from the signed checkpoint', async () => {
    // Leaf 3 of the first 6 leaves: a correct proof, but not for the tree the checkpoint signs.
    const small = await kit.build({ size: 6 });
    const b = fresh();
    b.inclusionProof = small.bundle(3).inclusionProof;
    await expectFailure(b, 'inclusion proof', 'INCLUSION_PROOF');
    b.inclusionProof.treeSize = 7;
    await expectFailure(b, 'inclusion proof', 'ROOT_MISMATCH');
  });

  it('a missing proof hash fails INCLUSION_PROOF', async () => {
    const b = fresh();
    b.inclusionProof.hashes.pop();
    await expectFailure(b, 'inclusion proof', 'INCLUSION_PROOF');
  });
});

describe('when the checkpoint is tampered with', () => {
  it('an edited body fails CHECKPOINT_SIGNATURE; proof and token are not checked', async () => {
    const b = fresh();
    b.checkpoint = b.checkpoint.replace('\n7\n', '\n8\n');
    const r = await expectFailure(b, 'checkpoint signature', 'CHECKPOINT_SIGNATURE');
    expect(check(r, 'inclusion proof').detail).toBe('not checked: depends on checkpoint signature');
    expect(check(r, 'timestamp').detail).toBe('not checked: depends on checkpoint signature');
    expect(check(r, 'timestamp').code).toBeUndefined();
  });

  it("another log's checkpoint under another key fails CHECKPOINT_KEY, naming the bundle's key", async () => {
    const b = fresh();
    b.checkpoint = otherLog.checkpoint;
    b.checkpointKey = other.checkpointKey.verifierKey;
    const r = await expectFailure(b, 'checkpoint signature', 'CHECKPOINT_KEY');
    expect(check(r, 'checkpoint signature').detail).toContain('other.example/log+');
    expect(check(r, 'checkpoint signature').hint).toContain('--trust-key');
  });

  it("another log's checkpoint under a trusted key fails CHECKPOINT_ORIGIN", async () => {
    const b = fresh();
    b.checkpoint = otherLog.checkpoint;
    delete (b as Partial<BundleJson>).checkpointKey;
    await expectFailure(b, 'checkpoint signature', 'CHECKPOINT_ORIGIN', kit.policy({ checkpointKeys: [kit.checkpointKey.verifierKey, other.checkpointKey.verifierKey] }));
  });

  it('a checkpoint for the same origin signed by an untrusted key fails CHECKPOINT_KEY', async () => {
    const impostor = generateNoteKey(kit.origin);
    const b = fresh();
    b.checkpoint = signCheckpoint({ origin: kit.origin, size: 7, root: log.root }, impostor.signerKey);
    await expectFailure(b, 'checkpoint signature', 'CHECKPOINT_KEY');
  });

  it('an empty checkpoint trust list fails CHECKPOINT_KEY', async () => {
    await expectFailure(fresh(), 'checkpoint signature', 'CHECKPOINT_KEY', kit.policy({ checkpointKeys: [] }));
  });

  it('a malformed bundle checkpointKey is a failed check, not an input error', async () => {
    const b = fresh();
    b.checkpointKey = 'not a key';
    await expectFailure(b, 'checkpoint signature', 'CHECKPOINT_KEY');
    b.checkpointKey = other.checkpointKey.verifierKey;
    await expectFailure(b, 'checkpoint signature', 'CHECKPOINT_KEY');
  });

  it('garbage fails CHECKPOINT_FORMAT', async () => {
    const b = fresh();
    b.checkpoint = 'hello';
    await expectFailure(b, 'checkpoint signature', 'CHECKPOINT_FORMAT');
  });
});

describe('timestamps', () => {
  it('a missing token fails TSA_MISSING, even when other checks fail', async () => {
    const b: Partial<BundleJson> = fresh();
    delete b.timestamp;
    delete b.tsaCertificates;
    await expectFailure(b, 'timestamp', 'TSA_MISSING');
    b.checkpoint = 'garbage';
    await expectFailure(b, 'timestamp', 'TSA_MISSING');
  });

  it('a missing token passes with allowMissingTimestamp, and says so', async () => {
    const b: Partial<BundleJson> = fresh();
    delete b.timestamp;
    const r = await verifyBundleReport(b, kit.policy({ allowMissingTimestamp: true }));
    expect(r.ok).toBe(true);
    expect(check(r, 'timestamp').detail).toBe('absent (allowed by --allow-missing-timestamp)');
    expect(r.genTime).toBeUndefined();
  });

  it('a token over another checkpoint fails TSA_IMPRINT', async () => {
    const b = fresh();
    b.timestamp = toBase64(otherLog.token!);
    b.tsaCertificates = other.tsa.certificatesPem;
    await expectFailure(b, 'timestamp', 'TSA_IMPRINT', kit.policy({ tsaRoots: [other.tsa.caPem] }));
    // The same TSA, an older checkpoint of the same log.
    const older = await kit.build({ size: 6 });
    b.timestamp = toBase64(older.token!);
    b.tsaCertificates = kit.tsa.certificatesPem;
    await expectFailure(b, 'timestamp', 'TSA_IMPRINT');
  });

  it('a TSA whose root is not trusted fails TSA_CHAIN, even when the bundle carries that root', async () => {
    const rogue = await createDevTsa(kit.origin);
    const b = fresh();
    b.timestamp = toBase64(stampCheckpoint(rogue.signer, log.checkpoint));
    b.tsaCertificates = rogue.certificatesPem; // includes the rogue CA: never an anchor
    const r = await expectFailure(b, 'timestamp', 'TSA_CHAIN');
    expect(check(r, 'timestamp').hint).toContain('keys export --tsa');
  });

  it('an empty TSA trust list fails TSA_CHAIN with a hint', async () => {
    const r = await expectFailure(fresh(), 'timestamp', 'TSA_CHAIN', kit.policy({ tsaRoots: [] }));
    expect(check(r, 'timestamp').hint).toContain('--trust-key');
  });

  it('a dev TSA token fails TSA_UNTRUSTED under requireTrustedTsa', async () => {
    await expectFailure(fresh(), 'timestamp', 'TSA_UNTRUSTED', kit.policy({ requireTrustedTsa: true }));
  });

  it('a pinned policy OID that differs fails TSA_POLICY', async () => {
    await expectFailure(fresh(), 'timestamp', 'TSA_POLICY', kit.policy({ tsaPolicy: '1.2.3.4' }));
  });

  it('a genTime after the policy clock fails TSA_TIME', async () => {
    await expectFailure(fresh(), 'timestamp', 'TSA_TIME', kit.policy({ now: new Date(Date.now() - 3600_000) }));
  });

  it('tsaCertificates must list the signer first, and only certificates', async () => {
    const b = fresh();
    b.tsaCertificates = [...b.tsaCertificates!].reverse();
    await expectFailure(b, 'timestamp', 'TSA_CHAIN');
    b.tsaCertificates = ['junk'];
    await expectFailure(b, 'timestamp', 'TSA_CHAIN');
    b.tsaCertificates = [good.tsaCertificates![0]! + good.tsaCertificates![1]!];
    await expectFailure(b, 'timestamp', 'TSA_CHAIN');
  });

  it('a token that is not base64 DER fails TSA_TOKEN', async () => {
    const b = fresh();
    b.timestamp = 'not base64!';
    await expectFailure(b, 'timestamp', 'TSA_TOKEN');
    b.timestamp = toBase64(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]));
    await expectFailure(b, 'timestamp', 'TSA_TOKEN');
  });
});

describe('when pieces are missing or malformed', () => {
  for (const piece of ['entry', 'inclusionProof', 'checkpoint'] as const) {
    it(`no ${piece}: schema fails and every other check is "not checked"`, async () => {
      const b: Partial<BundleJson> = fresh();
      delete b[piece];
      const r = await expectFailure(b, 'schema', 'BUNDLE_SCHEMA');
      for (const c of r.checks.slice(1)) expect(c).toEqual({ name: c.name, ok: false, detail: 'not checked: depends on schema' });
      const e = await rejection(verifyBundle(b, kit.policy()));
      expect(e).toBeInstanceOf(VerificationError);
      expect((e as VerificationError).code).toBe('BUNDLE_SCHEMA');
    });
  }

  it('an unknown field or a malformed hash fails the schema check', async () => {
    await expectFailure({ ...fresh(), extra: 1 }, 'schema', 'BUNDLE_SCHEMA');
    const b = fresh();
    b.inclusionProof.hashes[0] = 'abc';
    await expectFailure(b, 'schema', 'BUNDLE_SCHEMA');
  });

  it('a value that is not I-JSON (from an embedder, not parseJson) fails the schema check', async () => {
    const b = fresh();
    b.entry.signature = b.entry.signature.replace('-----END', '\ud800-----END');
    await expectFailure(b, 'schema', 'BUNDLE_SCHEMA');
  });

  it('input that is not a bundle at all throws InputError UNKNOWN_MEDIA_TYPE', async () => {
    for (const v of [null, [], 'x', { ...fresh(), mediaType: 'application/json' }, {}]) {
      for (const p of [verifyBundleReport(v, kit.policy()), verifyBundle(v, kit.policy())]) {
        const e = await rejection(p);
        expect(e).toBeInstanceOf(InputError);
        expect((e as InputError).code).toBe('UNKNOWN_MEDIA_TYPE');
      }
    }
  });
});

describe('verifyBundle', () => {
  it('throws the first failing check as a VerificationError with its code', async () => {
    const b = fresh();
    b.inclusionProof.logIndex = 2;
    (b as Partial<BundleJson>).timestamp = undefined;
    delete (b as Partial<BundleJson>).timestamp;
    const e = await rejection(verifyBundle(b, kit.policy()));
    expect(e).toBeInstanceOf(VerificationError);
    expect((e as VerificationError).code).toBe('ROOT_MISMATCH');
  });
});

describe('the trust policy', () => {
  it('rejects material that does not parse with InputError BAD_INPUT (configuration, exit 2)', async () => {
    const bad: Partial<TrustPolicy>[] = [
      { receiptKeys: ['not a key'] },
      { checkpointKeys: ['not+a+key'] },
      { tsaRoots: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] },
      { tsaRoots: ['nothing'] },
      { tsaPolicy: 'policy' },
      { now: new Date(Number.NaN) },
      { receiptKeys: 'x' as unknown as string[] },
    ];
    for (const extra of bad) {
      const e = await rejection(BundleVerifier.create(kit.policy(extra)));
      expect([extra, e instanceof InputError && e.code]).toEqual([extra, 'BAD_INPUT']);
    }
  });

  it('tolerates the same checkpoint key twice (two trust files)', async () => {
    const r = await verifyBundleReport(fresh(), kit.policy({ checkpointKeys: [kit.checkpointKey.verifierKey, kit.checkpointKey.verifierKey] }));
    expect(r.ok).toBe(true);
  });
});
