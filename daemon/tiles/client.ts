// HTTP client of a C2SP tlog-tiles log (the daemon's listener, or any static host serving an
// exported directory). It only fetches; core/tiles/remote.ts verifies every byte. Each request
// has a timeout and a size cap (a tile can only be width·32 bytes, a checkpoint a few KiB), so a
// hostile or broken server can neither stall nor flood the client. An unreachable server or a
// missing resource is InputError (exit 2: could not read); bytes of the wrong shape are
// VerificationError (exit 1: the log served something wrong).
import { MAX_NOTE_BYTES } from '../../core/checkpoint/index.js';
import { InputError, VerificationError, type VerificationCode } from '../../core/errors.js';
import { HASH_SIZE } from '../../core/merkle/hash.js';
import { TILE_WIDTH } from '../../core/merkle/tile.js';
import { MAX_BUNDLE_BYTES, encodeEntryBundle, parseEntryBundle } from '../../core/tiles/bundle.js';
import { entriesPath, tilePath, type BundleRef, type TileRef } from '../../core/tiles/path.js';
import type { TiledLogSource } from '../../core/tiles/remote.js';

export interface HttpTileSourceOptions {
  /** Per request, headers and body (default 15 s). */
  timeoutMs?: number;
}

export interface FetchStats {
  requests: number;
  /** Response body bytes (after content decoding). */
  bytes: number;
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? e.message;
  }
  return String(e);
}

export class HttpTileSource implements TiledLogSource {
  /** The log prefix, always ending in "/". */
  readonly base: URL;
  readonly stats: FetchStats = { requests: 0, bytes: 0 };
  readonly #timeout: number;

  /** `url` is the log's URL prefix (http or https). Throws InputError USAGE for anything else. */
  constructor(url: string, options: HttpTileSourceOptions = {}) {
    let base: URL;
    try {
      base = new URL(url.endsWith('/') ? url : `${url}/`);
    } catch {
      throw new InputError('USAGE', `--remote ${JSON.stringify(url.slice(0, 200))} is not a URL`, { hint: 'e.g. --remote https://log.example.org/' });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new InputError('USAGE', `--remote must be an http or https URL, got ${base.protocol}`);
    if (base.search !== '' || base.hash !== '' || base.username !== '' || base.password !== '') {
      throw new InputError('USAGE', '--remote must be a plain URL prefix (no query, fragment or credentials)');
    }
    this.base = base;
    this.#timeout = options.timeoutMs ?? 15_000;
  }

  checkpoint(): Promise<Uint8Array> {
    return this.#get('checkpoint', MAX_NOTE_BYTES, 'CHECKPOINT_FORMAT');
  }

  async tile(t: TileRef): Promise<Uint8Array> {
    try {
      return await this.#get(tilePath(t), t.width * HASH_SIZE, 'TILE_FORMAT');
    } catch (e) {
      // tlog-tiles §Partial Tiles: a log may drop a partial tile once the full one exists.
      if (!(e instanceof InputError && e.code === 'NOT_FOUND') || t.width === TILE_WIDTH) throw e;
      const full = await this.#get(tilePath({ ...t, width: TILE_WIDTH }), TILE_WIDTH * HASH_SIZE, 'TILE_FORMAT');
      return full.length === TILE_WIDTH * HASH_SIZE ? full.subarray(0, t.width * HASH_SIZE) : full;
    }
  }

  async entries(b: BundleRef): Promise<Uint8Array> {
    try {
      return await this.#get(entriesPath(b), MAX_BUNDLE_BYTES, 'TILE_FORMAT');
    } catch (e) {
      if (!(e instanceof InputError && e.code === 'NOT_FOUND') || b.width === TILE_WIDTH) throw e;
      const full = parseEntryBundle(await this.#get(entriesPath({ ...b, width: TILE_WIDTH }), MAX_BUNDLE_BYTES, 'TILE_FORMAT'), TILE_WIDTH);
      return encodeEntryBundle(full.slice(0, b.width));
    }
  }

  /** GET a resource of at most `cap` bytes; a longer body is VerificationError `code`. */
  async #get(path: string, cap: number, code: VerificationCode): Promise<Uint8Array> {
    const url = new URL(path, this.base);
    const signal = AbortSignal.timeout(this.#timeout);
    let res: Response;
    try {
      res = await fetch(url, { signal, redirect: 'follow', headers: { accept: '*/*' } });
    } catch (e) {
      throw new InputError('IO', `GET ${url.href}: ${describe(e)}`, { cause: e, hint: 'check the --remote URL and that the server is reachable' });
    }
    this.stats.requests++;
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new InputError(res.status === 404 ? 'NOT_FOUND' : 'IO', `GET ${url.href}: HTTP ${res.status}`, {
        hint: res.status === 404 ? 'the server does not have this resource; is --remote the log prefix (where /checkpoint is)?' : 'retry later',
      });
    }
    const tooLong = () => new VerificationError(code, `${path} from ${this.base.href} is longer than ${cap} bytes`);
    const declared = Number(res.headers.get('content-length'));
    if (res.headers.get('content-encoding') === null && Number.isFinite(declared) && declared > cap) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLong();
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      if (res.body) {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          total += chunk.length;
          if (total > cap) throw tooLong(); // leaving the loop cancels the stream
          chunks.push(chunk);
        }
      }
    } catch (e) {
      if (e instanceof VerificationError) throw e;
      throw new InputError('IO', `GET ${url.href}: reading the body: ${describe(e)}`, { cause: e });
    }
    this.stats.bytes += total;
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
