// Proof planning, separate from fetching (as transparency-dev/merkle proof/proof.go): which
// stored nodes a proof or root needs, then a pure step that folds the fetched hashes into it.
// The SQLite store and a remote tiles client share this: plan, fetch (sync or async), rehash.
//
// Node IDs: level ℓ, index i is the perfect subtree over leaves [i·2^ℓ, (i+1)·2^ℓ). Only such
// complete subtrees are ever stored. A proof hash on the right border of a non-perfect tree is
// "ephemeral": it covers a range that is not a perfect subtree, so it is rebuilt from the
// stored subtrees covering that range.
import { InputError } from '../errors.js';
import { isTreeSize, trailingZeros } from './bits.js';
import { EMPTY_ROOT, hashChildren, isHash } from './hash.js';

export interface NodeId {
  readonly level: number;
  readonly index: number;
}

export interface NodeHash extends NodeId {
  readonly hash: Uint8Array;
}

/**
 * One entry per hash of the proof (or root), in order. Each entry lists the stored subtrees
 * covering one contiguous range of leaves, left to right (levels strictly decreasing): a single
 * node is used as is, several are folded right to left into the ephemeral node they make up.
 */
export interface ProofPlan {
  readonly groups: readonly (readonly NodeId[])[];
}

function badArg(message: string): never {
  throw new InputError('BAD_INPUT', message);
}

function checkSizes(...pairs: [string, number][]): void {
  for (const [name, n] of pairs) if (!isTreeSize(n)) badArg(`${name} ${String(n)} is not a non-negative safe integer`);
}

/** The perfect subtrees covering [begin, end), left to right (a "compact range"). */
export function rangeNodes(begin: number, end: number): NodeId[] {
  checkSizes(['begin', begin], ['end', end]);
  if (begin > end) badArg(`range [${begin}, ${end}) is reversed`);
  const out: NodeId[] = [];
  while (begin < end) {
    // The largest aligned power of two that starts at begin and fits before end.
    let level = begin === 0 ? 53 : trailingZeros(begin);
    while (2 ** level > end - begin) level--;
    out.push({ level, index: begin / 2 ** level });
    begin += 2 ** level;
  }
  return out;
}

// Siblings of node (level, index) and of each ancestor, up to the root of a tree of `size`
// leaves. Requires the node to be complete: (index+1)·2^level <= size.
function pathGroups(level: number, index: number, size: number): NodeId[][] {
  const groups: NodeId[][] = [];
  while (!(index === 0 && 2 ** level >= size)) {
    if (index % 2 === 1) {
      // Left sibling: always a complete subtree.
      groups.push([{ level, index: index - 1 }]);
    } else {
      // Right sibling: absent past the end of the tree, ephemeral when cut off by it.
      const begin = (index + 1) * 2 ** level;
      if (begin < size) groups.push(rangeNodes(begin, Math.min(begin + 2 ** level, size)));
    }
    index = Math.floor(index / 2);
    level++;
  }
  return groups;
}

/** RFC 9162 §2.1.3.1 audit path of leaf `index` in a tree of `size` leaves. Requires index < size. */
export function planInclusion(index: number, size: number): ProofPlan {
  checkSizes(['index', index], ['size', size]);
  if (index >= size) badArg(`index ${index} is not below tree size ${size}`);
  return { groups: pathGroups(0, index, size) };
}

/** RFC 9162 §2.1.4.1 consistency proof between sizes. Requires 0 < size1 <= size2. */
export function planConsistency(size1: number, size2: number): ProofPlan {
  checkSizes(['size1', size1], ['size2', size2]);
  if (size1 === 0) badArg('a consistency proof from the empty tree is meaningless');
  if (size1 > size2) badArg(`size1 ${size1} is greater than size2 ${size2}`);
  if (size1 === size2) return { groups: [] };
  // The largest perfect subtree ending at size1, then its audit path in the size2 tree. Its own
  // hash leads the proof unless size1 is a power of two (then the verifier has it as root1).
  const level = trailingZeros(size1);
  const index = size1 / 2 ** level - 1;
  const path = pathGroups(level, index, size2);
  return { groups: index === 0 ? path : [[{ level, index }], ...path] };
}

/** MTH of the first `size` leaves: one group; the empty group stands for the empty tree. */
export function planRoot(size: number): ProofPlan {
  checkSizes(['size', size]);
  return { groups: [rangeNodes(0, size)] };
}

/** The nodes to fetch for a plan, in the order rehash expects their hashes. */
export function planNodes(plan: ProofPlan): NodeId[] {
  return plan.groups.flat();
}

/** Folds the fetched hashes (aligned with planNodes) into the proof hashes. */
export function rehash(plan: ProofPlan, hashes: readonly Uint8Array[]): Uint8Array[] {
  const want = plan.groups.reduce((n, g) => n + g.length, 0);
  if (hashes.length !== want) badArg(`got ${hashes.length} node hashes, want ${want}`);
  for (let i = 0; i < hashes.length; i++) if (!isHash(hashes[i])) badArg(`node hash ${i} is not 32 bytes`);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const g of plan.groups) {
    if (g.length === 0) {
      out.push(EMPTY_ROOT.slice());
      continue;
    }
    let h = hashes[at + g.length - 1]!;
    for (let k = g.length - 2; k >= 0; k--) h = hashChildren(hashes[at + k]!, h);
    out.push(h);
    at += g.length;
  }
  return out;
}

/**
 * Every node that becomes complete when `leaves` are appended to a tree of `oldSize` leaves, at
 * every level, in creation order (each leaf, then the parents it completes). `getNode` supplies
 * existing nodes; it is called at most once per level, for the left sibling on the old tree's
 * right edge.
 */
export function appendNodes(
  oldSize: number,
  leaves: readonly Uint8Array[],
  getNode: (id: NodeId) => Uint8Array,
): NodeHash[] {
  checkSizes(['old size', oldSize], ['new size', oldSize + leaves.length]);
  const out: NodeHash[] = [];
  // pending[ℓ]: a node of this batch at level ℓ that is a left child still waiting for its sibling.
  const pending: (Uint8Array | undefined)[] = [];
  let index0 = oldSize;
  for (let k = 0; k < leaves.length; k++) {
    const leaf = leaves[k];
    if (!isHash(leaf)) badArg(`leaf hash ${k} is not a 32-byte Uint8Array`);
    let level = 0;
    let index = index0++;
    let h = leaf;
    out.push({ level, index, hash: h });
    while (index % 2 === 1) {
      const left = pending[level] ?? getNode({ level, index: index - 1 });
      if (!isHash(left)) badArg(`node (${level}, ${index - 1}) from the store is not 32 bytes`);
      pending[level] = undefined;
      h = hashChildren(left, h);
      index = (index - 1) / 2;
      level++;
      out.push({ level, index, hash: h });
    }
    pending[level] = h;
  }
  return out;
}
