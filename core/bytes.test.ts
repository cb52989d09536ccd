import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesEqual, fromBase64, fromHex, sha256, toBase64, toHex } from './bytes.js';

describe('byte helpers', () => {
  it('sha256 of the empty string is the RFC 9162 empty-tree hash', () => {
    expect(toHex(sha256())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('hex and base64 round-trip any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(bytesEqual(fromHex(toHex(b))!, b)).toBe(true);
        expect(bytesEqual(fromBase64(toBase64(b))!, b)).toBe(true);
      }),
    );
  });
  it('rejects non-canonical hex and base64', () => {
    expect(fromHex('abc')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
    expect(fromBase64('AB')).toBeUndefined(); // missing padding
    expect(fromBase64('AB=C')).toBeUndefined();
    expect(fromBase64('QR==')).toBeUndefined(); // non-zero trailing bits
  });
});
