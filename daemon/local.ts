// The service API over a ReceiptLog in this process. Used directly by the CLI when no daemon runs
// (it holds the write lock for the duration of the command) and by the daemon itself.
import { existsSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import type { Bundle } from '../core/receipt.js';
import { GroupCommitter } from './batcher.js';
import { loadIdentity, trustedReceiptKeys, type Identity } from './home.js';
import { ReceiptLog } from './log.js';
import { rpcClient, socketAlive } from './rpc.js';
import { openTimestamper, type Timestamper } from './timestamper.js';
import type {
  CheckpointView,
  HistoryView,
  ListItem,
  ListRequest,
  Page,
  ProofView,
  ReceiptView,
  RecordRequest,
  RecordResult,
  SearchHit,
  SearchRequest,
  Service,
  StatusView,
  VerifyReport,
} from './service.js';

const ID = /^[0-9a-f]{64}$/;

function checkId(id: string): string {
  if (typeof id !== 'string' || !ID.test(id)) throw new InputError('BAD_INPUT', 'a receipt id is 64 lowercase hex characters');
  return id;
}

export interface LocalServiceOptions {
  mode?: 'direct' | 'daemon';
  /** Called after every committed batch (metrics). */
  onBatch?: (size: number, ms: number) => void;
  /** Called after every RFC 3161 request (metrics, readiness). */
  onTimestamp?: (ok: boolean, ms: number, error?: unknown) => void;
}

/** Report every stamp() call of `t` to `observe`. */
function observeTimestamper(t: Timestamper, observe: NonNullable<LocalServiceOptions['onTimestamp']>): Timestamper {
  return {
    dev: t.dev,
    anchors: t.anchors,
    async stamp(digest) {
      const t0 = performance.now();
      try {
        const s = await t.stamp(digest);
        observe(true, performance.now() - t0);
        return s;
      } catch (e) {
        observe(false, performance.now() - t0, e);
        throw e;
      }
    },
  };
}

export class LocalService implements Service {
  readonly log: ReceiptLog;
  readonly identity: Identity;
  readonly timestamper: Timestamper;
  private readonly committer: GroupCommitter<RecordRequest, RecordResult>;
  private readonly mode: 'direct' | 'daemon';
  private closed = false;
  private wrote = false;
  #writeFailure: InputError | null = null;
  /** Receipts with a correction (supersede, retract, redact) queued or committing, and its idempotency key. */
  private readonly correcting = new Map<string, { key: string | undefined }>();
  /** The checkpoint close() published (or found covering the tree), once close() has run. */
  finalCheckpoint: CheckpointView | null = null;

  private constructor(log: ReceiptLog, identity: Identity, timestamper: Timestamper, opts: LocalServiceOptions) {
    this.log = log;
    this.identity = identity;
    this.timestamper = timestamper;
    this.mode = opts.mode ?? 'direct';
    const r = identity.config.remembrancer;
    this.committer = new GroupCommitter((reqs) => this.commit(reqs), { batchMax: r.batch_max, queueMax: r.queue_max, gather: true }, opts.onBatch);
  }

  /**
   * One group commit. After a storage failure (disk full, read-only, I/O error) appends stop: every
   * later record fails with the same IO error until the process restarts, so a flapping disk never
   * interleaves half-failed batches with acknowledged ones.
   */
  private async commit(reqs: RecordRequest[]): Promise<RecordResult[]> {
    if (this.#writeFailure) throw this.#writeFailure;
    try {
      return await this.log.append(reqs);
    } catch (e) {
      if (e instanceof InputError && e.code === 'IO') this.#writeFailure = e;
      throw e;
    }
  }

  /** The storage failure that stopped appends, if any. */
  get writeFailure(): InputError | null {
    return this.#writeFailure;
  }

  static async open(home: string, opts: LocalServiceOptions = {}): Promise<LocalService> {
    const identity = await loadIdentity(home);
    const base = await openTimestamper(home, identity.config);
    const timestamper = opts.onTimestamp ? observeTimestamper(base, opts.onTimestamp) : base;
    const log = ReceiptLog.open({ identity, timestamper, auditKeys: trustedReceiptKeys(identity.paths).slice(1) });
    return new LocalService(log, identity, timestamper, opts);
  }

  get queueDepth(): number {
    return this.committer.depth;
  }

  async record(req: RecordRequest): Promise<RecordResult> {
    if (this.#writeFailure) throw this.#writeFailure;
    // Check this caller's request alone first, so a bad one never fails a whole batch.
    this.log.buildReceipt(req, new Date().toISOString());
    const target = this.log.checkCorrection(req);
    if (req.chainRef !== undefined) {
      try {
        this.log.get(checkId(req.chainRef));
      } catch {
        throw new InputError('BAD_INPUT', `chainRef ${req.chainRef} is not a receipt in this log`, { hint: 'use an id printed by `remembrancer list`' });
      }
    }
    if (target === undefined) {
      this.wrote = true;
      return this.committer.submit(req);
    }
    // checkCorrection reads the committed log: two corrections of one receipt queued together would
    // both pass it (two memories superseding one). One at a time per target; a retry of the one in
    // flight (same idempotency key) joins it, and append returns the same receipt.
    const inFlight = this.correcting.get(target);
    if (inFlight !== undefined && (inFlight.key === undefined || inFlight.key !== req.idempotencyKey)) {
      throw new InputError('BUSY', `another correction of ${target} is being committed`, { hint: 'retry; it is then checked against that correction' });
    }
    this.wrote = true;
    const p = this.committer.submit(req);
    if (inFlight === undefined) {
      const entry = { key: req.idempotencyKey };
      this.correcting.set(target, entry);
      const release = () => {
        if (this.correcting.get(target) === entry) this.correcting.delete(target);
      };
      p.then(release, release);
    }
    return p;
  }

  async get(id: string): Promise<ReceiptView> {
    return this.log.get(checkId(id));
  }

  async history(id: string): Promise<HistoryView> {
    return this.log.history(checkId(id));
  }

  async list(req: ListRequest): Promise<Page<ListItem>> {
    return this.log.list(req);
  }

  async search(req: SearchRequest): Promise<Page<SearchHit>> {
    return this.log.search(req);
  }

  async findBySha256(sha256: string): Promise<string[]> {
    return this.log.findBySha256(checkId(sha256));
  }

  async proof(id: string): Promise<ProofView> {
    return this.log.proof(checkId(id));
  }

  async bundle(id: string): Promise<Bundle> {
    return this.log.bundle(checkId(id));
  }

  async checkpoint(): Promise<CheckpointView> {
    return this.log.checkpointNow();
  }

  async latestCheckpoint(): Promise<CheckpointView | null> {
    return this.log.latestCheckpoint();
  }

  async verifyLog(onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
    return this.log.audit(onProgress);
  }

  async status(): Promise<StatusView> {
    return {
      origin: this.log.origin,
      treeSize: this.log.size(),
      lastCheckpoint: this.log.latestCheckpoint(),
      queueDepth: this.committer.depth,
      peers: 0,
      mode: this.mode,
      signer: this.identity.signer.fingerprint,
    };
  }

  /**
   * Finish queued writes, then publish and timestamp a checkpoint covering them (direct mode: if
   * this command wrote, DESIGN §3 "before the command exits"; daemon mode: always, the final
   * checkpoint of a graceful stop), then release the store.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.committer.drain();
      if ((this.wrote && this.mode === 'direct') || (this.mode === 'daemon' && this.log.size() > 0)) this.finalCheckpoint = await this.log.checkpointNow();
    } finally {
      this.log.close();
    }
  }
}

/**
 * The service for a CLI command: the running daemon's control socket when one answers, otherwise
 * the store opened directly (taking the write lock), so both behave the same to the user.
 */
export async function openService(home: string): Promise<Service> {
  const sock = `${home}/control.sock`;
  if (existsSync(sock) && (await socketAlive(sock))) return rpcClient(sock);
  return LocalService.open(home);
}
