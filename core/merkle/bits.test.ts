import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitAt, bitLength, isTreeSize, popCount, shiftRight, trailingZeros, xor } from './bits.js';

// Reference: BigInt arithmetic, which has no 32-bit truncation.
const safe = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 + 5 }), fc.maxSafeNat(), fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1));
const big = (n: number): bigint => BigInt(n);

describe('bits on values up to 2^53 - 1', () => {
  it('bitLength matches BigInt', () => {
    fc.assert(fc.property(safe, (x) => bitLength(x) === (x === 0 ? 0 : big(x).toString(2).length)));
  });
  it('xor matches BigInt', () => {
    fc.assert(fc.property(safe, safe, (a, b) => xor(a, b) === Number(big(a) ^ big(b))));
  });
  it('popCount matches BigInt', () => {
    fc.assert(fc.property(safe, (x) => popCount(x) === [...big(x).toString(2)].filter((c) => c === '1').length));
  });
  it('trailingZeros matches BigInt', () => {
    fc.assert(
      fc.property(safe.filter((x) => x > 0), (x) => {
        const s = big(x).toString(2);
        return trailingZeros(x) === s.length - 1 - s.lastIndexOf('1');
      }),
    );
  });
  it('shiftRight and bitAt match BigInt', () => {
    fc.assert(
      fc.property(safe, fc.integer({ min: 0, max: 53 }), (x, k) => {
        expect(shiftRight(x, k)).toBe(Number(big(x) >> big(k)));
        expect(bitAt(x, k)).toBe(Number((big(x) >> big(k)) & 1n));
      }),
    );
  });
  it('isTreeSize accepts only non-negative safe integers', () => {
    for (const ok of [0, 1, 2 ** 53 - 1]) expect(isTreeSize(ok)).toBe(true);
    for (const bad of [-1, 0.5, 2 ** 53, Number.NaN, Infinity, '1', 1n, null]) expect(isTreeSize(bad)).toBe(false);
  });
});
