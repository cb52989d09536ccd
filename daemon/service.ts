// The service API: the one interface cli/, mcp/ and federation/ call. Implementations: the local
// service (opens the store directly, holding the write lock) and, once the daemon runs, a client of
// its control socket. Both behave the same to callers; only the daemon's owns the writer.
import type { Bundle, Entry } from '../core/receipt.js';

export interface EvidenceItem {
  name: string;
  sha256: string;
}

/** What a caller asks to record; the service fills origin, time, signature. */
export interface RecordRequest {
  kind: string;
  subject: Record<string, unknown>;
  evidence?: EvidenceItem[];
  chainRef?: string;
  note?: string;
  namespace?: string;
  supersedes?: string;
  /** A retried call with the same key returns the same receipt, never a duplicate. */
  idempotencyKey?: string;
}

export interface RecordResult {
  id: string;
  index: number;
  namespace?: string;
  /** Size of the checkpoint that covers this receipt, once one exists. */
  checkpointSize?: number;
}

export interface TimestampState {
  state: 'stamped' | 'pending' | 'failed';
  genTime?: string;
  tsa?: string;
  dev?: boolean;
  error?: string;
}

export interface CheckpointView {
  size: number;
  /** base64 root hash, as in the note body */
  root: string;
  note: string;
  createdAt: string;
  timestamp: TimestampState;
}

/** A memory's text held beside the log (the receipt carries only its commitment). */
export type ContentView =
  | { state: 'present'; text: string; /** SHA-256(salt ‖ text) equals the receipt's contentHash */ verified: boolean }
  | { state: 'redacted'; by: string };

export interface ReceiptView {
  id: string;
  index: number;
  entry: Entry;
  /** For memories held as a commitment. */
  content?: ContentView;
  /** Current-view state: the receipts that superseded, retracted or redacted this one. */
  supersededBy?: string;
  retractedBy?: string;
  redactedBy?: string;
}

export interface HistoryItem {
  id: string;
  index: number;
  kind: string;
  time: string;
  role: 'superseded' | 'current' | 'retracted' | 'retraction' | 'redaction';
  summary: string;
  proof: ProofView;
}

/** A memory's whole correction chain, oldest first, each with its inclusion proof. */
export interface HistoryView {
  id: string;
  items: HistoryItem[];
}

export interface ListItem {
  id: string;
  index: number;
  kind: string;
  time: string;
  namespace?: string;
  summary: string;
  /** Present only for entries outside the current view (seen with `history`). */
  state?: 'superseded' | 'retracted' | 'redacted';
}

export interface SearchHit extends ListItem {
  snippet: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListRequest {
  kind?: string;
  /** Only this namespace. Default: `default` plus receipts of kinds without a namespace. */
  namespace?: string;
  allNamespaces?: boolean;
  /** Include superseded, retracted and redacted entries (default: the current view only). */
  history?: boolean;
  limit?: number;
  cursor?: string;
}

export interface SearchRequest extends ListRequest {
  query: string;
}

export interface ProofView {
  id: string;
  logIndex: number;
  treeSize: number;
  /** base64 sibling hashes, RFC 9162 order */
  hashes: string[];
  checkpoint: string;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
}

export interface StatusView {
  origin: string;
  treeSize: number;
  lastCheckpoint: CheckpointView | null;
  queueDepth: number;
  peers: number;
  mode: 'direct' | 'daemon';
  /** Primary fingerprint (40 hex) of the OpenPGP key that signs this log's receipts (provenance). */
  signer?: string;
}

export interface Service {
  record(req: RecordRequest): Promise<RecordResult>;
  get(id: string): Promise<ReceiptView>;
  /** The correction chain of a memory (supersedes, retractions, redactions) with proofs. */
  history(id: string): Promise<HistoryView>;
  list(req: ListRequest): Promise<Page<ListItem>>;
  search(req: SearchRequest): Promise<Page<SearchHit>>;
  /** Receipts whose subject or evidence carries this sha256 (hex). */
  findBySha256(sha256: string): Promise<string[]>;
  proof(id: string): Promise<ProofView>;
  /** Waits for a timestamped checkpoint that covers `id`, then returns the offline bundle. */
  bundle(id: string): Promise<Bundle>;
  /** Publish a checkpoint at the current size now (with its RFC 3161 token), or return the latest if it covers everything. */
  checkpoint(): Promise<CheckpointView>;
  latestCheckpoint(): Promise<CheckpointView | null>;
  /** Full audit of the log. `onProgress(done,total)` is called during long audits. */
  verifyLog(onProgress?: (done: number, total: number) => void): Promise<VerifyReport>;
  status(): Promise<StatusView>;
  close(): Promise<void>;
}

/** Hard limits every implementation enforces (documented in README). */
export const LIMITS = {
  pageSizeDefault: 20,
  pageSizeMax: 200,
} as const;
