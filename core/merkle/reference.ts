// RFC 9162 §2.1.3.1 PATH and §2.1.4.1 SUBPROOF, written recursively straight from the RFC text
// over the whole list of leaf hashes. A test oracle and the vector generator's source of truth;
// the log itself never uses it (it costs O(n) per proof).
import { rootFromLeafHashes } from './hash.js';

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** PATH(m, D[n]): the audit path of leaf m among `leaves` (requires m < leaves.length). */
export function referenceInclusionProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (m < 0 || m >= n) throw new RangeError(`leaf ${m} not in a tree of ${n}`);
  if (n === 1) return [];
  const k = largestPowerOfTwoBelow(n);
  if (m < k) return [...referenceInclusionProof(m, leaves.slice(0, k)), rootFromLeafHashes(leaves.slice(k))];
  return [...referenceInclusionProof(m - k, leaves.slice(k)), rootFromLeafHashes(leaves.slice(0, k))];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true): consistency of the first m leaves with all of them. */
export function referenceConsistencyProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  if (m < 1 || m > leaves.length) throw new RangeError(`size ${m} not in 1..${leaves.length}`);
  return subproof(m, leaves, true);
}

function subproof(m: number, leaves: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = leaves.length;
  if (m === n) return b ? [] : [rootFromLeafHashes(leaves)];
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) return [...subproof(m, leaves.slice(0, k), b), rootFromLeafHashes(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), rootFromLeafHashes(leaves.slice(0, k))];
}
