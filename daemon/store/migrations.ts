// Forward-only schema migrations of the log database, applied in order by the writer at open.
//
// To add a table: append ONE entry to MIGRATIONS with the next version number, e.g.
//   { version: 2, name: 'receipts', up: RECEIPTS_SQL },
// where `up` is SQL (or a function of the database handle) exported by your own module. Never
// edit or reorder an applied migration: databases in the field have run it; write a new one.
// Each migration runs in its own transaction together with its schema_version row.
import type Database from 'better-sqlite3';
import { InputError } from '../../core/errors.js';

export interface Migration {
  /** 1, 2, 3…: position in the list, recorded in schema_version. */
  readonly version: number;
  /** Short label, recorded too; a database whose recorded name differs was made by other code. */
  readonly name: string;
  readonly up: string | ((db: Database.Database) => void);
}

// Complete subtree hashes as C2SP tlog-tiles (see core/merkle/tile.ts): one row per tile,
// `nodes` = 510 slots × 32 bytes (the level-8L row, then internal levels 8L+1…8L+7). A partial
// tile is rewritten as it grows, a full tile (width 256) never. The tree size is derived from the
// level-0 tile with the highest index, so it only ever reflects committed rows.
const MERKLE_TILES = `
CREATE TABLE merkle_tiles (
  level INTEGER NOT NULL CHECK (level >= 0),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
  nodes BLOB    NOT NULL,
  PRIMARY KEY (level, idx)
);
`;

// The receipts layer (daemon/log.ts): one row per leaf holding JCS(entry) (the leaf data), the
// digests a receipt records (for `verify --artifact`), every checkpoint ever published with its
// RFC 3161 token, and an FTS5 index over kind, subject, note and tags (rowid = leaf index).
const RECEIPTS = `
CREATE TABLE entries (
  idx             INTEGER PRIMARY KEY CHECK (idx >= 0),
  id              TEXT    NOT NULL UNIQUE,
  kind            TEXT    NOT NULL,
  namespace       TEXT,
  time            TEXT    NOT NULL,
  entry           BLOB    NOT NULL,
  idempotency_key TEXT    UNIQUE
);
CREATE INDEX entries_kind ON entries (kind, idx);
CREATE TABLE entry_digests (
  sha256 TEXT    NOT NULL,
  idx    INTEGER NOT NULL,
  PRIMARY KEY (sha256, idx)
) WITHOUT ROWID;
CREATE TABLE checkpoints (
  size         INTEGER PRIMARY KEY CHECK (size >= 0),
  note         TEXT    NOT NULL,
  created_at   TEXT    NOT NULL,
  tsa_token    BLOB,
  tsa_certs    TEXT,
  tsa_time     TEXT,
  tsa_name     TEXT,
  tsa_dev      INTEGER,
  tsa_error    TEXT,
  tsa_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE VIRTUAL TABLE entries_fts USING fts5 (kind, subject, note, tags, tokenize = 'unicode61');
`;

// Memory semantics (issue 8): a memory's text and salt live beside the log (the receipt holds only
// contentHash = SHA-256(salt ‖ text)) so `redact` can delete them; the current-view columns record
// which later receipt superseded, retracted or redacted an entry (the log itself never changes).
const MEMORY = `
CREATE TABLE memory_content (
  idx  INTEGER PRIMARY KEY,
  salt BLOB    NOT NULL,
  text TEXT    NOT NULL
);
ALTER TABLE entries ADD COLUMN superseded_by TEXT;
ALTER TABLE entries ADD COLUMN retracted_by TEXT;
ALTER TABLE entries ADD COLUMN redacted_by TEXT;
CREATE INDEX entries_namespace ON entries (namespace, idx);
INSERT INTO entries_fts (entries_fts, rank) VALUES ('secure-delete', 1);
`;

// Search joins every full-text match to its entry to apply the namespace and current-view filters;
// this covering index answers that without reading the entry blob (2-3x faster searches).
const SEARCH_VIEW = `
CREATE INDEX entries_view ON entries (idx, namespace, kind, superseded_by, retracted_by, redacted_by);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'merkle tiles', up: MERKLE_TILES },
  { version: 2, name: 'receipts', up: RECEIPTS },
  { version: 3, name: 'memory semantics', up: MEMORY },
  { version: 4, name: 'search view index', up: SEARCH_VIEW },
  // Append new migrations here (one line each).
];

const SCHEMA_VERSION = `
CREATE TABLE IF NOT EXISTS schema_version (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
`;

function checkList(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new InputError('INTERNAL', `migration "${m.name}" has version ${m.version}, want ${i + 1}`);
  });
}

/** The versions recorded in the database, and whether they match `list` (no unknown or renamed one). */
export function checkSchema(db: Database.Database, list: readonly Migration[] = MIGRATIONS): { applied: number } {
  checkList(list);
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  if (!hasTable) return { applied: 0 };
  const rows = db.prepare('SELECT version, name FROM schema_version ORDER BY version').all() as { version: number; name: string }[];
  rows.forEach((r, i) => {
    const known = list[i];
    if (r.version !== i + 1) {
      throw new InputError('STORE_CORRUPT', `schema_version has a gap: version ${r.version} at position ${i + 1}`);
    }
    if (!known) {
      throw new InputError('STORE_VERSION', `the store has schema version ${rows.length}, this program knows ${list.length}`, {
        hint: 'a newer remembrancer wrote this store; upgrade remembrancer',
      });
    }
    if (known.name !== r.name) {
      throw new InputError('STORE_VERSION', `schema version ${r.version} is "${r.name}" in the store but "${known.name}" here`, {
        hint: 'this store was made by a different build of remembrancer',
      });
    }
  });
  return { applied: rows.length };
}

/** Applies every migration the database lacks. Requires the write lock. Returns how many ran. */
export function migrate(db: Database.Database, list: readonly Migration[] = MIGRATIONS): number {
  db.exec(SCHEMA_VERSION);
  const { applied } = checkSchema(db, list);
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of list.slice(applied)) {
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
  return list.length - applied;
}
