// C2SP tlog-tiles geometry (https://c2sp.org/tlog-tiles): a tile at level L, index N lists up to
// 256 consecutive hashes of tree level 8·L, starting at node N·256 of that level. A tile of
// width W < 256 is partial.
//
// Our stored tile ("slab") also keeps the tile's internal levels 8L+1 … 8L+7, so that any node
// is a slice rather than a rehash: 256 + 128 + … + 2 = 510 fixed slots of 32 bytes, sublevel s
// at slot SLAB_OFFSETS[s]. Slots a partial tile has not reached yet are zero.
import { InputError } from '../errors.js';
import { HASH_SIZE, hashChildren } from './hash.js';
import type { NodeHash, NodeId } from './plan.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** Slot of the first node of each sublevel 0…7 in a slab. */
export const SLAB_OFFSETS: readonly number[] = [0, 256, 384, 448, 480, 496, 504, 508];
export const SLAB_SLOTS = 510;
export const SLAB_BYTES = SLAB_SLOTS * HASH_SIZE;

export interface TileId {
  /** Tile level L: its row is tree level 8·L. */
  readonly level: number;
  readonly index: number;
}

export interface SlabPosition {
  readonly tile: TileId;
  /** Byte offset of the node in the slab. */
  readonly offset: number;
  /** The tile width at which this node is complete (present in the slab). */
  readonly minWidth: number;
}

/** Where node (level, index) lives: its tile, slot and the width the tile needs to hold it. */
export function slabPosition(id: NodeId): SlabPosition {
  const sub = id.level % TILE_HEIGHT;
  const perTile = 2 ** (TILE_HEIGHT - sub);
  const tileIndex = Math.floor(id.index / perTile);
  const j = id.index - tileIndex * perTile;
  return {
    tile: { level: (id.level - sub) / TILE_HEIGHT, index: tileIndex },
    offset: (SLAB_OFFSETS[sub]! + j) * HASH_SIZE,
    minWidth: (j + 1) * 2 ** sub,
  };
}

/** Number of level-8L nodes complete in a tree of `size` leaves. */
export function rowLength(tileLevel: number, size: number): number {
  return Math.floor(size / 2 ** (TILE_HEIGHT * tileLevel));
}

/**
 * Builds a slab from a tile's row (the C2SP tile bytes, W·32 bytes): rehashes the internal levels.
 * Returns the slab and, for a full tile, the node one level above it (the next tile level's row
 * entry). The row is attacker-controlled when it comes from a remote tile server.
 */
export function slabFromRow(row: Uint8Array): { slab: Uint8Array; top: Uint8Array | undefined } {
  if (row.length === 0 || row.length % HASH_SIZE !== 0 || row.length > TILE_WIDTH * HASH_SIZE) {
    throw new InputError('BAD_INPUT', `tile row has ${row.length} bytes, want a positive multiple of 32 up to 8192`);
  }
  const width = row.length / HASH_SIZE;
  const slab = new Uint8Array(SLAB_BYTES);
  slab.set(row, 0);
  for (let sub = 1; sub < TILE_HEIGHT; sub++) {
    const n = Math.floor(width / 2 ** sub);
    const below = SLAB_OFFSETS[sub - 1]! * HASH_SIZE;
    const here = SLAB_OFFSETS[sub]! * HASH_SIZE;
    for (let j = 0; j < n; j++) {
      const l = slab.subarray(below + 2 * j * HASH_SIZE, below + (2 * j + 1) * HASH_SIZE);
      const r = slab.subarray(below + (2 * j + 1) * HASH_SIZE, below + (2 * j + 2) * HASH_SIZE);
      slab.set(hashChildren(l, r), here + j * HASH_SIZE);
    }
  }
  let top: Uint8Array | undefined;
  if (width === TILE_WIDTH) {
    const last = SLAB_OFFSETS[TILE_HEIGHT - 1]! * HASH_SIZE;
    top = hashChildren(slab.subarray(last, last + HASH_SIZE), slab.subarray(last + HASH_SIZE, last + 2 * HASH_SIZE));
  }
  return { slab, top };
}

/** Groups new nodes (from appendNodes) by tile, with their byte offsets and the widths they imply. */
export function nodesByTile(nodes: readonly NodeHash[]): Map<string, { tile: TileId; width: number; writes: { offset: number; hash: Uint8Array }[] }> {
  const out = new Map<string, { tile: TileId; width: number; writes: { offset: number; hash: Uint8Array }[] }>();
  for (const n of nodes) {
    const pos = slabPosition(n);
    const key = tileKey(pos.tile);
    let t = out.get(key);
    if (!t) {
      t = { tile: pos.tile, width: 0, writes: [] };
      out.set(key, t);
    }
    if (pos.minWidth > t.width) t.width = pos.minWidth;
    t.writes.push({ offset: pos.offset, hash: n.hash });
  }
  return out;
}

export function tileKey(t: TileId): string {
  return `${t.level}/${t.index}`;
}
