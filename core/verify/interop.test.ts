// DESIGN §2: a bundle is verifiable piece by piece without our code. These tests take a testkit
// bundle apart and check its signature with GnuPG 2.2 (`gpg --verify`) and its token with
// `openssl ts -verify`; and that a key exported by gpg works as a trust file for our verifier.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../bytes.js';
import { canonicalBytes } from '../canonical.js';
import { checkpointBody } from '../checkpoint/checkpoint.js';
import { createTestKit, type BundleJson, type TestKit } from './testkit.js';
import { mergeTrust, parseTrustMaterial } from './trust.js';
import { verifyBundleReport } from './verifier.js';

let dir: string;
let kit: TestKit;
let bundle: BundleJson;

function run(cmd: string, args: string[]): { status: number; out: string; stdout: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, GNUPGHOME: join(dir, 'gnupg') } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, out: r.stdout + r.stderr, stdout: r.stdout };
}

const gpg = (args: string[]) => run('gpg', ['--homedir', join(dir, 'gnupg'), '--batch', '--no-tty', ...args]);

function file(name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verify-interop-'));
  mkdirSync(join(dir, 'gnupg'), { mode: 0o700 });
  kit = await createTestKit('interop.example/log');
  bundle = (await kit.build({ size: 5 })).bundle(4);
});

afterAll(() => {
  spawnSync('gpgconf', ['--homedir', join(dir, 'gnupg'), '--kill', 'all']);
  rmSync(dir, { recursive: true, force: true });
});

describe('a bundle, piece by piece, without our code', () => {
  it('gpg --verify accepts the receipt signature over JCS(receipt), and refuses an edited receipt', () => {
    expect(gpg(['--import', file('pub.asc', bundle.publicKey)]).status).toBe(0);
    const sig = file('receipt.sig', bundle.entry.signature);
    const ok = gpg(['--status-fd', '1', '--verify', sig, file('receipt.json', canonicalBytes(bundle.entry.receipt))]);
    expect(ok.status).toBe(0);
    expect(ok.out).toContain(`VALIDSIG ${kit.signingKey.fingerprint.toUpperCase()}`);
    const edited = { ...bundle.entry.receipt, note: 'edited' };
    expect(gpg(['--verify', sig, file('edited.json', canonicalBytes(edited))]).status).not.toBe(0);
  });

  it('openssl ts -verify accepts the token over the checkpoint body with the trusted CA, and refuses another body', () => {
    const token = file('token.der', fromBase64(bundle.timestamp!)!);
    const ca = file('ca.pem', kit.tsa.caPem);
    const untrusted = file('tsa.pem', bundle.tsaCertificates![0]!);
    const verify = (data: string) => run('openssl', ['ts', '-verify', '-data', data, '-in', token, '-token_in', '-CAfile', ca, '-untrusted', untrusted]);
    const ok = verify(file('body', checkpointBody(bundle.checkpoint)));
    expect(ok.out).toContain('Verification: OK');
    expect(ok.status).toBe(0);
    expect(verify(file('other', 'other.example/log\n5\nAAAA\n')).status).not.toBe(0);
  });

  it('a key exported by gpg works as a trust file', async () => {
    const exported = gpg(['--armor', '--export', kit.signingKey.fingerprint]);
    expect(exported.status).toBe(0);
    const trust = mergeTrust(
      parseTrustMaterial(exported.stdout, 'gpg-export.asc'),
      parseTrustMaterial(`${kit.checkpointKey.verifierKey}\n${kit.tsa.caPem}`, 'log.trust'),
    );
    expect(trust.receiptKeys).toHaveLength(1);
    const r = await verifyBundleReport(bundle, trust);
    expect(r.ok).toBe(true);
    expect(r.signer).toBe(kit.signingKey.fingerprint);
  });
});
