// Which tiles and entry bundles a tree of a given size consists of (c2sp.org/tlog-tiles §Merkle
// Tree, §Partial Tiles): the tile at level L, index N of a tree of `size` leaves holds
// min(256, floor(size / 256^L) − 256·N) hashes; a width of 0 means it does not exist (an empty
// tile is never served), 1…255 is a partial tile, 256 a full one.
import { InputError } from '../errors.js';
import { isTreeSize } from '../merkle/bits.js';
import { TILE_WIDTH, rowLength } from '../merkle/tile.js';
import type { BundleRef, TileRef } from './path.js';

function checkSize(name: string, n: number): void {
  if (!isTreeSize(n)) throw new InputError('BAD_INPUT', `${name} ${String(n)} is not a non-negative safe integer`);
}

/** Width (0…256) of tile (level, index) in a tree of `size` leaves. */
export function tileWidth(level: number, index: number, size: number): number {
  checkSize('tree size', size);
  const w = rowLength(level, size) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, w));
}

/** Number of tile levels that hold at least one hash at `size` (0 for the empty tree). */
export function tileLevels(size: number): number {
  checkSize('tree size', size);
  let n = 0;
  while (rowLength(n, size) > 0) n++;
  return n;
}

/**
 * Every tile of the tree at size `to` whose bytes differ from the tree at size `from` (new tiles,
 * and tiles that grew), level 0 first, left to right. `tilesBetween(0, size)` lists the whole tree.
 * Requires from <= to.
 */
export function tilesBetween(from: number, to: number): TileRef[] {
  checkSize('from size', from);
  checkSize('to size', to);
  if (from > to) throw new InputError('BAD_INPUT', `from size ${from} is greater than to size ${to}`);
  const out: TileRef[] = [];
  for (let level = 0; rowLength(level, to) > 0; level++) {
    const r0 = rowLength(level, from);
    const r1 = rowLength(level, to);
    if (r1 === r0) continue;
    for (let index = Math.floor(r0 / TILE_WIDTH); index * TILE_WIDTH < r1; index++) {
      out.push({ level, index, width: Math.min(TILE_WIDTH, r1 - index * TILE_WIDTH) });
    }
  }
  return out;
}

/** Entry bundles of size `to` that differ from size `from` (the level-0 tiles' counterparts). */
export function bundlesBetween(from: number, to: number): BundleRef[] {
  return tilesBetween(from, to)
    .filter((t) => t.level === 0)
    .map((t) => ({ index: t.index, width: t.width }));
}
