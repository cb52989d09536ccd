import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, VerificationError } from '../errors.js';
import { MAX_BUNDLE_ENTRY, encodeEntryBundle, parseEntryBundle } from './bundle.js';

function expectTileFormat(f: () => unknown): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(VerificationError);
  expect((err as VerificationError).code).toBe('TILE_FORMAT');
}

describe('entry bundles (c2sp.org/tlog-tiles §Log entries)', () => {
  it('prefixes each entry with its big-endian uint16 length', () => {
    const b = encodeEntryBundle([Uint8Array.of(7), new Uint8Array(0), new Uint8Array(300).fill(1)]);
    expect([...b.subarray(0, 6)]).toEqual([0, 1, 7, 0, 0, 1]);
    expect(b[6]).toBe(44); // 300 = 0x012c
    expect(b.length).toBe(2 + 1 + 2 + 0 + 2 + 300);
  });

  it('round-trips any list of 1…256 entries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 256 }), (entries) => {
        const back = parseEntryBundle(encodeEntryBundle(entries), entries.length);
        expect(back.map((e) => [...e])).toEqual(entries.map((e) => [...e]));
      }),
      { numRuns: 200 },
    );
  });

  it('holds an entry of exactly 65,535 bytes and refuses a longer one', () => {
    const max = new Uint8Array(MAX_BUNDLE_ENTRY).fill(3);
    expect(parseEntryBundle(encodeEntryBundle([max]), 1)[0]!.length).toBe(MAX_BUNDLE_ENTRY);
    expect(() => encodeEntryBundle([new Uint8Array(MAX_BUNDLE_ENTRY + 1)])).toThrow(InputError);
    expect(() => encodeEntryBundle(new Array(257).fill(new Uint8Array(1)))).toThrow(InputError);
  });

  it('rejects a bundle with fewer or more entries than its width, or bytes left over', () => {
    const three = encodeEntryBundle([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]);
    expectTileFormat(() => parseEntryBundle(three, 4));
    expectTileFormat(() => parseEntryBundle(three, 2));
    expectTileFormat(() => parseEntryBundle(three.subarray(0, three.length - 1), 3));
    expectTileFormat(() => parseEntryBundle(Uint8Array.of(0), 1));
    expectTileFormat(() => parseEntryBundle(new Uint8Array(0), 1));
    expectTileFormat(() => parseEntryBundle(Uint8Array.of(0xff, 0xff, 1), 1));
    expect(() => parseEntryBundle(three, 0)).toThrow(InputError);
  });

  it('decodes arbitrary bytes into exactly `width` entries covering every byte, or throws TILE_FORMAT', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.integer({ min: 1, max: 256 }), (bytes, width) => {
        let out: Uint8Array[];
        try {
          out = parseEntryBundle(bytes, width);
        } catch (e) {
          expect(e).toBeInstanceOf(VerificationError);
          expect((e as VerificationError).code).toBe('TILE_FORMAT');
          return;
        }
        expect(out.length).toBe(width);
        expect(out.reduce((n, e) => n + 2 + e.length, 0)).toBe(bytes.length);
        expect([...encodeEntryBundle(out)]).toEqual([...bytes]);
      }),
      { numRuns: 2000 },
    );
  });
});
