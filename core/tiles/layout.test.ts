import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundlesBetween, tileLevels, tilesBetween, tileWidth } from './layout.js';
import { tilePath, type TileRef } from './path.js';

const paths = (ts: TileRef[]) => ts.map(tilePath);

describe('tree layout (c2sp.org/tlog-tiles §Partial Tiles)', () => {
  it('matches the spec example of a tree of 70,000 leaves', () => {
    const all = tilesBetween(0, 70_000);
    const level = (l: number) => all.filter((t) => t.level === l);
    expect(level(0).filter((t) => t.width === 256)).toHaveLength(273);
    expect(level(0).filter((t) => t.width < 256).map((t) => t.width)).toEqual([112]);
    expect(level(1).map((t) => t.width)).toEqual([256, 17]);
    expect(level(2).map((t) => t.width)).toEqual([1]);
    expect(all).toHaveLength(273 + 1 + 2 + 1);
    expect(tileLevels(70_000)).toBe(3);
  });

  it('represents a tree of 256 as a full level-0 tile and a level-1 tile of width 1', () => {
    expect(paths(tilesBetween(0, 256))).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    expect(tilesBetween(0, 0)).toEqual([]);
    expect(tileLevels(0)).toBe(0);
  });

  it('gives each tile the width floor(size / 256^L) − 256·N clamped to 0…256', () => {
    expect(tileWidth(0, 0, 255)).toBe(255);
    expect(tileWidth(0, 1, 255)).toBe(0);
    expect(tileWidth(0, 0, 257)).toBe(256);
    expect(tileWidth(0, 1, 257)).toBe(1);
    expect(tileWidth(1, 0, 65_535)).toBe(255);
    expect(tileWidth(1, 0, 65_536)).toBe(256);
    expect(tileWidth(2, 0, 65_536)).toBe(1);
    expect(tileWidth(6, 0, Number.MAX_SAFE_INTEGER)).toBe(31);
    expect(tileWidth(7, 0, Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('lists, between two sizes, exactly the tiles whose bytes changed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 300_000 }), (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const before = new Map(tilesBetween(0, from).map((t) => [`${t.level}/${t.index}`, t.width]));
        const after = tilesBetween(0, to);
        const changed = after.filter((t) => before.get(`${t.level}/${t.index}`) !== t.width);
        expect(tilesBetween(from, to)).toEqual(changed);
        expect(bundlesBetween(from, to)).toEqual(changed.filter((t) => t.level === 0).map((t) => ({ index: t.index, width: t.width })));
      }),
      { numRuns: 300 },
    );
    expect(() => tilesBetween(2, 1)).toThrow();
  });
});
