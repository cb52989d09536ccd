// The tiles handler on a real node:http server on 127.0.0.1, over a real SQLite store, read by
// the real HTTP client: the roots and proofs rebuilt from served tiles must be the store's own.
import fc from 'fast-check';
import { request, createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesEqual, toHex, utf8 } from '../../core/bytes.js';
import { generateCheckpointKey, signCheckpoint } from '../../core/checkpoint/index.js';
import { leafHash } from '../../core/merkle/hash.js';
import { MerkleLog } from '../../core/merkle/log.js';
import { parseEntryBundle } from '../../core/tiles/bundle.js';
import { TileTree, verifyInclusionByTiles } from '../../core/tiles/proof.js';
import { verifyTiledLog } from '../../core/tiles/remote.js';
import { openLogStore, type SqliteLogStore } from '../store/index.js';
import { HttpTileSource } from './client.js';
import { createTilesHandler } from './handler.js';

const ORIGIN = 'tiles.test/handler';
const key = generateCheckpointKey(ORIGIN);
const entryBytes = (i: number) => utf8.encode(`{"synthetic":${i}}`);

let dir: string;
let store: SqliteLogStore;
let merkle: MerkleLog;
let note: string | null = null;
let server: Server;
let url: string;
let port: number;

function publish(size: number): string {
  note = signCheckpoint({ origin: ORIGIN, size, root: merkle.root(size) }, key.signerKey);
  return note;
}

function growTo(size: number): void {
  for (let n = store.size(); n < size; ) {
    const end = Math.min(size, n + 5000);
    store.appendLeafHashes(Array.from({ length: end - n }, (_, k) => leafHash(entryBytes(n + k))));
    n = end;
  }
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // Sent as is (no URL normalisation), as a hostile client would.
    const req = request({ hostname: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'remembrancer-tiles-handler-'));
  store = openLogStore(join(dir, 'log.db'));
  merkle = new MerkleLog(store);
  const handler = createTilesHandler({
    reader: store,
    latestCheckpoint: () => note,
    entries: (start, end) => Array.from({ length: end - start }, (_, k) => entryBytes(start + k)),
  });
  server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(418);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  port = addr.port;
  url = `http://127.0.0.1:${port}/`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tiles over HTTP', () => {
  it('answers 404 before the first checkpoint', async () => {
    expect((await raw('/checkpoint')).status).toBe(404);
    expect((await raw('/tile/0/000.p/1')).status).toBe(404);
  });

  it('rebuilds the store\u2019s root and proofs at sizes around tile boundaries', async () => {
    for (const size of [255, 256, 257, 65_535, 65_536, 65_537]) {
      growTo(size);
      publish(size);
      const http = new HttpTileSource(url);
      const tree = new TileTree((t) => http.tile(t));
      expect(toHex(await tree.root(size)), `size ${size}`).toBe(toHex(merkle.root(size)));
      for (const index of [0, 200, 255, 256, size - 1].filter((i) => i < size)) {
        const proof = await tree.inclusionProof(index, size);
        expect(proof.map(toHex)).toEqual(merkle.inclusionProof(index, size).map(toHex));
        await verifyInclusionByTiles(tree, { leafHash: leafHash(entryBytes(index)), index, size, root: merkle.root(size) });
      }
      for (const size1 of [1, 255, 256, 65_535].filter((s) => s < size)) {
        expect((await tree.consistencyProof(size1, size)).map(toHex)).toEqual(merkle.consistencyProof(size1, size).map(toHex));
      }
      const report = await verifyTiledLog(http, { checkpointKeys: [key.verifierKey], receiptKeys: [] });
      expect(report.ok).toBe(true);
      // The last entry bundle holds the log's last entries, hashing to the leaves.
      const n = Math.floor((size - 1) / 256);
      const width = size - n * 256;
      const entries = parseEntryBundle(await http.entries({ index: n, width }), width);
      entries.forEach((e, j) => expect(bytesEqual(leafHash(e), leafHash(entryBytes(n * 256 + j)))).toBe(true));
    }
  });

  it('serves nothing beyond the published checkpoint, even when the store holds more', async () => {
    growTo(70_000);
    publish(65_537); // the store has 70,000 leaves; only 65,537 are published
    expect((await raw('/tile/0/256.p/1')).status).toBe(200);
    expect((await raw('/tile/0/256.p/2')).status).toBe(404);
    expect((await raw('/tile/0/256')).status).toBe(404);
    expect((await raw('/tile/0/257.p/1')).status).toBe(404);
    expect((await raw('/tile/1/001.p/1')).status).toBe(404);
    expect((await raw('/tile/2/000.p/1')).status).toBe(200);
    expect((await raw('/tile/3/000.p/1')).status).toBe(404);
    expect((await raw('/tile/entries/256.p/2')).status).toBe(404);
    // A narrower partial tile (an older checkpoint's) holds only published data: served.
    expect((await raw('/tile/1/000.p/100')).status).toBe(200);
    publish(65_537 + 300);
    expect((await raw('/tile/0/256.p/1')).status).toBe(200);
    expect((await raw('/tile/0/256')).status).toBe(200);
  });

  it('sets content types and cache headers as the spec asks', async () => {
    publish(65_537 + 300);
    const cp = await raw('/checkpoint');
    expect(cp.status).toBe(200);
    expect(cp.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(cp.headers['cache-control']).toBe('public, max-age=5');
    expect(cp.body.toString('utf8')).toBe(note);
    const full = await raw('/tile/0/000');
    expect(full.headers['content-type']).toBe('application/octet-stream');
    expect(full.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(full.body.length).toBe(8192);
    const partial = await raw('/tile/0/257.p/44');
    expect(partial.headers['cache-control']).toBe('public, max-age=60');
    expect(partial.body.length).toBe(44 * 32);
    const head = await raw('/tile/0/000', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('8192');
    expect(head.body.length).toBe(0);
  });

  it('gzips entry bundles for clients that accept it', async () => {
    const plain = await raw('/tile/entries/001');
    const gz = await raw('/tile/entries/001', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect((await raw('/tile/entries/001', { headers: { 'accept-encoding': 'gzip;q=0' } })).headers['content-encoding']).toBeUndefined();
  });

  it('rejects other methods and malformed paths, and leaves other paths to other handlers', async () => {
    expect((await raw('/checkpoint', { method: 'POST' })).status).toBe(405);
    expect((await raw('/tile/0/0000')).status).toBe(400);
    expect((await raw('/tile/0/x000/001')).status).toBe(400);
    expect((await raw('/tile/0/000/')).status).toBe(400);
    expect((await raw('/checkpoint?x=1')).status).toBe(200);
    expect((await raw('/metrics')).status).toBe(418);
    expect((await raw('/checkpoints')).status).toBe(418);
  });

  it('answers any request target with 200, 400, 404 or 418 (never 500), and keeps serving', async () => {
    const pieces = fc.constantFrom('/tile/', 'tile/', 'entries/', '0', '1', '9', '000', '001', 'x001/', '.p/', '/', '255', '256', '64', '..', '%2F', '?', 'checkpoint');
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(pieces, { maxLength: 8 }).map((a) => `/${a.join('')}`), fc.stringMatching(/^\/[\x21-\x7e]{0,60}$/)), async (path) => {
        const r = await raw(path);
        expect([200, 400, 404, 418]).toContain(r.status);
      }),
      { numRuns: 150 },
    );
    expect((await raw('/checkpoint')).status).toBe(200);
  });
});
