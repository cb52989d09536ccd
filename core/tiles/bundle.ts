// C2SP tlog-tiles entry bundles (§Log entries): a sequence of log entries, each prefixed with its
// length as a big-endian uint16. Entry i of bundle N is leaf N·256 + i; its RFC 9162 leaf hash is
// hash i of level-0 tile N. Our entries are JCS(entry) (DESIGN §1).
import { InputError, VerificationError } from '../errors.js';
import { TILE_WIDTH } from '../merkle/tile.js';

/** Longest entry a bundle can hold: the uint16 length prefix. */
export const MAX_BUNDLE_ENTRY = 0xffff;
/** Largest well-formed bundle: 256 entries of the maximum length. */
export const MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + MAX_BUNDLE_ENTRY);

/**
 * Encode entries as a bundle. Throws InputError BAD_INPUT for more than 256 entries or an entry
 * longer than 65,535 bytes (the format cannot hold it).
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) throw new InputError('BAD_INPUT', `a bundle holds at most ${TILE_WIDTH} entries, got ${entries.length}`);
  let total = 0;
  entries.forEach((e, i) => {
    if (e.length > MAX_BUNDLE_ENTRY) {
      throw new InputError('BAD_INPUT', `entry ${i} of the bundle has ${e.length} bytes; tlog-tiles entry bundles hold at most ${MAX_BUNDLE_ENTRY}`);
    }
    total += 2 + e.length;
  });
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >>> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/**
 * Decode a bundle that must hold exactly `count` entries (its width, 1…256) and nothing after
 * them. The bytes are attacker-controlled: any other shape is VerificationError TILE_FORMAT.
 * Returns views into `bytes`.
 */
export function parseEntryBundle(bytes: Uint8Array, count: number): Uint8Array[] {
  if (!Number.isInteger(count) || count < 1 || count > TILE_WIDTH) throw new InputError('BAD_INPUT', `bundle width ${String(count)} is not in 1…${TILE_WIDTH}`);
  if (!(bytes instanceof Uint8Array)) throw new VerificationError('TILE_FORMAT', 'entry bundle is not bytes');
  const out: Uint8Array[] = [];
  let at = 0;
  while (out.length < count) {
    if (at + 2 > bytes.length) throw new VerificationError('TILE_FORMAT', `entry bundle ends after ${out.length} entries, want ${count}`);
    const len = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + len > bytes.length) {
      throw new VerificationError('TILE_FORMAT', `entry ${out.length} of the bundle claims ${len} bytes but only ${bytes.length - at - 2} remain`);
    }
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  if (at !== bytes.length) throw new VerificationError('TILE_FORMAT', `entry bundle has ${bytes.length - at} bytes after its ${count} entries`);
  return out;
}
