import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../core/bytes.js';
import { InputError } from '../../core/errors.js';
import { parsePemCertificates } from '../../core/timestamp/pem.js';
import { verifyTimestampToken } from '../../core/timestamp/verify.js';
import { checkpoint } from '../../test/tsa-fixtures.js';
import { DEV_TSA_POLICY, devTsaPaths, ensureDevTsa, loadDevTsa } from './devtsa.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'devtsa-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const mode = (p: string): number => statSync(p).mode & 0o777;
const read = (p: string): string => readFileSync(p, 'utf8');

describe('ensureDevTsa', () => {
  it('creates CA and signer once, keys 0600, and changes nothing on the next call', async () => {
    const first = await ensureDevTsa(home, 'example.com/log');
    const p = devTsaPaths(home);
    expect(first.created.sort()).toEqual(['ca.key', 'ca.pem', 'tsa.key', 'tsa.pem']);
    expect(mode(p.caKey)).toBe(0o600);
    expect(mode(p.tsaKey)).toBe(0o600);
    expect(mode(p.dir)).toBe(0o700);
    const before = [p.caKey, p.caCert, p.tsaKey, p.tsaCert].map(read);
    const second = await ensureDevTsa(home, 'example.com/log');
    expect(second.created).toEqual([]);
    expect([p.caKey, p.caCert, p.tsaKey, p.tsaCert].map(read)).toEqual(before);
    expect(second.caFingerprint).toBe(first.caFingerprint);
  });

  it('makes a signer that openssl accepts for time-stamping under the dev CA', async () => {
    const p = (await ensureDevTsa(home, 'o')).paths;
    const out = execFileSync('openssl', ['verify', '-purpose', 'timestampsign', '-CAfile', p.caCert, p.tsaCert], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain(': OK');
    expect(execFileSync('openssl', ['x509', '-in', p.caCert, '-noout', '-subject'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toContain('Remembrancer dev TSA CA (o)');
  });

  it('re-issues a missing signer certificate from the existing keys', async () => {
    const p = (await ensureDevTsa(home, 'o')).paths;
    const keys = [read(p.caKey), read(p.tsaKey)];
    unlinkSync(p.tsaCert);
    expect((await ensureDevTsa(home, 'o')).created).toEqual(['tsa.pem']);
    expect([read(p.caKey), read(p.tsaKey)]).toEqual(keys);
    expect(execFileSync('openssl', ['verify', '-purpose', 'timestampsign', '-CAfile', p.caCert, p.tsaCert], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toContain(': OK');
  });

  it('refuses a CA certificate whose key is gone, rather than replacing the CA', async () => {
    const p = (await ensureDevTsa(home, 'o')).paths;
    unlinkSync(p.caKey);
    const e = await ensureDevTsa(home, 'o').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('CONFIG');
  });

  it('is safe to run concurrently: one CA wins and nothing is overwritten', async () => {
    const results = await Promise.all([ensureDevTsa(home, 'o'), ensureDevTsa(home, 'o'), ensureDevTsa(home, 'o')]);
    expect(new Set(results.map((r) => r.caFingerprint)).size).toBe(1);
    const p = devTsaPaths(home);
    expect(execFileSync('openssl', ['verify', '-CAfile', p.caCert, p.tsaCert], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toContain(': OK');
  });
});

describe('loadDevTsa', () => {
  it('throws NOT_INITIALISED before ensureDevTsa', async () => {
    const e = await loadDevTsa(home).catch((x: unknown) => x);
    expect((e as InputError).code).toBe('NOT_INITIALISED');
  });

  it('stamps digests with tokens that verify here (labelled dev TSA) and with openssl ts -verify', async () => {
    const p = (await ensureDevTsa(home, 'example.com/log')).paths;
    const tsa = await loadDevTsa(home);
    const cp = checkpoint(1000);
    const stamp = await tsa.timestamp(cp.digest, 99n);
    expect(stamp.certificates).toEqual([read(p.tsaCert), read(p.caCert)].map((s) => s.replace(/\r/g, '')));
    const v = verifyTimestampToken(stamp.token, { digest: cp.digest, nonce: 99n, trustedCAs: [tsa.caCertificate], policy: DEV_TSA_POLICY });
    expect(v.devTsa).toBe(true);
    expect(v.serial).toBe(stamp.serial);
    expect(v.chain.map(toHex)).toEqual(stamp.certificates.map((c) => toHex(parsePemCertificates(c)![0]!)));

    const files = { body: join(home, 'body'), tok: join(home, 'tok') };
    writeFileSync(files.body, cp.body);
    writeFileSync(files.tok, stamp.token);
    const verify = (args: string[]): string =>
      execFileSync('openssl', ['ts', '-verify', ...args, '-in', files.tok, '-token_in', '-CAfile', p.caCert, '-untrusted', p.tsaCert], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(verify(['-data', files.body])).toContain('Verification: OK');
    expect(verify(['-digest', toHex(cp.digest)])).toContain('Verification: OK');
  });

  it('uses the injected clock for genTime and a fresh serial per token', async () => {
    await ensureDevTsa(home, 'o');
    const at = new Date('2030-05-06T07:08:09.500Z');
    const tsa = await loadDevTsa(home, { now: () => at });
    const cp = checkpoint(1);
    const [a, b] = [await tsa.timestamp(cp.digest), await tsa.timestamp(cp.digest)];
    expect(a.genTime).toEqual(at);
    expect(a.serial).not.toBe(b.serial);
    const v = verifyTimestampToken(a.token, { digest: cp.digest, trustedCAs: [tsa.caCertificate], now: at });
    expect(v.genTime.toISOString()).toBe(at.toISOString());
  });

  it('answers raw requests, rejecting what it cannot do', async () => {
    await ensureDevTsa(home, 'o');
    const tsa = await loadDevTsa(home);
    const r = await tsa.respond(new Uint8Array([1, 2, 3]));
    expect(r).toMatchObject({ granted: false, failInfo: 'badDataFormat' });
  });
});
