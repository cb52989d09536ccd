// Serves the log read-only as C2SP tlog-tiles over HTTP (c2sp.org/tlog-tiles §APIs):
//   GET /checkpoint                  the latest published checkpoint (short max-age)
//   GET /tile/<L>/<N>[.p/<W>]        Merkle tiles (full: immutable; partial: short max-age)
//   GET /tile/entries/<N>[.p/<W>]    entry bundles (gzip when the client accepts it)
// Everything is bounded by the published checkpoint: a tile or bundle wider than that
// checkpoint's tree is 404, even when the store already holds more leaves. A partial tile
// narrower than the checkpoint's (from an older checkpoint) is still served: it only holds
// published data, and clients that fetched the previous checkpoint may ask for it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { parseCheckpoint } from '../../core/checkpoint/index.js';
import { InputError } from '../../core/errors.js';
import { TILE_WIDTH } from '../../core/merkle/tile.js';
import { encodeEntryBundle } from '../../core/tiles/bundle.js';
import { tileWidth } from '../../core/tiles/layout.js';
import { parseLogPath, type LogResource } from '../../core/tiles/path.js';
import type { TilesSource } from './source.js';

export interface TilesHandlerOptions {
  /** Seconds a client or CDN may cache /checkpoint (default 5; the spec asks for "a few seconds"). */
  checkpointMaxAge?: number;
  /** Seconds a partial tile or bundle may be cached (default 60). Full ones are immutable. */
  partialMaxAge?: number;
}

export type TilesHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const IMMUTABLE = 'public, max-age=31536000, immutable';

function send(req: IncomingMessage, res: ServerResponse, status: number, body: Uint8Array, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-length': String(body.length), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendError(req: IncomingMessage, res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  send(req, res, status, Buffer.from(`${message}\n`), { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra });
}

/** Accept-Encoding lists gzip (or *) without q=0 (RFC 9110 §12.5.3). */
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(',').some((part) => {
    const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * A request handler for the tiles layout at the root of the server. Resolves true when it
 * answered (its paths: /checkpoint and /tile/…), false for any other path (left to other mounts).
 */
export function createTilesHandler(source: TilesSource, options: TilesHandlerOptions = {}): TilesHandler {
  const checkpointAge = `public, max-age=${options.checkpointMaxAge ?? 5}`;
  const partialAge = `public, max-age=${options.partialMaxAge ?? 60}`;
  let cached: { note: string; size: number } | undefined;
  const published = (): { note: string; size: number } | undefined => {
    const note = source.latestCheckpoint();
    if (note === null) return undefined;
    if (cached?.note !== note) cached = { note, size: parseCheckpoint(note).size };
    return cached;
  };

  return async (req, res) => {
    // Attacker-controlled: the request target. Matched raw (no decoding or dot-segment folding).
    const target = req.url ?? '';
    const q = target.search(/[?#]/);
    const path = q < 0 ? target : target.slice(0, q);
    if (path !== '/checkpoint' && !path.startsWith('/tile/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(req, res, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
      return true;
    }
    let resource: LogResource;
    try {
      resource = parseLogPath(path.slice(1));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      sendError(req, res, 400, e.message);
      return true;
    }
    try {
      const cp = published();
      if (cp === undefined) {
        sendError(req, res, 404, 'no checkpoint published yet');
        return true;
      }
      if (resource.kind === 'checkpoint') {
        send(req, res, 200, Buffer.from(cp.note, 'utf8'), { 'content-type': 'text/plain; charset=utf-8', 'cache-control': checkpointAge });
        return true;
      }
      const level = resource.kind === 'tile' ? resource.level : 0;
      const { index, width } = resource;
      const have = tileWidth(level, index, cp.size);
      if (width > have) {
        sendError(req, res, 404, `not in the tree of the published checkpoint (size ${cp.size})`);
        return true;
      }
      const caching = width === TILE_WIDTH ? IMMUTABLE : partialAge;
      if (resource.kind === 'tile') {
        const bytes = source.reader.getTile(level, index, width);
        if (bytes === undefined) throw new InputError('STORE_CORRUPT', `tile ${level}/${index} is missing below the checkpoint size ${cp.size}`);
        send(req, res, 200, bytes, { 'content-type': 'application/octet-stream', 'cache-control': caching });
        return true;
      }
      let bundle: Uint8Array;
      try {
        bundle = encodeEntryBundle(source.entries(index * TILE_WIDTH, index * TILE_WIDTH + width));
      } catch (e) {
        // An entry over 65,535 bytes: the bundle format cannot carry it, so this bundle does not exist.
        if (e instanceof InputError && e.code === 'BAD_INPUT') {
          sendError(req, res, 404, e.message);
          return true;
        }
        throw e;
      }
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'cache-control': caching, vary: 'Accept-Encoding' };
      if (acceptsGzip(req.headers['accept-encoding'])) {
        bundle = gzipSync(bundle);
        headers['content-encoding'] = 'gzip';
      }
      send(req, res, 200, bundle, headers);
      return true;
    } catch (e) {
      // The store failed: say so without internals, never crash the listener.
      const code = e instanceof InputError ? e.code : 'INTERNAL';
      sendError(req, res, 500, `the log could not be read (${code})`);
      return true;
    }
  };
}
