// RFC 9162 §2.1.1 Merkle Tree Hash with SHA-256: domain-separated leaf and interior hashes.
import { hash as digest } from 'node:crypto';
import { InputError } from '../errors.js';

/** Every hash in the tree is a SHA-256 digest. */
export const HASH_SIZE = 32;
/** RFC 9162 §2.1.1: a leaf hash is SHA-256(0x00 || entry). */
export const LEAF_HASH_PREFIX = 0x00;
/** RFC 9162 §2.1.1: an interior node is SHA-256(0x01 || left || right). */
export const NODE_HASH_PREFIX = 0x01;

function sha256(data: Uint8Array): Uint8Array {
  const b = digest('sha256', data, 'buffer');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** RFC 9162 §2.1.1: MTH({}) = SHA-256(""), the root of the empty tree. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

export function leafHash(data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length);
  buf[0] = LEAF_HASH_PREFIX;
  buf.set(data, 1);
  return sha256(buf);
}

// digest() copies its input, so one scratch buffer serves every interior hash.
const scratch = new Uint8Array(1 + 2 * HASH_SIZE);
scratch[0] = NODE_HASH_PREFIX;

/** Interior node hash. Requires 32-byte inputs (checked by callers that take outside input). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_SIZE);
  return sha256(scratch);
}

export function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

/**
 * MTH(D[n]) of RFC 9162 §2.1.1 from the leaf hashes, in O(n) time and O(log n) memory: the
 * reference every stored or proven root is checked against.
 */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  // stack[k] is a perfect subtree; heights strictly decrease from bottom to top.
  const stack: Uint8Array[] = [];
  const heights: number[] = [];
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i];
    if (!isHash(h)) {
      throw new InputError('BAD_INPUT', `leaf hash ${i} is not a ${HASH_SIZE}-byte Uint8Array`);
    }
    let node = h;
    let height = 0;
    while (heights.length > 0 && heights[heights.length - 1] === height) {
      heights.pop();
      node = hashChildren(stack.pop()!, node);
      height++;
    }
    stack.push(node);
    heights.push(height);
  }
  if (stack.length === 0) return EMPTY_ROOT.slice();
  // The right border of a non-perfect tree: fold the perfect subtrees from right to left.
  let root = stack[stack.length - 1]!;
  for (let k = stack.length - 2; k >= 0; k--) root = hashChildren(stack[k]!, root);
  return stack.length === 1 && heights[0] === 0 ? root.slice() : root; // never alias the input
}
