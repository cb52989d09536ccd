import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { encodeTileIndex, entriesPath, parseLogPath, tilePath } from './path.js';

function expectBadPath(path: string): void {
  let err: unknown;
  try {
    parseLogPath(path);
  } catch (e) {
    err = e;
  }
  expect(err, path).toBeInstanceOf(InputError);
  expect((err as InputError).code).toBe('BAD_INPUT');
}

describe('tile index encoding (c2sp.org/tlog-tiles §Merkle Tree)', () => {
  it('splits N into x-prefixed 3-digit groups, as the spec example', () => {
    expect(encodeTileIndex(1234067)).toBe('x001/x234/067');
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(encodeTileIndex(Number.MAX_SAFE_INTEGER)).toBe('x009/x007/x199/x254/x740/991');
  });

  it('writes full tiles without a suffix and partial ones with .p/W', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
    expect(entriesPath({ index: 1000, width: 1 })).toBe('tile/entries/x001/000.p/1');
    expect(entriesPath({ index: 3, width: 256 })).toBe('tile/entries/003');
  });

  it('rejects values it cannot encode', () => {
    expect(() => tilePath({ level: 64, index: 0, width: 1 })).toThrow(InputError);
    expect(() => tilePath({ level: 0, index: -1, width: 1 })).toThrow(InputError);
    expect(() => tilePath({ level: 0, index: 0, width: 0 })).toThrow(InputError);
    expect(() => entriesPath({ index: 0, width: 257 })).toThrow(InputError);
    expect(() => encodeTileIndex(2 ** 53)).toThrow(InputError);
  });
});

describe('parseLogPath', () => {
  it('parses what the encoders write, and nothing else maps to the same resource', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.maxSafeNat()),
        fc.integer({ min: 1, max: 256 }),
        fc.boolean(),
        (level, index, width, entries) => {
          const path = entries ? entriesPath({ index, width }) : tilePath({ level, index, width });
          const r = parseLogPath(path);
          expect(r).toEqual(entries ? { kind: 'entries', index, width } : { kind: 'tile', level, index, width });
        },
      ),
    );
    expect(parseLogPath('checkpoint')).toEqual({ kind: 'checkpoint' });
  });

  it('rejects non-canonical and malformed paths', () => {
    for (const p of [
      '',
      '/checkpoint',
      'checkpoint/',
      'tile',
      'tile/',
      'tile/0',
      'tile/0/',
      'tile/0/000/',
      '/tile/0/000',
      'tile/00/000',
      'tile/64/000',
      'tile/-1/000',
      'tile/+1/000',
      'tile/0/00',
      'tile/0/0000',
      'tile/0/x000/001', // leading zero group
      'tile/0/x001',
      'tile/0/001/x002',
      'tile/0/X001/000',
      'tile/0/000.p',
      'tile/0/000.p/',
      'tile/0/000.p/0',
      'tile/0/000.p/010',
      'tile/0/000.p/256',
      'tile/0/000.p/1/2',
      'tile/0/000.P/1',
      'tile/0/000.p/1 ',
      'tile/0/x001/.p/1',
      'tile/entries',
      'tile/entries/',
      'tile/entries/1',
      'tile/entries/000.p/300',
      'tile/data/000',
      'tile/0/x999/x999/x999/x999/x999/x999/999',
      'tile/0/x009/x007/x199/x254/x740/992', // 2^53
      'tile/0/%30%30%30',
      'tile/0/../0/000',
      'tile\\0\\000',
      'tile/0/000\u0000',
      'tile/٠/000', // non-ASCII digit
    ]) {
      expectBadPath(p);
    }
  });

  it('returns a resource whose encoding is the input, or throws BAD_INPUT, for any string', () => {
    const alphabet = fc.constantFrom('tile/', 'entries/', '0', '1', '2', '9', '00', '000', 'x', 'x0', '.p/', '/', '.', 'p', 'checkpoint', '255', '256', '63', '64');
    const near = fc.array(alphabet, { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(near, fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 })), (s) => {
        let r;
        try {
          r = parseLogPath(s);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('BAD_INPUT');
          return;
        }
        const back = r.kind === 'checkpoint' ? 'checkpoint' : r.kind === 'entries' ? entriesPath(r) : tilePath(r);
        expect(back).toBe(s);
      }),
      { numRuns: 3000 },
    );
  });
});
