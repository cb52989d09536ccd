// The HTTP client against a real, hostile node:http server on 127.0.0.1: caps, timeouts, status
// codes, the partial-tile fallback, compressed bundles.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, VerificationError } from '../../core/errors.js';
import { encodeEntryBundle, parseEntryBundle } from '../../core/tiles/bundle.js';
import { HttpTileSource } from './client.js';

let server: Server;
let url: string;
let route: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
  res.writeHead(404);
  res.end();
};

async function failure(p: Promise<unknown>): Promise<{ cls: string; code: string }> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e instanceof VerificationError) return { cls: 'VerificationError', code: e.code };
  if (e instanceof InputError) return { cls: 'InputError', code: e.code };
  return { cls: String(e), code: '' };
}

beforeAll(async () => {
  server = createServer((req, res) => route(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/log`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('HttpTileSource', () => {
  it('fetches below the URL prefix and counts requests and bytes', async () => {
    const seen: string[] = [];
    route = (req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200);
      res.end(Buffer.alloc(64, 1));
    };
    const c = new HttpTileSource(url);
    expect((await c.tile({ level: 2, index: 1234067, width: 2 })).length).toBe(64);
    expect(seen).toEqual(['/log/tile/2/x001/x234/067.p/2']);
    expect(c.stats).toEqual({ requests: 1, bytes: 64 });
  });

  it('stops reading a body past its cap: an oversized tile or checkpoint is the server\u2019s fault (exit 1)', async () => {
    route = (_req, res) => {
      res.writeHead(200); // no content-length: chunked, so the cap is enforced while streaming
      res.write(Buffer.alloc(8192));
      res.end(Buffer.alloc(8192));
    };
    const c = new HttpTileSource(url);
    expect(await failure(c.tile({ level: 0, index: 0, width: 256 }))).toEqual({ cls: 'VerificationError', code: 'TILE_FORMAT' });
    route = (_req, res) => {
      res.writeHead(200, { 'content-length': (1 << 20) + 1 }); // MAX_NOTE_BYTES + 1: refused before reading
      res.end(Buffer.alloc((1 << 20) + 1));
    };
    expect(await failure(c.checkpoint())).toEqual({ cls: 'VerificationError', code: 'CHECKPOINT_FORMAT' });
  });

  it('maps 404, other statuses, refused connections and timeouts to input errors (exit 2)', async () => {
    route = (_req, res) => {
      res.writeHead(404);
      res.end();
    };
    const c = new HttpTileSource(url, { timeoutMs: 300 });
    expect(await failure(c.checkpoint())).toEqual({ cls: 'InputError', code: 'NOT_FOUND' });
    route = (_req, res) => {
      res.writeHead(503);
      res.end('busy');
    };
    expect(await failure(c.checkpoint())).toEqual({ cls: 'InputError', code: 'IO' });
    route = () => undefined; // never answers
    expect(await failure(c.checkpoint())).toEqual({ cls: 'InputError', code: 'IO' });
    route = (_req, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('partial'); // then stalls
    };
    expect(await failure(c.checkpoint())).toEqual({ cls: 'InputError', code: 'IO' });
    expect(await failure(new HttpTileSource('http://127.0.0.1:1/').checkpoint())).toEqual({ cls: 'InputError', code: 'IO' });
  });

  it('falls back to the full tile or bundle when a partial one is gone', async () => {
    const full = Buffer.alloc(8192);
    for (let i = 0; i < 8192; i++) full[i] = i % 251;
    const entries = Array.from({ length: 256 }, (_, i) => Buffer.from(`entry ${i}`));
    route = (req, res) => {
      if (req.url === '/log/tile/0/000') {
        res.writeHead(200);
        res.end(full);
      } else if (req.url === '/log/tile/entries/000') {
        res.writeHead(200, { 'content-encoding': 'gzip' });
        res.end(gzipSync(encodeEntryBundle(entries)));
      } else {
        res.writeHead(404);
        res.end();
      }
    };
    const c = new HttpTileSource(url);
    expect(Buffer.from(await c.tile({ level: 0, index: 0, width: 10 })).equals(full.subarray(0, 320))).toBe(true);
    const b = parseEntryBundle(await c.entries({ index: 0, width: 3 }), 3);
    expect(b.map((e) => Buffer.from(e).toString())).toEqual(['entry 0', 'entry 1', 'entry 2']);
    expect(await failure(c.tile({ level: 0, index: 1, width: 10 }))).toEqual({ cls: 'InputError', code: 'NOT_FOUND' });
  });

  it('accepts only a plain http(s) URL prefix', () => {
    for (const bad of ['ftp://x/', 'file:///etc', 'not a url', 'http://u:p@host/', 'http://host/?q=1']) {
      expect(() => new HttpTileSource(bad), bad).toThrow(InputError);
    }
    expect(new HttpTileSource('https://log.example/prefix').base.href).toBe('https://log.example/prefix/');
  });
});
