// tlog-tiles benchmark: what a client fetches to verify one inclusion proof from a 1,000,000-leaf
// log served as tiles (requests, bytes, loopback latency), against fetching the daemon API's proof
// (the ProofView JSON: id, index, size, hashes, checkpoint) from the same HTTP server; and the
// export rate of `tiles export` against a plain dump of the same entries into one file.
import { createServer, type Server } from 'node:http';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64, toHex, utf8 } from '../core/bytes.js';
import { generateCheckpointKey, signCheckpoint, verifyCheckpoint } from '../core/checkpoint/index.js';
import { leafHash } from '../core/merkle/hash.js';
import { MerkleLog } from '../core/merkle/log.js';
import { verifyInclusion } from '../core/merkle/verify.js';
import { TileTree, inclusionTiles } from '../core/tiles/proof.js';
import { fromBase64 } from '../core/bytes.js';
import { openLogStore, openLogStoreReadOnly, type SqliteLogStore } from '../daemon/store/index.js';
import { HttpTileSource } from '../daemon/tiles/client.js';
import { exportTiles } from '../daemon/tiles/export.js';
import { createTilesHandler } from '../daemon/tiles/handler.js';
import { storeTilesSource } from '../daemon/tiles/source.js';
import type { Bench } from './types.js';
import { prng } from './util.js';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ORIGIN = 'bench.example/tiles';


// A synthetic entry shaped like a real one (JCS receipt + armored Ed25519 signature, ~700 bytes).
const SIG = `-----BEGIN PGP SIGNATURE-----\n\n${'A'.repeat(64)}\n${'B'.repeat(64)}\n${'C'.repeat(32)}\n=abcd\n-----END PGP SIGNATURE-----\n`;
const entry = (i: number) =>
  utf8.encode(
    JSON.stringify({
      receipt: { evidence: [], kind: 'deploy', origin: ORIGIN, subject: { component: `svc-${i % 97}`, sha256: toHex(leafHash(utf8.encode(String(i)))), version: `1.${i}.0` }, time: '2026-01-01T00:00:00Z', v: 1 },
      signature: SIG,
    }),
  );

function grow(store: SqliteLogStore, size: number, withEntries: boolean): void {
  const ins = store.db.prepare("INSERT INTO entries (idx, id, kind, time, entry) VALUES (?, ?, 'deploy', '2026-01-01T00:00:00Z', ?)");
  for (let n = store.size(); n < size; ) {
    const end = Math.min(size, n + 10_000);
    const bytes = Array.from({ length: end - n }, (_, k) => (withEntries ? entry(n + k) : utf8.encode(`leaf ${n + k}`)));
    const hashes = bytes.map((b) => leafHash(b));
    store.appendLeafHashes(hashes, withEntries ? (_tx, first) => bytes.forEach((b, k) => ins.run(first + k, toHex(hashes[k]!), b)) : undefined);
    n = end;
  }
}

function publish(store: SqliteLogStore, size: number, signer: string): string {
  const note = signCheckpoint({ origin: ORIGIN, size, root: new MerkleLog(store).root(size) }, signer);
  store.db.prepare('INSERT OR REPLACE INTO checkpoints (size, note, created_at) VALUES (?, ?, ?)').run(size, note, new Date().toISOString());
  return note;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: s[0]!, max: s[s.length - 1]!, p50: s[Math.floor(s.length / 2)]! };
};

export const bench: Bench = async ({ quick, tmpDir }) => {
  const N = quick ? 100_000 : 1_000_000;
  const PROOFS = quick ? 50 : 300;
  const EXPORT_N = quick ? 20_000 : 200_000;
  const key = generateCheckpointKey(ORIGIN);

  // ---- proofs at N leaves (hash-only leaves: the proof path never reads entries)
  const store = openLogStore(join(tmpDir, 'proofs.db'));
  grow(store, N, false);
  const note = publish(store, N, key.signerKey);
  const merkle = new MerkleLog(store);
  const tiles = createTilesHandler(storeTilesSource(store));
  // Baseline endpoint: the daemon API's ProofView for leaf i, as JSON (what `remembrancer proof --json` returns).
  const server: Server = createServer((req, res) => {
    const m = /^\/api\/proof\/(\d+)$/.exec(req.url ?? '');
    if (m) {
      const index = Number(m[1]);
      const view = {
        id: toHex(leafHash(utf8.encode(`leaf ${index}`))),
        logIndex: index,
        treeSize: N,
        hashes: merkle.inclusionProof(index, N).map(toBase64),
        checkpoint: note,
      };
      const body = Buffer.from(JSON.stringify(view));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
      return;
    }
    void tiles(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const rnd = prng(7);
  const indices = Array.from({ length: PROOFS }, () => rnd(N));

  // Warm up both paths (JIT, sockets).
  for (const i of indices.slice(0, 10)) {
    await (await fetch(`${url}api/proof/${i}`)).arrayBuffer();
    const c = new HttpTileSource(url);
    await new TileTree((t) => c.tile(t)).inclusionProof(i, N);
  }

  const cold = { requests: [] as number[], bytes: [] as number[], ms: [] as number[] };
  for (const index of indices) {
    const t0 = performance.now();
    const client = new HttpTileSource(url); // a fresh client: nothing cached
    const cp = verifyCheckpoint(await client.checkpoint(), key.verifierKey);
    const tree = new TileTree((t) => client.tile(t));
    const proof = await tree.inclusionProof(index, cp.size);
    verifyInclusion({ leafHash: leafHash(utf8.encode(`leaf ${index}`)), index, treeSize: cp.size, proof, root: cp.root });
    cold.ms.push(performance.now() - t0);
    cold.requests.push(client.stats.requests);
    cold.bytes.push(client.stats.bytes);
  }
  // One client verifying every proof in turn (a monitor or auditor): tiles shared between proofs.
  const shared = new HttpTileSource(url);
  const sharedTree = new TileTree((t) => shared.tile(t));
  const sharedCp = verifyCheckpoint(await shared.checkpoint(), key.verifierKey);
  for (const index of indices) await sharedTree.inclusionProof(index, sharedCp.size);

  const api = { bytes: [] as number[], ms: [] as number[] };
  for (const index of indices) {
    const t0 = performance.now();
    const res = await fetch(`${url}api/proof/${index}`);
    const body = new Uint8Array(await res.arrayBuffer());
    const view = JSON.parse(Buffer.from(body).toString('utf8')) as { logIndex: number; treeSize: number; hashes: string[]; checkpoint: string };
    const cp = verifyCheckpoint(view.checkpoint, key.verifierKey);
    verifyInclusion({ leafHash: leafHash(utf8.encode(`leaf ${index}`)), index, treeSize: cp.size, proof: view.hashes.map((h) => fromBase64(h)!), root: cp.root });
    api.ms.push(performance.now() - t0);
    api.bytes.push(body.length);
  }
  await new Promise<void>((r) => server.close(() => r()));
  store.close();
  const tileCounts = indices.map((i) => inclusionTiles(i, N).length);

  // ---- export rate
  const exp = openLogStore(join(tmpDir, 'export.db'));
  grow(exp, EXPORT_N, true);
  publish(exp, EXPORT_N, key.signerKey);
  exp.close();
  const reader = openLogStoreReadOnly(join(tmpDir, 'export.db'));
  const src = storeTilesSource(reader);
  let t0 = performance.now();
  const full = exportTiles(join(tmpDir, 'out'), src);
  const exportMs = performance.now() - t0;
  t0 = performance.now();
  const again = exportTiles(join(tmpDir, 'out'), src);
  const againMs = performance.now() - t0;
  t0 = performance.now();
  exportTiles(join(tmpDir, 'out-nofsync'), src, { fsync: false });
  const nofsyncMs = performance.now() - t0;
  // Baseline: every entry read from SQLite and written to one file, fsynced once.
  t0 = performance.now();
  const fd = openSync(join(tmpDir, 'dump.bin'), 'w');
  let dumped = 0;
  for (let s = 0; s < EXPORT_N; s += 256) {
    for (const e of src.entries(s, Math.min(EXPORT_N, s + 256))) dumped += writeSync(fd, e);
  }
  fsyncSync(fd);
  closeSync(fd);
  const dumpMs = performance.now() - t0;
  reader.close();
  // Incremental: 1,000 more entries, then export again.
  const more = openLogStore(join(tmpDir, 'export.db'));
  grow(more, EXPORT_N + 1000, true);
  publish(more, EXPORT_N + 1000, key.signerKey);
  more.close();
  const reader2 = openLogStoreReadOnly(join(tmpDir, 'export.db'));
  t0 = performance.now();
  const inc = exportTiles(join(tmpDir, 'out'), storeTilesSource(reader2));
  const incMs = performance.now() - t0;
  reader2.close();

  const c = { req: stats(cold.requests), bytes: stats(cold.bytes), ms: stats(cold.ms) };
  const a = { bytes: stats(api.bytes), ms: stats(api.ms) };
  const rate = (n: number, ms: number) => (n / ms) * 1000;
  const markdown = `
Proofs: ${fmt(PROOFS)} random leaves of a ${fmt(N)}-leaf log (synthetic leaf hashes in the SQLite tile store), served over HTTP on 127.0.0.1 by the tiles handler. Each tiles client is fresh (no cache): it fetches and verifies \`/checkpoint\`, fetches only the tiles the proof plan names, rebuilds the audit path and verifies it against the checkpoint root. The baseline fetches the daemon API's proof view (\`remembrancer proof --json\`: id, index, size, base64 hashes and the checkpoint) from the same server and verifies it the same way.

| Measure | Ours (tiles) | Baseline (daemon API proof view) | Ours ÷ baseline |
|---|---|---|---|
| Requests per proof, mean (min–max) | **${fmt(c.req.mean, 2)}** (${c.req.min}–${c.req.max}) | 1 | ${fmt(c.req.mean, 2)}× |
| Bytes per proof, mean (min–max) | **${fmt(c.bytes.mean)}** (${fmt(c.bytes.min)}–${fmt(c.bytes.max)}) | ${fmt(a.bytes.mean)} (${fmt(a.bytes.min)}–${fmt(a.bytes.max)}) | ${fmt(c.bytes.mean / a.bytes.mean, 1)}× the bytes |
| Latency per verified proof over loopback, p50 (max) | **${fmt(c.ms.p50, 2)} ms** (${fmt(c.ms.max, 1)}) | ${fmt(a.ms.p50, 2)} ms (${fmt(a.ms.max, 1)}) | ${fmt(c.ms.p50 / a.ms.p50, 2)}× the time |
| One client verifying all ${fmt(PROOFS)} proofs (tiles cached), requests / bytes per proof | **${fmt((shared.stats.requests) / PROOFS, 2)} / ${fmt(shared.stats.bytes / PROOFS)}** | 1 / ${fmt(a.bytes.mean)} | ${fmt(shared.stats.bytes / PROOFS / a.bytes.mean, 2)}× the bytes |

Tiles per inclusion proof at ${fmt(N)} (plan only): mean ${fmt(tileCounts.reduce((x, y) => x + y, 0) / tileCounts.length, 2)}, max ${Math.max(...tileCounts)}; a full tile is 8,192 bytes.
What tiles buy is not fewer bytes but immutable, cacheable, static reads: every full tile is the same file for every client forever (\`Cache-Control: immutable\`), so a CDN or object store serves almost all of them, and the origin needs no proof-computing process at all. The proof view is computed per request by the daemon.

Export: \`tiles export\` of ${fmt(EXPORT_N)} synthetic entries (${fmt(dumped / EXPORT_N)} bytes each, receipt-shaped) from the read-only store into an empty directory: ${fmt(full.tiles)} tiles + ${fmt(full.bundles)} entry bundles + checkpoint, each file written atomically (temp, fsync, rename). The baseline reads the same entries from SQLite and writes them to one file, fsynced once (the least any publisher must do).

| Measure | Ours | Baseline (one-file dump) | Ours ÷ baseline |
|---|---|---|---|
| Export rate, entries/s (fsync per file) | **${fmt(rate(EXPORT_N, exportMs))}** (${fmt(exportMs / 1000, 2)} s, ${fmt(full.bytes / 1e6, 1)} MB) | ${fmt(rate(EXPORT_N, dumpMs))} (${fmt(dumpMs / 1000, 2)} s) | ${fmt(rate(EXPORT_N, exportMs) / rate(EXPORT_N, dumpMs), 2)}× |
| Export rate, entries/s (no fsync) | ${fmt(rate(EXPORT_N, nofsyncMs))} | ${fmt(rate(EXPORT_N, dumpMs))} | ${fmt(rate(EXPORT_N, nofsyncMs) / rate(EXPORT_N, dumpMs), 2)}× |
| Export again, nothing changed | ${fmt(againMs, 1)} ms, ${again.tiles + again.bundles + (again.checkpoint ? 1 : 0)} files written | — | — |
| Export after 1,000 more entries | ${fmt(incMs, 1)} ms, ${inc.tiles} tiles + ${inc.bundles} bundles + checkpoint written, ${inc.removed} partial dirs removed | — | — |
`;
  return { title: 'tlog-tiles: proofs from static tiles, export rate', markdown };
};
