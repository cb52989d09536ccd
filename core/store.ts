// The narrow storage contract of the Merkle log (Tessera style): a reader with stated promises
// and a writer that appends leaf hashes durably. Batching, dedup, checkpoints, timestamps and
// cosigning are layers over these, not store methods. One implementation: daemon/store (SQLite).
import type { NodeId } from './merkle/plan.js';

export type { NodeId };

export interface LogReader {
  /**
   * Number of leaves in committed (durable) data. It is not a published checkpoint: a
   * checkpoint may lag behind it and must never be replaced by it.
   */
  size(): number;
  /**
   * Hashes of complete subtree nodes (level ℓ, index i covers leaves [i·2^ℓ, (i+1)·2^ℓ)), in the
   * order asked. Every node must be complete at size(); nodes never change once complete.
   * Throws InputError NOT_FOUND for a node that is not complete yet.
   */
  getNodes(ids: readonly NodeId[]): Uint8Array[];
  /** Leaf hashes [start, end); requires 0 <= start <= end <= size(). */
  getLeafHashes(start: number, end: number): Uint8Array[];
  /**
   * C2SP tlog-tiles tile bytes: the first `width` (1…256) hashes of tree level 8·level starting
   * at node index·256, or undefined when the log does not hold that many yet.
   */
  getTile(level: number, index: number, width: number): Uint8Array | undefined;
}

export interface AppendResult<T> {
  /** Index of the first appended leaf (the size before the append). */
  firstIndex: number;
  /** Size after the append. */
  size: number;
  /** What `within` returned, if given. */
  value: T | undefined;
}

export interface LogWriter<Tx> {
  /**
   * Appends leaf hashes (32 bytes each) in one durable transaction and returns once it is
   * committed. `within(tx, firstIndex)` runs inside that same transaction, synchronously, so a
   * layer above can write its own rows atomically with the leaves; if it throws, nothing of the
   * batch is written and the error propagates. An empty batch still runs `within`.
   */
  appendLeafHashes<T = void>(hashes: readonly Uint8Array[], within?: (tx: Tx, firstIndex: number) => T): AppendResult<T>;
}
