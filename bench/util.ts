// Helpers shared by the benchmark modules.

/** A seeded PRNG (xorshift32) returning integers in [0, n), so runs are comparable. */
export function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}
