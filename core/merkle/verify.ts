// RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification, case for case with transparency-dev/merkle
// proof/verify.go: each rootFrom* computes a root (or throws on a malformed proof), each verify*
// compares it with the expected root and returns nothing when they match.
//
// Beyond verify.go we also reject, with the proof's code, proof hashes and roots that are not
// 32 bytes: a SHA-256 tree has no other hash size, and accepting one (verify.go accepts equal
// 12-byte roots when size1 == size2) would let garbage through as "consistent".
import { VerificationError, type VerificationCode } from '../errors.js';
import { bytesEqual, toHex } from '../bytes.js';
import { bitAt, bitLength, isTreeSize, popCount, shiftRight, trailingZeros, xor } from './bits.js';
import { HASH_SIZE, hashChildren } from './hash.js';

export interface InclusionProofInput {
  /** Leaf hash of the entry (RFC 9162 §2.1.1), 32 bytes. */
  leafHash: Uint8Array;
  /** 0-based position of the leaf; requires 0 <= index < treeSize. */
  index: number;
  treeSize: number;
  /** Audit path, lowest level first. */
  proof: readonly Uint8Array[];
}

export interface InclusionVerifyInput extends InclusionProofInput {
  root: Uint8Array;
}

export interface ConsistencyProofInput {
  /** Requires 0 < size1 <= size2. */
  size1: number;
  size2: number;
  proof: readonly Uint8Array[];
  root1: Uint8Array;
}

export interface ConsistencyVerifyInput extends ConsistencyProofInput {
  root2: Uint8Array;
}

function fail(code: VerificationCode, message: string): never {
  throw new VerificationError(code, message);
}

function checkSize(code: VerificationCode, name: string, n: unknown): asserts n is number {
  if (!isTreeSize(n)) fail(code, `${name} ${String(n)} is not a non-negative safe integer`);
}

function checkHash(code: VerificationCode, name: string, h: unknown): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array)) fail(code, `${name} is not a Uint8Array`);
  if (h.length !== HASH_SIZE) fail(code, `${name} has ${h.length} bytes, want ${HASH_SIZE}`);
}

// Attacker-controlled: the proof array and each of its elements.
function checkProofHashes(code: VerificationCode, proof: unknown): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) fail(code, 'proof is not an array');
  for (let i = 0; i < proof.length; i++) checkHash(code, `proof[${i}]`, proof[i]);
}

function verifyMatch(calculated: Uint8Array, expected: Uint8Array, what: string): void {
  if (!bytesEqual(calculated, expected)) {
    fail('ROOT_MISMATCH', `calculated ${what} ${toHex(calculated)} does not match expected ${toHex(expected)}`);
  }
}

/**
 * Computes the root of a tree of `treeSize` leaves from a leaf and its audit path.
 * Requires 0 <= index < treeSize; throws INCLUSION_PROOF for any malformed input.
 */
export function rootFromInclusionProof(input: InclusionProofInput): Uint8Array {
  const { leafHash, index, treeSize, proof } = input;
  checkSize('INCLUSION_PROOF', 'index', index);
  checkSize('INCLUSION_PROOF', 'tree size', treeSize);
  if (index >= treeSize) fail('INCLUSION_PROOF', `index is beyond size: ${index} >= ${treeSize}`);
  checkHash('INCLUSION_PROOF', 'leaf hash', leafHash);
  checkProofHashes('INCLUSION_PROOF', proof);
  const { inner, border } = decompInclProof(index, treeSize);
  if (proof.length !== inner + border) {
    fail('INCLUSION_PROOF', `proof has ${proof.length} hashes, want ${inner + border}`);
  }
  const res = chainInner(leafHash, proof.slice(0, inner), index);
  return chainBorderRight(res, proof.slice(inner));
}

/** Throws INCLUSION_PROOF for a malformed proof, ROOT_MISMATCH when it proves another root. */
export function verifyInclusion(input: InclusionVerifyInput): void {
  checkHash('INCLUSION_PROOF', 'root', input.root);
  verifyMatch(rootFromInclusionProof(input), input.root, 'root');
}

/**
 * Computes the root of the size2 tree from the size1 root and a consistency proof, checking on
 * the way that the proof also rebuilds root1 (ROOT_MISMATCH if not). Requires 0 < size1 <= size2.
 */
export function rootFromConsistencyProof(input: ConsistencyProofInput): Uint8Array {
  const { size1, size2, proof, root1 } = input;
  checkSize('CONSISTENCY_PROOF', 'size1', size1);
  checkSize('CONSISTENCY_PROOF', 'size2', size2);
  checkHash('CONSISTENCY_PROOF', 'root1', root1);
  checkProofHashes('CONSISTENCY_PROOF', proof);
  if (size2 < size1) fail('CONSISTENCY_PROOF', `size2 (${size2}) < size1 (${size1})`);
  if (size1 === 0) fail('CONSISTENCY_PROOF', 'consistency proof from an empty tree is meaningless');
  if (size1 === size2) {
    if (proof.length > 0) fail('CONSISTENCY_PROOF', `size1 = size2 = ${size1}, but the proof is not empty`);
    return root1;
  }
  if (proof.length === 0) fail('CONSISTENCY_PROOF', 'empty proof');

  // The proof is the inclusion proof of the largest perfect subtree ending at size1 (level
  // `shift`), preceded by that subtree's hash unless size1 is a power of two, in which case the
  // verifier already knows it: it is root1.
  const { inner: fullInner, border } = decompInclProof(size1 - 1, size2);
  const shift = trailingZeros(size1);
  const inner = fullInner - shift;
  const perfect = size1 === 2 ** shift;
  const seed = perfect ? root1 : proof[0]!;
  const start = perfect ? 0 : 1;
  if (proof.length !== start + inner + border) {
    fail('CONSISTENCY_PROOF', `proof has ${proof.length} hashes, want ${start + inner + border}`);
  }
  const path = proof.slice(start);
  const mask = shiftRight(size1 - 1, shift);

  // Left siblings only rebuild the size1 tree; all siblings rebuild the size2 tree.
  let hash1 = chainInnerRight(seed, path.slice(0, inner), mask);
  hash1 = chainBorderRight(hash1, path.slice(inner));
  verifyMatch(hash1, root1, 'root1');

  const hash2 = chainInner(seed, path.slice(0, inner), mask);
  return chainBorderRight(hash2, path.slice(inner));
}

/** Throws CONSISTENCY_PROOF for a malformed proof, ROOT_MISMATCH when a root does not match. */
export function verifyConsistency(input: ConsistencyVerifyInput): void {
  checkHash('CONSISTENCY_PROOF', 'root2', input.root2);
  verifyMatch(rootFromConsistencyProof(input), input.root2, 'root2');
}

// The audit path of leaf `index` splits where its path and the path of the last leaf (size-1)
// diverge: below that level ("inner") siblings may sit on either side; above it ("border") they
// are left siblings only, one for each 1 bit of the index above the split.
function decompInclProof(index: number, size: number): { inner: number; border: number } {
  const inner = bitLength(xor(index, size - 1));
  return { inner, border: popCount(shiftRight(index, inner)) };
}

function chainInner(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let h = seed;
  for (let i = 0; i < proof.length; i++) {
    h = bitAt(index, i) === 0 ? hashChildren(h, proof[i]!) : hashChildren(proof[i]!, h);
  }
  return h;
}

// Like chainInner, but skips right siblings: the result is the hash of the same subtree as it
// was before anything to its right existed.
function chainInnerRight(seed: Uint8Array, proof: readonly Uint8Array[], index: number): Uint8Array {
  let h = seed;
  for (let i = 0; i < proof.length; i++) {
    if (bitAt(index, i) === 1) h = hashChildren(proof[i]!, h);
  }
  return h;
}

function chainBorderRight(seed: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let h = seed;
  for (const p of proof) h = hashChildren(p, h);
  return h;
}
