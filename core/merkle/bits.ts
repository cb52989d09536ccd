// Bit arithmetic for tree sizes and leaf indices up to Number.MAX_SAFE_INTEGER (2^53 - 1).
// JavaScript's bitwise operators truncate to 32 bits, so every helper splits a value into a
// high and a low 32-bit word. Callers guarantee non-negative safe integers (see isTreeSize).

const WORD = 2 ** 32;

/** True for a non-negative safe integer: the only sizes and indices the Merkle code accepts. */
export function isTreeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Number of bits needed to write x (Go's bits.Len64): 0 for 0, 1 for 1, 3 for 5. */
export function bitLength(x: number): number {
  if (x < WORD) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / WORD));
}

export function xor(a: number, b: number): number {
  const hi = (Math.floor(a / WORD) ^ Math.floor(b / WORD)) >>> 0;
  const lo = ((a >>> 0) ^ (b >>> 0)) >>> 0;
  return hi * WORD + lo;
}

function popCount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function popCount(x: number): number {
  return popCount32(x >>> 0) + popCount32(Math.floor(x / WORD));
}

function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

/** Trailing zero bits of x; requires x > 0. */
export function trailingZeros(x: number): number {
  const lo = x >>> 0;
  if (lo !== 0) return ctz32(lo);
  return 32 + ctz32(Math.floor(x / WORD));
}

/** x >> k without 32-bit truncation. */
export function shiftRight(x: number, k: number): number {
  return Math.floor(x / 2 ** k);
}

/** Bit k of x (0 or 1). */
export function bitAt(x: number, k: number): number {
  return Math.floor(x / 2 ** k) % 2;
}
