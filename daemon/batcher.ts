// Group commit: callers submit items one at a time; a single writer commits whatever has queued up
// (at most `batchMax`) in one transaction, then answers every caller of that batch. While a commit
// runs, new submissions wait for the next one, so throughput grows with concurrency while an idle
// writer answers a lone caller at once. The queue is bounded: past `queueMax` waiting items a
// submission fails fast with BUSY instead of growing memory.
import { InputError } from '../core/errors.js';

export interface BatcherOptions {
  /** Most items per commit (one transaction). Larger batches amortise fsync; smaller bound latency. */
  batchMax: number;
  /** Most items waiting (not yet in a running commit) before submit() answers BUSY. */
  queueMax: number;
  /**
   * Wait one event-loop turn (setImmediate) before taking each batch, so every request read in the
   * same I/O phase joins it. Needed when commit() never yields to the event loop (synchronous
   * SQLite and signing): otherwise each request is committed, with its own fsync, before the next
   * one is even parsed. Costs a lone caller one loop turn. Default false.
   */
  gather?: boolean;
}

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommitter<T, R> {
  private queue: Pending<T, R>[] = [];
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly opts: BatcherOptions,
    private readonly onBatch?: (size: number, ms: number) => void,
  ) {
    if (!(opts.batchMax >= 1) || !(opts.queueMax >= 1)) throw new RangeError('batchMax and queueMax must be >= 1');
  }

  /** Items waiting for a commit (not counting the one running). */
  get depth(): number {
    return this.queue.length;
  }

  submit(item: T): Promise<R> {
    if (this.closed) {
      return Promise.reject(new InputError('BUSY', 'the writer is shutting down', { hint: 'retry once the daemon is back' }));
    }
    if (this.queue.length >= this.opts.queueMax) {
      return Promise.reject(
        new InputError('BUSY', `the write queue is full (${this.opts.queueMax} waiting)`, { hint: 'busy, retry after a short delay' }),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = this.loop().finally(() => {
      this.running = null;
      this.kick();
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.opts.gather) await new Promise<void>((resolve) => setImmediate(resolve));
      const batch = this.queue.splice(0, this.opts.batchMax);
      const t0 = performance.now();
      try {
        const results = await this.commit(batch.map((p) => p.item));
        if (results.length !== batch.length) throw new Error(`commit returned ${results.length} results for ${batch.length} items`);
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
      this.onBatch?.(batch.length, performance.now() - t0);
    }
  }

  /** Stop accepting new items and wait until everything queued is committed. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.running) await this.running;
  }
}
