// Response caps and the rate limiter: pure logic, checked by properties and an explicit clock.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Page } from '../daemon/service.js';
import { McpEdgeError } from './errors.js';
import { alignStart, budgetBytes, clip, fitCount, fitPage, itemTextFor, jsonBytes, MCP_LIMITS, resultBytes, stretchEnd } from './limits.js';
import { RateLimiter } from './ratelimit.js';

describe('clip', () => {
  it('keeps short text, and never leaves more than max characters or a lone surrogate', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 2, max: 200 }), (s, max) => {
        const c = clip(s, max);
        if (s.length <= max) expect(c).toBe(s);
        else {
          expect(c.length).toBeLessThanOrEqual(max);
          expect(c.endsWith('…')).toBe(true);
          expect(s.startsWith(c.slice(0, -1))).toBe(true);
        }
        expect(() => encodeURIComponent(c)).not.toThrow(); // throws on a lone surrogate
      }),
    );
  });
});

describe('fitCount', () => {
  it('is the largest prefix under the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 50 }), fc.integer({ min: 0, max: 2000 }), (sizes, cap) => {
        const size = (k: number) => sizes.slice(0, k).reduce((a, b) => a + b, 0);
        const k = fitCount(sizes.length, size, cap);
        expect(size(k)).toBeLessThanOrEqual(cap);
        if (k < sizes.length) expect(size(k + 1)).toBeGreaterThan(cap);
      }),
    );
  });
});

describe('fitPage', () => {
  // A page source over an array with an offset cursor, like the service's search.
  const source = (items: string[]) => async (limit: number, cursor?: string): Promise<Page<string>> => {
    const from = cursor ? Number(cursor) : 0;
    const page = items.slice(from, from + limit);
    return { items: page, nextCursor: from + limit < items.length ? String(from + limit) : null };
  };

  it('returns pages under the cap whose cursors, followed, give every item exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ maxLength: 300 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 2_000, max: 8_000 }),
        async (items, limit, cap) => {
          const fetch = source(items);
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let guard = 0; guard < 1000; guard++) {
            const r = await fitPage((l) => fetch(l, cursor), limit, (p) => ({ items: p.items, nextCursor: p.nextCursor }), resultBytes, cap);
            expect(resultBytes(r)).toBeLessThanOrEqual(cap);
            seen.push(...r.items);
            if (r.nextCursor === null) break;
            cursor = r.nextCursor;
          }
          expect(seen).toEqual(items);
        },
      ),
    );
  });

  it('throws TOO_LARGE when not even one item fits', async () => {
    await expect(fitPage(source(['x'.repeat(5000)]), 10, (p) => p, jsonBytes, 1000)).rejects.toBeInstanceOf(McpEdgeError);
  });

  it('with a fallback, returns one item (rendered by it) whose cursor continues after it, when none fits', async () => {
    const items = ['x'.repeat(5000), 'y'.repeat(5000), 'short'];
    const fetch = source(items);
    const clipTo = (n: number) => (p: Page<string>) => ({ items: p.items.map((i) => i.slice(0, n)), nextCursor: p.nextCursor });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await fitPage((l) => fetch(l, cursor), 10, clipTo(5000), jsonBytes, 1000, clipTo(10));
      expect(r.items.length).toBeGreaterThan(0);
      seen.push(...r.items);
      cursor = r.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['x'.repeat(10), 'y'.repeat(10), 'short']);
  });
});

describe('text stretches (get_receipt offsets)', () => {
  it('cut anywhere, the stretches reassemble the text, move on every time, and never start or end inside a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 50 }), (text, sizes) => {
        let at = 0;
        let out = '';
        for (let i = 0; at < text.length; i++) {
          const start = alignStart(text, at);
          expect(start).toBe(at); // stretches only ever end on a boundary, so the next offset is one
          const end = stretchEnd(text, start, sizes[i % sizes.length]!);
          expect(end).toBeGreaterThan(start);
          const piece = text.slice(start, end);
          expect(() => encodeURIComponent(piece)).not.toThrow(); // throws on a lone surrogate
          out += piece;
          at = end;
        }
        expect(out).toBe(text);
      }),
    );
  });

  it('an offset given inside a surrogate pair moves back to its start', () => {
    const text = 'a🦉b';
    expect(alignStart(text, 2)).toBe(1);
    expect(alignStart(text, 1)).toBe(1);
    expect(stretchEnd(text, 1, 1)).toBe(3); // one unit would split the owl: take both
    expect(stretchEnd(text, 0, 2)).toBe(1); // ending inside it: stop before
  });

  it('budgets: maxTokens × 4 bytes under the cap; item text within its bounds', () => {
    expect(budgetBytes(undefined, 1000)).toBe(1000);
    expect(budgetBytes(100, 1000)).toBe(400);
    expect(budgetBytes(10_000, 1000)).toBe(1000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 << 30 }), (b) => {
        const n = itemTextFor(b);
        expect(n).toBeGreaterThanOrEqual(MCP_LIMITS.minItemText);
        expect(n).toBeLessThanOrEqual(MCP_LIMITS.itemText);
      }),
    );
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then one request per 1/perSecond, with the wait it reports', () => {
    const rl = new RateLimiter({ perSecond: 2, burst: 3 });
    expect([0, 0, 0].map(() => rl.take('k', 0).ok)).toEqual([true, true, true]);
    expect(rl.take('k', 0)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(rl.take('k', 499).ok).toBe(false);
    expect(rl.take('k', 500).ok).toBe(true);
    expect(rl.take('other', 500).ok).toBe(true); // buckets are per key
    expect(rl.take('k', 10_000).ok).toBe(true);
  });
});
