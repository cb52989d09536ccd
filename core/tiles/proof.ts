// Proofs from tiles: plan which tiles a root or proof needs (core/merkle/plan.ts names the nodes,
// core/merkle/tile.ts says where each node sits), fetch them through a caller's function, rebuild
// the nodes from the tile bytes and fold them (rehash). Nothing fetched is trusted: a tile only
// contributes hashes to a root or proof that is then compared with a signed checkpoint's root.
import { bytesEqual, toHex } from '../bytes.js';
import { InputError, VerificationError } from '../errors.js';
import { HASH_SIZE } from '../merkle/hash.js';
import { planConsistency, planInclusion, planNodes, planRoot, rehash, type NodeId, type ProofPlan } from '../merkle/plan.js';
import { slabFromRow, slabPosition } from '../merkle/tile.js';
import { verifyConsistency, verifyInclusion } from '../merkle/verify.js';
import { tileWidth } from './layout.js';
import { tilePath, type TileRef } from './path.js';

/** Fetches tile bytes (attacker-controlled: TileTree checks their length and never trusts them). */
export type TileFetch = (tile: TileRef) => Promise<Uint8Array>;

interface Located {
  tile: TileRef;
  /** Byte offset of the node in the tile's slab (see core/merkle/tile.ts). */
  offset: number;
}

/**
 * The tile, at its width in a tree of `size` leaves, that holds node `id`, and where. Requires
 * the node to be complete at `size`: (index + 1)·2^level <= size.
 */
export function locateNode(id: NodeId, size: number): Located {
  const pos = slabPosition(id);
  const width = tileWidth(pos.tile.level, pos.tile.index, size);
  if (width < pos.minWidth) {
    throw new InputError('BAD_INPUT', `node (level ${id.level}, index ${id.index}) is not complete in a tree of ${size} leaves`);
  }
  return { tile: { level: pos.tile.level, index: pos.tile.index, width }, offset: pos.offset };
}

const keyOf = (t: TileRef) => `${t.level}/${t.index}/${t.width}`;

/** The distinct tiles (at `size`) that hold `ids`, in first-use order. */
export function planTiles(ids: readonly NodeId[], size: number): TileRef[] {
  const seen = new Map<string, TileRef>();
  for (const id of ids) {
    const { tile } = locateNode(id, size);
    if (!seen.has(keyOf(tile))) seen.set(keyOf(tile), tile);
  }
  return [...seen.values()];
}

/** Tiles needed for the root of a tree of `size` leaves. */
export function rootTiles(size: number): TileRef[] {
  return planTiles(planNodes(planRoot(size)), size);
}

/** Tiles needed for the inclusion proof of leaf `index` in a tree of `size` leaves. */
export function inclusionTiles(index: number, size: number): TileRef[] {
  return planTiles(planNodes(planInclusion(index, size)), size);
}

/** Tiles needed for the consistency proof from `size1` to `size2`. */
export function consistencyTiles(size1: number, size2: number): TileRef[] {
  return planTiles(planNodes(planConsistency(size1, size2)), size2);
}

/**
 * A tree read through tiles. Each tile is fetched at most once (concurrent users share the
 * request) and its internal levels rebuilt once; a tile whose length is not width·32 bytes fails
 * with VerificationError TILE_FORMAT. Fetch errors propagate unchanged.
 */
export class TileTree {
  readonly #fetch: TileFetch;
  readonly #slabs = new Map<string, Promise<Uint8Array>>();
  /** Tiles fetched and their total bytes. */
  readonly stats = { tiles: 0, bytes: 0 };

  constructor(fetch: TileFetch) {
    this.#fetch = fetch;
  }

  /** The tile's hashes (width·32 bytes), checked for length. */
  async row(tile: TileRef): Promise<Uint8Array> {
    return (await this.#slab(tile)).subarray(0, tile.width * HASH_SIZE);
  }

  #slab(tile: TileRef): Promise<Uint8Array> {
    const key = keyOf(tile);
    let p = this.#slabs.get(key);
    if (p === undefined) {
      p = this.#fetch(tile).then((bytes) => {
        this.stats.tiles++;
        if (!(bytes instanceof Uint8Array)) throw new VerificationError('TILE_FORMAT', `${tilePath(tile)} is not bytes`);
        this.stats.bytes += bytes.length;
        const want = tile.width * HASH_SIZE;
        if (bytes.length !== want) throw new VerificationError('TILE_FORMAT', `${tilePath(tile)} has ${bytes.length} bytes, want ${want}`);
        return slabFromRow(bytes).slab;
      });
      this.#slabs.set(key, p);
    }
    return p;
  }

  /** Hashes of nodes complete at `size`, in the order asked; fetches their tiles in parallel. */
  async nodes(ids: readonly NodeId[], size: number): Promise<Uint8Array[]> {
    const located = ids.map((id) => locateNode(id, size));
    const slabs = await Promise.all(located.map((l) => this.#slab(l.tile)));
    return located.map((l, i) => slabs[i]!.slice(l.offset, l.offset + HASH_SIZE));
  }

  async #run(plan: ProofPlan, size: number): Promise<Uint8Array[]> {
    return rehash(plan, await this.nodes(planNodes(plan), size));
  }

  /** MTH of the first `size` leaves, computed from tiles. */
  async root(size: number): Promise<Uint8Array> {
    return (await this.#run(planRoot(size), size))[0]!;
  }

  /** RFC 9162 audit path of leaf `index` in the tree of `size` leaves. Requires index < size. */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    return this.#run(planInclusion(index, size), size);
  }

  /** RFC 9162 consistency proof from `size1` to `size2`. Requires 0 < size1 <= size2. */
  async consistencyProof(size1: number, size2: number): Promise<Uint8Array[]> {
    return this.#run(planConsistency(size1, size2), size2);
  }
}

/** The tree's root at `size`, rebuilt from tiles, equals `root`; else ROOT_MISMATCH. */
export async function verifyRootByTiles(tree: TileTree, size: number, root: Uint8Array): Promise<void> {
  const got = await tree.root(size);
  if (!bytesEqual(got, root)) {
    throw new VerificationError('ROOT_MISMATCH', `root rebuilt from tiles at size ${size} is ${toHex(got)}, the checkpoint says ${toHex(root)}`);
  }
}

/** `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`. */
export async function verifyInclusionByTiles(
  tree: TileTree,
  input: { leafHash: Uint8Array; index: number; size: number; root: Uint8Array },
): Promise<void> {
  const { leafHash, index, size, root } = input;
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new VerificationError('INCLUSION_PROOF', `index ${String(index)} is not below tree size ${size}`);
  }
  const proof = await tree.inclusionProof(index, size);
  verifyInclusion({ leafHash, index, treeSize: size, proof, root });
}

/**
 * The tree (size2, root2) extends (size1, root1): a consistency proof rebuilt from tiles of size2.
 * A smaller size2 is CHECKPOINT_ROLLBACK; equal sizes need equal roots (ROOT_MISMATCH: a fork).
 */
export async function verifyConsistencyByTiles(
  tree: TileTree,
  input: { size1: number; root1: Uint8Array; size2: number; root2: Uint8Array },
): Promise<void> {
  const { size1, root1, size2, root2 } = input;
  if (size2 < size1) {
    throw new VerificationError('CHECKPOINT_ROLLBACK', `the checkpoint has size ${size2}, smaller than the ${size1} already verified`, {
      hint: 'the log (or the server) rolled back: keep the evidence and contact its operator',
    });
  }
  if (size1 === size2) {
    if (!bytesEqual(root1, root2)) {
      throw new VerificationError('ROOT_MISMATCH', `two checkpoints of size ${size1} have different roots ${toHex(root1)} and ${toHex(root2)}: the log forked`, {
        hint: 'keep both checkpoints as evidence and contact the log operator',
      });
    }
    return;
  }
  if (size1 === 0) return; // every tree extends the empty tree
  const proof = await tree.consistencyProof(size1, size2);
  verifyConsistency({ size1, size2, proof, root1, root2 });
}
