// Property tests for the hostile-input decoders: a token, response, request or certificate that
// is not exactly right is refused with a typed error, never accepted and never a stray exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VerificationError } from '../errors.js';
import { checkpoint, fixtureToken, pem } from '../../test/tsa-fixtures.js';
import { parseCertificate } from './cert.js';
import { DerError } from './der.js';
import { parsePemCertificates } from './pem.js';
import { TimestampRequestError, createTimestampRequest, parseTimestampRequest } from './request.js';
import { parseTimestampResponse } from './response.js';
import { verifyTimestampToken } from './verify.js';

const cp = checkpoint(7);
const NONCE = 0x1122334455667788n;
// The token as our dev TSA issues it: signer certificate only, chain beside it.
const token = fixtureToken(cp.digest, { nonce: NONCE });
const opts = { digest: cp.digest, nonce: NONCE, trustedCAs: [pem('ca.pem')], extraCerts: [pem('ca.pem')] };

function outcome(bytes: Uint8Array): 'verified' | 'refused' {
  try {
    verifyTimestampToken(bytes, opts);
    return 'verified';
  } catch (e) {
    if (e instanceof VerificationError && e.code.startsWith('TSA_')) return 'refused';
    throw e;
  }
}

const RUNS = Number(process.env.TSA_FUZZ_RUNS ?? 400);
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
);

type Mutation = { kind: 'flip' | 'truncate' | 'insert' | 'overwrite'; at: number; bit?: number; byte?: number };

function mutate(t: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % t.length;
  switch (m.kind) {
    case 'flip': {
      const b = t.slice();
      b[at]! ^= 1 << m.bit!;
      return b;
    }
    case 'truncate':
      return t.subarray(0, at);
    case 'insert':
      return Uint8Array.from([...t.subarray(0, at), m.byte!, ...t.subarray(at)]);
    default: {
      const b = t.slice();
      if (b[at] === m.byte) b[at] = (m.byte! + 1) & 0xff;
      else b[at] = m.byte!;
      return b;
    }
  }
}

describe('a valid token', () => {
  it('verifies unmutated (the property below is not vacuous)', () => {
    expect(outcome(token)).toBe('verified');
  });

  it('never verifies after one byte mutation, and only ever throws VerificationError', () => {
    fc.assert(fc.property(mutation, (m) => outcome(mutate(token, m)) === 'refused'), { numRuns: RUNS });
  });

  it('never verifies after two mutations', () => {
    fc.assert(fc.property(mutation, mutation, (a, b) => outcome(mutate(mutate(token, a), b)) === 'refused'), { numRuns: RUNS / 2 });
  });
});

describe('decoders given arbitrary bytes', () => {
  it('verifyTimestampToken throws VerificationError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => outcome(b) === 'refused'), { numRuns: RUNS });
  });

  it('parseTimestampResponse throws VerificationError TSA_TOKEN (or parses)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          parseTimestampResponse(b);
        } catch (e) {
          expect(e).toBeInstanceOf(VerificationError);
          expect((e as VerificationError).code).toBe('TSA_TOKEN');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('parseTimestampRequest throws TimestampRequestError for mutated requests', () => {
    const req = createTimestampRequest({ digest: cp.digest, policy: '1.2.3' }).der;
    fc.assert(
      fc.property(mutation, (m) => {
        try {
          parseTimestampRequest(mutate(req, m));
        } catch (e) {
          expect(e).toBeInstanceOf(TimestampRequestError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('parseCertificate throws DerError for mutated certificates', () => {
    const der = parsePemCertificates(pem('tsa.pem'))![0]!;
    fc.assert(
      fc.property(mutation, (m) => {
        try {
          parseCertificate(mutate(der, m));
        } catch (e) {
          expect(e).toBeInstanceOf(DerError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('parsePemCertificates never throws', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        parsePemCertificates(`-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----`);
      }),
    );
  });
});
