// `remembrancer tiles export DIR`: the tlog-tiles layout as files, for any static host (nginx, an
// object store, a CDN) to serve as is. Incremental: only tiles and bundles that changed since the
// checkpoint DIR already holds (or --since SIZE) are considered, and one already on disk with the
// right length is not rewritten. Every file is written atomically (temp + fsync + rename); the
// checkpoint goes last, so a host never publishes a checkpoint whose tiles are not there yet.
//
// A full tile or bundle is written once and never again; once it exists, the partial versions of
// it (<N>.p/…) are deleted (tlog-tiles allows this; clients fall back to the full tile). Partial
// files of a tile that is still partial are kept, so clients holding a slightly older checkpoint
// still find theirs.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bytesEqual } from '../../core/bytes.js';
import { parseCheckpoint, type Checkpoint } from '../../core/checkpoint/index.js';
import { InputError, isRemembrancerError } from '../../core/errors.js';
import { HASH_SIZE } from '../../core/merkle/hash.js';
import { TILE_WIDTH } from '../../core/merkle/tile.js';
import { encodeEntryBundle } from '../../core/tiles/bundle.js';
import { bundlesBetween, tilesBetween } from '../../core/tiles/layout.js';
import { entriesPath, tilePath } from '../../core/tiles/path.js';
import { TEMP_MARK, writeFileAtomic } from './files.js';
import type { TilesSource } from './source.js';

export interface ExportOptions {
  /**
   * Assume everything of the tree at this size is already in DIR (default: the size of the
   * checkpoint DIR holds, or 0). Files are still never rewritten when present with the right length.
   */
  since?: number;
  /** fsync each file before its rename (default true: a crash never leaves an empty full tile). */
  fsync?: boolean;
  /** Called after each tile or bundle considered. */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportResult {
  dir: string;
  /** Tree size of the exported checkpoint. */
  size: number;
  /** The size the export started from (see ExportOptions.since). */
  from: number;
  /** Files written. */
  tiles: number;
  bundles: number;
  checkpoint: boolean;
  /** Files considered but already present. */
  unchanged: number;
  /** Obsolete partial files removed (their full tile exists). */
  removed: number;
  /** Bytes written. */
  bytes: number;
  /** Entry bundles that cannot exist: an entry longer than the format's 65,535 bytes. */
  skippedBundles: { index: number; reason: string }[];
}

function readExisting(dir: string): { note: string; cp: Checkpoint } | undefined {
  const path = join(dir, 'checkpoint');
  let note: string;
  try {
    note = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError('IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    return { note, cp: parseCheckpoint(note) };
  } catch (e) {
    throw new InputError('BAD_INPUT', `${path} is not a checkpoint: ${(e as Error).message}`, {
      cause: e,
      hint: 'export into an empty directory, or one a previous `tiles export` of this log wrote',
    });
  }
}

function sizeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}

/** Export the source's latest published checkpoint, and the tiles and bundles it needs, into `dir`. */
export function exportTiles(dir: string, source: TilesSource, options: ExportOptions = {}): ExportResult {
  const note = source.latestCheckpoint();
  if (note === null) throw new InputError('NOT_FOUND', 'the log has no published checkpoint yet', { hint: 'run `remembrancer checkpoint` first' });
  const cp = parseCheckpoint(note);
  const existing = readExisting(dir);
  if (existing) {
    const old = existing.cp;
    if (old.origin !== cp.origin) {
      throw new InputError('USAGE', `${dir} holds the log ${JSON.stringify(old.origin)}, not ${JSON.stringify(cp.origin)}`, { hint: 'export each log into its own directory' });
    }
    if (old.size > cp.size || (old.size === cp.size && !bytesEqual(old.root, cp.root))) {
      throw new InputError('USAGE', `${dir} holds a checkpoint of size ${old.size} that this log's checkpoint (size ${cp.size}) does not extend`, {
        hint: 'export into a fresh directory; never publish two histories under one URL',
      });
    }
  }
  const from = options.since ?? existing?.cp.size ?? 0;
  if (!Number.isSafeInteger(from) || from < 0 || from > cp.size) {
    throw new InputError('USAGE', `--since ${String(from)} is not between 0 and the checkpoint size ${cp.size}`);
  }

  const result: ExportResult = { dir, size: cp.size, from, tiles: 0, bundles: 0, checkpoint: false, unchanged: 0, removed: 0, bytes: 0, skippedBundles: [] };
  const touched = new Set<string>([dir]);
  const write = (path: string, bytes: Uint8Array) => {
    writeFileAtomic(path, bytes, { fsync: options.fsync !== false });
    touched.add(dirname(path));
    result.bytes += bytes.length;
  };
  const dropPartials = (path: string) => {
    const p = `${path}.p`;
    if (sizeOf(p) !== undefined) {
      rmSync(p, { recursive: true, force: true });
      result.removed++;
    }
  };

  const tiles = tilesBetween(from, cp.size);
  const bundles = bundlesBetween(from, cp.size);
  const total = tiles.length + bundles.length;
  let done = 0;
  for (const t of tiles) {
    const path = join(dir, tilePath(t));
    if (sizeOf(path) === t.width * HASH_SIZE) {
      result.unchanged++;
    } else {
      const bytes = source.reader.getTile(t.level, t.index, t.width);
      if (bytes === undefined) throw new InputError('STORE_CORRUPT', `tile ${t.level}/${t.index} is missing below the checkpoint size ${cp.size}`);
      write(path, bytes);
      result.tiles++;
    }
    if (t.width === TILE_WIDTH) dropPartials(path);
    options.onProgress?.(++done, total);
  }
  for (const b of bundles) {
    const path = join(dir, entriesPath(b));
    if ((sizeOf(path) ?? 0) > 0) {
      result.unchanged++;
    } else {
      let bytes: Uint8Array | undefined;
      try {
        bytes = encodeEntryBundle(source.entries(b.index * TILE_WIDTH, b.index * TILE_WIDTH + b.width));
      } catch (e) {
        if (!(isRemembrancerError(e) && e.code === 'BAD_INPUT')) throw e;
        result.skippedBundles.push({ index: b.index, reason: e.message });
      }
      if (bytes !== undefined) {
        write(path, bytes);
        result.bundles++;
      }
    }
    if (b.width === TILE_WIDTH) dropPartials(path);
    options.onProgress?.(++done, total);
  }
  if (existing?.note !== note) {
    write(join(dir, 'checkpoint'), Buffer.from(note, 'utf8'));
    result.checkpoint = true;
  }
  // An export killed midway leaves temp files beside the files it was writing; this run rewrote
  // exactly those files, so their directories are among the ones touched here.
  result.removed += removeStaleTemps(touched);
  return result;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove `.<name>.tmp-<pid>-…` files of writeFileAtomic left by processes that are gone. */
function removeStaleTemps(dirs: Iterable<string>): number {
  let n = 0;
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = name.startsWith('.') ? new RegExp(`${TEMP_MARK.replace('.', '\\.')}(\\d+)-[0-9a-f]+$`).exec(name) : null;
      if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
      rmSync(join(d, name), { force: true });
      n++;
    }
  }
  return n;
}
