import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { VerificationError, type VerificationCode } from '../errors.js';
import { sha256 } from '../bytes.js';
import { EMPTY_ROOT, rootFromLeafHashes } from './hash.js';
import { appendNodes, planConsistency, planInclusion, planNodes, rehash, type NodeId } from './plan.js';
import { referenceConsistencyProof, referenceInclusionProof } from './reference.js';
import { rootFromConsistencyProof, rootFromInclusionProof, verifyConsistency, verifyInclusion } from './verify.js';

const MAX = 3000;
let leaves: Uint8Array[];
let nodes: Map<string, Uint8Array>;
const key = (id: NodeId): string => `${id.level}/${id.index}`;
const fetchNodes = (ids: readonly NodeId[]): Uint8Array[] => ids.map((id) => nodes.get(key(id))!);

// Every complete node of a tree of MAX leaves; a prefix tree's nodes are a subset of these.
beforeAll(() => {
  leaves = Array.from({ length: MAX }, (_, i) => sha256(Uint8Array.of(i & 255, i >> 8)));
  nodes = new Map(appendNodes(0, leaves, () => new Uint8Array(0)).map((n) => [key(n), n.hash]));
});

function inclusionProof(index: number, size: number): Uint8Array[] {
  const plan = planInclusion(index, size);
  return rehash(plan, fetchNodes(planNodes(plan)));
}
function consistencyProof(size1: number, size2: number): Uint8Array[] {
  const plan = planConsistency(size1, size2);
  return rehash(plan, fetchNodes(planNodes(plan)));
}

function codeOf(fn: () => unknown): VerificationCode | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
}

// Sizes biased towards small trees, where the edge cases are, but reaching MAX.
const sizeArb = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: MAX }));
const treeAndIndex = sizeArb.chain((n) => fc.tuple(fc.constant(n), fc.nat({ max: n - 1 })));
const twoSizes = sizeArb.chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n)));

type Tamper = { kind: string; proof: Uint8Array[]; index?: number; size?: number };

function tampers(proof: Uint8Array[]): fc.Arbitrary<Tamper> {
  const options: fc.Arbitrary<Tamper>[] = [
    fc.constant({ kind: 'extended', proof: [...proof, sha256(Uint8Array.of(1))] }),
    fc.constant({ kind: 'extended-front', proof: [sha256(Uint8Array.of(2)), ...proof] }),
  ];
  if (proof.length > 0) {
    options.push(
      fc.constant({ kind: 'truncated', proof: proof.slice(0, -1) }),
      fc.tuple(fc.nat({ max: proof.length - 1 }), fc.nat({ max: 31 }), fc.integer({ min: 1, max: 255 })).map(([i, b, x]) => {
        const p = proof.map((h) => h.slice());
        p[i]![b]! ^= x;
        return { kind: 'flipped', proof: p };
      }),
      fc.nat({ max: proof.length - 1 }).map((i) => ({ kind: 'short-hash', proof: proof.map((h, k) => (k === i ? h.subarray(1) : h)) })),
    );
  }
  return fc.oneof(...options);
}

describe('inclusion proofs', () => {
  it('planned proofs equal RFC 9162 PATH and verify against the reference root', () => {
    fc.assert(
      fc.property(treeAndIndex, ([n, i]) => {
        const proof = inclusionProof(i, n);
        const root = rootFromLeafHashes(leaves.slice(0, n));
        if (n <= 300) expect(proof).toEqual(referenceInclusionProof(i, leaves.slice(0, n)));
        expect(rootFromInclusionProof({ leafHash: leaves[i]!, index: i, treeSize: n, proof })).toEqual(root);
        verifyInclusion({ leafHash: leaves[i]!, index: i, treeSize: n, proof, root });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects every tampered proof with a typed error', () => {
    fc.assert(
      fc.property(
        treeAndIndex.chain(([n, i]) => fc.tuple(fc.constant(n), fc.constant(i), tampers(inclusionProof(i, n)))),
        ([n, i, t]) => {
          const root = rootFromLeafHashes(leaves.slice(0, n));
          const code = codeOf(() => verifyInclusion({ leafHash: leaves[i]!, index: i, treeSize: n, proof: t.proof, root }));
          const want = t.kind === 'flipped' ? 'ROOT_MISMATCH' : 'INCLUSION_PROOF';
          expect(code).toBe(want);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects the proof for another index in the same tree', () => {
    fc.assert(
      fc.property(treeAndIndex, fc.nat({ max: MAX }), ([n, i], index) => {
        fc.pre(index !== i);
        const proof = inclusionProof(i, n);
        const root = rootFromLeafHashes(leaves.slice(0, n));
        const code = codeOf(() => verifyInclusion({ leafHash: leaves[i]!, index, treeSize: n, proof, root }));
        expect(['INCLUSION_PROOF', 'ROOT_MISMATCH']).toContain(code);
      }),
      { numRuns: 150 },
    );
  });

  // A proof does not bind the tree size on its own: leaf 0's path in a tree of 2268 hashes the
  // same way as in a tree of 2049 (eleven right siblings, then one more). The signed checkpoint
  // binds size and root together; callers must take treeSize from it, never from the proof.
  it('does not bind the tree size by itself (sizes come from the checkpoint)', () => {
    const proof = inclusionProof(0, 2268);
    const root = rootFromLeafHashes(leaves.slice(0, 2268));
    expect(codeOf(() => verifyInclusion({ leafHash: leaves[0]!, index: 0, treeSize: 2049, proof, root }))).toBe('none');
    expect(codeOf(() => verifyInclusion({ leafHash: leaves[0]!, index: 0, treeSize: 2047, proof, root }))).toBe('INCLUSION_PROOF');
  });

  describe('when the index is past the tree size', () => {
    it('throws INCLUSION_PROOF', () => {
      expect(codeOf(() => verifyInclusion({ leafHash: leaves[0]!, index: 1, treeSize: 1, proof: [], root: leaves[0]! }))).toBe('INCLUSION_PROOF');
      expect(codeOf(() => verifyInclusion({ leafHash: leaves[0]!, index: 0, treeSize: 0, proof: [], root: EMPTY_ROOT }))).toBe('INCLUSION_PROOF');
    });
  });

  describe('when sizes are not non-negative safe integers', () => {
    it('throws INCLUSION_PROOF', () => {
      for (const [index, treeSize] of [[-1, 2], [0, 2.5], [0, 2 ** 53], [Number.NaN, 2], [0, '2' as unknown as number]] as const) {
        expect(codeOf(() => rootFromInclusionProof({ leafHash: leaves[0]!, index, treeSize, proof: [leaves[1]!] }))).toBe('INCLUSION_PROOF');
      }
    });
  });

  describe('when the proof is not an array of 32-byte Uint8Arrays', () => {
    it('throws INCLUSION_PROOF', () => {
      const bad = [null, 'x', [new Uint8Array(32), 'x'], [new Uint8Array(64)], [Array(32).fill(0)]] as unknown as Uint8Array[][];
      for (const proof of bad) {
        expect(codeOf(() => rootFromInclusionProof({ leafHash: leaves[0]!, index: 0, treeSize: 2, proof }))).toBe('INCLUSION_PROOF');
      }
    });
  });

  describe('when the root is not 32 bytes', () => {
    it('throws INCLUSION_PROOF, not ROOT_MISMATCH', () => {
      const root = leaves[0]!.subarray(0, 31);
      expect(codeOf(() => verifyInclusion({ leafHash: leaves[0]!, index: 0, treeSize: 1, proof: [], root }))).toBe('INCLUSION_PROOF');
    });
  });
});

describe('consistency proofs', () => {
  it('planned proofs equal RFC 9162 PROOF and verify against the reference roots', () => {
    fc.assert(
      fc.property(twoSizes, ([m, n]) => {
        const proof = consistencyProof(m, n);
        const root1 = rootFromLeafHashes(leaves.slice(0, m));
        const root2 = rootFromLeafHashes(leaves.slice(0, n));
        if (n <= 300) expect(proof).toEqual(referenceConsistencyProof(m, leaves.slice(0, n)));
        expect(rootFromConsistencyProof({ size1: m, size2: n, proof, root1 })).toEqual(root2);
        verifyConsistency({ size1: m, size2: n, proof, root1, root2 });
      }),
      { numRuns: 150 },
    );
  });

  it('rejects every tampered proof with a typed error', () => {
    fc.assert(
      fc.property(
        twoSizes.chain(([m, n]) => fc.tuple(fc.constant(m), fc.constant(n), tampers(consistencyProof(m, n)))),
        ([m, n, t]) => {
          const root1 = rootFromLeafHashes(leaves.slice(0, m));
          const root2 = rootFromLeafHashes(leaves.slice(0, n));
          const code = codeOf(() => verifyConsistency({ size1: m, size2: n, proof: t.proof, root1, root2 }));
          expect(code).toBe(t.kind === 'flipped' ? 'ROOT_MISMATCH' : 'CONSISTENCY_PROOF');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rejects a wrong root1 or root2', () => {
    fc.assert(
      fc.property(twoSizes, fc.boolean(), ([m, n], first) => {
        fc.pre(m < n);
        const proof = consistencyProof(m, n);
        const root1 = rootFromLeafHashes(leaves.slice(0, m));
        const root2 = rootFromLeafHashes(leaves.slice(0, n));
        const other = sha256(root1, root2);
        const input = first ? { root1: other, root2 } : { root1, root2: other };
        expect(codeOf(() => verifyConsistency({ size1: m, size2: n, proof, ...input }))).toBe('ROOT_MISMATCH');
      }),
      { numRuns: 100 },
    );
  });

  // The leading switch of transparency-dev's RootFromConsistencyProof, case by case.
  describe('edge cases as transparency-dev/merkle', () => {
    const r1 = (): Uint8Array => rootFromLeafHashes(leaves.slice(0, 1));
    const r2 = (): Uint8Array => rootFromLeafHashes(leaves.slice(0, 2));
    it('throws CONSISTENCY_PROOF when size2 < size1', () => {
      expect(codeOf(() => verifyConsistency({ size1: 2, size2: 1, proof: [], root1: r2(), root2: r1() }))).toBe('CONSISTENCY_PROOF');
    });
    it('throws CONSISTENCY_PROOF when size1 is 0, even with size2 0', () => {
      expect(codeOf(() => verifyConsistency({ size1: 0, size2: 0, proof: [], root1: EMPTY_ROOT, root2: EMPTY_ROOT }))).toBe('CONSISTENCY_PROOF');
      expect(codeOf(() => verifyConsistency({ size1: 0, size2: 1, proof: [], root1: EMPTY_ROOT, root2: r1() }))).toBe('CONSISTENCY_PROOF');
    });
    it('accepts equal sizes with an empty proof and equal roots', () => {
      expect(codeOf(() => verifyConsistency({ size1: 2, size2: 2, proof: [], root1: r2(), root2: r2() }))).toBe('none');
    });
    it('throws CONSISTENCY_PROOF for equal sizes with a non-empty proof', () => {
      expect(codeOf(() => verifyConsistency({ size1: 2, size2: 2, proof: [r1()], root1: r2(), root2: r2() }))).toBe('CONSISTENCY_PROOF');
    });
    it('throws ROOT_MISMATCH for equal sizes with different roots', () => {
      expect(codeOf(() => verifyConsistency({ size1: 2, size2: 2, proof: [], root1: r2(), root2: r1() }))).toBe('ROOT_MISMATCH');
    });
    it('throws CONSISTENCY_PROOF for an empty proof between different sizes', () => {
      expect(codeOf(() => verifyConsistency({ size1: 1, size2: 2, proof: [], root1: r1(), root2: r2() }))).toBe('CONSISTENCY_PROOF');
    });
    it('throws CONSISTENCY_PROOF for roots that are not 32 bytes, even when equal', () => {
      const odd = new Uint8Array(12);
      expect(codeOf(() => verifyConsistency({ size1: 1, size2: 1, proof: [], root1: odd, root2: odd }))).toBe('CONSISTENCY_PROOF');
    });
  });
});
