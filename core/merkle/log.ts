// Roots and proofs for any historical size of a log, from its stored nodes: each reads only the
// O(log n) nodes its plan names, never the leaves.
import { InputError } from '../errors.js';
import type { LogReader } from '../store.js';
import { isTreeSize } from './bits.js';
import { planConsistency, planInclusion, planNodes, planRoot, rehash, type ProofPlan } from './plan.js';

export class MerkleLog {
  readonly reader: LogReader;

  constructor(reader: LogReader) {
    this.reader = reader;
  }

  size(): number {
    return this.reader.size();
  }

  /** MTH of the first `size` leaves (default: the whole log). */
  root(size: number = this.reader.size()): Uint8Array {
    this.checkHeld(size);
    return this.run(planRoot(size))[0]!;
  }

  /** Audit path of leaf `index` in the tree of `size` leaves. Requires index < size <= size(). */
  inclusionProof(index: number, size: number): Uint8Array[] {
    this.checkHeld(size);
    return this.run(planInclusion(index, size));
  }

  /** Consistency proof from size1 to size2. Requires 0 < size1 <= size2 <= size(). */
  consistencyProof(size1: number, size2: number): Uint8Array[] {
    this.checkHeld(size2);
    return this.run(planConsistency(size1, size2));
  }

  private run(plan: ProofPlan): Uint8Array[] {
    return rehash(plan, this.reader.getNodes(planNodes(plan)));
  }

  private checkHeld(size: number): void {
    if (!isTreeSize(size)) throw new InputError('BAD_INPUT', `tree size ${String(size)} is not a non-negative safe integer`);
    const have = this.reader.size();
    if (size > have) {
      throw new InputError('NOT_FOUND', `tree size ${size} is beyond the log's size ${have}`, {
        hint: 'ask for a size at or below the latest checkpoint',
      });
    }
  }
}
