// End to end with the built binary: a real log (init, record, checkpoint), published by the tiles
// handler on a live 127.0.0.1 server and by `tiles export` behind a plain static file server, then
// verified by `verify --remote` from a separate monitor home that trusts only the exported keys.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { cpSync, existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../core/bytes.js';
import { generateCheckpointKey, parseCheckpoint, signCheckpoint } from '../../core/checkpoint/index.js';
import { leafHash } from '../../core/merkle/hash.js';
import { MerkleLog } from '../../core/merkle/log.js';
import { encodeEntryBundle } from '../../core/tiles/bundle.js';
import { parseLogPath } from '../../core/tiles/path.js';
import { BIN, cli, cliAsync, tempHome } from '../../test/cli-helpers.js';
import { serveStatic } from '../../test/static-server.js';
import { openLogStore, openLogStoreReadOnly, type SqliteLogReader } from '../store/index.js';
import { remoteCheckpointPath } from './state.js';
import { createTilesHandler } from './handler.js';
import { storeTilesSource } from './source.js';

const ORIGIN = 'tiles.e2e/log';
const t = tempHome('remembrancer-tiles-e2e-');
const home = t.home;
const db = join(home, 'remembrancer.db');
const trust = join(t.dir, 'trust.txt');
const artifact = join(t.dir, 'artifact.bin');
const exported = join(t.dir, 'exported');
const servers: { close(): Promise<void> }[] = [];
let monitors = 0;
let ids: string[] = [];
let reader: SqliteLogReader;
let live = '';
let staticUrl = '';

function ok(args: string[], h = home): string {
  const r = cli(h, args);
  if (r.code !== 0) throw new Error(`remembrancer ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/**
 * `verify --remote` from a fresh monitor home (or a given one), trusting the exported keys. Async:
 * the servers run in this process, so a synchronous spawn would block them.
 */
async function verifyRemote(url: string, args: string[] = [], monitor = join(t.dir, `monitor-${monitors++}`)) {
  const r = await cliAsync(monitor, ['verify', '--json', '--remote', url, '--trust-key', trust, ...args]);
  let report: { ok: boolean; checks: { name: string; ok: boolean; code?: string }[]; receipts?: { id: string; index: number }[] } | undefined;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = undefined;
  }
  const failed = Object.fromEntries((report?.checks ?? []).filter((c) => !c.ok).map((c) => [c.name, c.code]));
  return { code: r.code, report, failed, stderr: r.stderr, monitor };
}

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

/** A static file server over `root`, closed after the tests. */
async function serveDir(root: string): Promise<string> {
  const s = await serveStatic(root);
  servers.push(s);
  return s.url;
}

function copyOf(name: string): string {
  const dir = join(t.dir, name);
  cpSync(exported, dir, { recursive: true });
  return dir;
}

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)).split(sep).join('/'));
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

beforeAll(async () => {
  writeFileSync(artifact, 'release 1.0 binary\n');
  ok(['init', '--origin', ORIGIN]);
  ids = [
    ok(['record', 'memory', '--text', 'tiles are immutable']).trim(),
    ok(['record', 'artifact', '--file', artifact]).trim(),
    ok(['record', 'decision', '--title', 'publish tiles', '--body', 'static hosting scales reads']).trim(),
  ];
  ok(['checkpoint']);
  writeFileSync(trust, ok(['keys', 'export']));
  ok(['tiles', 'export', exported]);
  reader = openLogStoreReadOnly(db);
  const handler = createTilesHandler(storeTilesSource(reader));
  live = await listen((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  staticUrl = await serveDir(exported);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  reader?.close();
  t.cleanup();
});

describe('verify --remote', () => {
  it('verifies a receipt by id, by index and an artifact against the live handler', async () => {
    const byId = await verifyRemote(live, [ids[1]!]);
    expect(byId.failed).toEqual({});
    expect(byId.code).toBe(0);
    expect(byId.report!.receipts).toEqual([{ id: ids[1], index: 1 }]);
    expect(existsSync(remoteCheckpointPath(byId.monitor, ORIGIN))).toBe(true);
    expect((await verifyRemote(live, ['--index', '2'])).report!.receipts).toEqual([{ id: ids[2], index: 2 }]);
    const art = await verifyRemote(live, ['--artifact', artifact]);
    expect(art.code).toBe(0);
    expect(art.report!.receipts).toEqual([{ id: ids[1], index: 1 }]);
    expect((await verifyRemote(live)).code).toBe(0);
  });

  it('verifies the same receipt from a plain static server over the exported directory', async () => {
    const r = await verifyRemote(staticUrl, [ids[0]!]);
    expect(r.failed).toEqual({});
    expect(r.code).toBe(0);
  });

  it('exits 1 for tampered tile bytes', async () => {
    const dir = copyOf('tampered');
    const tile = join(dir, 'tile/0/000.p/3');
    const bytes = readFileSync(tile);
    bytes[40]! ^= 1; // leaf 1
    writeFileSync(tile, bytes);
    const r = await verifyRemote(await serveDir(dir), [ids[0]!]);
    expect(r.code).toBe(1);
    expect(r.failed).toMatchObject({ tree: 'ROOT_MISMATCH' });
  });

  it('exits 1 for a truncated tile', async () => {
    const dir = copyOf('truncated');
    truncateSync(join(dir, 'tile/0/000.p/3'), 70);
    const r = await verifyRemote(await serveDir(dir), [ids[0]!]);
    expect(r.code).toBe(1);
    expect(r.failed).toMatchObject({ tree: 'TILE_FORMAT' });
  });

  it('exits 1 for a checkpoint signed by another key', async () => {
    const dir = copyOf('otherkey');
    const cp = parseCheckpoint(readFileSync(join(dir, 'checkpoint'), 'utf8'));
    writeFileSync(join(dir, 'checkpoint'), signCheckpoint({ origin: ORIGIN, size: cp.size, root: cp.root }, generateCheckpointKey(ORIGIN).signerKey));
    const r = await verifyRemote(await serveDir(dir), [ids[0]!]);
    expect(r.code).toBe(1);
    expect(r.failed).toMatchObject({ 'checkpoint signature': 'CHECKPOINT_KEY' });
  });

  it('exits 1 for a rolled-back checkpoint, after verifying the log grow', async () => {
    const before = copyOf('before');
    ids.push(ok(['record', 'memory', '--text', 'the log grows']).trim());
    ok(['checkpoint']);
    const r = cli(home, ['tiles', 'export', exported, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ from: 3, size: 4, tiles: 1, bundles: 1, checkpoint: true });
    const monitor = join(t.dir, 'monitor-rollback');
    expect((await verifyRemote(staticUrl, [], monitor)).code).toBe(0); // first use: remembers size 4
    expect((await verifyRemote(staticUrl, [ids[3]!], monitor)).code).toBe(0);
    const back = await verifyRemote(await serveDir(before), [], monitor);
    expect(back.code).toBe(1);
    expect(back.failed).toEqual({ consistency: 'CHECKPOINT_ROLLBACK' });
    // both signed checkpoints are kept as evidence of the equivocation
    const evidence = readdirSync(join(monitor, 'remote-checkpoints')).filter((f) => f.includes('.conflict-'));
    expect(evidence).toHaveLength(1);
    const saved = JSON.parse(readFileSync(join(monitor, 'remote-checkpoints', evidence[0]!), 'utf8'));
    expect(saved.previous.split('\n')[1]).toBe('4');
    expect(saved.conflicting.split('\n')[1]).toBe('3');
    // The live handler serves the grown log: consistent with what the monitor remembered.
    expect((await verifyRemote(live, [ids[3]!], monitor)).code).toBe(0);
  });

  it('exits 1 for an id the log does not hold, 2 without trust or a reachable server', async () => {
    const absent = await verifyRemote(live, ['ab'.repeat(32)]);
    expect(absent.code).toBe(1);
    expect(absent.failed).toMatchObject({ located: 'NOT_FOUND_IN_LOG' });
    const noTrust = await cliAsync(join(t.dir, 'bare'), ['verify', '--remote', live]);
    expect(noTrust.code).toBe(2);
    expect(noTrust.stderr).toMatch(/error\[USAGE\]/);
    expect((await verifyRemote('http://127.0.0.1:1/')).code).toBe(2);
    expect(cli(home, ['verify', '--index', '1']).code).toBe(2);
  });
});

describe('tiles export killed midway', () => {
  it('leaves no partial file under a final name, and a rerun completes', async () => {
    // A bigger log: synthetic entries appended to a fresh home's store, checkpointed with its key.
    const big = tempHome('remembrancer-tiles-kill-');
    try {
      ok(['init', '--origin', 'tiles.e2e/big'], big.home);
      const store = openLogStore(join(big.home, 'remembrancer.db'));
      const entry = (i: number) => utf8.encode(`{"synthetic":${i},"pad":"${'z'.repeat(64)}"}`);
      try {
        const ins = store.db.prepare("INSERT INTO entries (idx, id, kind, time, entry) VALUES (?, ?, 'synthetic', '2026-01-01T00:00:00Z', ?)");
        for (let n = 0; n < 150_000; n += 10_000) {
          const bytes = Array.from({ length: 10_000 }, (_, k) => entry(n + k));
          const hashes = bytes.map((b) => leafHash(b));
          store.appendLeafHashes(hashes, (_tx, first) => bytes.forEach((b, k) => ins.run(first + k, toHex(hashes[k]!), b)));
        }
        const signer = readFileSync(join(big.home, 'keys/checkpoint.key'), 'utf8').trim();
        const note = signCheckpoint({ origin: 'tiles.e2e/big', size: 150_000, root: new MerkleLog(store).root(150_000) }, signer);
        store.db.prepare('INSERT INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)').run(150_000, note, new Date().toISOString());
      } finally {
        store.close();
      }
      const out = join(big.dir, 'out');
      const child = spawn(process.execPath, [BIN, '--home', big.home, 'tiles', 'export', out], { stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      // Kill it once it has written a few files (it writes over a thousand, each fsynced).
      const start = Date.now();
      while (filesUnder(out).filter((f) => !f.split('/').pop()!.startsWith('.')).length < 20 && Date.now() - start < 30_000) {
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      await exited;
      const visible = filesUnder(out).filter((f) => !f.split('/').pop()!.startsWith('.'));
      expect(visible.length).toBeGreaterThanOrEqual(20);
      expect(visible).not.toContain('checkpoint'); // killed before the end: the checkpoint goes last
      const check = openLogStoreReadOnly(join(big.home, 'remembrancer.db'));
      try {
        for (const f of visible) {
          const res = parseLogPath(f);
          const bytes = toHex(new Uint8Array(readFileSync(join(out, f))));
          if (res.kind === 'tile') expect(bytes, f).toBe(toHex(check.getTile(res.level, res.index, res.width)!));
          else if (res.kind === 'entries') {
            expect(bytes, f).toBe(toHex(encodeEntryBundle(Array.from({ length: res.width }, (_, j) => entry(res.index * 256 + j)))));
          }
        }
      } finally {
        check.close();
      }
      const rerun = cli(big.home, ['tiles', 'export', out, '--json']); // no server involved: sync is fine
      expect(rerun.code).toBe(0);
      expect(JSON.parse(rerun.stdout).unchanged).toBeGreaterThanOrEqual(visible.length);
      // whatever temp file the kill left behind, the rerun removed it
      expect(filesUnder(out).filter((f) => f.split('/').pop()!.includes('.tmp-'))).toEqual([]);
      const url = await serveDir(out);
      const r = await cliAsync(big.home, ['verify', '--json', '--remote', url]); // the home trusts its own checkpoint key
      expect(r.stdout).toContain('"ok": true');
      expect(r.code).toBe(0);
    } finally {
      big.cleanup();
    }
  });
});
