import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { bytesEqual, sha256 } from '../bytes.js';
import { appendNodes, type NodeId } from './plan.js';
import { SLAB_BYTES, TILE_WIDTH, nodesByTile, rowLength, slabFromRow, slabPosition, tileKey } from './tile.js';

describe('tile geometry', () => {
  it('puts nodes of one tile in distinct slots, complete exactly when the tile is wide enough', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 20 }), (level, index) => {
        const pos = slabPosition({ level, index });
        expect(pos.tile.level).toBe(Math.floor(level / 8));
        expect(pos.offset % 32).toBe(0);
        expect(pos.offset).toBeLessThan(SLAB_BYTES);
        // Leaves under the node, relative to the tile's row: [j·2^s, (j+1)·2^s).
        const sub = level % 8;
        const rowStart = index * 2 ** sub - pos.tile.index * TILE_WIDTH;
        expect(pos.minWidth).toBe(rowStart + 2 ** sub);
        expect(pos.minWidth).toBeLessThanOrEqual(TILE_WIDTH);
      }),
    );
    const seen = new Set<number>();
    for (let s = 0; s < 8; s++) for (let j = 0; j < 2 ** (8 - s); j++) seen.add(slabPosition({ level: 16 + s, index: 3 * 2 ** (8 - s) + j }).offset);
    expect(seen.size).toBe(510);
  });

  it('rebuilds from a tile row exactly the slab the appended nodes fill', () => {
    // Sizes around tile boundaries, and one with a level-1 tile full (65,536 leaves) and more.
    for (const n of [1, 2, 255, 256, 257, 511, 512, 1000, 256 * 256 + 513]) {
      {
        const leaves = Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(i & 255, (i >> 8) & 255, i >> 16)));
        const nodes = appendNodes(0, leaves, () => new Uint8Array(32));
        const byId = new Map(nodes.map((x) => [`${x.level}/${x.index}`, x.hash]));
        const tiles = nodesByTile(nodes);
        for (const t of tiles.values()) {
          expect(t.width).toBe(Math.min(TILE_WIDTH, rowLength(t.tile.level, n) - t.tile.index * TILE_WIDTH));
          const slab = new Uint8Array(SLAB_BYTES);
          for (const w of t.writes) slab.set(w.hash, w.offset);
          const { slab: rebuilt, top } = slabFromRow(slab.subarray(0, t.width * 32));
          expect(bytesEqual(rebuilt, slab)).toBe(true);
          const above: NodeId = { level: 8 * (t.tile.level + 1), index: t.tile.index };
          const want = byId.get(`${above.level}/${above.index}`);
          if (t.width === TILE_WIDTH) expect(bytesEqual(top!, want!)).toBe(true);
          else expect(top).toBeUndefined();
        }
        expect([...tiles.keys()]).toContain(tileKey({ level: 0, index: Math.floor((n - 1) / 256) }));
      }
    }
  });

  it('rejects a tile row that is not a whole number of hashes, empty, or over 256 wide', () => {
    for (const len of [0, 31, 33, 257 * 32]) expect(() => slabFromRow(new Uint8Array(len))).toThrow(InputError);
  });
});
