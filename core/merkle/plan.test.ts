import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { sha256 } from '../bytes.js';
import { bitLength } from './bits.js';
import { EMPTY_ROOT, rootFromLeafHashes } from './hash.js';
import { appendNodes, planConsistency, planInclusion, planNodes, planRoot, rangeNodes, rehash, type NodeHash, type NodeId } from './plan.js';

const key = (id: NodeId): string => `${id.level}/${id.index}`;
const makeLeaves = (n: number, salt = 0): Uint8Array[] => Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(salt, i & 255, i >> 8)));
const coverage = (id: NodeId): [number, number] => [id.index * 2 ** id.level, (id.index + 1) * 2 ** id.level];

describe('appendNodes', () => {
  it('gives the same nodes for any batch split as for one append, asking only for old right-edge nodes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 70 }), { minLength: 1, maxLength: 12 }), (batches) => {
        const leaves = makeLeaves(batches.reduce((a, b) => a + b, 0));
        const whole = appendNodes(0, leaves, () => {
          throw new Error('an empty tree has no nodes to ask for');
        });
        const store = new Map<string, Uint8Array>();
        const all: NodeHash[] = [];
        let size = 0;
        for (const b of batches) {
          const asked: NodeId[] = [];
          const out = appendNodes(size, leaves.slice(size, size + b), (id) => {
            asked.push(id);
            const h = store.get(key(id));
            if (!h) throw new Error(`asked for a missing node ${key(id)}`);
            return h;
          });
          // At most one node per level, each a complete left sibling on the old tree's right edge.
          expect(new Set(asked.map((a) => a.level)).size).toBe(asked.length);
          for (const a of asked) {
            expect(a.index % 2).toBe(0);
            expect(coverage(a)[1]).toBeLessThanOrEqual(size);
            expect(coverage(a)[1] + 2 ** a.level).toBeGreaterThan(size);
          }
          for (const n of out) {
            expect(coverage(n)[1]).toBeGreaterThan(size); // new at this append
            expect(coverage(n)[1]).toBeLessThanOrEqual(size + b); // complete after it
            store.set(key(n), n.hash);
          }
          all.push(...out);
          size += b;
        }
        expect(all).toEqual(whole);
      }),
      { numRuns: 60 },
    );
  });

  it('produces every complete node exactly once, each the MTH of the leaves it covers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
        const leaves = makeLeaves(n, 1);
        const out = appendNodes(0, leaves, () => new Uint8Array(32));
        let want = 0;
        for (let l = 0; 2 ** l <= n; l++) want += Math.floor(n / 2 ** l);
        expect(new Set(out.map(key)).size).toBe(want);
        expect(out.length).toBe(want);
        for (const node of out.filter((_, i) => i % 7 === 0)) {
          const [a, b] = coverage(node);
          expect(node.hash).toEqual(rootFromLeafHashes(leaves.slice(a, b)));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('rejects leaf hashes that are not 32 bytes with BAD_INPUT', () => {
    expect(() => appendNodes(0, [new Uint8Array(31)], () => new Uint8Array(32))).toThrow(InputError);
    expect(() => appendNodes(1, [new Uint8Array(32)], () => new Uint8Array(5))).toThrow(InputError);
  });
});

describe('rangeNodes', () => {
  it('covers [begin, end) exactly with aligned perfect subtrees, left to right', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (x, y) => {
        const [begin, end] = x <= y ? [x, y] : [y, x];
        const ids = rangeNodes(begin, end);
        let at = begin;
        for (const id of ids) {
          const [a, b] = coverage(id);
          expect(a).toBe(at);
          expect(Number.isSafeInteger(b)).toBe(true);
          at = b;
        }
        expect(at).toBe(end);
        expect(ids.length).toBeLessThanOrEqual(2 * 53);
      }),
    );
  });
});

describe('proof plans', () => {
  const N = 700;
  const leaves = makeLeaves(N, 2);
  const nodes = new Map(appendNodes(0, leaves, () => new Uint8Array(32)).map((n) => [key(n), n.hash]));
  const fetch = (ids: NodeId[]): Uint8Array[] =>
    ids.map((id) => {
      const h = nodes.get(key(id));
      if (!h) throw new Error(`plan asked for an incomplete node ${key(id)}`);
      return h;
    });

  it('root plans rehash to the MTH of every prefix', () => {
    for (let n = 0; n <= N; n += n < 70 ? 1 : 37) {
      const plan = planRoot(n);
      expect(rehash(plan, fetch(planNodes(plan)))[0]).toEqual(n === 0 ? EMPTY_ROOT : rootFromLeafHashes(leaves.slice(0, n)));
    }
  });

  it('name only complete nodes inside the tree, O(log n) of them, even at 2^53 - 1 leaves', () => {
    const sizes = fc.oneof(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(sizes, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f, g) => {
        const i = Math.floor(f * n);
        const m = Math.max(1, Math.floor(g * n));
        for (const plan of [planInclusion(i, n), planConsistency(m, n), planRoot(n)]) {
          const ids = planNodes(plan);
          expect(ids.length).toBeLessThanOrEqual(2 * bitLength(n) + 1);
          for (const id of ids) {
            expect(Number.isSafeInteger(id.index)).toBe(true);
            expect(coverage(id)[1]).toBeLessThanOrEqual(n);
          }
        }
      }),
    );
  });

  it('reject impossible requests with BAD_INPUT', () => {
    for (const f of [
      () => planInclusion(3, 3),
      () => planInclusion(-1, 3),
      () => planConsistency(0, 3),
      () => planConsistency(4, 3),
      () => planRoot(2 ** 53),
      () => rehash(planRoot(3), [new Uint8Array(32)]),
      () => rehash(planInclusion(0, 2), [new Uint8Array(31)]),
    ]) {
      expect(f).toThrow(InputError);
    }
  });

  it('plans an empty consistency proof between equal sizes', () => {
    expect(planConsistency(5, 5).groups).toEqual([]);
  });
});
