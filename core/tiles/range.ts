// A streaming Merkle Tree Hash (RFC 9162 §2.1.1) over [0, size): feed perfect subtrees left to
// right, read the root at any point. O(log n) memory, so a client can fold a whole log from its
// tiles or entry bundles without holding every leaf (a full level-0 tile enters as one level-8 node).
import { InputError } from '../errors.js';
import { EMPTY_ROOT, hashChildren, isHash } from '../merkle/hash.js';

export class CompactRange {
  // Perfect subtrees covering [0, size), left to right, levels strictly decreasing.
  readonly #hashes: Uint8Array[] = [];
  readonly #levels: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /**
   * Append the perfect subtree of 2^level leaves starting at leaf `size`. Requires `size` to be a
   * multiple of 2^level (a subtree aligned to its own width), and `level` no higher than the last one.
   */
  push(hash: Uint8Array, level = 0): void {
    if (!isHash(hash)) throw new InputError('BAD_INPUT', 'subtree hash is not 32 bytes');
    if (!Number.isInteger(level) || level < 0 || level > 52) throw new InputError('BAD_INPUT', `subtree level ${String(level)} is not in 0…52`);
    const width = 2 ** level;
    if (this.#size % width !== 0) throw new InputError('BAD_INPUT', `a level-${level} subtree cannot start at leaf ${this.#size}`);
    if (!Number.isSafeInteger(this.#size + width)) throw new InputError('BAD_INPUT', 'range exceeds 2^53 - 1 leaves');
    let h = hash;
    let l = level;
    while (this.#levels.length > 0 && this.#levels[this.#levels.length - 1] === l) {
      this.#levels.pop();
      h = hashChildren(this.#hashes.pop()!, h);
      l++;
    }
    this.#hashes.push(h);
    this.#levels.push(l);
    this.#size += width;
  }

  /** MTH of the leaves pushed so far. */
  root(): Uint8Array {
    const n = this.#hashes.length;
    if (n === 0) return EMPTY_ROOT.slice();
    let r = this.#hashes[n - 1]!;
    for (let k = n - 2; k >= 0; k--) r = hashChildren(this.#hashes[k]!, r);
    return r.slice();
  }
}
