// MCP over Streamable HTTP at /mcp, for the daemon's HTTP listener (or any node:http server).
//
// Session mode: `initialize` opens a session (Mcp-Session-Id, a random UUID) with its own McpServer
// over the shared service; later requests name it. Sessions keep the client's name for provenance
// and are bound to the token that opened them; idle ones are closed after `sessionIdleMs`. Responses
// are plain JSON (no SSE streams): GET, the optional server-to-client stream, answers 405.
//
// Every request, in order (the first failure answers and nothing runs):
//   Host allowlist (403) -> Origin allowlist (403; DNS-rebinding protection) -> bearer token (401 +
//   WWW-Authenticate) -> per-token rate limit (429 + Retry-After) -> method -> body size (413) ->
//   JSON (400) -> scope: a tools/call of a write tool needs `write` (403 + WWW-Authenticate
//   insufficient_scope) -> session (404 / 400) -> the SDK transport.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { TrustPolicy } from '../core/verify/index.js';
import type { Service } from '../daemon/service.js';
import type { TokenClaims } from './caller.js';
import { createMcpServer } from './server.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './ratelimit.js';
import { TokenStore, type TokenRecord } from './tokens.js';
import { WRITE_TOOLS } from './tools.js';

export interface McpHttpOptions {
  service: Service;
  /** tokens.toml (mcp/tokens.ts); re-read when it changes. A missing file means no token is valid. */
  tokensFile: string;
  /** The home whose trust verify_bundle / verify_artifact use; or pass `trust`. */
  home?: string;
  trust?: () => TrustPolicy;
  /**
   * Accepted Host header values: "name" (any port) or "name:port", compared case-insensitively.
   * Default: the loopback names 127.0.0.1, localhost and [::1]. List your hostnames when binding
   * anything else.
   */
  allowedHosts?: string[];
  /**
   * Accepted Origin header values, exactly (e.g. "http://localhost:6274"). Default none: any request
   * carrying an Origin (a browser page) is refused; MCP clients outside browsers send none.
   */
  allowedOrigins?: string[];
  /** Largest request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Per-token token bucket; false disables it. Default 50 requests/s, bursts of 200. */
  rateLimit?: RateLimitOptions | false;
  /** Path served. Default "/mcp". */
  path?: string;
  /** Most open sessions (new ones get 503 while full). Default 1000. */
  maxSessions?: number;
  /** A session unused this long is closed. Default 30 minutes. */
  sessionIdleMs?: number;
  /** Errors that are not the client's fault (unreadable tokens file, transport failures). Default: stderr. */
  onError?: (e: unknown) => void;
}

export interface McpHttpHandler {
  /** Handles `path` (true) or leaves the request alone (false). */
  (req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Open sessions. */
  readonly sessions: number;
  /** Close every session and stop the idle sweep. */
  close(): Promise<void>;
}

export const MCP_HTTP_DEFAULTS = {
  allowedHosts: ['127.0.0.1', 'localhost', '[::1]'],
  maxBodyBytes: 1024 * 1024,
  path: '/mcp',
  maxSessions: 1000,
  sessionIdleMs: 30 * 60_000,
} as const;

const REALM = 'Bearer realm="remembrancer"';

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** SHA-256 of the token that opened it (never the token). */
  owner: string;
  lastSeen: number;
}

class Refusal {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

function send(res: ServerResponse, r: Refusal, id: unknown = null): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: r.code, message: r.message }, id });
  res.writeHead(r.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...r.headers });
  res.end(body);
}

/** "name[:port]" of a Host header, lowercased; IPv6 stays bracketed. Attacker-controlled. */
function splitHost(host: string): { name: string; port: string | undefined } | undefined {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host.toLowerCase());
  return m ? { name: m[1]!, port: m[2] } : undefined;
}

export function hostAllowed(host: string | undefined, allowed: readonly string[]): boolean {
  if (host === undefined) return false;
  const h = splitHost(host);
  if (!h) return false;
  return allowed.some((a) => {
    const e = splitHost(a);
    return e !== undefined && e.name === h.name && (e.port === undefined || e.port === h.port);
  });
}

function bearer(header: string | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  const m = /^Bearer +([^\s]+) *$/i.exec(header);
  return m ? m[1]! : null;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | Refusal> {
  const declared = req.headers['content-length'];
  const tooLarge = new Refusal(413, -32000, `request body over ${max} bytes`, { connection: 'close' });
  if (declared !== undefined && Number(declared) > max) return tooLarge;
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) return tooLarge;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The write tool a message calls, if any (messages are attacker-controlled JSON). */
function writeToolIn(messages: unknown[]): string | undefined {
  for (const m of messages) {
    if (m === null || typeof m !== 'object') continue;
    const msg = m as { method?: unknown; params?: { name?: unknown } };
    if (msg.method === 'tools/call' && typeof msg.params?.name === 'string' && WRITE_TOOLS.has(msg.params.name)) return msg.params.name;
  }
  return undefined;
}

function idOf(body: unknown): unknown {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

export function createMcpHttpHandler(opts: McpHttpOptions): McpHttpHandler {
  const allowedHosts = opts.allowedHosts ?? [...MCP_HTTP_DEFAULTS.allowedHosts];
  const allowedOrigins = new Set((opts.allowedOrigins ?? []).map((o) => o.toLowerCase()));
  const maxBody = opts.maxBodyBytes ?? MCP_HTTP_DEFAULTS.maxBodyBytes;
  const path = opts.path ?? MCP_HTTP_DEFAULTS.path;
  const maxSessions = opts.maxSessions ?? MCP_HTTP_DEFAULTS.maxSessions;
  const idleMs = opts.sessionIdleMs ?? MCP_HTTP_DEFAULTS.sessionIdleMs;
  const onError = opts.onError ?? ((e: unknown) => process.stderr.write(`mcp http: ${e instanceof Error ? e.message : String(e)}\n`));
  const limiter = opts.rateLimit === false ? null : new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  const tokens = new TokenStore(opts.tokensFile);
  const sessions = new Map<string, Session>();
  const serverCtx = { transport: 'http' as const, ...(opts.home !== undefined ? { home: opts.home } : {}), ...(opts.trust ? { trust: opts.trust } : {}) };
  if (!opts.trust && opts.home === undefined) throw new RangeError('createMcpHttpHandler needs home or trust');

  const closeSession = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.server.close().catch(onError);
  };
  const sweep = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of sessions) if (s.lastSeen < cutoff) void closeSession(id);
  }, Math.min(60_000, Math.max(1000, idleMs / 2)));
  sweep.unref();

  /** Host, Origin, token, rate: who is asking, or why not. */
  function admit(req: IncomingMessage): Refusal | TokenRecord {
    if (!hostAllowed(req.headers.host, allowedHosts)) return new Refusal(403, -32000, 'Forbidden: Host header not allowed');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) return new Refusal(403, -32000, 'Forbidden: Origin not allowed');
    const presented = bearer(req.headers.authorization);
    if (presented === undefined) return new Refusal(401, -32000, 'Unauthorized: send Authorization: Bearer <token>', { 'www-authenticate': REALM });
    let found;
    try {
      found = presented === null ? ({ ok: false, reason: 'malformed' } as const) : tokens.lookup(presented);
    } catch (e) {
      onError(e);
      return new Refusal(503, -32000, 'Service Unavailable: authentication is not available', { 'retry-after': '30' });
    }
    if (!found.ok) {
      const why = found.reason === 'expired' ? 'token expired' : found.reason === 'unknown' ? 'unknown token' : 'malformed credentials';
      return new Refusal(401, -32000, `Unauthorized: ${why}`, { 'www-authenticate': `${REALM}, error="invalid_token", error_description="${why}"` });
    }
    if (limiter) {
      const t = limiter.take(found.record.sha256);
      if (!t.ok) return new Refusal(429, -32000, 'Too Many Requests', { 'retry-after': String(Math.max(1, Math.ceil(t.retryAfterMs / 1000))) });
    }
    return found.record;
  }

  function authInfo(r: TokenRecord): AuthInfo {
    const claims: TokenClaims = {
      name: r.name,
      ...(r.namespaces ? { namespaces: r.namespaces } : {}),
      ...(r.defaultNamespace !== undefined ? { defaultNamespace: r.defaultNamespace } : {}),
    };
    return {
      token: r.name, // the token's name; the bearer secret is never kept
      clientId: r.name,
      scopes: r.scopes,
      ...(r.expires !== undefined ? { expiresAt: Math.floor(Date.parse(r.expires) / 1000) } : {}),
      extra: claims as unknown as Record<string, unknown>,
    };
  }

  async function openSession(owner: string): Promise<{ transport: StreamableHTTPServerTransport; server: McpServer } | Refusal> {
    if (sessions.size >= maxSessions) {
      const cutoff = Date.now() - idleMs;
      for (const [id, s] of sessions) if (s.lastSeen < cutoff) await closeSession(id);
      if (sessions.size >= maxSessions) return new Refusal(503, -32000, 'Service Unavailable: too many open sessions', { 'retry-after': '10' });
    }
    const server = createMcpServer(opts.service, serverCtx);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, owner, lastSeen: Date.now() });
      },
      onsessionclosed: (id) => {
        void closeSession(id);
      },
    });
    transport.onerror = onError;
    server.server.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return { transport, server };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const who = admit(req);
    if (who instanceof Refusal) return send(res, who);
    const method = req.method ?? '';
    if (method !== 'POST' && method !== 'DELETE') return send(res, new Refusal(405, -32000, 'Method Not Allowed', { allow: 'POST, DELETE' }));

    const sid = req.headers['mcp-session-id'];
    let session: Session | undefined;
    if (sid !== undefined) {
      session = typeof sid === 'string' ? sessions.get(sid) : undefined;
      // Another token's session is "not found" too: session ids are not credentials.
      if (!session || session.owner !== who.sha256) return send(res, new Refusal(404, -32001, 'Session not found'));
      session.lastSeen = Date.now();
    }
    (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo(who);

    if (method === 'DELETE') {
      if (!session) return send(res, new Refusal(400, -32000, 'Bad Request: Mcp-Session-Id header is required'));
      await session.transport.handleRequest(req, res);
      return;
    }

    const body = await readBody(req, maxBody);
    if (body instanceof Refusal) return send(res, body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, new Refusal(400, -32700, 'Parse error: the body is not JSON'));
    }
    const messages = Array.isArray(parsed) ? parsed : [parsed];
    const writeTool = writeToolIn(messages);
    if (writeTool !== undefined && !who.scopes.includes('write')) {
      const why = `${writeTool} needs the write scope`;
      return send(
        res,
        new Refusal(403, -32000, `Forbidden: ${why}`, {
          'www-authenticate': `${REALM}, error="insufficient_scope", scope="write", error_description="${why}"`,
        }),
        idOf(parsed),
      );
    }
      if (session) return session.transport.handleRequest(req, res, parsed);
    if (Array.isArray(parsed) || !isInitializeRequest(parsed)) {
      return send(res, new Refusal(400, -32000, 'Bad Request: Mcp-Session-Id header is required (send initialize first)'), idOf(parsed));
    }
    const opened = await openSession(who.sha256);
    if (opened instanceof Refusal) return send(res, opened, idOf(parsed));
    await opened.transport.handleRequest(req, res, parsed);
    // The SDK refused the initialize (e.g. 406 for a bad Accept header): nothing to keep.
    if (opened.transport.sessionId === undefined) await opened.server.close().catch(onError);
  }

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      return false;
    }
    if (pathname !== path) return false;
    try {
      await handle(req, res);
    } catch (e) {
      onError(e);
      send(res, new Refusal(500, -32603, 'Internal error'));
    }
    return true;
  };
  Object.defineProperty(handler, 'sessions', { get: () => sessions.size });
  return Object.assign(handler, {
    async close() {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map((id) => closeSession(id)));
    },
  }) as McpHttpHandler;
}
