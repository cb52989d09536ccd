// The daemon's HTTP listener: a small prefix router that other modules mount handlers on
// (/metrics, /healthz, /readyz here; /checkpoint and /tile/… from the tiles module; /mcp from the
// MCP module). Every request is outside input: the path is matched literally, bodies are capped,
// slow clients time out, and a handler's failure becomes a JSON 500 without leaking internals.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InputError, isRemembrancerError } from '../core/errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Default cap on request bodies (readBody); handlers may pass a smaller one. */
export const HTTP_MAX_BODY = 1024 * 1024;

/** An HTTP status with a short machine code; handlers throw it, the router answers with JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/**
 * Read a request body of at most `max` bytes (413 past it, before reading when content-length
 * already says so). Attacker-controlled: length header and body.
 */
export async function readBody(req: IncomingMessage, max = HTTP_MAX_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) throw new HttpError(413, 'BODY_TOO_LARGE', `request body over ${max} bytes`);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new HttpError(413, 'BODY_TOO_LARGE', `request body over ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Answer 405 unless the method is one of `allowed` (HEAD is allowed wherever GET is). */
export function allowMethods(req: IncomingMessage, ...allowed: string[]): void {
  const m = req.method ?? '';
  if (allowed.includes(m) || (m === 'HEAD' && allowed.includes('GET'))) return;
  throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${m.slice(0, 16)} is not allowed here (${allowed.join(', ')})`);
}

interface Mount {
  prefix: string;
  handler: Handler;
}

export class HttpRouter {
  private mounts: Mount[] = [];

  /**
   * Route requests under `prefix` to `handler`. A prefix ending in "/" takes every path below it;
   * any other takes the exact path and paths below it ("/mcp" takes "/mcp" and "/mcp/x", not
   * "/mcpx"). The longest matching prefix wins; mounting the same prefix twice throws.
   */
  mount(prefix: string, handler: Handler): void {
    if (!prefix.startsWith('/') || /[?#\s]/.test(prefix)) throw new RangeError(`mount prefix must be a path starting with "/": ${prefix}`);
    if (this.mounts.some((m) => m.prefix === prefix)) throw new RangeError(`${prefix} is already mounted`);
    this.mounts.push({ prefix, handler });
    this.mounts.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The mounted prefixes, longest first. */
  get prefixes(): string[] {
    return this.mounts.map((m) => m.prefix);
  }

  private match(path: string): Mount | undefined {
    return this.mounts.find((m) => path === m.prefix || path.startsWith(m.prefix.endsWith('/') ? m.prefix : `${m.prefix}/`));
  }

  /** Dispatch one request (also usable as a fallback of another server, e.g. the control socket). */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.dispatch(req, res);
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let path: string;
    try {
      // Only the path is routed; the host part is a placeholder (the Host header is attacker-controlled).
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: 'unparseable request target' } });
    }
    const m = this.match(path);
    if (!m) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
    try {
      await m.handler(req, res);
    } catch (e) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) return sendJson(res, e.status, { error: { code: e.code, message: e.message } });
      if (e instanceof InputError && (e.code === 'BAD_INPUT' || e.code === 'USAGE')) {
        return sendJson(res, 400, { error: { code: e.code, message: e.message } });
      }
      const code = isRemembrancerError(e) ? e.code : 'INTERNAL';
      sendJson(res, 500, { error: { code, message: isRemembrancerError(e) ? e.message : 'internal error' } });
    }
  }
}

export interface HttpListener {
  server: Server;
  /** The bound address as host:port (IPv6 hosts in brackets); port 0 in config becomes the real one. */
  address: string;
  host: string;
  port: number;
  /** Stop accepting; idle keep-alive connections are closed, active ones finish (force after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** Headers and body must arrive within this time (slowloris). Default 30 s. */
  requestTimeoutMs?: number;
}

export async function listenHttp(router: HttpRouter, opts: ListenOptions): Promise<HttpListener> {
  const server = createServer({ requestTimeout: opts.requestTimeoutMs ?? 30_000, headersTimeout: Math.min(opts.requestTimeoutMs ?? 30_000, 20_000) }, router.handle);
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const where = `${opts.host}:${opts.port}`;
      const why = e.code === 'EADDRINUSE' ? 'the address is in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
      reject(
        new InputError('IO', `cannot listen on ${where}: ${why}`, {
          hint: 'set [mcp] http_listen in config.toml to a free host:port ("127.0.0.1:0" picks any free port)',
          cause: e,
        }),
      );
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.address;
  return {
    server,
    host,
    port: a.port,
    address: `${host.includes(':') ? `[${host}]` : host}:${a.port}`,
    close: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
