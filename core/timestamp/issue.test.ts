import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { checkpoint, fixtureSigner, pem, thrown } from '../../test/tsa-fixtures.js';
import { enc } from './der.js';
import { createTsaSigner } from './issue.js';
import { OID } from './oids.js';
import { createTimestampRequest } from './request.js';
import { parseTimestampResponse } from './response.js';
import { decodeToken } from './token.js';
import { verifyTimestampResponse } from './verify.js';

const cp = checkpoint(3);
const params = { serial: 9n, genTime: new Date() };

describe('answering requests', () => {
  const signer = fixtureSigner();

  it('copies the imprint and nonce of the request and includes the certificate when asked', () => {
    const req = createTimestampRequest({ digest: cp.digest, nonce: 42n });
    const a = signer.answer(req.der, params);
    expect(a.granted).toBe(true);
    const v = verifyTimestampResponse(a.der, { digest: cp.digest, nonce: 42n, trustedCAs: [pem('ca.pem')] });
    expect(v.serial).toBe(9n);
    expect(decodeToken(parseTimestampResponse(a.der).token!).certificates).toHaveLength(1);
  });

  it('leaves certificates out when certReq is false (RFC 3161 §2.4.1)', () => {
    const req = createTimestampRequest({ digest: cp.digest, certReq: false });
    const token = parseTimestampResponse(signer.answer(req.der, params).der).token!;
    expect(decodeToken(token).certificates).toHaveLength(0);
  });

  it('rejects a policy it does not offer with unacceptedPolicy', () => {
    const a = signer.answer(createTimestampRequest({ digest: cp.digest, policy: '1.2.3.4.99' }).der, params);
    expect(a.granted).toBe(false);
    expect(parseTimestampResponse(a.der)).toMatchObject({ status: 2, failInfo: ['unacceptedPolicy'] });
  });

  it('rejects SHA-1 imprints with badAlg', () => {
    const req = enc.seq(enc.int(1), enc.seq(enc.seq(enc.oid(OID.sha1)), enc.octets(new Uint8Array(20))));
    expect(parseTimestampResponse(signer.answer(req, params).der).failInfo).toEqual(['badAlg']);
  });

  it('rejects an imprint of the wrong length with badDataFormat', () => {
    const req = enc.seq(enc.int(1), enc.seq(enc.seq(enc.oid(OID.sha256)), enc.octets(new Uint8Array(31))));
    expect(parseTimestampResponse(signer.answer(req, params).der).failInfo).toEqual(['badDataFormat']);
  });

  it('rejects request extensions with unacceptedExtension', () => {
    const req = enc.seq(enc.int(1), enc.seq(enc.seq(enc.oid(OID.sha256)), enc.octets(cp.digest)), enc.ctx(0, enc.seq()));
    expect(parseTimestampResponse(signer.answer(req, params).der).failInfo).toEqual(['unacceptedExtension']);
  });

  it('rejects bytes that are not a request with badDataFormat', () => {
    const a = signer.answer(new TextEncoder().encode('GET / HTTP/1.1'), params);
    expect(parseTimestampResponse(a.der)).toMatchObject({ status: 2, failInfo: ['badDataFormat'] });
  });
});

describe('signing material', () => {
  it('refuses a key that does not match the certificate', () => {
    const e = thrown(() => createTsaSigner({ signerKey: pem('tsa-rsa.key'), signerCert: pem('tsa.pem'), policy: '1.2.3' }));
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('BAD_INPUT');
  });

  it('refuses a serial that is not positive', () => {
    const e = thrown(() => fixtureSigner().issue({ digest: cp.digest }, { serial: 0n, genTime: new Date() }));
    expect((e as InputError).code).toBe('BAD_INPUT');
  });

  it('signs with RSA keys too', () => {
    const s = createTsaSigner({ signerKey: pem('tsa-rsa.key'), signerCert: pem('tsa-rsa.pem'), chain: [pem('ca.pem')], policy: '1.2.3' });
    const v = verifyTimestampResponse(s.issue({ digest: cp.digest }, params), { digest: cp.digest, trustedCAs: [pem('ca.pem')] });
    expect(v.policy).toBe('1.2.3');
  });
});
