// The control socket: the service API as JSON over HTTP on a Unix socket in the home (mode 0600).
// POST /rpc/<method> with body {"args":[…]} -> 200 {"ok":true,"result":…} or
// {"ok":false,"error":{"code","message","hint","family"}} (family "verification" maps to exit 1).
// Every request body is outside input: size-capped, parsed defensively, arguments checked by zod.
import { request, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { z } from 'zod';
import { InputError, VerificationError, isRemembrancerError } from '../core/errors.js';
import type { InputCode, VerificationCode , RemembrancerError} from '../core/errors.js';
import type { Service } from './service.js';

export const RPC_MAX_BODY = 1024 * 1024;

const id = z.string().regex(/^[0-9a-f]{64}$/);
const listReq = z
  .object({
    kind: z.string().max(64).optional(),
    namespace: z.string().max(128).optional(),
    allNamespaces: z.boolean().optional(),
    history: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(512).optional(),
  })
  .strict();

const recordReq = z
  .object({
    kind: z.string().min(1).max(64),
    subject: z.record(z.string(), z.unknown()),
    evidence: z.array(z.object({ name: z.string(), sha256: z.string() }).strict()).max(1000).optional(),
    chainRef: z.string().optional(),
    note: z.string().optional(),
    namespace: z.string().optional(),
    supersedes: z.string().optional(),
    idempotencyKey: z.string().min(1).max(256).optional(),
  })
  .strict();

/** Argument tuples per method; anything else is refused before it reaches the service. */
const methods = {
  record: z.tuple([recordReq]),
  get: z.tuple([id]),
  history: z.tuple([id]),
  list: z.tuple([listReq]),
  search: z.tuple([listReq.extend({ query: z.string().min(1).max(1024) })]),
  findBySha256: z.tuple([z.string().regex(/^[0-9a-f]{64}$/)]),
  proof: z.tuple([id]),
  bundle: z.tuple([id]),
  checkpoint: z.tuple([]),
  latestCheckpoint: z.tuple([]),
  verifyLog: z.tuple([]),
  status: z.tuple([]),
} as const;

type MethodName = keyof typeof methods;

/** The request body shape. Built once: zod compiles an object schema on first use, costly per call. */
const callBody = z.object({ args: z.array(z.unknown()) });

interface WireError {
  code: string;
  message: string;
  hint?: string;
  family: 'verification' | 'input';
}

function toWire(e: unknown): WireError {
  if (isRemembrancerError(e)) {
    return {
      code: e.code,
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      family: e instanceof VerificationError ? 'verification' : 'input',
    };
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), family: 'input' };
}

function fromWire(w: WireError): RemembrancerError<string> {
  const opts = w.hint ? { hint: w.hint } : {};
  return w.family === 'verification'
    ? new VerificationError(w.code as VerificationCode, w.message, opts)
    : new InputError(w.code as InputCode, w.message, opts);
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new InputError('BAD_INPUT', `request body over ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Decode one RPC call. Exported for property tests: garbage gives InputError, never anything else. */
export function decodeCall(method: string, body: Uint8Array): { method: MethodName; args: unknown[] } {
  if (!Object.hasOwn(methods, method)) throw new InputError('BAD_INPUT', `unknown method ${JSON.stringify(method.slice(0, 64))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new InputError('BAD_INPUT', 'request body is not JSON');
  }
  const args = callBody.safeParse(parsed);
  if (!args.success) throw new InputError('BAD_INPUT', 'request body must be {"args":[…]}');
  const m = method as MethodName;
  const r = methods[m].safeParse(args.data.args);
  if (!r.success) {
    const fields = r.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
    throw new InputError('BAD_INPUT', `bad arguments for ${m}: ${fields}`);
  }
  return { method: m, args: r.data as unknown[] };
}

export interface RpcServer {
  server: Server;
  close(): Promise<void>;
}

/** Serve `service` on a Unix socket at `path` (mode 0600). Extra HTTP routes go to `fallback`. */
export async function serveRpc(
  service: Service,
  path: string,
  fallback?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RpcServer> {
  if (existsSync(path)) {
    // A socket left by a killed daemon: refuse if something still answers on it.
    if (await socketAlive(path)) throw new InputError('STORE_LOCKED', `a daemon is already listening on ${path}`);
    unlinkSync(path);
  }
  const server = createServer((req, res) => {
    const m = /^\/rpc\/([A-Za-z0-9]{1,64})$/.exec(req.url ?? '');
    if (!m || req.method !== 'POST') {
      if (fallback) return fallback(req, res);
      return send(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: 'no such route', family: 'input' } });
    }
    void (async () => {
      try {
        const body = await readBody(req, RPC_MAX_BODY);
        const call = decodeCall(m[1]!, body);
        const fn = service[call.method] as (...a: unknown[]) => Promise<unknown>;
        const result = await fn.apply(service, call.args);
        send(res, 200, { ok: true, result: result ?? null });
      } catch (e) {
        send(res, 200, { ok: false, error: toWire(e) });
      }
    })();
  });
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(old);
  }
  chmodSync(path, 0o600);
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Call one method on the daemon listening at `path`. */
export function callRpc<T>(path: string, method: MethodName, args: unknown[], timeoutMs = 120_000): Promise<T> {
  const body = JSON.stringify({ args });
  return new Promise<T>((resolve, reject) => {
    const req = request(
      { socketPath: path, path: `/rpc/${method}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ok: boolean; result?: T; error?: WireError };
            if (r.ok) resolve(r.result as T);
            else reject(fromWire(r.error ?? { code: 'INTERNAL', message: 'malformed reply', family: 'input' }));
          } catch (e) {
            reject(new InputError('IO', 'malformed reply from the daemon', { cause: e }));
          }
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new InputError('IO', `the daemon did not answer ${method} within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(isRemembrancerError(e) ? e : new InputError('IO', `cannot reach the daemon at ${path}: ${e.message}`, { cause: e })));
    req.end(body);
  });
}

/** A Service that forwards every call to a running daemon. */
export function rpcClient(path: string): Service {
  const call =
    <T>(m: MethodName) =>
    (...args: unknown[]) =>
      callRpc<T>(path, m, args);
  return {
    record: call('record'),
    get: call('get'),
    history: call('history'),
    list: call('list'),
    search: call('search'),
    findBySha256: call('findBySha256'),
    proof: call('proof'),
    bundle: call('bundle'),
    checkpoint: call('checkpoint'),
    latestCheckpoint: call('latestCheckpoint'),
    verifyLog: () => callRpc(path, 'verifyLog', []),
    status: call('status'),
    close: async () => {},
  } as Service;
}
