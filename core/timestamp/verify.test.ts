import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, toHex } from '../bytes.js';
import { InputError, VerificationError } from '../errors.js';
import { OPENSSL_TSA_POLICY, opensslReply, writeOpensslTsaConfig, type OpensslTsaOptions } from '../../test/openssl-tsa.js';
import {
  TEST_POLICY,
  checkpoint,
  fixture,
  fixtureSigner,
  fixtureToken,
  forgeSignedAttributes,
  isAttribute,
  key,
  pem,
  thrown,
} from '../../test/tsa-fixtures.js';
import { enc } from './der.js';
import { OID } from './oids.js';
import { createTimestampRequest } from './request.js';
import { parseTimestampResponse } from './response.js';
import { verifyTimestampResponse, verifyTimestampToken, type VerifyTimestampOptions } from './verify.js';

const cp = checkpoint(41);
const trusted = { trustedCAs: [pem('ca.pem')] };

function expectCode(f: () => unknown, code: string, cls: new (...a: never[]) => Error = VerificationError): void {
  const e = thrown(f);
  expect(e).toBeInstanceOf(cls);
  expect((e as VerificationError).code).toBe(code);
}

// Tokens from an independent TSA: `openssl ts -reply` over requests we build.
let work: string;
async function openssl(opts: OpensslTsaOptions & { reqPolicy?: string } = {}): Promise<{ resp: Uint8Array; nonce: bigint }> {
  const dir = mkdtempSync(join(work, 'tsa-'));
  const cfg = await writeOpensslTsaConfig(dir, opts);
  const req = createTimestampRequest({ digest: cp.digest, ...(opts.reqPolicy ? { policy: opts.reqPolicy } : {}) });
  return { resp: await opensslReply(dir, cfg, req.der, 'q'), nonce: req.nonce };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ts-verify-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('tokens from openssl ts -reply', () => {
  it('verifies an ECDSA token and reports what it proves', async () => {
    const { resp, nonce } = await openssl();
    const before = Date.now();
    const v = verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted });
    expect(v.policy).toBe(OPENSSL_TSA_POLICY);
    expect(v.nonce).toBe(nonce);
    expect(v.tsaName).toBe('O=Remembrancer tests, CN=Remembrancer Test TSA');
    expect(v.chain.map(toHex)).toEqual([pemDerHex('tsa.pem'), pemDerHex('ca.pem')]);
    expect(v.devTsa).toBe(false);
    expect(Math.abs(v.genTime.getTime() - before)).toBeLessThan(60_000);
    expect(v.accuracy).toEqual({ seconds: 1, millis: 500 });
  });

  it('verifies an RSA token', async () => {
    const { resp, nonce } = await openssl({ signer: 'tsa-rsa' });
    expect(verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted }).tsaName).toContain('(RSA)');
  });

  it('verifies a token with a SHA-1 SigningCertificate (ESS v1)', async () => {
    const { resp, nonce } = await openssl({ essCertIdAlg: 'sha1' });
    expect(verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted }).serial).toBeGreaterThan(0n);
  });

  it('builds a three-certificate chain through an intermediate carried in the token', async () => {
    const { resp, nonce } = await openssl({ signer: 'tsa-int', certs: ['int-ca.pem', 'ca.pem'] });
    expect(verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted }).chain).toHaveLength(3);
  });

  it('needs the intermediate from extraCerts when the token lacks it', async () => {
    const { resp, nonce } = await openssl({ signer: 'tsa-int', certs: [] });
    expectCode(() => verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted }), 'TSA_CHAIN');
    const v = verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted, extraCerts: [pem('int-ca.pem')] });
    expect(v.chain).toHaveLength(3);
  });

  it('accepts a pinned policy that matches and rejects one that does not (TSA_POLICY)', async () => {
    const { resp, nonce } = await openssl();
    expect(verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted, policy: OPENSSL_TSA_POLICY }).policy).toBe(OPENSSL_TSA_POLICY);
    expectCode(() => verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted, policy: '1.2.3.4.99' }), 'TSA_POLICY');
  });

  it('throws TSA_STATUS when the TSA rejects the request (policy it does not offer)', async () => {
    const { resp, nonce } = await openssl({ reqPolicy: '1.2.3.4.99' });
    expect(parseTimestampResponse(resp).status).toBe(2);
    expect(parseTimestampResponse(resp).failInfo).toEqual(['unacceptedPolicy']);
    expectCode(() => verifyTimestampResponse(resp, { digest: cp.digest, nonce, ...trusted }), 'TSA_STATUS');
  });
});

function pemDerHex(name: string): string {
  return toHex(new Uint8Array(Buffer.from(pem(name).replace(/-----[^-]+-----|\s/g, ''), 'base64')));
}

describe('tokens we issue, checked by openssl ts -verify', () => {
  const run = (args: string[]): string => execFileSync('openssl', ['ts', '-verify', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('verifies with -data, with -digest, and against the request', () => {
    const dir = mkdtempSync(join(work, 'ours-'));
    const req = createTimestampRequest({ digest: cp.digest });
    const resp = fixtureSigner().issue({ request: req.der }, { serial: 77n, genTime: new Date() });
    const token = parseTimestampResponse(resp).token!;
    const files = { body: join(dir, 'body'), tok: join(dir, 'tok'), resp: join(dir, 'resp'), tsq: join(dir, 'tsq') };
    writeFileSync(files.body, cp.body);
    writeFileSync(files.tok, token);
    writeFileSync(files.resp, resp);
    writeFileSync(files.tsq, req.der);
    const trust = ['-CAfile', fixture('ca.pem'), '-untrusted', fixture('tsa.pem')];
    expect(run(['-data', files.body, '-in', files.tok, '-token_in', ...trust])).toContain('Verification: OK');
    expect(run(['-digest', toHex(cp.digest), '-in', files.tok, '-token_in', ...trust])).toContain('Verification: OK');
    expect(run(['-queryfile', files.tsq, '-in', files.resp, ...trust])).toContain('Verification: OK');
    // ... and openssl refuses it for another checkpoint.
    expect(() => run(['-digest', toHex(checkpoint(42).digest), '-in', files.tok, '-token_in', ...trust])).toThrow();
  });

  it('verifies with our verifier, chain in the token or beside it', () => {
    for (const includeChain of [false, true]) {
      const token = fixtureToken(cp.digest, { signer: fixtureSigner('tsa', { includeChain }), nonce: 5n });
      const v = verifyTimestampToken(token, { digest: cp.digest, nonce: 5n, ...trusted, policy: TEST_POLICY });
      expect(v.chain).toHaveLength(2);
    }
  });

  it('verifies a token issued without certificates when the signer comes in extraCerts', () => {
    const token = fixtureToken(cp.digest, { certReq: false });
    expectCode(() => verifyTimestampToken(token, { digest: cp.digest, ...trusted }), 'TSA_SIGNATURE');
    expect(verifyTimestampToken(token, { digest: cp.digest, ...trusted, extraCerts: [pem('tsa.pem')] }).chain).toHaveLength(2);
  });
});

describe('rejections', () => {
  const opts = (o: Partial<VerifyTimestampOptions> = {}): VerifyTimestampOptions => ({ digest: cp.digest, ...trusted, ...o });

  it('wrong imprint: TSA_IMPRINT', () => {
    const token = fixtureToken(cp.digest);
    expectCode(() => verifyTimestampToken(token, opts({ digest: sha256(cp.digest) })), 'TSA_IMPRINT');
  });

  it('replayed token for another checkpoint: TSA_IMPRINT', () => {
    const old = fixtureToken(checkpoint(40).digest);
    expectCode(() => verifyTimestampToken(old, opts()), 'TSA_IMPRINT');
  });

  it('imprint with another hash algorithm: TSA_IMPRINT', () => {
    const s = fixtureSigner();
    const req = enc.seq(enc.int(1), enc.seq(enc.seq(enc.oid(OID.sha512)), enc.octets(new Uint8Array(64))), enc.bool(true));
    const token = parseTimestampResponse(s.issue({ request: req }, { serial: 1n, genTime: new Date() })).token!;
    expectCode(() => verifyTimestampToken(token, opts()), 'TSA_IMPRINT');
  });

  it('wrong nonce: TSA_NONCE', () => {
    const token = fixtureToken(cp.digest, { nonce: 1234n });
    expect(verifyTimestampToken(token, opts({ nonce: 1234n })).nonce).toBe(1234n);
    expectCode(() => verifyTimestampToken(token, opts({ nonce: 1235n })), 'TSA_NONCE');
  });

  it('missing nonce when one was sent: TSA_NONCE', () => {
    const token = fixtureToken(cp.digest);
    expectCode(() => verifyTimestampToken(token, opts({ nonce: 1n })), 'TSA_NONCE');
  });

  it('signer without the timeStamping EKU: TSA_EKU', () => {
    expectCode(() => verifyTimestampToken(fixtureToken(cp.digest, { signer: fixtureSigner('tsa-noeku') }), opts()), 'TSA_EKU');
  });

  it('EKU not critical: TSA_EKU', () => {
    expectCode(() => verifyTimestampToken(fixtureToken(cp.digest, { signer: fixtureSigner('tsa-eku-noncritical') }), opts()), 'TSA_EKU');
  });

  it('EKU with another purpose besides timeStamping: TSA_EKU', () => {
    expectCode(() => verifyTimestampToken(fixtureToken(cp.digest, { signer: fixtureSigner('tsa-eku-multi') }), opts()), 'TSA_EKU');
  });

  it('expired signer: TSA_TIME', () => {
    expectCode(() => verifyTimestampToken(fixtureToken(cp.digest, { signer: fixtureSigner('tsa-expired') }), opts()), 'TSA_TIME');
  });

  it('not-yet-valid signer: TSA_TIME', () => {
    expectCode(() => verifyTimestampToken(fixtureToken(cp.digest, { signer: fixtureSigner('tsa-notyet') }), opts()), 'TSA_TIME');
  });

  it('genTime in the future: TSA_TIME', () => {
    const token = fixtureToken(cp.digest, { genTime: new Date(Date.now() + 3600_000) });
    expectCode(() => verifyTimestampToken(token, opts()), 'TSA_TIME');
    expect(verifyTimestampToken(token, opts({ now: new Date(Date.now() + 3600_000) })).genTime.getTime()).toBeGreaterThan(Date.now());
  });

  it('chain to an untrusted CA: TSA_CHAIN', () => {
    const signer = fixtureSigner('tsa-untrusted', { chain: ['untrusted-ca.pem'], includeChain: true });
    const token = fixtureToken(cp.digest, { signer });
    expectCode(() => verifyTimestampToken(token, opts()), 'TSA_CHAIN');
    expectCode(() => verifyTimestampToken(token, opts({ extraCerts: [pem('untrusted-ca.pem')] })), 'TSA_CHAIN');
    // the same token is fine for whoever trusts that CA
    expect(verifyTimestampToken(token, opts({ trustedCAs: [pem('untrusted-ca.pem')] })).chain).toHaveLength(2);
  });

  it('no trust anchors at all: TSA_CHAIN', () => {
    expectCode(() => verifyTimestampToken(fixtureToken(cp.digest), opts({ trustedCAs: [] })), 'TSA_CHAIN');
  });

  it('tampered signed attributes: TSA_SIGNATURE', () => {
    const token = fixtureToken(cp.digest);
    const tampered = forgeSignedAttributes(token, (attrs) =>
      attrs.map((a) => {
        if (!isAttribute(a, OID.signingCertificateV2)) return a;
        const b = a.slice();
        b[b.length - 1]! ^= 0x01; // last byte of the ESS issuer serial
        return b;
      }),
    );
    expectCode(() => verifyTimestampToken(tampered, opts()), 'TSA_SIGNATURE');
  });

  it('tampered TSTInfo (message digest no longer matches): TSA_SIGNATURE', () => {
    const token = fixtureToken(cp.digest);
    // The TSTInfo policy OID 1.2.3.4.1 -> 1.2.3.4.2, inside the signed content.
    const needle = Buffer.from(enc.oid(TEST_POLICY));
    const at = Buffer.from(token).indexOf(needle);
    const t = token.slice();
    t[at + needle.length - 1] = 2;
    expectCode(() => verifyTimestampToken(t, opts()), 'TSA_SIGNATURE');
  });

  it('signature by another key: TSA_SIGNATURE', () => {
    const forged = forgeSignedAttributes(fixtureToken(cp.digest), (a) => a, key('tsa-eku-multi'));
    expectCode(() => verifyTimestampToken(forged, opts()), 'TSA_SIGNATURE');
  });

  it('ESS signing-certificate attribute missing: TSA_ESS', () => {
    const forged = forgeSignedAttributes(fixtureToken(cp.digest), (attrs) => attrs.filter((a) => !isAttribute(a, OID.signingCertificateV2)), key('tsa'));
    expectCode(() => verifyTimestampToken(forged, opts()), 'TSA_ESS');
  });

  it('ESS names another certificate: TSA_ESS', () => {
    const other = new Uint8Array(Buffer.from(pem('tsa-eku-multi.pem').replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    const ess = enc.seq(enc.oid(OID.signingCertificateV2), enc.setOf(enc.seq(enc.seq(enc.seq(enc.octets(sha256(other)))))));
    const forged = forgeSignedAttributes(
      fixtureToken(cp.digest),
      (attrs) => [...attrs.filter((a) => !isAttribute(a, OID.signingCertificateV2)), ess],
      key('tsa'),
    );
    expectCode(() => verifyTimestampToken(forged, opts()), 'TSA_ESS');
  });

  it('ESS issuer/serial of another certificate: TSA_ESS', () => {
    const forged = forgeSignedAttributes(
      fixtureToken(cp.digest),
      (attrs) =>
        attrs.map((a) => {
          if (!isAttribute(a, OID.signingCertificateV2)) return a;
          const b = a.slice();
          b[b.length - 1]! ^= 0x01; // last byte of the serial number in IssuerSerial
          return b;
        }),
      key('tsa'),
    );
    expectCode(() => verifyTimestampToken(forged, opts()), 'TSA_ESS');
  });

  it('truncated DER: TSA_TOKEN', () => {
    const token = fixtureToken(cp.digest);
    expectCode(() => verifyTimestampToken(token.subarray(0, token.length - 1), opts()), 'TSA_TOKEN');
    expectCode(() => verifyTimestampToken(token.subarray(0, 10), opts()), 'TSA_TOKEN');
    expectCode(() => verifyTimestampToken(new Uint8Array(0), opts()), 'TSA_TOKEN');
  });

  it('trailing bytes: TSA_TOKEN', () => {
    const token = fixtureToken(cp.digest);
    expectCode(() => verifyTimestampToken(new Uint8Array([...token, 0]), opts()), 'TSA_TOKEN');
  });

  it('a response that is not DER: TSA_TOKEN', () => {
    expectCode(() => parseTimestampResponse(new TextEncoder().encode('<html>502 Bad Gateway</html>')), 'TSA_TOKEN');
  });

  it('garbage trusted CA configuration is an InputError, not a verification failure', () => {
    expectCode(() => verifyTimestampToken(fixtureToken(cp.digest), opts({ trustedCAs: ['not a pem'] })), 'BAD_INPUT', InputError);
  });
});
