import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesEqual, sha256 } from '../bytes.js';
import { VerificationError } from '../errors.js';
import { rootFromLeafHashes } from '../merkle/hash.js';
import { referenceConsistencyProof, referenceInclusionProof } from '../merkle/reference.js';
import { verifyInclusion } from '../merkle/verify.js';
import { tilePath, type TileRef } from './path.js';
import { TileTree, consistencyTiles, inclusionTiles, rootTiles, verifyConsistencyByTiles, verifyRootByTiles } from './proof.js';
import { specRows, specTile } from './testkit.js';

const leaf = (i: number) => sha256(Uint8Array.of(i & 255, (i >> 8) & 255, i >> 16));
const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leaf(i));

/** A TileTree over the spec's tiles of `leaves`, with per-path tampering. */
function treeOver(leaves: Uint8Array[], edit?: (path: string, bytes: Uint8Array) => Uint8Array) {
  const rows = specRows(leaves);
  const fetched: string[] = [];
  const tree = new TileTree((t: TileRef) => {
    const path = tilePath(t);
    fetched.push(path);
    const b = specTile(rows, t);
    if (!b) return Promise.reject(new Error(`no tile ${path}`));
    return Promise.resolve(edit ? edit(path, b) : b);
  });
  return { tree, fetched };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(VerificationError);
  expect((e as VerificationError).code).toBe(code);
}

describe('TileTree', () => {
  it('rebuilds roots and RFC 9162 proofs equal to the reference, for any size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1200 }), fc.nat(), fc.nat(), async (size, a, b) => {
        const leaves = leavesOf(size);
        const { tree } = treeOver(leaves);
        expect(bytesEqual(await tree.root(size), rootFromLeafHashes(leaves))).toBe(true);
        const index = a % size;
        const proof = await tree.inclusionProof(index, size);
        expect(proof.map((h) => [...h])).toEqual(referenceInclusionProof(index, leaves).map((h) => [...h]));
        const size1 = 1 + (b % size);
        const cons = await tree.consistencyProof(size1, size);
        expect(cons.map((h) => [...h])).toEqual(referenceConsistencyProof(size1, leaves).map((h) => [...h]));
      }),
      { numRuns: 60 },
    );
  });

  it('rebuilds the root and proofs around tile boundaries (255 … 65,537 leaves)', async () => {
    const all = leavesOf(65_537);
    for (const size of [255, 256, 257, 65_535, 65_536, 65_537]) {
      const leaves = all.slice(0, size);
      const root = rootFromLeafHashes(leaves);
      const { tree, fetched } = treeOver(leaves);
      await verifyRootByTiles(tree, size, root);
      expect(fetched.length).toBe(rootTiles(size).length);
      for (const index of [0, 1, 254, 255, 256, size - 1].filter((i) => i < size)) {
        const proof = await tree.inclusionProof(index, size);
        verifyInclusion({ leafHash: leaves[index]!, index, treeSize: size, proof, root });
      }
      for (const size1 of [1, 255, 256, 257, 65_535].filter((s) => s <= size)) {
        const old = rootFromLeafHashes(leaves.slice(0, size1));
        await verifyConsistencyByTiles(tree, { size1, root1: old, size2: size, root2: root });
      }
    }
  });

  it('fetches each tile once and only the tiles the plan names', async () => {
    const leaves = leavesOf(70_000);
    const { tree, fetched } = treeOver(leaves);
    await tree.root(70_000);
    await tree.inclusionProof(12_345, 70_000);
    await tree.consistencyProof(33_333, 70_000);
    expect(new Set(fetched).size).toBe(fetched.length);
    const planned = new Set([...rootTiles(70_000), ...inclusionTiles(12_345, 70_000), ...consistencyTiles(33_333, 70_000)].map(tilePath));
    expect(new Set(fetched)).toEqual(planned);
  });

  it('needs a handful of tiles for a proof in a tree of a million leaves', () => {
    for (const index of [0, 123_456, 999_999, 999_744]) {
      const tiles = inclusionTiles(index, 1_000_000);
      expect(tiles.length).toBeGreaterThan(0);
      expect(tiles.length).toBeLessThanOrEqual(6);
    }
  });

  it('detects any changed byte in any tile the root uses (ROOT_MISMATCH)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.nat(), async (size, pick, byte) => {
        const leaves = leavesOf(size);
        const used = rootTiles(size).map(tilePath);
        const target = used[pick % used.length]!;
        const { tree } = treeOver(leaves, (path, b) => {
          if (path !== target) return b;
          const c = b.slice();
          c[byte % c.length]! ^= 1;
          return c;
        });
        await expectCode(verifyRootByTiles(tree, size, rootFromLeafHashes(leaves)), 'ROOT_MISMATCH');
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a truncated or overlong tile (TILE_FORMAT)', async () => {
    const leaves = leavesOf(600);
    const root = rootFromLeafHashes(leaves);
    await expectCode(verifyRootByTiles(treeOver(leaves, (p, b) => (p === 'tile/0/002.p/88' ? b.subarray(0, b.length - 1) : b)).tree, 600, root), 'TILE_FORMAT');
    await expectCode(verifyRootByTiles(treeOver(leaves, (p, b) => (p === 'tile/1/000.p/2' ? b.subarray(0, 32) : b)).tree, 600, root), 'TILE_FORMAT');
    const longer = (b: Uint8Array) => Uint8Array.from([...b, ...new Uint8Array(32)]);
    await expectCode(verifyRootByTiles(treeOver(leaves, (p, b) => (p === 'tile/0/002.p/88' ? longer(b) : b)).tree, 600, root), 'TILE_FORMAT');
    // A full tile that the root does not use is not fetched at all.
    expect(rootTiles(600).map(tilePath)).toEqual(['tile/1/000.p/2', 'tile/0/002.p/88']);
  });

  it('fails a rolled-back or forked checkpoint and a proof to another tree', async () => {
    const leaves = leavesOf(300);
    const { tree } = treeOver(leaves);
    const r = (n: number) => rootFromLeafHashes(leaves.slice(0, n));
    await expectCode(verifyConsistencyByTiles(tree, { size1: 300, root1: r(300), size2: 200, root2: r(200) }), 'CHECKPOINT_ROLLBACK');
    await expectCode(verifyConsistencyByTiles(tree, { size1: 300, root1: r(299), size2: 300, root2: r(300) }), 'ROOT_MISMATCH');
    await expectCode(verifyConsistencyByTiles(tree, { size1: 100, root1: sha256(Uint8Array.of(1)), size2: 300, root2: r(300) }), 'ROOT_MISMATCH');
    await verifyConsistencyByTiles(tree, { size1: 0, root1: r(0), size2: 300, root2: r(300) });
  });
});
