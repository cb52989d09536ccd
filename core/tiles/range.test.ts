import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, sha256 } from '../bytes.js';
import { InputError } from '../errors.js';
import { rootFromLeafHashes } from '../merkle/hash.js';
import { CompactRange } from './range.js';

const leaf = (i: number) => sha256(Uint8Array.of(i & 255, i >> 8));

describe('CompactRange', () => {
  it('computes MTH of the leaves pushed, one by one or as aligned subtrees', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 4 }), (n, level) => {
        const leaves = Array.from({ length: n }, (_, i) => leaf(i));
        const a = new CompactRange();
        for (const l of leaves) a.push(l);
        expect(bytesEqual(a.root(), rootFromLeafHashes(leaves))).toBe(true);
        // The same leaves as level-`level` subtrees while they fit, then single leaves.
        const b = new CompactRange();
        const span = 2 ** level;
        let i = 0;
        for (; i + span <= n; i += span) b.push(rootFromLeafHashes(leaves.slice(i, i + span)), level);
        for (; i < n; i++) b.push(leaves[i]!);
        expect(b.size).toBe(n);
        expect(bytesEqual(b.root(), a.root())).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a subtree that is not aligned to its width', () => {
    const r = new CompactRange();
    r.push(leaf(0));
    expect(() => r.push(leaf(1), 1)).toThrow(InputError);
    expect(() => r.push(new Uint8Array(31))).toThrow(InputError);
  });
});
