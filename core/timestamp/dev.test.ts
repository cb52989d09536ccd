import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../errors.js';
import { checkpoint, pem, thrown } from '../../test/tsa-fixtures.js';
import { nameToString, parseCertificate } from './cert.js';
import { assertNotDevTsa, findDevTsaCa, isDevTsaCertificate } from './dev.js';
import { createDevTsaCertificates, createDevTsaSignerCertificate } from './devca.js';
import { createTsaSigner } from './issue.js';
import { parsePemCertificates, toPemCertificate } from './pem.js';
import { verifyTimestampResponse } from './verify.js';

const dir = mkdtempSync(join(tmpdir(), 'devca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ec = (): Promise<webcrypto.CryptoKeyPair> =>
  webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

describe('dev TSA certificates built in-process', async () => {
  const caKeys = await ec();
  const tsaKeys = await ec();
  const { caCert, tsaCert } = await createDevTsaCertificates({ origin: 'example.com/log', caKeys, tsaKeys });
  writeFileSync(join(dir, 'ca.pem'), toPemCertificate(caCert));
  writeFileSync(join(dir, 'tsa.pem'), toPemCertificate(tsaCert));

  it('openssl accepts the signer for the timestampsign purpose (critical EKU, chain to the dev CA)', () => {
    const out = execFileSync('openssl', ['verify', '-purpose', 'timestampsign', '-CAfile', join(dir, 'ca.pem'), join(dir, 'tsa.pem')], { encoding: 'utf8' });
    expect(out).toContain(': OK');
  });

  it('names the CA with the dev TSA marker and the origin', () => {
    expect(nameToString(parseCertificate(caCert).subject)).toBe('O=Remembrancer dev TSA, CN=Remembrancer dev TSA CA (example.com/log)');
    expect(isDevTsaCertificate(caCert)).toBe(true);
    expect(isDevTsaCertificate(tsaCert)).toBe(false);
    expect(findDevTsaCa([tsaCert, caCert])).toBe(caCert);
    expect(isDevTsaCertificate(parsePemCertificates(pem('ca.pem'))![0]!)).toBe(false);
  });

  it('gives tokens that verify, labelled dev TSA; --require-trusted-tsa refuses them with TSA_UNTRUSTED', () => {
    const cp = checkpoint(1);
    const s = createTsaSigner({ signerKey: tsaKeys.privateKey, signerCert: tsaCert, chain: [caCert], policy: '1.2.3' });
    const v = verifyTimestampResponse(s.issue({ digest: cp.digest }, { serial: 1n, genTime: new Date() }), { digest: cp.digest, trustedCAs: [caCert] });
    expect(v.devTsa).toBe(true);
    const e = thrown(() => assertNotDevTsa(v.chain));
    expect(e).toBeInstanceOf(VerificationError);
    expect((e as VerificationError).code).toBe('TSA_UNTRUSTED');
  });

  it('re-issues a signer certificate from the same CA', async () => {
    const again = await createDevTsaSignerCertificate({ origin: 'example.com/log', caCert, caPrivateKey: caKeys.privateKey, tsaPublicKey: tsaKeys.publicKey });
    writeFileSync(join(dir, 'tsa2.pem'), toPemCertificate(again));
    expect(execFileSync('openssl', ['verify', '-purpose', 'timestampsign', '-CAfile', join(dir, 'ca.pem'), join(dir, 'tsa2.pem')], { encoding: 'utf8' })).toContain(': OK');
  });

  it('uses GeneralizedTime for validity past 2049', () => {
    const c = parseCertificate(caCert);
    expect(c.notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2050);
    expect(c.notBefore.getTime()).toBeLessThan(Date.now());
  });
});

it('assertNotDevTsa passes a chain from a real CA', () => {
  expect(() => assertNotDevTsa(parsePemCertificates(pem('tsa.pem') + pem('ca.pem'))!)).not.toThrow();
});
