// Check "leaf hash": the entry's RFC 9162 leaf hash SHA-256(0x00 ‖ JCS(entry)), whose hex is the
// receipt id (DESIGN §1). Computed from the entry, never read from the bundle; a caller that asked
// for a particular id gets LEAF_HASH when the entry is another one.
import { VerificationError } from '../../errors.js';
import { entryLeafHash, type Entry } from '../../receipt.js';
import { toHex } from '../../bytes.js';

export function checkLeafHash(entry: Entry, expectedId?: string): { id: string; leafHash: Uint8Array; detail: string } {
  const leafHash = entryLeafHash(entry);
  const id = toHex(leafHash);
  if (expectedId !== undefined && expectedId.toLowerCase() !== id) {
    throw new VerificationError('LEAF_HASH', `entry hashes to receipt id ${id}, want ${expectedId.slice(0, 64)}`, {
      hint: 'the bundle is for another receipt',
    });
  }
  return { id, leafHash, detail: `receipt id ${id}${expectedId !== undefined ? ' (as expected)' : ''}` };
}
