// `exportTiles` over a real SQLite store into a real directory, read back through a plain static
// file server and the real HTTP client: incremental, idempotent, atomic.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../core/bytes.js';
import { generateCheckpointKey, signCheckpoint } from '../../core/checkpoint/index.js';
import { InputError } from '../../core/errors.js';
import { leafHash } from '../../core/merkle/hash.js';
import { MerkleLog } from '../../core/merkle/log.js';
import { encodeEntryBundle } from '../../core/tiles/bundle.js';
import { bundlesBetween, tilesBetween } from '../../core/tiles/layout.js';
import { entriesPath, parseLogPath, tilePath } from '../../core/tiles/path.js';
import { verifyTiledLog } from '../../core/tiles/remote.js';
import { openLogStore, type SqliteLogStore } from '../store/index.js';
import { HttpTileSource } from './client.js';
import { exportTiles } from './export.js';
import { serveStatic } from '../../test/static-server.js';
import { storeTilesSource, type TilesSource } from './source.js';

const ORIGIN = 'tiles.test/export';
const key = generateCheckpointKey(ORIGIN);
const entryBytes = (i: number) => utf8.encode(`{"n":${i},"pad":"${'x'.repeat(i % 50)}"}`);

let dir: string;
let store: SqliteLogStore;
let source: TilesSource;

/** Append synthetic entries (rows + leaves, one transaction per chunk) up to `size`. */
function growTo(s: SqliteLogStore, size: number, bytesOf = entryBytes): void {
  const ins = s.db.prepare("INSERT INTO entries (idx, id, kind, time, entry) VALUES (?, ?, 'synthetic', '2026-01-01T00:00:00Z', ?)");
  for (let n = s.size(); n < size; ) {
    const end = Math.min(size, n + 5000);
    const bytes = Array.from({ length: end - n }, (_, k) => bytesOf(n + k));
    const hashes = bytes.map((b) => leafHash(b));
    s.appendLeafHashes(hashes, (_tx, first) => bytes.forEach((b, k) => ins.run(first + k, toHex(hashes[k]!), b)));
    n = end;
  }
}

function publish(s: SqliteLogStore, size: number, signer = key.signerKey, origin = ORIGIN): string {
  const note = signCheckpoint({ origin, size, root: new MerkleLog(s).root(size) }, signer);
  s.db.prepare('INSERT OR REPLACE INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)').run(size, note, new Date().toISOString());
  return note;
}

/** Every file under `root` (relative, '/'-separated) with its inode and mtime. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.set(relative(root, p).split(sep).join('/'), `${st.ino}:${st.mtimeMs}:${st.size}`);
      }
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}


beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'remembrancer-tiles-export-'));
  store = openLogStore(join(dir, 'log.db'));
  source = storeTilesSource(store);
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('exportTiles', () => {
  it('refuses to export before the first checkpoint', () => {
    expect(() => exportTiles(join(dir, 'none'), source)).toThrow(InputError);
  });

  it('writes exactly the checkpoint, tiles and bundles of the published tree, with the store\u2019s bytes', () => {
    growTo(store, 400);
    const note = publish(store, 300); // 100 committed leaves are not published, never exported
    const out = join(dir, 'out');
    const r = exportTiles(out, source);
    expect(r).toMatchObject({ size: 300, from: 0, tiles: 3, bundles: 2, checkpoint: true, unchanged: 0 });
    const files = [...snapshot(out).keys()].sort();
    const want = ['checkpoint', ...tilesBetween(0, 300).map(tilePath), ...bundlesBetween(0, 300).map(entriesPath)].sort();
    expect(files).toEqual(want);
    expect(readFileSync(join(out, 'checkpoint'), 'utf8')).toBe(note);
    for (const f of files.filter((f) => f !== 'checkpoint')) {
      const res = parseLogPath(f);
      const bytes = new Uint8Array(readFileSync(join(out, f)));
      if (res.kind === 'tile') expect(toHex(bytes)).toBe(toHex(store.getTile(res.level, res.index, res.width)!));
      if (res.kind === 'entries') {
        const entries = Array.from({ length: res.width }, (_, j) => entryBytes(res.index * 256 + j));
        expect(toHex(bytes)).toBe(toHex(encodeEntryBundle(entries)));
      }
    }
  });

  it('writes nothing when run again', () => {
    const out = join(dir, 'out');
    const before = snapshot(out);
    const r = exportTiles(out, source);
    expect(r).toMatchObject({ tiles: 0, bundles: 0, checkpoint: false, bytes: 0 });
    expect(snapshot(out)).toEqual(before);
    // Even when told to reconsider everything, present files are not rewritten.
    const again = exportTiles(out, source, { since: 0 });
    expect(again).toMatchObject({ tiles: 0, bundles: 0, checkpoint: false, unchanged: 5 });
    expect(snapshot(out)).toEqual(before);
  });

  it('removes temp files a killed export left beside the files it rewrites, and only those of dead processes', () => {
    const own = openLogStore(join(dir, 'temps.db'));
    try {
      const src = storeTilesSource(own);
      const out = join(dir, 'temps');
      growTo(own, 300);
      publish(own, 300);
      exportTiles(out, src);
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no live process
      const stale = join(out, `.checkpoint.tmp-${dead}-deadbeef`);
      const live = join(out, `.checkpoint.tmp-${process.ppid}-cafef00d`);
      writeFileSync(stale, 'partial');
      writeFileSync(live, 'in progress');
      growTo(own, 320);
      publish(own, 320);
      expect(exportTiles(out, src).checkpoint).toBe(true);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      own.close();
    }
  });

  it('exports only what changed, never rewrites a full tile, keeps partials until their tile is full', async () => {
    const out = join(dir, 'out');
    const at300 = snapshot(out);
    publish(store, 400);
    const r400 = exportTiles(out, source);
    expect(r400).toMatchObject({ from: 300, tiles: 1, bundles: 1, checkpoint: true, removed: 0 }); // only tile 0/001 grew
    const at400 = snapshot(out);
    expect(at400.get('tile/0/000')).toBe(at300.get('tile/0/000'));
    expect(at400.get('tile/0/001.p/44')).toBe(at300.get('tile/0/001.p/44')); // an older checkpoint's partial stays
    expect(at400.has('tile/0/001.p/144')).toBe(true);

    growTo(store, 70_000);
    const note = publish(store, 70_000);
    const r = exportTiles(out, source);
    const changedTiles = tilesBetween(400, 70_000);
    const changedBundles = bundlesBetween(400, 70_000);
    expect(r).toMatchObject({ from: 400, tiles: changedTiles.length, bundles: changedBundles.length, checkpoint: true, unchanged: 0 });
    const after = snapshot(out);
    expect(after.get('tile/0/000')).toBe(at300.get('tile/0/000')); // full since 300: never rewritten
    expect(after.get('tile/entries/000')).toBe(at300.get('tile/entries/000'));
    // Tiles 0/001, entries/001 and 1/000 are full now: their partial versions are gone.
    expect([...after.keys()].filter((f) => /^tile\/(0\/001|entries\/001|1\/000)\.p\//.test(f))).toEqual([]);
    expect(r.removed).toBe(3);
    expect(after.has('tile/2/000.p/1')).toBe(true);
    expect(readFileSync(join(out, 'checkpoint'), 'utf8')).toBe(note);

    // A client that saw size 300 verifies the new tree against it, from the static files.
    const http = await serveStatic(out);
    try {
      const previous = signCheckpoint({ origin: ORIGIN, size: 300, root: new MerkleLog(store).root(300) }, key.signerKey);
      const report = await verifyTiledLog(new HttpTileSource(http.url), {
        checkpointKeys: [key.verifierKey],
        receiptKeys: [],
        previous: () => previous,
      });
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    } finally {
      await http.close();
    }
  });

  it('starts from --since when given, and refuses a size beyond the checkpoint', () => {
    const out = join(dir, 'since');
    const r = exportTiles(out, source, { since: 65_536 });
    expect(r).toMatchObject({ from: 65_536, tiles: tilesBetween(65_536, 70_000).length, bundles: bundlesBetween(65_536, 70_000).length });
    expect(existsSync(join(out, 'tile/0/000'))).toBe(false);
    expect(() => exportTiles(join(dir, 'since2'), source, { since: 70_001 })).toThrow(InputError);
  });

  it('refuses a directory holding another log, or a checkpoint this one does not extend', () => {
    const other = join(dir, 'other');
    exportTiles(other, source);
    writeFileSync(join(other, 'checkpoint'), signCheckpoint({ origin: 'another/log', size: 1, root: new Uint8Array(32) }, generateCheckpointKey('another/log').signerKey));
    expect(() => exportTiles(other, source)).toThrow(InputError);
    writeFileSync(join(other, 'checkpoint'), signCheckpoint({ origin: ORIGIN, size: 80_000, root: new Uint8Array(32) }, key.signerKey));
    expect(() => exportTiles(other, source)).toThrow(InputError);
    writeFileSync(join(other, 'checkpoint'), 'not a checkpoint\n');
    expect(() => exportTiles(other, source)).toThrow(InputError);
  });

  it('skips, and reports, a bundle holding an entry too long for the format', () => {
    const s = openLogStore(join(dir, 'big.db'));
    try {
      growTo(s, 300, (i) => (i === 260 ? utf8.encode(`"${'y'.repeat(70_000)}"`) : entryBytes(i)));
      publish(s, 300);
      const out = join(dir, 'big');
      const r = exportTiles(out, storeTilesSource(s));
      expect(r.skippedBundles.map((b) => b.index)).toEqual([1]);
      expect(existsSync(join(out, 'tile/entries/001.p/44'))).toBe(false);
      expect(existsSync(join(out, 'tile/entries/000'))).toBe(true);
      expect(existsSync(join(out, 'tile/0/001.p/44'))).toBe(true);
    } finally {
      s.close();
    }
  });
});
