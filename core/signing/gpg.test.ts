// Interop with the real GnuPG 2.2 binary, in a throwaway GNUPGHOME: our keys and signatures must
// verify with `gpg --verify`, and gpg's keys and signatures must work with our code.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, importSigningKey } from './keys.js';
import { ReceiptSigner } from './signer.js';
import { verifyReceiptSignature } from './verify.js';
import { canonicalBytes } from '../canonical.js';
import { InputError, VerificationError } from '../errors.js';
import type { Receipt } from '../receipt.js';

let home: string;

function gpg(args: string[], input?: string | Uint8Array, passphrase = ''): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('gpg', ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args], {
    input,
    env: { ...process.env, GNUPGHOME: home },
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, data: string | Uint8Array): string {
  const p = join(home, name);
  writeFileSync(p, data);
  return p;
}

/** gpg --verify with machine-readable status; returns the VALIDSIG fingerprint or undefined. */
function gpgVerify(sig: string, data: Uint8Array): string | undefined {
  const r = gpg(['--status-fd', '1', '--verify', file('v.sig', sig), file('v.dat', data)]);
  const m = /^\[GNUPG:\] VALIDSIG ([0-9A-F]{40}) /m.exec(r.stdout);
  return r.status === 0 && m ? m[1]!.toLowerCase() : undefined;
}

function gpgFingerprint(uid: string): string {
  const r = gpg(['--with-colons', '--list-secret-keys', uid]);
  const m = /^fpr:+([0-9A-F]{40}):/m.exec(r.stdout);
  if (!m) throw new Error(`no key for ${uid}: ${r.stderr}`);
  return m[1]!.toLowerCase();
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

const receipt: Receipt = {
  v: 1,
  kind: 'deploy',
  origin: 'example.org/log',
  time: '2025-06-01T12:00:00.5Z',
  subject: { component: 'api', version: '2.0.0', sha256: 'cd'.repeat(32) },
  evidence: [{ name: 'build log', sha256: 'ef'.repeat(32) }],
  note: 'ünïcode and "quotes"',
};
const jcs = canonicalBytes(receipt);

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'rmb-gpg-'));
  chmodSync(home, 0o700);
  expect(gpg(['--version']).stdout).toMatch(/^gpg \(GnuPG\) 2\./);
});

afterAll(() => {
  // Stop the agent this test's gpg started for its home, then remove the home.
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home } });
  rmSync(home, { recursive: true, force: true });
});

describe('our key and signature, checked by gpg', () => {
  it('gpg --verify accepts a receipt signature made by ReceiptSigner', async () => {
    const key = await generateSigningKey({ name: 'Remembrancer Test', email: 'test@example.org' });
    expect(gpg(['--import'], key.armoredPublicKey).status).toBe(0);
    const signer = await ReceiptSigner.create(key.armoredPrivateKey);
    const sig = await signer.sign(receipt);
    expect(gpgVerify(sig, jcs)).toBe(key.fingerprint);
    // And gpg rejects it over other bytes: the check above can fail.
    expect(gpgVerify(sig, canonicalBytes({ ...receipt, note: 'x' }))).toBeUndefined();
  });
});

describe('a gpg key and signature, checked by our code', () => {
  let fingerprint: string;
  let armoredPublic: string;

  beforeAll(() => {
    const r = gpg(['--quick-gen-key', 'Gpg Test <t@example>', 'ed25519', 'sign', 'never']);
    expect(r.status, r.stderr).toBe(0);
    fingerprint = gpgFingerprint('t@example');
    armoredPublic = gpg(['--armor', '--export', fingerprint]).stdout;
  });

  it('verifyReceiptSignature accepts gpg --armor --detach-sign over JCS(receipt)', async () => {
    const sig = gpg(['--armor', '--local-user', fingerprint, '--output', '-', '--detach-sign', file('r.json', jcs)]).stdout;
    expect(sig).toContain('-----BEGIN PGP SIGNATURE-----');
    const v = await verifyReceiptSignature(receipt, sig, [armoredPublic]);
    expect(v.fingerprint).toBe(fingerprint);
    expect(await code(() => verifyReceiptSignature({ ...receipt, note: 'changed' }, sig, [armoredPublic]))).toBe('RECEIPT_SIGNATURE');
    const stranger = await generateSigningKey({ name: 'Stranger' });
    expect(await code(() => verifyReceiptSignature(receipt, sig, [stranger.armoredPublicKey]))).toBe('UNTRUSTED_KEY');
  });

  it('imports the gpg-exported secret key and signs receipts that gpg verifies', async () => {
    const secret = gpg(['--armor', '--export-secret-keys', fingerprint]).stdout;
    const imported = await importSigningKey(secret);
    expect(imported.fingerprint).toBe(fingerprint);
    expect(imported.algorithm).toBe('eddsaLegacy/ed25519Legacy');
    const signer = await ReceiptSigner.create(secret);
    const sigs = await signer.signMany([receipt, { ...receipt, note: 'second' }]);
    expect(gpgVerify(sigs[0]!, jcs)).toBe(fingerprint);
    expect(gpgVerify(sigs[1]!, canonicalBytes({ ...receipt, note: 'second' }))).toBe(fingerprint);
  });

  it('needs the passphrase of a protected gpg key', async () => {
    const r = gpg(['--quick-gen-key', 'Locked <locked@example>', 'ed25519', 'sign', 'never'], undefined, 'hunter2');
    expect(r.status, r.stderr).toBe(0);
    const fpr = gpgFingerprint('locked@example');
    const secret = gpg(['--armor', '--export-secret-keys', fpr], undefined, 'hunter2').stdout;
    expect(secret).toContain('PRIVATE KEY BLOCK');
    expect(await code(() => importSigningKey(secret))).toBe('BAD_INPUT');
    const signer = await ReceiptSigner.create(secret, { passphrase: 'hunter2' });
    expect(signer.fingerprint).toBe(fpr);
    expect(gpgVerify(await signer.sign(receipt), jcs)).toBe(fpr);
  });
});
