// `remembrancer tsa serve`: RFC 3161 over HTTP (§3.4) in front of a TsaResponder (the dev TSA).
// Requests are hostile: method, media type and size are checked before the body is decoded.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeRejection } from '../../core/timestamp/response.js';
import type { TsaResponder } from './devtsa.js';

export interface ServeTsaOptions {
  /** Default 127.0.0.1: a TSA is a signing oracle, expose it deliberately. */
  host?: string;
  /** Default 0 (any free port; the bound one is returned). */
  port?: number;
  signer: TsaResponder;
  /** Larger bodies get 413. A SHA-512 request with every option is under 200 bytes. Default 16 KiB. */
  maxRequestBytes?: number;
  /** Called once per answered request (logging, metrics). */
  onRequest?: (e: { status: number; granted: boolean; failInfo?: string; remote?: string }) => void;
}

export interface RunningTsa {
  server: Server;
  host: string;
  port: number;
  /** http://host:port/ */
  url: string;
  close(): Promise<void>;
}

const QUERY_TYPE = 'application/timestamp-query';
const REPLY_TYPE = 'application/timestamp-reply';

export async function serveTsa(opts: ServeTsaOptions): Promise<RunningTsa> {
  const host = opts.host ?? '127.0.0.1';
  const limit = opts.maxRequestBytes ?? 16 * 1024;
  const server = createServer((req, res) => {
    handle(req, res, opts, limit).catch(() => {
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    host,
    port,
    url: `http://${urlHost}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ServeTsaOptions, limit: number): Promise<void> {
  const remote = req.socket.remoteAddress;
  const done = (status: number, granted: boolean, failInfo?: string): void =>
    opts.onRequest?.({ status, granted, ...(failInfo ? { failInfo } : {}), ...(remote ? { remote } : {}) });
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    plain(res, 405, 'POST an application/timestamp-query\n');
    return done(405, false);
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== QUERY_TYPE) {
    plain(res, 415, `content-type must be ${QUERY_TYPE}\n`);
    return done(415, false);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    tooLarge(res, limit);
    return done(413, false);
  }
  const body = await readLimited(req, limit);
  if (body === undefined) {
    tooLarge(res, limit);
    return done(413, false);
  }
  const answer = await opts.signer.respond(body);
  // A request that does not decode gets 400 (with a badDataFormat TimeStampResp); other
  // rejections (policy, algorithm) are well-formed answers and go out as 200, as RFC 3161 §3.4 has it.
  const status = answer.granted || answer.failInfo !== 'badDataFormat' ? 200 : 400;
  res.writeHead(status, { 'content-type': REPLY_TYPE, 'content-length': answer.der.length });
  res.end(answer.der);
  done(status, answer.granted, answer.failInfo);
}

function readLimited(req: IncomingMessage, limit: number): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    req.on('error', reject);
  });
}

function tooLarge(res: ServerResponse, limit: number): void {
  const der = encodeRejection('badRequest', `request exceeds ${limit} bytes`);
  res.writeHead(413, { 'content-type': REPLY_TYPE, 'content-length': der.length, connection: 'close' });
  res.end(der);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
