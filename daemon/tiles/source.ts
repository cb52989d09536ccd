// What the tiles handler and exporter read: the tree (tiles), the latest published checkpoint and
// the entries. A source only ever exposes data up to a published checkpoint's size: the tree may
// hold more (committed, not yet checkpointed) leaves, and those are never served.
import type Database from 'better-sqlite3';
import { InputError } from '../../core/errors.js';
import type { LogReader } from '../../core/store.js';

export interface TilesSource {
  /** The log's tree: getTile(level, index, width) returns the C2SP tile bytes. */
  reader: Pick<LogReader, 'getTile'>;
  /** The latest published checkpoint note (with any cosignatures), or null before the first. */
  latestCheckpoint: () => string | null;
  /** The leaf data (JCS(entry)) of leaves [start, end), in order. */
  entries: (start: number, end: number) => Uint8Array[];
}

/** A source over a log database (a read-only reader, or the daemon's writer: both hold `db`). */
export function storeTilesSource(reader: Pick<LogReader, 'getTile'> & { db: Database.Database }): TilesSource {
  const latest = reader.db.prepare<[], { note: string }>('SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1');
  const range = reader.db.prepare<[number, number], { idx: number; entry: Buffer }>('SELECT idx, entry FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx');
  return {
    reader,
    latestCheckpoint: () => latest.get()?.note ?? null,
    entries: (start, end) => {
      const rows = range.all(start, end);
      if (rows.length !== end - start || rows.some((r, i) => r.idx !== start + i)) {
        throw new InputError('STORE_CORRUPT', `entries ${start}…${end - 1} are not all in the store (${rows.length} of ${end - start})`, {
          hint: 'run `remembrancer verify` (full audit)',
        });
      }
      return rows.map((r) => new Uint8Array(r.entry.buffer, r.entry.byteOffset, r.entry.byteLength));
    },
  };
}
