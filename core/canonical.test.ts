import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalBytes, canonicalString, findNonJson, MAX_JSON_DEPTH, parseJson } from './canonical.js';
import { InputError } from './errors.js';
import { utf8 } from './bytes.js';

function expectNotJson(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('NOT_JSON');
    return e as InputError;
  }
  throw new Error('expected NOT_JSON');
}

// Random JSON values (fast-check keeps strings well-formed; it may produce -0).
const json = fc.jsonValue({ maxDepth: 4 });

describe('canonicalBytes', () => {
  it('matches the RFC 8785 §3.2.3 sorting and number examples', () => {
    // Key order by UTF-16 code units, ES number serialisation, minimal string escapes.
    // Input and expected output are from RFC 8785 §3.2.2 and §3.2.3.
    const input = {
      // eslint-disable-next-line no-loss-of-precision -- the RFC's own input, rounded by design
      numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalString(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    const sorting = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(canonicalString(sorting)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('canonicalises -0 as 0', () => {
    expect(canonicalString({ a: -0 })).toBe('{"a":0}');
  });

  it('round-trips random JSON values and is idempotent', () => {
    fc.assert(
      fc.property(json, (v) => {
        const bytes = canonicalBytes(v);
        const back = parseJson(bytes);
        // JSON.stringify also writes -0 as 0, the one value JCS deliberately normalises.
        expect(back).toStrictEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalBytes(back)).toStrictEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('gives equal bytes for objects that differ only in key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { maxKeys: 8 }), (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse());
        expect(canonicalString(reversed)).toBe(canonicalString(o));
      }),
    );
  });

  describe('when the value is not JSON', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    const cases: [string, unknown, string][] = [
      ['undefined at the top', undefined, '$'],
      ['an undefined property', { a: { b: undefined } }, '$.a.b'],
      ['undefined in an array', [1, undefined], '$[1]'],
      ['NaN', { n: NaN }, '$.n'],
      ['Infinity', [Infinity], '$[0]'],
      ['-Infinity', { 'a b': -Infinity }, '$["a b"]'],
      ['a BigInt', { n: 1n }, '$.n'],
      ['a function', { f: () => 1 }, '$.f'],
      ['a symbol value', { s: Symbol('x') }, '$.s'],
      ['a symbol key', { [Symbol('k')]: 1 }, '$'],
      ['a Map', { m: new Map() }, '$.m'],
      ['a Date', { d: new Date(0) }, '$.d'],
      ['a Uint8Array', { b: new Uint8Array(2) }, '$.b'],
      ['a boxed string', { s: new String('x') }, '$.s'],
      ['a class instance', { c: new (class Foo {})() }, '$.c'],
      // eslint-disable-next-line no-sparse-arrays -- the hole is the point
      ['a sparse array', { a: [1, , 3] }, '$.a[1]'],
      ['a lone surrogate', { s: 'a\ud800' }, '$.s'],
      ['a lone surrogate in a key', { ['\udc00']: 1 }, '$["\\udc00"]'],
      ['a cycle', cyclic, '$.self.back'],
    ];
    for (const [desc, value, path] of cases) {
      it(`rejects ${desc} with NOT_JSON naming ${path}`, () => {
        const e = expectNotJson(() => canonicalBytes(value));
        expect(findNonJson(value)?.path).toBe(path);
        expect(e.message).toContain(path);
      });
    }

    it('accepts shared references that are not cycles', () => {
      const shared = { x: 1 };
      expect(canonicalString({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    });

    it('accepts null-prototype objects', () => {
      const o = Object.create(null) as Record<string, unknown>;
      o.k = 'v';
      expect(canonicalString(o)).toBe('{"k":"v"}');
    });

    it(`rejects nesting deeper than ${MAX_JSON_DEPTH}`, () => {
      let deep: unknown = 1;
      for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];
      expectNotJson(() => canonicalBytes(deep));
      let ok: unknown = 1;
      for (let i = 0; i < MAX_JSON_DEPTH; i++) ok = [ok];
      expect(() => canonicalBytes(ok)).not.toThrow();
    });

    it('rejects random non-JSON leaves planted in JSON values', () => {
      const bad = fc.oneof(
        fc.constant(undefined),
        fc.constant(NaN),
        fc.constant(Infinity),
        fc.constant(-Infinity),
        fc.bigInt(),
        fc.constant(() => 0),
        fc.constant(Symbol('s')),
        fc.constant(new Map()),
        fc.date(),
        fc.constant('\ud800'),
      );
      fc.assert(
        fc.property(json, bad, fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), (v, b, keys) => {
          // Wrap the bad leaf in a few object levels, then put it next to a good value.
          let planted: unknown = b;
          for (const k of keys) planted = { [k]: planted };
          expectNotJson(() => canonicalBytes([v, planted]));
        }),
      );
    });
  });
});

describe('parseJson', () => {
  it('parses text and UTF-8 bytes', () => {
    expect(parseJson('{"a":[1,"x"]}')).toStrictEqual({ a: [1, 'x'] });
    expect(parseJson(utf8.encode('"€"'))).toBe('€');
  });

  it('turns garbage into NOT_JSON', () => {
    for (const t of ['', '{', '{"a":}', 'undefined', 'NaN', "{'a':1}", '[1,]', '\u0000']) {
      expectNotJson(() => parseJson(t));
    }
    expectNotJson(() => parseJson(new Uint8Array([0x22, 0xff, 0x22]))); // invalid UTF-8
    expectNotJson(() => parseJson('"\\ud800"')); // lone surrogate escape: not I-JSON
  });

  it('never throws anything but NOT_JSON on random text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json().map((j) => j.slice(0, -1))), (t) => {
        try {
          parseJson(t);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('NOT_JSON');
        }
      }),
    );
  });

  it('never throws anything but NOT_JSON on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          parseJson(b);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('NOT_JSON');
        }
      }),
    );
  });
});
