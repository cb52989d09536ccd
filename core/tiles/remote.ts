// Verifying a log served as C2SP tlog-tiles, trusting nothing but its keys (`verify --remote`).
// The source (HTTP in daemon/tiles/client.ts, or anything else) is attacker-controlled: the
// checkpoint must verify under a trusted key, every tile only feeds hashes into a root or proof
// compared with that checkpoint, and every entry must hash to a leaf proven in it.
//
// Checks, in order (a check whose inputs did not verify is reported as "not checked"):
//   checkpoint signature · tree (root rebuilt from tiles) · consistency (with the last checkpoint
//   this client verified for the origin; none yet = trust on first use)
// then for a receipt (by id or index): located · entry · inclusion proof · receipt
// and for an artifact digest: recorded · entries (every entry folded into the checkpoint root) ·
// one receipt check per match.
//
// Finding an id's index: with an index given, nothing is scanned; otherwise the level-0 tiles (32
// bytes per leaf) are scanned newest first and the scan stops at the match. When the id is absent,
// every leaf has been read, and absence is proven by folding them into the checkpoint root. An
// artifact lookup reads every entry bundle. Both are bounded by `scanLimit` leaves.
import { bytesEqual, fromHex, toBase64, toHex, utf8 } from '../bytes.js';
import { canonicalBytes, parseJson } from '../canonical.js';
import { verifyCheckpoint, parseCheckpoint, type VerifiedCheckpoint } from '../checkpoint/index.js';
import { InputError, RemembrancerError, VerificationError, type ErrorCode } from '../errors.js';
import { leafHash } from '../merkle/hash.js';
import { TILE_WIDTH } from '../merkle/tile.js';
import { parseEntry, type Entry } from '../receipt.js';
import { ReceiptVerifier } from '../signing/index.js';
import { parseEntryBundle } from './bundle.js';
import { tileWidth } from './layout.js';
import { entriesPath, type BundleRef, type TileRef } from './path.js';
import { TileTree, verifyConsistencyByTiles, verifyInclusionByTiles, verifyRootByTiles } from './proof.js';
import { CompactRange } from './range.js';

/** Where the log's resources come from. Every byte returned is attacker-controlled. */
export interface TiledLogSource {
  /** The current checkpoint note. */
  checkpoint(): Promise<Uint8Array>;
  /** Tile bytes; `width` is what the verified checkpoint implies. */
  tile(tile: TileRef): Promise<Uint8Array>;
  /** Entry bundle bytes. */
  entries(bundle: BundleRef): Promise<Uint8Array>;
}

export type RemoteTarget =
  /** A receipt by id; `index` skips the scan for it. */
  | { kind: 'id'; id: string; index?: number }
  /** The receipt at a log index. */
  | { kind: 'index'; index: number }
  /** Every receipt recording this SHA-256 (lowercase hex) as its subject's or evidence digest. */
  | { kind: 'artifact'; sha256: string };

export interface RemoteVerifyOptions {
  /** Trusted signed-note verifier keys of the log; at least one. */
  checkpointKeys: readonly string[];
  /** Trusted armored OpenPGP keys for receipt signatures (needed for a target). */
  receiptKeys: readonly string[];
  /** The last checkpoint this client verified for `origin` (note text), if any. */
  previous?: (origin: string) => string | undefined;
  /** Called once the new checkpoint's signature, tree and consistency verified: remember it. */
  remember?: (origin: string, note: string) => void;
  /**
   * Called when a correctly signed checkpoint whose tree verified is not consistent with the
   * remembered one (rollback or fork): the two signed notes are evidence of equivocation; keep them.
   */
  conflict?: (origin: string, previousNote: string, newNote: string) => void;
  target?: RemoteTarget;
  /** Most leaves an id or artifact lookup may read (default 1,048,576). */
  scanLimit?: number;
  /** Parallel fetches while scanning (default 8). */
  concurrency?: number;
}

export interface RemoteCheck {
  name: string;
  ok: boolean;
  detail: string;
  code?: ErrorCode | 'INTERNAL';
  hint?: string;
}

export interface RemoteReport {
  ok: boolean;
  checks: RemoteCheck[];
  origin?: string;
  treeSize?: number;
  /** base64 root of the verified checkpoint. */
  root?: string;
  /** Receipts verified (id, index). */
  receipts?: { id: string; index: number }[];
  /** Tiles and bytes of tiles fetched. */
  tiles: { requests: number; bytes: number };
}

export const DEFAULT_SCAN_LIMIT = 1 << 20;

class Checklist {
  readonly checks: RemoteCheck[] = [];

  /** Runs `fn` unless a dependency is missing. InputErrors (cannot fetch or read) propagate: exit 2. */
  async run<T>(name: string, deps: Record<string, unknown>, fn: () => Promise<{ value: T; detail: string }> | { value: T; detail: string }): Promise<T | undefined> {
    const blocked = Object.keys(deps).find((k) => deps[k] === undefined);
    if (blocked !== undefined) {
      this.checks.push({ name, ok: false, detail: `not checked: depends on ${blocked}` });
      return undefined;
    }
    try {
      const { value, detail } = await fn();
      this.checks.push({ name, ok: true, detail });
      return value;
    } catch (e) {
      if (e instanceof VerificationError) {
        this.checks.push({ name, ok: false, detail: e.message, code: e.code, ...(e.hint !== undefined ? { hint: e.hint } : {}) });
        return undefined;
      }
      throw e;
    }
  }
}

function checkTrust(o: RemoteVerifyOptions): void {
  if (o.checkpointKeys.length === 0) {
    throw new InputError('USAGE', 'no trusted checkpoint key', { hint: 'pass the log\u2019s checkpoint verifier key with --trust-key FILE (`remembrancer keys export` prints it)' });
  }
}

/** Entry bytes from the log → a schema-valid, canonical entry; anything else is RECEIPT_SCHEMA. */
function decodeEntry(bytes: Uint8Array, index: number): Entry {
  let entry: Entry;
  try {
    entry = parseEntry(parseJson(bytes));
  } catch (e) {
    if (e instanceof RemembrancerError) throw new VerificationError('RECEIPT_SCHEMA', `entry ${index}: ${e.message}`, { cause: e });
    throw e;
  }
  if (!bytesEqual(canonicalBytes(entry), bytes)) throw new VerificationError('RECEIPT_SCHEMA', `entry ${index} is not in canonical (JCS) form`);
  return entry;
}

/** SHA-256 digests a receipt records: its subject's and its evidence's (DESIGN §1). */
function recordedDigests(entry: Entry): Set<string> {
  const out = new Set<string>();
  const s = entry.receipt.subject as Record<string, unknown>;
  if (typeof s.sha256 === 'string') out.add(s.sha256.toLowerCase());
  for (const e of entry.receipt.evidence) out.add(e.sha256.toLowerCase());
  return out;
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<boolean>): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    const stop = await Promise.all(items.slice(i, i + size).map(fn));
    if (stop.some((s) => s)) return;
  }
}

export async function verifyTiledLog(source: TiledLogSource, options: RemoteVerifyOptions): Promise<RemoteReport> {
  checkTrust(options);
  const scanLimit = options.scanLimit ?? DEFAULT_SCAN_LIMIT;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const list = new Checklist();
  const tree = new TileTree((t) => source.tile(t));
  const report = (extra: Partial<RemoteReport> = {}): RemoteReport => ({
    ok: list.checks.every((c) => c.ok),
    checks: list.checks,
    ...extra,
    tiles: { requests: tree.stats.tiles, bytes: tree.stats.bytes },
  });

  const noteBytes = await source.checkpoint();
  const cp = await list.run<VerifiedCheckpoint>('checkpoint signature', {}, () => {
    const v = verifyCheckpoint(noteBytes, options.checkpointKeys);
    return { value: v, detail: `${v.origin} size ${v.size}, signed by ${v.verifiedBy.map((s) => s.name).join(', ')}` };
  });
  const treeOk = await list.run('tree', { 'checkpoint signature': cp }, async () => {
    await verifyRootByTiles(tree, cp!.size, cp!.root);
    return { value: true, detail: `root rebuilt from tiles matches the checkpoint at size ${cp!.size}` };
  });
  const consistent = await list.run('consistency', { 'checkpoint signature': cp, tree: treeOk }, async () => {
    const prevText = options.previous?.(cp!.origin);
    if (prevText === undefined) return { value: true, detail: 'first checkpoint seen for this origin (remembered; later ones must extend it)' };
    let prev;
    try {
      prev = parseCheckpoint(prevText);
    } catch (e) {
      throw new InputError('BAD_INPUT', `the remembered checkpoint for ${cp!.origin} does not parse: ${(e as Error).message}`, { cause: e });
    }
    await verifyConsistencyByTiles(tree, { size1: prev.size, root1: prev.root, size2: cp!.size, root2: cp!.root });
    return { value: true, detail: prev.size === cp!.size ? `same tree as the last verified checkpoint (size ${prev.size})` : `extends the last verified checkpoint (size ${prev.size} → ${cp!.size})` };
  });
  if (cp && treeOk && consistent) options.remember?.(cp.origin, utf8.decode(noteBytes)); // verified, so valid UTF-8
  if (cp && treeOk && !consistent) {
    const prevText = options.previous?.(cp.origin);
    if (prevText !== undefined) options.conflict?.(cp.origin, prevText, utf8.decode(noteBytes));
  }
  const facts = cp ? { origin: cp.origin, treeSize: cp.size, root: toBase64(cp.root) } : {};

  const target = options.target;
  if (target === undefined) return report(facts);
  const verifier = await ReceiptVerifier.create(options.receiptKeys);
  const trusted = cp && treeOk ? cp : undefined;

  if (target.kind === 'artifact') {
    const sha = target.sha256.toLowerCase();
    const matches: { index: number; entry: Entry }[] = [];
    const scanned = await list.run('recorded', { tree: trusted }, async () => {
      const size = trusted!.size;
      if (size > scanLimit) {
        throw new InputError('USAGE', `finding an artifact reads every entry: the log has ${size}, more than the scan limit ${scanLimit}`, {
          hint: 'raise --scan-limit, or verify a receipt by id with --index N',
        });
      }
      const range = new CompactRange();
      const refs: BundleRef[] = [];
      for (let n = 0; n * TILE_WIDTH < size; n++) refs.push({ index: n, width: tileWidth(0, n, size) });
      const leaves: Uint8Array[][] = new Array(refs.length);
      await inBatches(refs, concurrency, async (ref) => {
        const entries = parseEntryBundle(await source.entries(ref), ref.width);
        leaves[ref.index] = entries.map((bytes, j) => {
          const index = ref.index * TILE_WIDTH + j;
          const entry = decodeEntry(bytes, index);
          if (recordedDigests(entry).has(sha)) matches.push({ index, entry });
          return leafHash(bytes);
        });
        return false;
      });
      for (const row of leaves) for (const h of row) range.push(h);
      if (!bytesEqual(range.root(), trusted!.root)) {
        throw new VerificationError('ROOT_MISMATCH', `the ${size} entries served do not hash to the checkpoint root`);
      }
      if (matches.length === 0) throw new VerificationError('NOT_FOUND_IN_LOG', `none of the ${size} entries records sha256 ${sha} (all entries hash to the checkpoint root)`);
      matches.sort((a, b) => a.index - b.index);
      return { value: true, detail: `${matches.length} receipt(s) record sha256 ${sha}; all ${size} entries hash to the checkpoint root` };
    });
    const receipts: { id: string; index: number }[] = [];
    for (const m of matches) {
      const id = toHex(leafHash(canonicalBytes(m.entry)));
      await list.run(`${id.slice(0, 16)}: receipt`, { recorded: scanned }, async () => {
        const detail = await checkReceipt(verifier, m.entry, trusted!.origin);
        receipts.push({ id, index: m.index });
        return { value: true, detail: `index ${m.index}, ${detail}` };
      });
    }
    return report({ ...facts, receipts });
  }

  // A receipt by id or index.
  const wantId = target.kind === 'id' ? target.id.toLowerCase() : undefined;
  const givenIndex = target.index;
  const index = await list.run('located', { tree: trusted }, async () => {
    const size = trusted!.size;
    if (givenIndex !== undefined) {
      if (!Number.isSafeInteger(givenIndex) || givenIndex < 0 || givenIndex >= size) {
        throw new VerificationError('NOT_FOUND_IN_LOG', `index ${givenIndex} is not below the checkpoint size ${size}`);
      }
      return { value: givenIndex, detail: `index ${givenIndex} (given)` };
    }
    const found = await findLeaf(tree, size, wantId!, scanLimit, concurrency, trusted!.root);
    return { value: found, detail: `index ${found} (found in the level-0 tiles)` };
  });
  const entry = await list.run('entry', { located: index }, async () => {
    const n = Math.floor(index! / TILE_WIDTH);
    const ref = { index: n, width: tileWidth(0, n, trusted!.size) };
    const bytes = parseEntryBundle(await source.entries(ref), ref.width)[index! - n * TILE_WIDTH]!;
    const leaf = leafHash(bytes);
    if (wantId !== undefined && toHex(leaf) !== wantId) {
      throw new VerificationError('LEAF_HASH', `entry ${index} of ${entriesPath(ref)} hashes to ${toHex(leaf)}, want ${wantId}`);
    }
    return { value: { bytes, leaf }, detail: `entry ${index} hashes to receipt id ${toHex(leaf)}` };
  });
  const included = await list.run('inclusion proof', { entry }, async () => {
    await verifyInclusionByTiles(tree, { leafHash: entry!.leaf, index: index!, size: trusted!.size, root: trusted!.root });
    return { value: true, detail: `leaf ${index} is in the tree of size ${trusted!.size} (proof rebuilt from tiles)` };
  });
  await list.run('receipt', { entry }, async () => {
    const parsed = decodeEntry(entry!.bytes, index!);
    return { value: true, detail: await checkReceipt(verifier, parsed, trusted!.origin) };
  });
  return report({ ...facts, ...(entry && included ? { receipts: [{ id: toHex(entry.leaf), index: index! }] } : {}) });
}

async function checkReceipt(verifier: ReceiptVerifier, entry: Entry, origin: string): Promise<string> {
  if (entry.receipt.origin !== origin) {
    throw new VerificationError('CHECKPOINT_ORIGIN', `receipt origin ${JSON.stringify(entry.receipt.origin)} is not the log's ${JSON.stringify(origin)}`);
  }
  const s = await verifier.verify(entry.receipt, entry.signature);
  return `${entry.receipt.kind} receipt signed by trusted key ${s.fingerprint}`;
}

/**
 * The index of leaf `id` (hex) in the tree of `size` leaves, scanning level-0 tiles newest first.
 * Absence is only claimed after every leaf was read and the leaves fold into `root`.
 */
async function findLeaf(tree: TileTree, size: number, id: string, scanLimit: number, concurrency: number, root: Uint8Array): Promise<number> {
  const tiles: TileRef[] = [];
  for (let n = Math.ceil(size / TILE_WIDTH) - 1; n >= 0; n--) tiles.push({ level: 0, index: n, width: tileWidth(0, n, size) });
  const want = fromHex(id);
  if (want === undefined || want.length !== 32) throw new InputError('USAGE', 'a receipt id is 64 hex characters');
  const rows: Uint8Array[] = new Array(tiles.length);
  // Newest first, whole tiles only, never more than scanLimit leaves.
  let budget = 0;
  const scan: TileRef[] = [];
  for (const t of tiles) {
    if (budget + t.width > scanLimit) break;
    budget += t.width;
    scan.push(t);
  }
  const limited = scan.length < tiles.length;
  let found = -1;
  for (let i = 0; i < scan.length && found < 0; i += concurrency) {
    const batch = scan.slice(i, i + concurrency);
    const got = await Promise.all(batch.map((t) => tree.row(t)));
    batch.forEach((t, k) => {
      rows[t.index] = got[k]!;
      if (found >= 0) return;
      for (let j = t.width - 1; j >= 0; j--) {
        if (bytesEqual(got[k]!.subarray(j * 32, j * 32 + 32), want)) {
          found = t.index * TILE_WIDTH + j;
          return;
        }
      }
    });
  }
  if (found >= 0) return found;
  if (limited) {
    throw new InputError('NOT_FOUND', `receipt ${id} is not among the newest ${budget} of ${size} leaves (scan limit ${scanLimit})`, {
      hint: 'pass its index with --index N, or raise --scan-limit',
    });
  }
  const range = new CompactRange();
  for (const row of rows) for (let j = 0; j < row.length; j += 32) range.push(row.subarray(j, j + 32));
  if (!bytesEqual(range.root(), root)) throw new VerificationError('ROOT_MISMATCH', `the level-0 tiles served do not hash to the checkpoint root`);
  throw new VerificationError('NOT_FOUND_IN_LOG', `receipt ${id} is not among the ${size} leaves of the checkpoint (all leaves read and checked against its root)`);
}
