// Cross-check with an independent implementation: merkletreejs configured as an RFC 6962 tree.
// It takes our leaf hashes as leaves (hashLeaves: false), hashes interior nodes with the 0x01
// prefix, never sorts, and promotes a lone odd node unchanged (duplicateOdd: false), which is
// RFC 6962's split at the largest power of two.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { MerkleTree } from 'merkletreejs';
import { describe, expect, it } from 'vitest';
import { rootFromLeafHashes } from './hash.js';
import { appendNodes, planInclusion, planNodes, rehash, type NodeId } from './plan.js';

const nodeHash = (data: Buffer): Buffer => createHash('sha256').update(Uint8Array.of(1)).update(data).digest();
const RFC6962 = { hashLeaves: false, sortLeaves: false, sortPairs: false, sort: false, duplicateOdd: false, complete: false, isBitcoinTree: false };

describe('merkletreejs as RFC 6962', () => {
  it('agrees on roots and inclusion proofs for random trees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }).chain((n) => fc.tuple(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: n, maxLength: n }), fc.nat({ max: n - 1 }))),
        ([leaves, index]) => {
          const tree = new MerkleTree(leaves.map((l) => Buffer.from(l)), nodeHash, RFC6962);
          expect(new Uint8Array(tree.getRoot())).toEqual(rootFromLeafHashes(leaves));

          const nodes = new Map(appendNodes(0, leaves, () => new Uint8Array(32)).map((x) => [`${x.level}/${x.index}`, x.hash]));
          const plan = planInclusion(index, leaves.length);
          const ours = rehash(plan, planNodes(plan).map((id: NodeId) => nodes.get(`${id.level}/${id.index}`)!));
          const theirs = tree.getProof(Buffer.from(leaves[index]!), index).map((p) => new Uint8Array(p.data));
          expect(ours).toEqual(theirs);
        },
      ),
      { numRuns: 80 },
    );
  });
});
