// Response caps: an agent never receives megabytes. Every tool result is measured as the JSON it
// is sent as (structuredContent plus its text copy), and:
//   - list and search pages are cut to fit `pageBytes` (the cursor continues after the last item
//     returned, so nothing is skipped);
//   - any other result over `resultBytes` becomes a TOO_LARGE error naming the CLI command that
//     gives the whole thing.
// A page item's free-text fields are clipped to `itemText` characters first, so one item always fits.
import { LIMITS } from '../daemon/service.js';
import type { Page } from '../daemon/service.js';
import { McpEdgeError } from './errors.js';

export const MCP_LIMITS = {
  /** Largest list/search/resource-list response, in bytes of JSON. */
  pageBytes: 64 * 1024,
  /** Largest response of any other tool or resource read, in bytes of JSON. */
  resultBytes: 256 * 1024,
  /** Longest summary or snippet in a page item, in characters. */
  itemText: 400,
  pageSizeDefault: LIMITS.pageSizeDefault,
  pageSizeMax: LIMITS.pageSizeMax,
  /** resources/list page size. */
  resourcePage: 50,
  /** verify_artifact verifies at most this many receipts of one digest (newest are not preferred; log order). */
  artifactReceipts: 10,
} as const;

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function clip(text: string, max: number = MCP_LIMITS.itemText): string {
  if (text.length <= max) return text;
  // Do not cut a surrogate pair in half (the JSON would carry a lone surrogate).
  let end = max - 1;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** How many leading items fit: the largest k with size(k) <= cap (size grows with k). */
export function fitCount(n: number, size: (k: number) => number, cap: number): number {
  if (size(n) <= cap) return n;
  let lo = 0;
  let hi = n; // size(lo) <= cap < size(hi), assuming size(0) fits
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (size(mid) <= cap) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The CallToolResult a structured value is sent as: the value, plus its JSON as text (MCP: SHOULD). */
export function toolResult<T extends object>(value: T): { content: { type: 'text'; text: string }[]; structuredContent: T } {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/** Bytes of the JSON a structured tool result is sent as. */
export function resultBytes(value: object): number {
  return jsonBytes(toolResult(value));
}

/**
 * Fetch a page that fits `cap` once rendered (`measure`). When the service's page is too large,
 * ask again for only the items that fit, so the page's own nextCursor is right whatever the cursor
 * format is. Terminates: each retry asks for strictly fewer items. Throws TOO_LARGE if not even one
 * item fits (callers clip item text so that one always does).
 */
export async function fitPage<T, R>(
  fetch: (limit: number) => Promise<Page<T>>,
  limit: number,
  render: (page: Page<T>) => R,
  measure: (rendered: R) => number,
  cap: number,
): Promise<R> {
  for (;;) {
    const page = await fetch(limit);
    // The cursor placeholder is as long as any cursor we hand out, so the measure is an upper bound.
    const k = fitCount(page.items.length, (n) => measure(render({ items: page.items.slice(0, n), nextCursor: 'x'.repeat(64) })), cap);
    if (k >= page.items.length) return render(page);
    if (k === 0) throw new McpEdgeError('TOO_LARGE', `one item of this page is over the ${cap}-byte response cap`);
    limit = k;
  }
}
