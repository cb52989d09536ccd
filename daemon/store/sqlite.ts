// The SQLite log store: complete subtree hashes kept as C2SP tiles ("slabs" with their internal
// levels, see core/merkle/tile.ts), one durable transaction per appended batch (WAL,
// synchronous=FULL), an exclusive cross-process write lock, read-only opens for audits.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError } from '../../core/errors.js';
import { bytesEqual } from '../../core/bytes.js';
import { appendNodes, type NodeId } from '../../core/merkle/plan.js';
import { HASH_SIZE, isHash } from '../../core/merkle/hash.js';
import { SLAB_BYTES, SLAB_OFFSETS, TILE_HEIGHT, TILE_WIDTH, nodesByTile, rowLength, slabFromRow, slabPosition, tileKey } from '../../core/merkle/tile.js';
import type { AppendResult, LogReader, LogWriter } from '../../core/store.js';
import { WriteLock } from './lock.js';
import { checkSchema, migrate, MIGRATIONS, type Migration } from './migrations.js';

export interface LogStoreOptions {
  /**
   * Tiles kept in memory, 16 KiB each (default 512 = 8 MiB). More means fewer SQLite reads for
   * proofs of old leaves; the right edge of the tree is always among the recent ones.
   */
  tileCacheSize?: number;
  /** Create the database when it does not exist (writer only; default true). */
  create?: boolean;
  /** Migrations to apply (default MIGRATIONS); tests only. */
  migrations?: readonly Migration[];
}

export interface StoreStats {
  /** Tile rows read from SQLite (cache misses). */
  tileReads: number;
  /** Tile lookups served from memory. */
  cacheHits: number;
  /** Nodes returned by getNodes. */
  nodesRead: number;
}

export type FsckResult =
  | { ok: true; size: number; tiles: number; nodes: number }
  | {
      ok: false;
      size: number;
      tiles: number;
      nodes: number;
      /** The first bad node, bottom tile level first: for a missing or misshapen tile, its first row node. */
      level: number;
      index: number;
      problem: 'mismatch' | 'missing' | 'shape';
      message: string;
    };

interface Tile {
  width: number;
  nodes: Uint8Array; // SLAB_BYTES
}

interface TileRow {
  idx: number;
  width: number;
  nodes: Buffer;
}

// A small LRU: Map keeps insertion order, a hit re-inserts at the end.
class TileCache {
  readonly #max: number;
  readonly #map = new Map<string, Tile>();
  constructor(max: number) {
    this.#max = max;
  }
  get(key: string): Tile | undefined {
    const t = this.#map.get(key);
    if (t) {
      this.#map.delete(key);
      this.#map.set(key, t);
    }
    return t;
  }
  set(key: string, t: Tile): void {
    this.#map.delete(key);
    this.#map.set(key, t);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }
}

function checkInt(name: string, n: unknown, max = Number.MAX_SAFE_INTEGER): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > max) {
    throw new InputError('BAD_INPUT', `${name} ${String(n)} is not an integer in 0…${max}`);
  }
}

function openDatabase(path: string, options: Database.Options): Database.Database {
  try {
    return new Database(path, options);
  } catch (e) {
    throw new InputError('IO', `cannot open the log database ${path}: ${(e as Error).message}`, { cause: e });
  }
}

const SIZE_SQL = 'SELECT idx, width FROM merkle_tiles WHERE level = 0 ORDER BY idx DESC LIMIT 1';

/** Read access to a log database. Also the base of the writer. */
export class SqliteLogReader implements LogReader {
  /** The database, for layers that read their own tables (they write only inside appendLeafHashes). */
  readonly db: Database.Database;
  readonly path: string;
  readonly stats: StoreStats = { tileReads: 0, cacheHits: 0, nodesRead: 0 };
  protected readonly cache: TileCache;
  readonly #selectTile: Database.Statement<[number, number], { width: number; nodes: Buffer }>;
  readonly #selectSize: Database.Statement<[], { idx: number; width: number }>;

  protected constructor(db: Database.Database, path: string, options: LogStoreOptions) {
    this.db = db;
    this.path = path;
    this.cache = new TileCache(Math.max(8, options.tileCacheSize ?? 512));
    this.#selectTile = db.prepare('SELECT width, nodes FROM merkle_tiles WHERE level = ? AND idx = ?');
    this.#selectSize = db.prepare(SIZE_SQL);
  }

  /** Opens an existing log for reading only; works while another process holds the write lock. */
  static open(path: string, options: LogStoreOptions = {}): SqliteLogReader {
    if (path !== ':memory:' && !existsSync(path)) {
      throw new InputError('NOT_INITIALISED', `no log database at ${path}`, { hint: 'run `remembrancer init` first' });
    }
    const db = openDatabase(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      const { applied } = checkSchema(db, options.migrations ?? MIGRATIONS);
      if (applied === 0) throw new InputError('NOT_INITIALISED', `${path} holds no log yet`, { hint: 'run `remembrancer init` first' });
      return new SqliteLogReader(db, path, options);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Leaves in committed data, read from the database (a concurrent writer may add more). */
  size(): number {
    const last = this.#selectSize.get();
    return last ? last.idx * TILE_WIDTH + last.width : 0;
  }

  getNodes(ids: readonly NodeId[]): Uint8Array[] {
    return ids.map((id) => {
      checkInt('node level', id.level, 63);
      checkInt('node index', id.index);
      const pos = slabPosition(id);
      const tile = this.tile(pos.tile.level, pos.tile.index, pos.minWidth);
      if (!tile) throw new InputError('NOT_FOUND', `node (level ${id.level}, index ${id.index}) is not complete in this log`);
      this.stats.nodesRead++;
      return tile.nodes.slice(pos.offset, pos.offset + HASH_SIZE);
    });
  }

  getLeafHashes(start: number, end: number): Uint8Array[] {
    checkInt('start', start);
    checkInt('end', end);
    const size = this.size();
    if (start > end || end > size) throw new InputError('BAD_INPUT', `leaf range [${start}, ${end}) is not within [0, ${size})`);
    const out: Uint8Array[] = [];
    for (let i = start; i < end; ) {
      const n = Math.floor(i / TILE_WIDTH);
      const upto = Math.min(end, (n + 1) * TILE_WIDTH);
      const tile = this.tile(0, n, upto - n * TILE_WIDTH);
      if (!tile) throw new InputError('STORE_CORRUPT', `leaf tile ${n} is missing below size ${size}`, { hint: 'run `remembrancer verify` (fsck)' });
      for (; i < upto; i++) {
        const off = (i - n * TILE_WIDTH) * HASH_SIZE;
        out.push(tile.nodes.slice(off, off + HASH_SIZE));
      }
    }
    return out;
  }

  getTile(level: number, index: number, width: number): Uint8Array | undefined {
    checkInt('tile level', level, 7);
    checkInt('tile index', index);
    checkInt('tile width', width, TILE_WIDTH);
    if (width === 0) throw new InputError('BAD_INPUT', 'tile width must be 1…256');
    const tile = this.tile(level, index, width);
    return tile ? tile.nodes.slice(0, width * HASH_SIZE) : undefined;
  }

  /**
   * A tile at least `minWidth` wide, or undefined. Complete nodes never change, so a cached tile
   * is good for every node it holds; it is re-read only when a node beyond its width is wanted
   * (another process may have appended since).
   */
  protected tile(level: number, index: number, minWidth: number): Tile | undefined {
    const key = tileKey({ level, index });
    const cached = this.cache.get(key);
    if (cached && cached.width >= minWidth) {
      this.stats.cacheHits++;
      return cached;
    }
    const row = this.#selectTile.get(level, index);
    this.stats.tileReads++;
    if (!row) return undefined;
    if (row.nodes.length !== SLAB_BYTES) {
      throw new InputError('STORE_CORRUPT', `tile ${key} has ${row.nodes.length} bytes, want ${SLAB_BYTES}`, { hint: 'run `remembrancer verify` (fsck)' });
    }
    const tile = { width: row.width, nodes: new Uint8Array(row.nodes.buffer, row.nodes.byteOffset, row.nodes.byteLength) };
    this.cache.set(key, tile);
    return tile.width >= minWidth ? tile : undefined;
  }

  /**
   * Recomputes every stored node from the leaf hashes and compares, tile level by tile level
   * (bottom first), inside one read snapshot. Reports the first bad node; never throws for one.
   */
  fsck(): FsckResult {
    return this.db.transaction((): FsckResult => {
      const size = this.size();
      let tiles = 0;
      let nodes = 0;
      const bad = (level: number, index: number, problem: 'mismatch' | 'missing' | 'shape', message: string): FsckResult => ({
        ok: false,
        size,
        tiles,
        nodes,
        level,
        index,
        problem,
        message,
      });
      const rows = this.db.prepare<[number], TileRow>('SELECT idx, width, nodes FROM merkle_tiles WHERE level = ? ORDER BY idx');
      // expected: the row of this tile level as recomputed from the level below (undefined at 0).
      let expected: Uint8Array[] | undefined;
      for (let L = 0; ; L++) {
        const count = rowLength(L, size);
        if (count === 0) {
          const extra = this.db.prepare('SELECT level, idx FROM merkle_tiles WHERE level >= ? ORDER BY level, idx LIMIT 1').get(L) as
            | { level: number; idx: number }
            | undefined;
          if (extra) return bad(extra.level * TILE_HEIGHT, extra.idx * TILE_WIDTH, 'shape', `tile ${extra.level}/${extra.idx} lies beyond tree size ${size}`);
          return { ok: true, size, tiles, nodes };
        }
        const next: Uint8Array[] = [];
        let want = 0;
        for (const r of rows.iterate(L)) {
          const level = L * TILE_HEIGHT;
          if (r.idx !== want) return bad(level, want * TILE_WIDTH, 'missing', `tile ${L}/${want} is missing`);
          const width = Math.min(TILE_WIDTH, count - want * TILE_WIDTH);
          if (width <= 0) return bad(level, r.idx * TILE_WIDTH, 'shape', `tile ${L}/${r.idx} lies beyond tree size ${size}`);
          if (r.width !== width || r.nodes.length !== SLAB_BYTES) {
            return bad(level, r.idx * TILE_WIDTH, 'shape', `tile ${L}/${r.idx} has width ${r.width} and ${r.nodes.length} bytes, want ${width} and ${SLAB_BYTES}`);
          }
          const stored = new Uint8Array(r.nodes.buffer, r.nodes.byteOffset, r.nodes.byteLength);
          let row = stored.subarray(0, width * HASH_SIZE);
          if (expected) {
            for (let j = 0; j < width; j++) {
              const e = expected[r.idx * TILE_WIDTH + j]!;
              if (!bytesEqual(e, row.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE))) {
                return bad(level, r.idx * TILE_WIDTH + j, 'mismatch', `node (${level}, ${r.idx * TILE_WIDTH + j}) differs from its recomputed hash`);
              }
            }
            row = new Uint8Array(width * HASH_SIZE);
            for (let j = 0; j < width; j++) row.set(expected[r.idx * TILE_WIDTH + j]!, j * HASH_SIZE);
          }
          nodes += width;
          const { slab, top } = slabFromRow(row);
          for (let s = 1; s < TILE_HEIGHT; s++) {
            const n = Math.floor(width / 2 ** s);
            for (let j = 0; j < n; j++) {
              const off = (SLAB_OFFSETS[s]! + j) * HASH_SIZE;
              if (!bytesEqual(slab.subarray(off, off + HASH_SIZE), stored.subarray(off, off + HASH_SIZE))) {
                const index = r.idx * 2 ** (TILE_HEIGHT - s) + j;
                return bad(level + s, index, 'mismatch', `node (${level + s}, ${index}) differs from its recomputed hash`);
              }
            }
            nodes += n;
          }
          if (top) next.push(top);
          tiles++;
          want++;
        }
        if (want * TILE_WIDTH < count) return bad(L * TILE_HEIGHT, want * TILE_WIDTH, 'missing', `tile ${L}/${want} is missing`);
        expected = next;
      }
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The one writer of a log: holds the write lock from open to close. */
export class SqliteLogStore extends SqliteLogReader implements LogWriter<Database.Database> {
  readonly #lock: WriteLock | undefined;
  readonly #upsert: Database.Statement<[number, number, number, Uint8Array]>;
  #size: number;

  private constructor(db: Database.Database, path: string, lock: WriteLock | undefined, options: LogStoreOptions) {
    super(db, path, options);
    this.#lock = lock;
    this.#upsert = db.prepare(
      'INSERT INTO merkle_tiles (level, idx, width, nodes) VALUES (?, ?, ?, ?) ' +
        'ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, nodes = excluded.nodes',
    );
    this.#size = super.size();
  }

  /**
   * Opens (creating by default) the log at `path` for writing: takes the write lock (InputError
   * STORE_LOCKED if another process or connection has it), applies pending migrations.
   */
  static override open(path: string, options: LogStoreOptions = {}): SqliteLogStore {
    const memory = path === ':memory:';
    if (!memory && options.create === false && !existsSync(path)) {
      throw new InputError('NOT_INITIALISED', `no log database at ${path}`, { hint: 'run `remembrancer init` first' });
    }
    const lock = memory ? undefined : WriteLock.acquire(path);
    let db: Database.Database | undefined;
    try {
      db = openDatabase(path, {});
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      migrate(db, options.migrations ?? MIGRATIONS);
      return new SqliteLogStore(db, path, lock, options);
    } catch (e) {
      db?.close();
      lock?.release();
      throw e;
    }
  }

  override size(): number {
    return this.#size;
  }

  appendLeafHashes<T = void>(hashes: readonly Uint8Array[], within?: (tx: Database.Database, firstIndex: number) => T): AppendResult<T> {
    if (!this.db.open) throw new InputError('USAGE', 'the log store is closed');
    for (let i = 0; i < hashes.length; i++) {
      if (!isHash(hashes[i])) throw new InputError('BAD_INPUT', `leaf hash ${i} of the batch is not a 32-byte Uint8Array`);
    }
    const first = this.#size;
    const written: [string, Tile][] = [];
    const run = this.db.transaction((): T | undefined => {
      // Every new node at every level; the only old nodes needed sit on the old right edge.
      const nodes = appendNodes(first, hashes, (id) => this.getNodes([id])[0]!);
      for (const [key, t] of nodesByTile(nodes)) {
        const old = this.tile(t.tile.level, t.tile.index, 1);
        const slab = new Uint8Array(SLAB_BYTES);
        if (old) slab.set(old.nodes);
        for (const w of t.writes) slab.set(w.hash, w.offset);
        const width = Math.max(old?.width ?? 0, t.width);
        this.#upsert.run(t.tile.level, t.tile.index, width, slab);
        written.push([key, { width, nodes: slab }]);
      }
      if (!within) return undefined;
      const value = within(this.db, first);
      if (typeof (value as { then?: unknown } | undefined)?.then === 'function') {
        throw new InputError('INTERNAL', 'appendLeafHashes: `within` must be synchronous (it returned a promise); the batch was rolled back');
      }
      return value;
    });
    // BEGIN IMMEDIATE: the lock makes us the only writer, so this never waits.
    const value = run.immediate();
    // Committed: only now may memory reflect it (a rollback leaves cache and size untouched).
    for (const [key, tile] of written) this.cache.set(key, tile);
    this.#size = first + hashes.length;
    return { firstIndex: first, size: this.#size, value };
  }

  override close(): void {
    super.close();
    this.#lock?.release();
  }
}

/** Opens the log at `path` for writing (see SqliteLogStore.open). */
export function openLogStore(path: string, options?: LogStoreOptions): SqliteLogStore {
  return SqliteLogStore.open(path, options);
}

/** Opens the log at `path` read-only (see SqliteLogReader.open). */
export function openLogStoreReadOnly(path: string, options?: LogStoreOptions): SqliteLogReader {
  return SqliteLogReader.open(path, options);
}
