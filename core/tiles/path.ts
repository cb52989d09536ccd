// C2SP tlog-tiles resource paths (c2sp.org/tlog-tiles §APIs), relative to the log's URL prefix:
//   checkpoint
//   tile/<L>/<N>[.p/<W>]          L: 0…63, no leading zeros; W: 1…255, no leading zeros
//   tile/entries/<N>[.p/<W>]
// N is split into 3-digit groups, every group but the last prefixed with `x`
// (1234067 → x001/x234/067), so the tree maps onto a file system without file/directory clashes.
//
// Parsing is strict: a path is accepted only when it is exactly the encoding of what it parses to
// (no leading zero group, no extra zeros, no trailing slash). Paths come from HTTP requests and are
// attacker-controlled.
import { InputError } from '../errors.js';
import { TILE_WIDTH } from '../merkle/tile.js';

/** The highest tile level the spec allows (a tree of 2^64 leaves needs levels 0…7; L may go to 63). */
export const MAX_TILE_LEVEL = 63;

/** A Merkle tile: `width` hashes (1…256; 256 = full) of tree level 8·level from node index·256. */
export interface TileRef {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** An entry bundle: `width` entries (1…256; 256 = full) starting at entry index·256. */
export interface BundleRef {
  readonly index: number;
  readonly width: number;
}

export type LogResource =
  | { readonly kind: 'checkpoint' }
  | ({ readonly kind: 'tile' } & TileRef)
  | ({ readonly kind: 'entries' } & BundleRef);

/** Longest path parseLogPath looks at: `tile/entries/` + 6 groups + `.p/255`, with room to spare. */
const MAX_PATH = 64;

function badPath(why: string): never {
  throw new InputError('BAD_INPUT', `not a tlog-tiles path: ${why}`);
}

function checkIndex(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError('BAD_INPUT', `tile index ${String(n)} is not a non-negative safe integer`);
}

function checkWidth(w: number): void {
  if (!Number.isInteger(w) || w < 1 || w > TILE_WIDTH) throw new InputError('BAD_INPUT', `tile width ${String(w)} is not in 1…${TILE_WIDTH}`);
}

/** The `<N>` part: 3-digit groups, all but the last prefixed with `x`. */
export function encodeTileIndex(n: number): string {
  checkIndex(n);
  let rest = Math.floor(n / 1000);
  let out = String(n % 1000).padStart(3, '0');
  while (rest > 0) {
    out = `x${String(rest % 1000).padStart(3, '0')}/${out}`;
    rest = Math.floor(rest / 1000);
  }
  return out;
}

function suffix(width: number): string {
  checkWidth(width);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]` */
export function tilePath(t: TileRef): string {
  if (!Number.isInteger(t.level) || t.level < 0 || t.level > MAX_TILE_LEVEL) {
    throw new InputError('BAD_INPUT', `tile level ${String(t.level)} is not in 0…${MAX_TILE_LEVEL}`);
  }
  return `tile/${t.level}/${encodeTileIndex(t.index)}${suffix(t.width)}`;
}

/** `tile/entries/<N>[.p/<W>]` */
export function entriesPath(b: BundleRef): string {
  return `tile/entries/${encodeTileIndex(b.index)}${suffix(b.width)}`;
}

const LEVEL = /^(?:0|[1-9][0-9]?)$/;
const WIDTH = /^[1-9][0-9]{0,2}$/;
const GROUP = /^[0-9]{3}$/;
const XGROUP = /^x[0-9]{3}$/;

// Parses the N groups (and the optional `.p/W`) of a split path.
function parseIndexAndWidth(parts: readonly string[]): { index: number; width: number } {
  let groups = parts;
  let width = TILE_WIDTH;
  const last = parts[parts.length - 1];
  const beforeLast = parts[parts.length - 2];
  if (beforeLast !== undefined && beforeLast.endsWith('.p')) {
    if (last === undefined || !WIDTH.test(last)) badPath('partial width is not a decimal 1…255 without leading zeros');
    width = Number(last);
    if (width >= TILE_WIDTH) badPath(`partial width ${width} is not below ${TILE_WIDTH}`);
    groups = [...parts.slice(0, -2), beforeLast.slice(0, -2)];
  }
  if (groups.length === 0 || groups.length > 6) badPath('tile index must have 1…6 groups');
  let index = 0;
  groups.forEach((g, i) => {
    const isLast = i === groups.length - 1;
    if (!(isLast ? GROUP : XGROUP).test(g)) badPath(isLast ? 'last index group is not 3 digits' : 'index group is not x + 3 digits');
    index = index * 1000 + Number(isLast ? g : g.slice(1));
  });
  if (!Number.isSafeInteger(index)) badPath('tile index exceeds 2^53 - 1');
  return { index, width };
}

/**
 * Parse a path relative to the log prefix (no leading slash). Throws InputError BAD_INPUT for
 * anything that is not the canonical encoding of a checkpoint, tile or entry bundle path.
 */
export function parseLogPath(path: string): LogResource {
  if (typeof path !== 'string') badPath('not a string');
  if (path.length > MAX_PATH) badPath(`longer than ${MAX_PATH} characters`);
  if (path === 'checkpoint') return { kind: 'checkpoint' };
  const parts = path.split('/');
  if (parts[0] !== 'tile' || parts.length < 3) badPath('want checkpoint, tile/<L>/<N> or tile/entries/<N>');
  let out: LogResource;
  if (parts[1] === 'entries') {
    out = { kind: 'entries', ...parseIndexAndWidth(parts.slice(2)) };
    if (entriesPath(out) !== path) badPath('not in canonical form');
  } else {
    if (!LEVEL.test(parts[1]!)) badPath('tile level is not a decimal 0…63 without leading zeros');
    const level = Number(parts[1]);
    if (level > MAX_TILE_LEVEL) badPath(`tile level ${level} exceeds ${MAX_TILE_LEVEL}`);
    out = { kind: 'tile', level, ...parseIndexAndWidth(parts.slice(2)) };
    if (tilePath(out) !== path) badPath('not in canonical form');
  }
  return out;
}
