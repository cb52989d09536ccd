// The receipts layer over the Merkle store: signs receipts, appends each batch in one transaction
// (leaf hashes + entry rows + search index), publishes signed checkpoints, timestamps them, and
// answers reads (get, list, search, proofs, bundles) and the full-log audit.
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { sha256, toBase64, toHex, utf8 } from '../core/bytes.js';
import { canonicalBytes, parseJson } from '../core/canonical.js';
import { InputError, VerificationError, isRemembrancerError } from '../core/errors.js';
import { MerkleLog } from '../core/merkle/log.js';
import { leafHash } from '../core/merkle/hash.js';
import { verifyConsistency } from '../core/merkle/verify.js';
import { checkpointBody, parseCheckpoint, signCheckpoint, verifyCheckpoint } from '../core/checkpoint/index.js';
import { ReceiptVerifier } from '../core/signing/index.js';
import { BUNDLE_MEDIA_TYPE, entryBytesFromParts, parseEntry, parseReceipt, type Bundle, type Entry, type Receipt } from '../core/receipt.js';
import { verifyTimestampToken } from '../core/timestamp/index.js';
import { openLogStore, openLogStoreReadOnly, type SqliteLogReader, type SqliteLogStore } from './store/index.js';
import type { Identity } from './home.js';
import type { Stamp, Timestamper } from './timestamper.js';
import {
  LIMITS,
  type CheckpointView,
  type CheckResult,
  type ContentView,
  type HistoryItem,
  type HistoryView,
  type ListItem,
  type ListRequest,
  type Page,
  type ProofView,
  type ReceiptView,
  type RecordRequest,
  type RecordResult,
  type SearchHit,
  type SearchRequest,
  type TimestampState,
  type VerifyReport,
} from './service.js';

/** Kinds whose receipts carry a namespace (DESIGN §1 "memory-like"). */
const NAMESPACED = new Set(['memory', 'memory.retract', 'memory.redact', 'decision', 'artifact']);
/** Kinds that correct an earlier receipt (their subject.target), and what they set on it. */
const CORRECTIONS = { 'memory.retract': 'retracted_by', 'memory.redact': 'redacted_by' } as const;

/** Most JCS(receipt) bytes: JCS(entry) must fit a tlog-tiles entry bundle's uint16 length prefix. */
export const MAX_RECEIPT_BYTES = 60_000;

/** A memory's text and salt, held beside the log; the receipt carries SHA-256(salt ‖ text). */
interface HeldContent {
  salt: Uint8Array;
  text: string;
}

export function contentHash(salt: Uint8Array, text: string): string {
  return toHex(sha256(salt, utf8.encode(text)));
}

interface EntryRow {
  idx: number;
  id: string;
  kind: string;
  namespace: string | null;
  time: string;
  entry: Buffer;
  superseded_by: string | null;
  retracted_by: string | null;
  redacted_by: string | null;
}

const ENTRY_COLS = 'idx, id, kind, namespace, time, entry, superseded_by, retracted_by, redacted_by';

interface CheckpointRow {
  size: number;
  note: string;
  created_at: string;
  tsa_token: Buffer | null;
  tsa_certs: string | null;
  tsa_time: string | null;
  tsa_name: string | null;
  tsa_dev: number | null;
  tsa_error: string | null;
  tsa_attempts: number;
}

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[0-9]{1,16}$/.test(cursor)) throw new InputError('BAD_INPUT', 'invalid cursor', { hint: 'pass the nextCursor value of a previous page unchanged' });
  return Number(cursor);
}

function pageSize(limit: number | undefined): number {
  if (limit === undefined) return LIMITS.pageSizeDefault;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageSizeMax) {
    throw new InputError('BAD_INPUT', `limit must be an integer in 1…${LIMITS.pageSizeMax}, got ${limit}`);
  }
  return limit;
}

/** Turn user words into a safe FTS5 query: every term quoted, all terms required, last one a prefix. */
export function ftsQuery(text: string): string {
  const terms = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (terms.length === 0) throw new InputError('BAD_INPUT', 'the search query has no words', { hint: 'search for letters or digits' });
  return terms
    .slice(0, 32)
    .map((t, i, all) => `"${t}"${i === all.length - 1 ? '*' : ''}`)
    .join(' ');
}

/** One line describing a receipt, for lists. */
export function summarize(receipt: Receipt): string {
  const s = receipt.subject as Record<string, unknown>;
  const clip = (v: unknown) => (typeof v === 'string' ? (v.length > 80 ? `${v.slice(0, 79)}…` : v) : '');
  switch (receipt.kind) {
    case 'deploy':
      return `${clip(s.component)} ${clip(s.version)} ${clip(s.sha256).slice(0, 12)}`;
    case 'artifact':
      return `${clip(s.name)} ${clip(s.sha256).slice(0, 12)}`;
    case 'decision':
      return clip(s.title);
    case 'memory':
      return typeof s.text === 'string' ? clip(s.text) : `(committed text ${clip(s.contentHash).slice(0, 12)})`;
    case 'memory.retract':
    case 'memory.redact':
      return `${receipt.kind === 'memory.retract' ? 'retracts' : 'redacts'} ${clip(s.target).slice(0, 16)}${typeof s.reason === 'string' ? `: ${clip(s.reason)}` : ''}`;
    default:
      return clip(receipt.note ?? JSON.stringify(s));
  }
}

/** SHA-256 digests a receipt records: its subject's and its evidence's. */
function digestsOf(receipt: Receipt): string[] {
  const out = new Set<string>();
  const s = receipt.subject as Record<string, unknown>;
  if (typeof s.sha256 === 'string') out.add(s.sha256);
  for (const e of receipt.evidence) out.add(e.sha256);
  return [...out];
}

/** FTS columns of a receipt; `heldText` is a memory's text held beside the log (absent once redacted). */
function ftsFields(receipt: Receipt, heldText?: string): [string, string, string, string] {
  const s = receipt.subject as Record<string, unknown>;
  const tags = Array.isArray(s.tags) ? (s.tags as unknown[]).filter((t) => typeof t === 'string').join(' ') : '';
  const subjectText = [
    ...Object.entries(s)
      .filter(([k, v]) => k !== 'tags' && k !== 'contentHash' && (typeof v === 'string' || typeof v === 'number'))
      .map(([, v]) => String(v)),
    ...(heldText !== undefined ? [heldText] : []),
  ].join(' ');
  return [receipt.kind, subjectText, receipt.note ?? '', tags];
}

/**
 * A SQLite failure that means the disk or the home cannot take writes (full, read-only, I/O
 * error), as InputError IO with a hint; undefined for anything else. SQLite rolls the transaction
 * back, so the store keeps every committed batch and nothing of the failed one.
 */
export function storageWriteError(e: unknown, dbPath: string, what: string): InputError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const restart = 'then restart the daemon (or rerun the command); everything acknowledged before is intact';
  if (code === 'SQLITE_FULL') {
    return new InputError('IO', `cannot ${what}: the disk holding ${dbPath} is full (${code})`, { hint: `free disk space, ${restart}`, cause: e });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new InputError('IO', `cannot ${what}: the log database ${dbPath} is read-only (${code})`, {
      hint: `make the home directory and its files writable by this user, ${restart}`,
      cause: e,
    });
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') {
    return new InputError('IO', `cannot ${what}: disk I/O error on ${dbPath} (${code})`, {
      hint: `check the disk, its free space and the file size limit (ulimit -f), ${restart}`,
      cause: e,
    });
  }
  return undefined;
}

export interface ReceiptLogOptions {
  identity: Identity;
  timestamper: Timestamper;
  /** Extra receipt keys the audit accepts besides the log's own (keys/trusted). */
  auditKeys?: string[];
}

export class ReceiptLog {
  readonly store: SqliteLogStore;
  readonly merkle: MerkleLog;
  readonly origin: string;
  private readonly id: Identity;
  private readonly timestamper: Timestamper;
  private readonly auditKeys: string[];
  private readonly q: {
    byId: Database.Statement<[string], EntryRow>;
    byIdem: Database.Statement<[string], EntryRow>;
    content: Database.Statement<[number], { salt: Buffer; text: string }>;
    latestCp: Database.Statement<[], CheckpointRow>;
    cpAt: Database.Statement<[number], CheckpointRow>;
    coveringStamped: Database.Statement<[number], CheckpointRow>;
  };
  private stamping: Promise<void> | null = null;

  private constructor(store: SqliteLogStore, opts: ReceiptLogOptions) {
    this.store = store;
    this.merkle = new MerkleLog(store);
    this.id = opts.identity;
    this.origin = opts.identity.origin;
    this.timestamper = opts.timestamper;
    this.auditKeys = opts.auditKeys ?? [];
    const db = store.db;
    // Deleted rows (redacted text) are overwritten with zeros, not just unlinked (issue 8).
    db.pragma('secure_delete = ON');
    this.q = {
      byId: db.prepare(`SELECT ${ENTRY_COLS} FROM entries WHERE id = ?`),
      byIdem: db.prepare(`SELECT ${ENTRY_COLS} FROM entries WHERE idempotency_key = ?`),
      content: db.prepare('SELECT salt, text FROM memory_content WHERE idx = ?'),
      latestCp: db.prepare('SELECT * FROM checkpoints ORDER BY size DESC LIMIT 1'),
      cpAt: db.prepare('SELECT * FROM checkpoints WHERE size = ?'),
      coveringStamped: db.prepare('SELECT * FROM checkpoints WHERE size > ? AND tsa_token IS NOT NULL ORDER BY size DESC LIMIT 1'),
    };
  }

  /** Opens the store for writing (takes the write lock). */
  static open(opts: ReceiptLogOptions): ReceiptLog {
    const store = openLogStore(opts.identity.paths.db);
    try {
      return new ReceiptLog(store, opts);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  close(): void {
    this.store.close();
  }

  size(): number {
    return this.store.size();
  }

  // ------------------------------------------------------------------------------------------
  // Writes

  /** Build the unsigned receipt for a request (origin and time filled in). Throws BAD_INPUT for an invalid one. */
  buildReceipt(req: RecordRequest, time: string): Receipt {
    return this.prepare(req, time).receipt;
  }

  /**
   * The receipt for a request, and for a memory given as text, the text and salt to hold beside
   * the log: the signed receipt then carries only contentHash = SHA-256(salt ‖ text), so the text
   * can be redacted later without touching the log (README "Memory semantics").
   */
  private prepare(req: RecordRequest, time: string): { receipt: Receipt; jcs: Uint8Array; content?: HeldContent } {
    const r: Record<string, unknown> = {
      v: 1,
      kind: req.kind,
      origin: this.origin,
      time,
      subject: req.subject,
      evidence: req.evidence ?? [],
    };
    if (req.chainRef !== undefined) r.chainRef = req.chainRef;
    if (req.note !== undefined) r.note = req.note;
    if (req.supersedes !== undefined) r.supersedes = req.supersedes;
    if (req.namespace !== undefined && req.namespace !== 'default') {
      if (!NAMESPACED.has(req.kind)) throw new InputError('BAD_INPUT', `kind ${req.kind} does not take a namespace`);
      r.namespace = req.namespace;
    }
    const check = (value: Record<string, unknown>): Receipt => {
      try {
        return parseReceipt(value);
      } catch (e) {
        if (e instanceof VerificationError) throw new InputError('BAD_INPUT', e.message, { cause: e, hint: 'fix the fields named above' });
        throw e;
      }
    };
    const receipt = check(r); // the inline form bounds the text
    const subject = req.subject as { text?: unknown; tags?: unknown };
    let out: { receipt: Receipt; content?: HeldContent } = { receipt };
    if (req.kind === 'memory' && typeof subject.text === 'string') {
      const salt = new Uint8Array(randomBytes(32));
      const committed = { contentHash: contentHash(salt, subject.text), ...(subject.tags !== undefined ? { tags: subject.tags } : {}) };
      out = { receipt: check({ ...r, subject: committed }), content: { salt, text: subject.text } };
    }
    // C2SP tlog-tiles entry bundles prefix each entry with a uint16 length, so JCS(entry) must stay
    // under 64 KiB for the log to be servable as tiles; leave room for the armored signature.
    const jcs = canonicalBytes(out.receipt);
    const size = jcs.length;
    if (size > MAX_RECEIPT_BYTES) {
      throw new InputError('BAD_INPUT', `the receipt is ${size} bytes as JCS; the most a log entry can hold is ${MAX_RECEIPT_BYTES}`, {
        hint: 'record large content as an artifact (its sha256) or a memory (its text is held beside the log)',
      });
    }
    return { ...out, jcs };
  }

  /**
   * Semantic checks of a correction against the log (the schema cannot know them): the target of
   * supersedes / retract / redact exists, is a memory-like receipt of the same namespace, and is
   * not already superseded / retracted / redacted. Throws BAD_INPUT or NOT_FOUND. Returns the
   * target's id (undefined for a request that corrects nothing).
   */
  checkCorrection(req: RecordRequest): string | undefined {
    const target =
      req.supersedes ?? (req.kind in CORRECTIONS ? (req.subject as { target?: unknown }).target : undefined);
    if (typeof target !== 'string') return undefined;
    // A retry of a correction already in the log: append returns that receipt (its target is corrected by it).
    if (req.idempotencyKey !== undefined && this.q.byIdem.get(req.idempotencyKey)) return target;
    const row = this.q.byId.get(target);
    if (!row) throw new InputError('NOT_FOUND', `no receipt ${target} in this log to correct`, { hint: 'use an id printed by `remembrancer list --history`' });
    const ns = req.namespace ?? 'default';
    if ((row.namespace ?? 'default') !== ns) {
      throw new InputError('BAD_INPUT', `receipt ${target} is in namespace ${JSON.stringify(row.namespace)}, not ${JSON.stringify(ns)}`, {
        hint: 'pass the same --namespace as the receipt being corrected',
      });
    }
    if (req.supersedes !== undefined) {
      if (row.kind !== 'memory') throw new InputError('BAD_INPUT', `only memories can be superseded; ${target} is a ${row.kind}`);
      if (row.superseded_by) throw new InputError('BAD_INPUT', `memory ${target} is already superseded by ${row.superseded_by}`, { hint: 'supersede the current one' });
      if (row.retracted_by) throw new InputError('BAD_INPUT', `memory ${target} is retracted (by ${row.retracted_by})`, { hint: 'record a new memory instead' });
    }
    if (req.kind === 'memory.retract') {
      if (!['memory', 'decision', 'artifact'].includes(row.kind)) throw new InputError('BAD_INPUT', `a ${row.kind} receipt cannot be retracted`);
      if (row.retracted_by) throw new InputError('BAD_INPUT', `receipt ${target} is already retracted by ${row.retracted_by}`);
    }
    if (req.kind === 'memory.redact') {
      if (row.kind !== 'memory' || !this.q.content.get(row.idx)) {
        throw new InputError('BAD_INPUT', `receipt ${target} holds no redactable text${row.redacted_by ? ` (already redacted by ${row.redacted_by})` : ''}`, {
          hint: 'only memories recorded with their text held beside the log can be redacted',
        });
      }
    }
    return target;
  }

  /**
   * Sign and append a batch in one transaction. Requests with an idempotency key already in the
   * log (or earlier in the batch) get the earlier receipt back, and nothing new is written for them.
   * Callers must not run two appends at once (the daemon's GroupCommitter serialises them).
   */
  async append(reqs: readonly RecordRequest[]): Promise<RecordResult[]> {
    const time = new Date().toISOString();
    const results: (RecordResult | undefined)[] = new Array(reqs.length);
    const firstByKey = new Map<string, number>();
    const fresh: { i: number; receipt: Receipt; jcs: Uint8Array; content: HeldContent | undefined; key: string | undefined }[] = [];
    reqs.forEach((req, i) => {
      const key = req.idempotencyKey;
      if (key !== undefined) {
        const old = this.q.byIdem.get(key);
        if (old) {
          results[i] = this.resultOf(old);
          return;
        }
        if (firstByKey.has(key)) return; // filled after the commit
        firstByKey.set(key, i);
      }
      const prepared = this.prepare(req, time);
      fresh.push({ i, receipt: prepared.receipt, jcs: prepared.jcs, content: prepared.content, key });
    });
    if (fresh.length > 0) {
      // Each receipt was validated and canonicalised once in prepare(); sign and frame those bytes.
      const signatures = await this.id.signer.signManyCanonical(fresh.map((f) => f.jcs));
      const entries: Entry[] = fresh.map((f, k) => ({ receipt: f.receipt, signature: signatures[k]! }));
      const bytes = fresh.map((f, k) => entryBytesFromParts(f.jcs, signatures[k]!));
      const hashes = bytes.map((b) => leafHash(b));
      const db = this.store.db;
      const insEntry = db.prepare('INSERT INTO entries (idx, id, kind, namespace, time, entry, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?)');
      const insDigest = db.prepare('INSERT OR IGNORE INTO entry_digests (sha256, idx) VALUES (?, ?)');
      const insFts = db.prepare('INSERT INTO entries_fts (rowid, kind, subject, note, tags) VALUES (?, ?, ?, ?, ?)');
      const insContent = db.prepare('INSERT INTO memory_content (idx, salt, text) VALUES (?, ?, ?)');
      let redacted = false;
      const { firstIndex } = this.writing('append receipts', () => this.store.appendLeafHashes(hashes, (_tx, first) => {
        entries.forEach((e, k) => {
          const idx = first + k;
          const r = e.receipt;
          const ns = (r as { namespace?: string }).namespace ?? (NAMESPACED.has(r.kind) ? 'default' : null);
          insEntry.run(idx, toHex(hashes[k]!), r.kind, ns, r.time, bytes[k]!, fresh[k]!.key ?? null);
          for (const d of digestsOf(r)) insDigest.run(d, idx);
          const held = fresh[k]!.content;
          if (held) insContent.run(idx, held.salt, held.text);
          insFts.run(idx, ...ftsFields(r, held?.text));
          redacted = this.applyCorrection(r, toHex(hashes[k]!)) || redacted;
        });
      }));
      // A redaction must not linger in the WAL: copy it into the main file (whose freed pages
      // secure_delete zeroed) and truncate the WAL.
      if (redacted) db.pragma('wal_checkpoint(TRUNCATE)');
      fresh.forEach((f, k) => {
        const r = f.receipt as { namespace?: string };
        results[f.i] = {
          id: toHex(hashes[k]!),
          index: firstIndex + k,
          ...(NAMESPACED.has(f.receipt.kind) ? { namespace: r.namespace ?? 'default' } : {}),
        };
      });
    }
    reqs.forEach((req, i) => {
      if (results[i] === undefined) results[i] = results[firstByKey.get(req.idempotencyKey!)!];
    });
    return results as RecordResult[];
  }

  /**
   * Record what a correction does to its target's current view (inside the append transaction).
   * Returns true when it redacted text. Targets were checked by checkCorrection before.
   */
  private applyCorrection(r: Receipt, id: string): boolean {
    const db = this.store.db;
    const sup = (r as { supersedes?: string }).supersedes;
    if (sup) db.prepare('UPDATE entries SET superseded_by = ? WHERE id = ? AND superseded_by IS NULL').run(id, sup);
    if (!(r.kind in CORRECTIONS)) return false;
    const target = (r.subject as { target: string }).target;
    const column = CORRECTIONS[r.kind as keyof typeof CORRECTIONS];
    db.prepare(`UPDATE entries SET ${column} = ? WHERE id = ? AND ${column} IS NULL`).run(id, target);
    if (r.kind !== 'memory.redact') return false;
    const row = this.q.byId.get(target);
    if (!row) return false;
    const entry = parseJson(row.entry) as Entry;
    db.prepare('DELETE FROM memory_content WHERE idx = ?').run(row.idx);
    db.prepare('DELETE FROM entries_fts WHERE rowid = ?').run(row.idx);
    db.prepare('INSERT INTO entries_fts (rowid, kind, subject, note, tags) VALUES (?, ?, ?, ?, ?)').run(row.idx, ...ftsFields(entry.receipt));
    return true;
  }

  /** Run a write; storage failures (disk full, read-only, I/O) become InputError IO with a hint. */
  private writing<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storageWriteError(e, this.store.path, what) ?? e;
    }
  }

  private resultOf(row: EntryRow): RecordResult {
    return { id: row.id, index: row.idx, ...(row.namespace !== null ? { namespace: row.namespace } : {}) };
  }

  /**
   * Publish a signed checkpoint at the current size, unless the latest already has this size.
   * Returns the (new or existing) checkpoint row. Its timestamp is added by stampPending().
   */
  publishCheckpoint(): CheckpointView {
    const size = this.store.size();
    const last = this.q.latestCp.get();
    if (last && last.size === size) return this.view(last);
    if (last && last.size > size) {
      throw new InputError('STORE_CORRUPT', `the latest checkpoint has size ${last.size} but the tree has only ${size} leaves`, {
        hint: 'the store lost committed leaves; run `remembrancer verify`',
      });
    }
    const note = signCheckpoint({ origin: this.origin, size, root: this.merkle.root(size) }, this.id.checkpointSignerKey);
    this.writing('publish a checkpoint', () =>
      this.store.db.prepare('INSERT INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)').run(size, note, new Date().toISOString()),
    );
    return this.view(this.q.cpAt.get(size)!);
  }

  /**
   * Timestamp every checkpoint that lacks a token (newest first, at most `max`). A failure is
   * recorded on the row and retried next time; it never blocks appends. Concurrent calls share one pass.
   */
  stampPending(max = 16): Promise<void> {
    if (!this.stamping) {
      this.stamping = this.stampPass(max).finally(() => {
        this.stamping = null;
      });
    }
    return this.stamping;
  }

  private async stampPass(max: number): Promise<void> {
    const rows = this.store.db
      .prepare('SELECT * FROM checkpoints WHERE tsa_token IS NULL ORDER BY size DESC LIMIT ?')
      .all(max) as CheckpointRow[];
    for (const row of rows) {
      const digest = sha256(checkpointBody(row.note));
      let s: Stamp;
      try {
        s = await this.timestamper.stamp(digest);
      } catch (e) {
        if (!this.store.db.open) return;
        const msg = e instanceof Error ? e.message : String(e);
        this.writing('record a timestamp failure', () =>
          this.store.db.prepare('UPDATE checkpoints SET tsa_error = ?, tsa_attempts = tsa_attempts + 1 WHERE size = ?').run(msg.slice(0, 500), row.size),
        );
        if (!isRemembrancerError(e)) throw e;
        // The TSA is down or refusing: the older rows would fail the same way; retry them next pass.
        return;
      }
      if (!this.store.db.open) return;
      this.writing('store a timestamp', () =>
        this.store.db
          .prepare('UPDATE checkpoints SET tsa_token = ?, tsa_certs = ?, tsa_time = ?, tsa_name = ?, tsa_dev = ?, tsa_error = NULL, tsa_attempts = tsa_attempts + 1 WHERE size = ?')
          .run(s.token, JSON.stringify(s.certificates), s.genTime.toISOString(), s.tsa, s.dev ? 1 : 0, row.size),
      );
    }
  }

  /** Publish a checkpoint now and timestamp it; returns it with its timestamp state. */
  async checkpointNow(): Promise<CheckpointView> {
    const cp = this.publishCheckpoint();
    if (cp.timestamp.state !== 'stamped') {
      await this.stampPending();
      // A pass already running when we published selected its rows before ours existed: run one more.
      if (!this.q.cpAt.get(cp.size)!.tsa_token) await this.stampPending();
    }
    return this.view(this.q.cpAt.get(cp.size)!);
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  private view(row: CheckpointRow): CheckpointView {
    const cp = parseCheckpoint(row.note);
    let timestamp: TimestampState;
    if (row.tsa_token) {
      timestamp = { state: 'stamped', genTime: row.tsa_time ?? undefined, tsa: row.tsa_name ?? undefined, dev: row.tsa_dev === 1 } as TimestampState;
    } else if (row.tsa_error) {
      timestamp = { state: 'failed', error: row.tsa_error };
    } else {
      timestamp = { state: 'pending' };
    }
    return { size: row.size, root: toBase64(cp.root), note: row.note, createdAt: row.created_at, timestamp };
  }

  latestCheckpoint(): CheckpointView | null {
    const row = this.q.latestCp.get();
    return row ? this.view(row) : null;
  }

  private row(id: string): EntryRow {
    const row = this.q.byId.get(id);
    if (!row) throw new InputError('NOT_FOUND', `no receipt ${id} in this log`, { hint: 'check the id with `remembrancer list`' });
    return row;
  }

  private entryOf(row: EntryRow): Entry {
    return parseJson(row.entry) as Entry;
  }

  /** A memory's held text, checked against its receipt's commitment; undefined for other receipts. */
  private contentOf(row: EntryRow, receipt: Receipt): ContentView | undefined {
    const hash = (receipt.subject as { contentHash?: unknown }).contentHash;
    if (receipt.kind !== 'memory' || typeof hash !== 'string') return undefined;
    if (row.redacted_by) return { state: 'redacted', by: row.redacted_by };
    const held = this.q.content.get(row.idx);
    if (!held) return undefined;
    return { state: 'present', text: held.text, verified: contentHash(held.salt, held.text) === hash };
  }

  get(id: string): ReceiptView {
    const row = this.row(id);
    const entry = this.entryOf(row);
    const content = this.contentOf(row, entry.receipt);
    return {
      id: row.id,
      index: row.idx,
      entry,
      ...(content ? { content } : {}),
      ...(row.superseded_by ? { supersededBy: row.superseded_by } : {}),
      ...(row.retracted_by ? { retractedBy: row.retracted_by } : {}),
      ...(row.redacted_by ? { redactedBy: row.redacted_by } : {}),
    };
  }

  private item(row: EntryRow): ListItem {
    const receipt = this.entryOf(row).receipt;
    const content = this.contentOf(row, receipt);
    const summary =
      content?.state === 'present' ? summarize({ ...receipt, subject: { text: content.text } } as Receipt) : content?.state === 'redacted' ? '(redacted)' : summarize(receipt);
    return {
      id: row.id,
      index: row.idx,
      kind: row.kind,
      time: row.time,
      ...(row.namespace !== null ? { namespace: row.namespace } : {}),
      summary,
      ...(row.redacted_by ? { state: 'redacted' as const } : row.retracted_by ? { state: 'retracted' as const } : row.superseded_by ? { state: 'superseded' as const } : {}),
    };
  }

  /**
   * WHERE terms shared by list and search: namespace scope (default: the `default` namespace plus
   * kinds without one) and the current view (no superseded, retracted or redacted entries, and
   * no correction receipts unless their kind is asked for).
   */
  private scope(req: ListRequest, e: string, where: string[], args: (string | number)[]): void {
    if (req.kind !== undefined) {
      where.push(`${e}kind = ?`);
      args.push(req.kind);
    }
    if (req.namespace !== undefined) {
      where.push(`${e}namespace = ?`);
      args.push(req.namespace);
    } else if (!req.allNamespaces) {
      // Unary + keeps SQLite off the namespace index here: an OR of two index lookups must sort
      // every default-namespace row, while walking idx backwards stops after one page.
      where.push(`(+${e}namespace IS NULL OR +${e}namespace = 'default')`);
    }
    if (!req.history) {
      where.push(`${e}superseded_by IS NULL AND ${e}retracted_by IS NULL AND ${e}redacted_by IS NULL`);
      // Corrections are receipts too, but the current view shows their effect, not them.
      if (req.kind === undefined) where.push(`${e}kind NOT IN ('memory.retract', 'memory.redact')`);
    }
  }

  list(req: ListRequest): Page<ListItem> {
    const limit = pageSize(req.limit);
    const before = decodeCursor(req.cursor);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (before !== undefined) {
      where.push('idx < ?');
      args.push(before);
    }
    this.scope(req, '', where, args);
    const rows = this.store.db
      .prepare(`SELECT ${ENTRY_COLS} FROM entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY idx DESC LIMIT ?`)
      .all(...args, limit + 1) as EntryRow[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return { items: page.map((r) => this.item(r)), nextCursor: more ? String(page[page.length - 1]!.idx) : null };
  }

  search(req: SearchRequest): Page<SearchHit> {
    const limit = pageSize(req.limit);
    const offset = decodeCursor(req.cursor) ?? 0;
    const match = ftsQuery(req.query);
    const where: string[] = ['entries_fts MATCH ?'];
    const args: (string | number)[] = [match];
    this.scope(req, 'e.', where, args);
    const db = this.store.db;
    // Rank first, then build rows and snippets for the one page only: computing a snippet for
    // every match before the sort costs more than the ranking itself.
    const hits = db
      .prepare(
        `SELECT e.idx AS idx FROM entries_fts JOIN entries e INDEXED BY entries_view ON e.idx = entries_fts.rowid
          WHERE ${where.join(' AND ')}
          ORDER BY bm25(entries_fts), e.idx DESC
          LIMIT ? OFFSET ?`,
      )
      .all(...args, limit + 1, offset) as { idx: number }[];
    const more = hits.length > limit;
    const page = hits.slice(0, limit).map((h) => h.idx);
    if (page.length === 0) return { items: [], nextCursor: null };
    const marks = page.map(() => '?').join(', ');
    const snippets = new Map(
      (
        db
          .prepare(`SELECT rowid AS idx, snippet(entries_fts, -1, '[', ']', '…', 12) AS snippet FROM entries_fts WHERE entries_fts MATCH ? AND rowid IN (${marks})`)
          .all(match, ...page) as { idx: number; snippet: string }[]
      ).map((r) => [r.idx, r.snippet]),
    );
    const rows = new Map(
      (db.prepare(`SELECT ${ENTRY_COLS} FROM entries WHERE idx IN (${marks})`).all(...page) as EntryRow[]).map((r) => [r.idx, r]),
    );
    return {
      items: page.map((idx) => ({ ...this.item(rows.get(idx)!), snippet: snippets.get(idx) ?? '' })),
      nextCursor: more ? String(offset + limit) : null,
    };
  }

  /**
   * The correction chain of `id`: walk `supersedes` back to the first memory and forward to the
   * current one, plus every retraction and redaction of any of them; oldest first, each proven.
   */
  history(id: string): HistoryView {
    const start = this.row(id);
    const chain: EntryRow[] = [start];
    const seen = new Set([start.id]);
    for (let cur = start; ; ) {
      const sup = (this.entryOf(cur).receipt as { supersedes?: string }).supersedes;
      const prev = sup ? this.q.byId.get(sup) : undefined;
      if (!prev || seen.has(prev.id)) break;
      chain.unshift(prev);
      seen.add(prev.id);
      cur = prev;
    }
    for (let cur = start; cur.superseded_by; ) {
      const next = this.q.byId.get(cur.superseded_by);
      if (!next || seen.has(next.id)) break;
      chain.push(next);
      seen.add(next.id);
      cur = next;
    }
    const rows: { row: EntryRow; role: HistoryItem['role'] }[] = [];
    for (const row of chain) {
      const role: HistoryItem['role'] = row.retracted_by ? 'retracted' : row.superseded_by ? 'superseded' : 'current';
      rows.push({ row, role });
      for (const by of [row.retracted_by, row.redacted_by]) {
        const c = by ? this.q.byId.get(by) : undefined;
        if (c) rows.push({ row: c, role: c.kind === 'memory.redact' ? 'redaction' : 'retraction' });
      }
    }
    rows.sort((a, b) => a.row.idx - b.row.idx);
    const latest = this.q.latestCp.get();
    if (!latest || latest.size <= rows[rows.length - 1]!.row.idx) this.publishCheckpoint();
    return {
      id,
      items: rows.map(({ row, role }) => {
        const it = this.item(row);
        return { id: row.id, index: row.idx, kind: row.kind, time: row.time, role, summary: it.summary, proof: this.proof(row.id) };
      }),
    };
  }

  findBySha256(digest: string): string[] {
    return (this.store.db.prepare('SELECT e.id FROM entry_digests d JOIN entries e ON e.idx = d.idx WHERE d.sha256 = ? ORDER BY e.idx').all(digest) as { id: string }[]).map(
      (r) => r.id,
    );
  }

  /** Inclusion proof of `id` in the latest checkpoint covering it (published now if needed). */
  proof(id: string): ProofView {
    const row = this.row(id);
    let cp = this.q.latestCp.get();
    if (!cp || cp.size <= row.idx) {
      this.publishCheckpoint();
      cp = this.q.latestCp.get()!;
    }
    const hashes = this.merkle.inclusionProof(row.idx, cp.size).map(toBase64);
    return { id, logIndex: row.idx, treeSize: cp.size, hashes, checkpoint: cp.note };
  }

  /** The offline bundle of `id`, proven in the newest timestamped checkpoint covering it. */
  async bundle(id: string): Promise<Bundle> {
    const row = this.row(id);
    let cp = this.q.coveringStamped.get(row.idx);
    if (!cp) {
      await this.checkpointNow();
      cp = this.q.coveringStamped.get(row.idx);
      if (!cp) {
        const latest = this.q.latestCp.get();
        throw new InputError('TSA_UNAVAILABLE', `no timestamped checkpoint covers ${id} yet${latest?.tsa_error ? `: ${latest.tsa_error}` : ''}`, {
          hint: 'check the TSA ([[tsa]] in config.toml) and retry `remembrancer bundle`',
        });
      }
    }
    return {
      mediaType: BUNDLE_MEDIA_TYPE,
      entry: this.entryOf(row),
      publicKey: this.id.publicKey,
      inclusionProof: { logIndex: row.idx, treeSize: cp.size, hashes: this.merkle.inclusionProof(row.idx, cp.size).map(toBase64) },
      checkpoint: cp.note,
      checkpointKey: this.id.checkpointVerifierKey,
      timestamp: toBase64(cp.tsa_token!),
      tsaCertificates: JSON.parse(cp.tsa_certs ?? '[]') as string[],
    };
  }

  // ------------------------------------------------------------------------------------------
  // Audit

  /**
   * Full audit (DESIGN §3 `verify`): every entry parses, hashes to its stored leaf and id and is
   * signed by a trusted key; no gaps; fsck of every stored node; every checkpoint's signature,
   * root and token; consistency between consecutive checkpoints.
   */
  async audit(onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
    return auditLog(this.store, {
      origin: this.origin,
      checkpointKey: this.id.checkpointVerifierKey,
      receiptKeys: [this.id.publicKey, ...this.auditKeys],
      tsaAnchors: this.timestamper.anchors,
      ...(onProgress ? { onProgress } : {}),
    });
  }
}

export interface AuditOptions {
  origin: string;
  checkpointKey: string;
  receiptKeys: string[];
  tsaAnchors: string[];
  onProgress?: (done: number, total: number) => void;
}

/** Open the store read-only and audit it (works while a writer holds the lock). */
export async function auditStore(dbPath: string, opts: AuditOptions): Promise<VerifyReport> {
  let reader: SqliteLogReader;
  try {
    reader = openLogStoreReadOnly(dbPath);
  } catch (e) {
    if (isRemembrancerError(e) && e.code === 'NOT_INITIALISED') throw e;
    return { ok: false, checks: [{ name: 'store', ok: false, detail: `cannot read the log database: ${(e as Error).message}` }] };
  }
  try {
    return await auditLog(reader, opts);
  } finally {
    reader.close();
  }
}

const AUDIT_CHUNK = 1000;

export async function auditLog(reader: SqliteLogReader, opts: AuditOptions): Promise<VerifyReport> {
  const checks: CheckResult[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const guard = async (name: string, fn: () => Promise<string> | string) => {
    try {
      add(name, true, await fn());
    } catch (e) {
      add(name, false, e instanceof Error ? e.message : String(e));
    }
  };
  const merkle = new MerkleLog(reader);
  const db = reader.db;
  let size = 0;
  await guard('store', () => {
    size = reader.size();
    const integrity = db.pragma('quick_check', { simple: true }) as string;
    if (integrity !== 'ok') throw new Error(`SQLite quick_check: ${integrity}`);
    return `readable, tree size ${size}`;
  });
  if (!checks[0]!.ok) return { ok: false, checks };

  await guard('no gaps', () => {
    const r = db.prepare('SELECT COUNT(*) AS n, MIN(idx) AS lo, MAX(idx) AS hi FROM entries').get() as { n: number; lo: number | null; hi: number | null };
    if (r.n !== size || (size > 0 && (r.lo !== 0 || r.hi !== size - 1))) {
      throw new Error(`the tree has ${size} leaves but the store holds ${r.n} entries (indices ${r.lo ?? '-'}…${r.hi ?? '-'})`);
    }
    return `${size} entries for ${size} leaves`;
  });

  await guard('tree (fsck)', () => {
    const f = reader.fsck();
    if (!f.ok) throw new Error(`node (level ${f.level}, index ${f.index}): ${f.message}`);
    return `${f.nodes} stored nodes recomputed from the leaves`;
  });

  const verifier = await ReceiptVerifier.create(opts.receiptKeys);
  await guard('entries', async () => {
    const sel = db.prepare('SELECT idx, id, entry FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx');
    for (let start = 0; start < size; start += AUDIT_CHUNK) {
      const end = Math.min(size, start + AUDIT_CHUNK);
      const rows = sel.all(start, end) as { idx: number; id: string; entry: Buffer }[];
      const leaves = reader.getLeafHashes(start, end);
      const entries: Entry[] = [];
      for (const row of rows) {
        const leaf = leafHash(row.entry);
        if (toHex(leaf) !== toHex(leaves[row.idx - start]!)) throw new Error(`entry ${row.idx}: its bytes do not hash to leaf ${row.idx} of the tree`);
        if (row.id !== toHex(leaf)) throw new Error(`entry ${row.idx}: stored id ${row.id} is not its leaf hash`);
        let entry: Entry;
        try {
          entry = parseEntry(parseJson(row.entry));
        } catch (e) {
          throw new Error(`entry ${row.idx}: ${(e as Error).message}`, { cause: e });
        }
        if (toHex(canonicalBytes(entry)) !== toHex(new Uint8Array(row.entry))) throw new Error(`entry ${row.idx}: stored bytes are not canonical JSON`);
        if (entry.receipt.origin !== opts.origin) throw new Error(`entry ${row.idx}: origin ${entry.receipt.origin} is not this log's ${opts.origin}`);
        entries.push(entry);
      }
      const results = await verifier.verifyMany(entries);
      const bad = results.findIndex((r) => r instanceof Error);
      if (bad >= 0) throw new Error(`entry ${start + bad}: ${(results[bad] as Error).message}`);
      opts.onProgress?.(end, size);
    }
    return `${size} entries: canonical, hashed into the tree, signed by a trusted key`;
  });

  await guard('memory content', () => {
    // A memory held as a commitment needs its text (matching SHA-256(salt ‖ text)) or a real
    // redaction receipt naming it: a stored "redacted_by" alone could hide lost text.
    let held = 0;
    let redacted = 0;
    const byId = db.prepare('SELECT kind, entry FROM entries WHERE id = ?');
    const rows = db
      .prepare("SELECT e.idx, e.id, e.entry, e.redacted_by, c.salt, c.text FROM entries e LEFT JOIN memory_content c ON c.idx = e.idx WHERE e.kind = 'memory'")
      .iterate() as IterableIterator<{ idx: number; id: string; entry: Buffer; redacted_by: string | null; salt: Buffer | null; text: string | null }>;
    for (const r of rows) {
      const hash = ((parseJson(r.entry) as Entry).receipt.subject as { contentHash?: unknown }).contentHash;
      if (typeof hash !== 'string') continue;
      if (r.text !== null && r.salt !== null) {
        if (contentHash(r.salt, r.text) !== hash) throw new Error(`memory ${r.idx}: held text does not match its contentHash`);
        held++;
        continue;
      }
      const red = r.redacted_by ? (byId.get(r.redacted_by) as { kind: string; entry: Buffer } | undefined) : undefined;
      const target = red ? ((parseJson(red.entry) as Entry).receipt.subject as { target?: unknown }).target : undefined;
      if (!red || red.kind !== 'memory.redact' || target !== r.id) throw new Error(`memory ${r.idx}: its text is missing and no redaction receipt names it`);
      redacted++;
    }
    return `${held} memories' text matches its commitment; ${redacted} redacted (proofs intact, text gone)`;
  });

  const cps = db.prepare('SELECT * FROM checkpoints ORDER BY size').all() as CheckpointRow[];
  let parsed: { size: number; root: Uint8Array }[] = [];
  await guard('checkpoint signatures', () => {
    parsed = cps.map((row) => {
      try {
        const cp = verifyCheckpoint(row.note, opts.checkpointKey, { origin: opts.origin });
        if (cp.size !== row.size) throw new Error(`stored under size ${row.size} but the note says ${cp.size}`);
        if (cp.size > size) throw new Error(`size ${cp.size} is beyond the tree (${size})`);
        const root = merkle.root(cp.size);
        if (toHex(root) !== toHex(cp.root)) throw new Error(`root differs from the tree's root at size ${cp.size}`);
        return { size: cp.size, root: cp.root };
      } catch (e) {
        throw new Error(`checkpoint at size ${row.size}: ${(e as Error).message}`, { cause: e });
      }
    });
    if (cps.length === 0) return 'no checkpoints yet';
    return `${cps.length} checkpoints signed by the log key, each matching the tree`;
  });

  await guard('checkpoint timestamps', () => {
    const missing: number[] = [];
    let dev = 0;
    for (const row of cps) {
      if (!row.tsa_token) {
        missing.push(row.size);
        continue;
      }
      try {
        const v = verifyTimestampToken(new Uint8Array(row.tsa_token), {
          digest: sha256(checkpointBody(row.note)),
          trustedCAs: opts.tsaAnchors,
          extraCerts: JSON.parse(row.tsa_certs ?? '[]') as string[],
        });
        if (v.devTsa) dev++;
      } catch (e) {
        throw new Error(`checkpoint at size ${row.size}: ${(e as Error).message}`, { cause: e });
      }
    }
    if (missing.length > 0) {
      throw new Error(`${missing.length} checkpoint(s) untimestamped (sizes ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); they are retried in the background`);
    }
    if (cps.length === 0) return 'no checkpoints yet';
    return `${cps.length} RFC 3161 tokens valid${dev > 0 ? ` (${dev} from the dev TSA)` : ''}`;
  });

  await guard('checkpoint consistency', () => {
    if (parsed.length !== cps.length) throw new Error('not checked: depends on checkpoint signatures');
    let n = 0;
    for (let i = 1; i < parsed.length; i++) {
      const a = parsed[i - 1]!;
      const b = parsed[i]!;
      // Every tree extends the empty tree: a checkpoint at size 0 needs no proof (RFC 9162 §2.1.4 starts at size1 > 0).
      if (a.size > 0) verifyConsistency({ size1: a.size, size2: b.size, proof: merkle.consistencyProof(a.size, b.size), root1: a.root, root2: b.root });
      n++;
    }
    return `${n} consecutive pairs consistent`;
  });

  return { ok: checks.every((c) => c.ok), checks };
}
