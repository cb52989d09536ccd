// Generates fixtures/vectors/{inclusion,consistency}/: Merkle proof test vectors in the format of
// transparency-dev/merkle's testdata (one case per file, named by its mutation, with `desc` and
// `wantErr`), plus our `wantCode`. Proofs come from the recursive RFC 9162 reference
// (core/merkle/reference.ts), not from the code the vectors test; the expected codes follow from
// the mutation and the RFC's proof lengths.
//
// Run (tsx is not installed and Node 20 cannot strip types, so compile this one file first):
//   npx tsc --outDir .gen --rootDir . --module nodenext --moduleResolution nodenext --target es2022 \
//     --skipLibCheck scripts/gen-vectors.ts && node .gen/scripts/gen-vectors.js && rm -rf .gen
// core/merkle/vectors.test.ts checks that the committed files equal this generator's output.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toBase64, utf8 } from '../core/bytes.js';
import { EMPTY_ROOT, leafHash, rootFromLeafHashes } from '../core/merkle/hash.js';
import { referenceConsistencyProof, referenceInclusionProof } from '../core/merkle/reference.js';

type Code = 'INCLUSION_PROOF' | 'CONSISTENCY_PROOF' | 'ROOT_MISMATCH' | null;

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: Uint8Array;
  leafHash: Uint8Array;
  proof: Uint8Array[];
  desc: string;
  wantErr: boolean;
  wantCode: Code;
}

interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: Uint8Array;
  root2: Uint8Array;
  proof: Uint8Array[];
  desc: string;
  wantErr: boolean;
  wantCode: Code;
}

// Our own tree: 21 leaves, so cases cover perfect trees, ragged right borders and deep paths.
const LEAVES = Array.from({ length: 21 }, (_, i) => leafHash(utf8.encode(`remembrancer test leaf ${i}`)));
const SOME_HASH = leafHash(utf8.encode('some other hash'));
const WRONG = utf8.encode('WrongLeaf'); // 9 bytes, as transparency-dev's "WrongLeaf"/"WrongRoot"

const INCLUSION_CASES: [number, number][] = [[0, 1], [0, 8], [5, 8], [2, 5], [6, 13], [12, 13], [9, 21], [20, 21]];
const CONSISTENCY_CASES: [number, number][] = [[1, 1], [1, 8], [4, 8], [3, 7], [7, 8], [6, 13], [8, 13], [13, 21], [20, 21]];

const root = (n: number): Uint8Array => rootFromLeafHashes(LEAVES.slice(0, n));

// Proof lengths from the RFC recursions, counting only (no hashing), for sizes beyond LEAVES.
function pathLength(m: number, n: number): number {
  if (n <= 1) return 0;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return 1 + (m < k ? pathLength(m, k) : pathLength(m - k, n - k));
}
function subproofLength(m: number, n: number, b: boolean): number {
  if (m === n) return b ? 0 : 1;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return 1 + (m <= k ? subproofLength(m, k, b) : subproofLength(m - k, n - k, false));
}

const isSize = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

// The code our verifier must report: malformed input (sizes, hash sizes, proof length) is the
// proof's own code; a well-formed proof of another tree is ROOT_MISMATCH.
function inclusionCode(p: Omit<InclusionProbe, 'wantErr' | 'wantCode'>, valid: boolean): Code {
  if (valid) return null;
  if (p.root.length !== 32) return 'INCLUSION_PROOF';
  if (!isSize(p.leafIdx) || !isSize(p.treeSize) || p.leafIdx >= p.treeSize) return 'INCLUSION_PROOF';
  if (p.leafHash.length !== 32 || p.proof.some((h) => h.length !== 32)) return 'INCLUSION_PROOF';
  if (p.proof.length !== pathLength(p.leafIdx, p.treeSize)) return 'INCLUSION_PROOF';
  return 'ROOT_MISMATCH';
}

function consistencyCode(p: Omit<ConsistencyProbe, 'wantErr' | 'wantCode'>, valid: boolean): Code {
  if (valid) return null;
  if (p.root1.length !== 32 || p.root2.length !== 32 || p.proof.some((h) => h.length !== 32)) return 'CONSISTENCY_PROOF';
  if (!isSize(p.size1) || !isSize(p.size2) || p.size2 < p.size1 || p.size1 === 0) return 'CONSISTENCY_PROOF';
  if (p.size1 === p.size2) return p.proof.length > 0 ? 'CONSISTENCY_PROOF' : 'ROOT_MISMATCH';
  if (p.proof.length !== subproofLength(p.size1, p.size2, true)) return 'CONSISTENCY_PROOF';
  return 'ROOT_MISMATCH';
}

function flipBit(h: Uint8Array, mask: number): Uint8Array {
  const c = h.slice();
  c[0]! ^= mask;
  return c;
}

function inclusionProbes(index: number, size: number): InclusionProbe[] {
  const leaf = LEAVES[index]!;
  const proof = referenceInclusionProof(index, LEAVES.slice(0, size));
  const r = root(size);
  const raw: [number, number, Uint8Array, Uint8Array, Uint8Array[], string][] = [
    [index, size, r, leaf, proof, 'happy path'],
    [index - 1, size, r, leaf, proof, 'leafIdx sub @1'],
    [index + 1, size, r, leaf, proof, 'leafIdx plus @1'],
    [index ^ 2, size, r, leaf, proof, 'leafIdx XOR @2'],
    [index, size * 2, r, leaf, proof, 'treeSize mul @2'],
    [index, Math.floor(size / 2), r, leaf, proof, 'treeSize div @2'],
    [index, size, r, WRONG, proof, 'wrong leaf'],
    [index, size, EMPTY_ROOT, leaf, proof, 'empty root'],
    [index, size, SOME_HASH, leaf, proof, 'random root'],
    [index, size, r, leaf, [...proof, new Uint8Array(0)], 'trailing garbage'],
    [index, size, r, leaf, [...proof, r], 'trailing root'],
    [index, size, r, leaf, [new Uint8Array(0), ...proof], 'preceding garbage'],
    [index, size, r, leaf, [r, ...proof], 'preceding root'],
    // Ours, beyond transparency-dev: hash sizes and non-integer sizes.
    [index, size, r, leaf.subarray(0, 31), proof, 'short leaf hash'],
    [index, size, Uint8Array.of(...r, 0), leaf, proof, 'long root'],
    [2 ** 53, size, r, leaf, proof, 'leafIdx unsafe integer'],
    [index, size + 0.5, r, leaf, proof, 'treeSize fractional'],
  ];
  proof.forEach((_, i) => {
    raw.push([index, size, r, leaf, proof.map((h, k) => (k === i ? flipBit(h, 8) : h)), `modified proof[${i}] bit @3`]);
    raw.push([index, size, r, leaf, proof.map((h, k) => (k === i ? h.subarray(0, 31) : h)), `short proof[${i}]`]);
  });
  if (proof.length > 0) raw.push([index, size, r, leaf, proof.slice(0, -1), 'removed component']);
  if (proof.length > 1) raw.push([index, size, r, leaf, [proof[0]!, SOME_HASH, ...proof.slice(1)], 'inserted component']);
  return raw.map(([leafIdx, treeSize, root, leafHash, proof, desc]) => {
    const valid = desc === 'happy path';
    const p = { leafIdx, treeSize, root, leafHash, proof, desc };
    return { ...p, wantErr: !valid, wantCode: inclusionCode(p, valid) };
  });
}

function consistencyProbes(size1: number, size2: number): ConsistencyProbe[] {
  const proof = referenceConsistencyProof(size1, LEAVES.slice(0, size2));
  const r1 = root(size1);
  const r2 = root(size2);
  const raw: [number, number, Uint8Array, Uint8Array, Uint8Array[], string][] = [[size1, size2, r1, r2, proof, 'happy path']];
  // As transparency-dev: mutate only non-trivial proofs (size1 != size2).
  if (proof.length > 0) {
    raw.push(
      [size1 - 1, size2, r1, r2, proof, 'size1 sub @1'],
      [size1 + 1, size2, r1, r2, proof, 'size1 plus @1'],
      [size1 ^ 2, size2, r1, r2, proof, 'size1 XOR @2'],
      [size1, size2 * 2, r1, r2, proof, 'size2 mul @2'],
      [size1, Math.floor(size2 / 2), r1, r2, proof, 'size2 div @2'],
      [size1, size2, WRONG, r2, proof, 'wrong root1'],
      [size1, size2, r1, WRONG, proof, 'wrong root2'],
      [size1, size2, r2, r1, proof, 'swapped roots'],
      [size1, size2, r1, r2, [], 'empty proof'],
      [size1, size2, r1, r2, [...proof, new Uint8Array(0)], 'trailing garbage'],
      [size1, size2, r1, r2, [...proof, r1], 'trailing root1'],
      [size1, size2, r1, r2, [...proof, r2], 'trailing root2'],
      [size1, size2, r1, r2, [new Uint8Array(0), ...proof], 'preceding garbage'],
      [size1, size2, r1, r2, [r1, ...proof], 'preceding root1'],
      [size1, size2, r1, r2, [r2, ...proof], 'preceding root2'],
      [size1, size2, r1, r2, [proof[0]!, ...proof], 'preceding proof @0'],
      [size1, size2, r1, r2, proof.slice(0, -1), 'truncated proof'],
      // Ours: a well-sized wrong root1 must fail the root1 rebuild; hash sizes; unsafe sizes.
      [size1, size2, SOME_HASH, r2, proof, 'random root1'],
      [size1, size2, r1, SOME_HASH, proof, 'random root2'],
      [size1, size2, Uint8Array.of(...r1, 0), r2, proof, 'long root1'],
      [size1, 2 ** 53, r1, r2, proof, 'size2 unsafe integer'],
    );
    proof.forEach((_, i) => {
      raw.push([size1, size2, r1, r2, proof.map((h, k) => (k === i ? flipBit(h, 16) : h)), `modified proof@${i} bit @4`]);
      raw.push([size1, size2, r1, r2, proof.map((h, k) => (k === i ? h.subarray(0, 31) : h)), `short proof@${i}`]);
    });
  }
  return raw.map(([size1, size2, root1, root2, proof, desc]) => {
    const valid = desc === 'happy path';
    const p = { size1, size2, root1, root2, proof, desc };
    return { ...p, wantErr: !valid, wantCode: consistencyCode(p, valid) };
  });
}

// Cases independent of a tree, as transparency-dev's "additional" folders.
function additionalConsistency(): ConsistencyProbe[] {
  const a = root(1);
  const b = root(2);
  const raw: [number, number, Uint8Array, Uint8Array, Uint8Array[], string, boolean][] = [
    [1, 1, a, a, [], 'sizes are equal (one) and proof is empty', true],
    [5, 5, root(5), root(5), [], 'sizes are equal (five) and proof is empty', true],
    [1, 1, a, b, [], 'sizes are equal (one) but roots are not', false],
    [0, 0, EMPTY_ROOT, EMPTY_ROOT, [], 'sizes are equal (zero) and proof is empty', false],
    [0, 1, EMPTY_ROOT, a, [], 'size1 is zero and size2 is not zero', false],
    [0, 1, EMPTY_ROOT, a, [a], 'consistency check on empty tree (size1 is zero) is useless', false],
    [1, 0, a, EMPTY_ROOT, [], 'size1 is greater than size2', false],
    [2, 1, b, a, [], 'size1 is greater than size2 again', false],
    [1, 2, a, b, [], 'sizes do not match and proof is empty', false],
    [1, 1, a, a, [EMPTY_ROOT], 'sizes match but proof is not empty', false],
    [-1, 1, a, a, [], 'negative size1', false],
    [1, 1, utf8.encode("don't care 2"), utf8.encode("don't care 2"), [], 'sizes are equal and roots are 12 bytes', false],
  ];
  return raw.map(([size1, size2, root1, root2, proof, desc, valid]) => {
    const p = { size1, size2, root1, root2, proof, desc };
    return { ...p, wantErr: !valid, wantCode: consistencyCode(p, valid) };
  });
}

function additionalInclusion(): InclusionProbe[] {
  const one = root(1);
  const raw: [number, number, Uint8Array, Uint8Array, Uint8Array[], string, boolean][] = [
    [0, 1, one, LEAVES[0]!, [], 'single entry matching root and leaf', true],
    [0, 1, one, new Uint8Array(0), [], 'single entry empty leaf', false],
    [0, 1, new Uint8Array(0), LEAVES[0]!, [], 'single entry empty root', false],
    [0, 0, EMPTY_ROOT, SOME_HASH, [], 'empty tree', false],
    [1, 0, EMPTY_ROOT, SOME_HASH, [], 'index past empty tree', false],
    [2, 1, one, LEAVES[0]!, [], 'index past single entry', false],
    [-1, 1, one, LEAVES[0]!, [], 'negative index', false],
  ];
  return raw.map(([leafIdx, treeSize, root, leafHash, proof, desc, valid]) => {
    const p = { leafIdx, treeSize, root, leafHash, proof, desc };
    return { ...p, wantErr: !valid, wantCode: inclusionCode(p, valid) };
  });
}

// transparency-dev's file naming: "modified proof[0] bit @3" -> "modified-proof[0]-bit-@3.json".
function fileName(desc: string): string {
  return desc.replaceAll(' - ', '-').replaceAll('(', '').replaceAll(')', '').replaceAll(' ', '-') + '.json';
}

function encode(probe: InclusionProbe | ConsistencyProbe): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(probe)) {
    if (v instanceof Uint8Array) out[k] = toBase64(v);
    else if (Array.isArray(v)) out[k] = v.map((h: Uint8Array) => toBase64(h));
    else out[k] = v;
  }
  return JSON.stringify(out, null, 2) + '\n';
}

/** Every vector file, keyed by its path relative to fixtures/vectors/. */
export function generateVectors(): Map<string, string> {
  const files = new Map<string, string>();
  const add = (dir: string, probes: (InclusionProbe | ConsistencyProbe)[]): void => {
    for (const p of probes) {
      const path = `${dir}/${fileName(p.desc)}`;
      if (files.has(path)) throw new Error(`duplicate vector ${path}`);
      files.set(path, encode(p));
    }
  };
  INCLUSION_CASES.forEach(([i, n], k) => add(`inclusion/${k}`, inclusionProbes(i, n)));
  add('inclusion/additional', additionalInclusion());
  CONSISTENCY_CASES.forEach(([m, n], k) => add(`consistency/${k}`, consistencyProbes(m, n)));
  add('consistency/additional', additionalConsistency());
  return files;
}

function main(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'vectors');
  const outDir = process.argv[2] ?? root;
  for (const d of ['inclusion', 'consistency']) rmSync(join(outDir, d), { recursive: true, force: true });
  const files = generateVectors();
  for (const [rel, text] of files) {
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    writeFileSync(join(outDir, rel), text);
  }
  console.log(`wrote ${files.size} vectors under ${outDir}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
