import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../bytes.js';
import { DerError, assertDerTree, decodeInteger, decodeOid, decodeTime, enc, parseDer } from './der.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));

describe('the DER reader refuses non-DER encodings', () => {
  const cases: [string, string][] = [
    ['indefinite length', '30 80 02 01 01 00 00'],
    ['long-form length for a short value', '04 81 01 aa'],
    ['length with a leading zero octet', '04 82 00 81' + 'aa'.repeat(0x81)],
    ['length past the end', '04 05 aa'],
    ['trailing bytes', '05 00 00'],
    ['BOOLEAN other than 00/FF', '01 01 01'],
    ['INTEGER with a redundant leading zero', '02 02 00 01'],
    ['INTEGER with a redundant leading FF', '02 02 ff 80'],
    ['empty INTEGER', '02 00'],
    ['NULL with content', '05 01 00'],
    ['constructed OCTET STRING', '24 03 04 01 aa'],
    ['primitive SEQUENCE', '10 00'],
    ['OID with a 0x80 padding octet', '06 03 2a 80 01'],
    ['high tag number form', '1f 81 00 00'],
    ['empty input', ''],
    ['a bad value nested inside a SEQUENCE', '30 03 01 01 01'],
  ];
  for (const [name, h] of cases) {
    it(`refuses ${name}`, () => {
      expect(() => assertDerTree(parseDer(hex(h)))).toThrow(DerError);
    });
  }
});

describe('the DER writer', () => {
  it('encodes integers minimally and decodes them back', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 200n), max: 1n << 200n }), (n) => {
        expect(decodeInteger(parseDer(enc.int(n)), 'n')).toBe(n);
      }),
    );
  });

  it('encodes OIDs that decode back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(fc.bigInt({ min: 0n, max: 1n << 70n }), { maxLength: 6 }), (a, b, rest) => {
        const oid = [a, b, ...rest].join('.');
        expect(decodeOid(parseDer(enc.oid(oid)), 'oid')).toBe(oid);
      }),
    );
  });

  it('writes GeneralizedTime as DER (no fraction when whole seconds, no trailing zeros)', () => {
    expect(new TextDecoder().decode(enc.genTime(new Date('2026-01-02T03:04:05.000Z')).subarray(2))).toBe('20260102030405Z');
    expect(new TextDecoder().decode(enc.genTime(new Date('2026-01-02T03:04:05.120Z')).subarray(2))).toBe('20260102030405.12Z');
    fc.assert(
      fc.property(fc.date({ min: new Date('1950-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }), (d) => {
        expect(decodeTime(parseDer(enc.genTime(d)), 't').getTime()).toBe(d.getTime());
      }),
    );
  });

  it('agrees with openssl asn1parse on a nested structure', () => {
    const der = enc.seq(enc.int(-129), enc.oid('1.2.840.113549.1.9.16.1.4'), enc.setOf(enc.octets(new Uint8Array(200)), enc.null()), enc.bool(true));
    const out = execFileSync('openssl', ['asn1parse', '-inform', 'DER'], { input: der, encoding: 'utf8' });
    expect(out).toContain('INTEGER           :-81');
    expect(out).toContain('id-smime-ct-TSTInfo');
    expect(out).toContain('BOOLEAN           :255');
    // X.690 §11.6: SET OF elements in ascending order of their encodings (04... before 05 00).
    expect(toHex(der)).toContain('3181cd0481c8');
  });
});
