import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../core/errors.js';
import { parseIdArg, parseLimitArg, parseListenArg, parseSha256Arg, parseTextArg } from './args.js';

/** Every decoder either returns a value or throws InputError USAGE — never anything else. */
function onlyUsage(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('USAGE');
    return undefined;
  }
}

describe('CLI argument decoders', () => {
  it('accept exactly 64 hex characters as ids and digests, normalised to lowercase', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-fA-F]{64}$/), (h) => {
        expect(parseIdArg(h)).toBe(h.toLowerCase());
        expect(parseSha256Arg(h)).toBe(h.toLowerCase());
      }),
    );
  });

  it('reject everything else with USAGE', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        const id = onlyUsage(() => parseIdArg(s));
        const digest = onlyUsage(() => parseSha256Arg(s));
        if (!/^[0-9a-fA-F]{64}$/.test(s)) {
          expect(id).toBeUndefined();
          expect(digest).toBeUndefined();
        }
      }),
    );
  });

  it('limits are integers within the page bound', () => {
    expect(parseLimitArg('1')).toBe(1);
    expect(parseLimitArg('200')).toBe(200);
    for (const bad of ['0', '201', '-1', '1.5', '1e3', '', ' 5', '0x10']) expect(onlyUsage(() => parseLimitArg(bad))).toBeUndefined();
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const n = onlyUsage(() => parseLimitArg(s));
        if (n !== undefined) expect(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 200).toBe(true);
      }),
    );
  });

  it('listen addresses need an explicit host and a port in range', () => {
    expect(parseListenArg('127.0.0.1:3161')).toEqual({ host: '127.0.0.1', port: 3161 });
    expect(parseListenArg('[::1]:0')).toEqual({ host: '::1', port: 0 });
    for (const bad of [':80', '3161', '127.0.0.1:65536', '127.0.0.1:', 'a b:1']) expect(onlyUsage(() => parseListenArg(bad))).toBeUndefined();
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => void onlyUsage(() => parseListenArg(s))));
  });

  it('text arguments must be non-empty and within their byte bound', () => {
    expect(parseTextArg('hello', '--text')).toBe('hello');
    expect(onlyUsage(() => parseTextArg('', '--text'))).toBeUndefined();
    expect(onlyUsage(() => parseTextArg('é'.repeat(3), '--tag', 5))).toBeUndefined(); // 6 UTF-8 bytes
    fc.assert(fc.property(fc.string({ maxLength: 50 }), fc.integer({ min: 1, max: 60 }), (s, max) => void onlyUsage(() => parseTextArg(s, '--x', max))));
  });
});
