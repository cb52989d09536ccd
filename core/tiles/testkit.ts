// Test-only: the tiles of a tree computed straight from the tlog-tiles formula
//   tile(l, n)[i] = MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l])
// over the leaf hashes, independently of the store's slabs and of TileTree, plus an in-memory
// TiledLogSource whose bytes tests can tamper with. Pure: no I/O.
import { utf8 } from '../bytes.js';
import { rootFromLeafHashes } from '../merkle/hash.js';
import { TILE_WIDTH } from '../merkle/tile.js';
import { encodeEntryBundle } from './bundle.js';
import { entriesPath, tilePath, type BundleRef, type TileRef } from './path.js';
import type { TiledLogSource } from './remote.js';

/** The level-`level` row of the tree over `leaves`: one MTH per complete 256^level-leaf subtree. */
export function specRow(leaves: readonly Uint8Array[], level: number): Uint8Array[] {
  const span = TILE_WIDTH ** level;
  const out: Uint8Array[] = [];
  for (let k = 0; (k + 1) * span <= leaves.length; k++) out.push(rootFromLeafHashes(leaves.slice(k * span, (k + 1) * span)));
  return out;
}

/** Tile bytes per the spec formula; undefined when the tree has fewer than `width` hashes there. */
export function specTile(rows: readonly (readonly Uint8Array[])[], tile: TileRef): Uint8Array | undefined {
  const row = rows[tile.level] ?? [];
  const start = tile.index * TILE_WIDTH;
  if (start + tile.width > row.length) return undefined;
  const out = new Uint8Array(tile.width * 32);
  for (let i = 0; i < tile.width; i++) out.set(row[start + i]!, i * 32);
  return out;
}

/** Every level's row (level 0 = the leaves) up to the highest non-empty one. */
export function specRows(leaves: readonly Uint8Array[]): Uint8Array[][] {
  const rows: Uint8Array[][] = [];
  for (let l = 0; ; l++) {
    const r = l === 0 ? [...leaves] : specRow(leaves, l);
    if (r.length === 0) return rows;
    rows.push(r);
  }
}

export interface MemoryLog extends TiledLogSource {
  /** Replace what a path serves (tests tamper with tiles, bundles, the checkpoint). */
  override: Map<string, Uint8Array>;
  /** Paths fetched, in order. */
  fetched: string[];
}

/** A source serving `checkpoint` and the spec's tiles/bundles of the first `size` entries. */
export function memoryLog(entries: readonly Uint8Array[], leaves: readonly Uint8Array[], checkpoint: string): MemoryLog {
  const rows = specRows(leaves);
  const override = new Map<string, Uint8Array>();
  const fetched: string[] = [];
  const serve = (path: string, make: () => Uint8Array | undefined): Promise<Uint8Array> => {
    fetched.push(path);
    const b = override.get(path) ?? make();
    return b === undefined ? Promise.reject(new Error(`404 ${path}`)) : Promise.resolve(b);
  };
  return {
    override,
    fetched,
    checkpoint: () => serve('checkpoint', () => utf8.encode(checkpoint)),
    tile: (t: TileRef) => serve(tilePath(t), () => specTile(rows, t)),
    entries: (b: BundleRef) =>
      serve(entriesPath(b), () => {
        const slice = entries.slice(b.index * TILE_WIDTH, b.index * TILE_WIDTH + b.width);
        return slice.length === b.width ? encodeEntryBundle(slice) : undefined;
      }),
  };
}
