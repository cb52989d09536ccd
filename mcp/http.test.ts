// MCP over Streamable HTTP: the handler on a live loopback node:http server (and mounted in a real
// daemon), with the SDK's StreamableHTTPClientTransport and raw HTTP requests for the refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Daemon } from '../daemon/daemon.js';
import { LocalService } from '../daemon/local.js';
import { createLogger } from '../daemon/logger.js';
import { createMcpHttpHandler, hostAllowed, type McpHttpHandler, type McpHttpOptions } from './http.js';
import { callOk, errorCode, exerciseAllTools, listToolMap, makeHome, type TempHome } from './testkit.js';
import { addToken, revokeToken, tokensFilePath } from './tokens.js';

let t: TempHome;
let service: LocalService;
let tokensFile: string;
const tok: Record<'writer' | 'reader' | 'expired' | 'teamA', string> = { writer: '', reader: '', expired: '', teamA: '' };
const running: { server: Server; handler: McpHttpHandler }[] = [];
let port = 0;

async function serve(extra: Partial<McpHttpOptions> = {}): Promise<number> {
  const handler = createMcpHttpHandler({ service, tokensFile, home: t.home, ...extra });
  const server = createServer((req, res) => {
    void handler(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ server, handler });
  return (server.address() as AddressInfo).port;
}

async function connect(token: string, p = port): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${p}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(method: string, headers: Record<string, string>, body?: string | Buffer, p = port, path = '/mcp'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // No Host header at all when the test gives an empty one.
    const setHost = headers.host !== '';
    if (!setHost) delete headers.host;
    const req = request({ host: '127.0.0.1', port: p, path, method, headers, agent: false, setHost }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const callBody = (name: string, args: unknown, id = 2) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

function bearer(token: string): Record<string, string> {
  return { ...MCP_HEADERS, authorization: `Bearer ${token}` };
}

/** initialize + initialized as `token`; the session id. */
async function session(token: string, p = port): Promise<string> {
  const r = await raw('POST', bearer(token), INIT, p);
  expect(r.status).toBe(200);
  const sid = r.headers['mcp-session-id'] as string;
  expect(sid).toBeTruthy();
  const n = await raw('POST', { ...bearer(token), 'mcp-session-id': sid }, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), p);
  expect(n.status).toBe(202);
  return sid;
}

const treeSize = async () => (await service.status()).treeSize;

beforeAll(async () => {
  t = await makeHome();
  service = await LocalService.open(t.home);
  tokensFile = tokensFilePath(t.home);
  tok.writer = addToken(tokensFile, { name: 'writer', scopes: ['write'] }).token;
  tok.reader = addToken(tokensFile, { name: 'reader', scopes: ['read'] }).token;
  const past = new Date(Date.now() - 3_600_000);
  tok.expired = addToken(tokensFile, { name: 'expired', scopes: ['write'], now: past, expires: new Date(past.getTime() + 60_000) }).token;
  tok.teamA = addToken(tokensFile, { name: 'team-a', scopes: ['write'], namespaces: ['team-a'] }).token;
  port = await serve();
});

afterAll(async () => {
  for (const r of running) {
    await r.handler.close();
    r.server.closeAllConnections();
    await new Promise((resolve) => r.server.close(resolve));
  }
  await service?.close();
  t?.cleanup();
});

describe('an SDK client over Streamable HTTP', () => {
  it('lists every tool and calls each one; every structuredContent matches its outputSchema', async () => {
    const client = await connect(tok.writer);
    try {
      const ex = await exerciseAllTools(client);
      expect(ex.results.get('health')!.transport).toBe('http');
    } finally {
      await client.close();
    }
  });

  it('pages through a 500-receipt search with the cursor, each receipt exactly once', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 500; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, (_, k) => service.record({ kind: 'memory', subject: { text: `pagination sample ${i + k}` } })));
      for (const r of batch) ids.add(r.id);
    }
    const client = await connect(tok.reader);
    try {
      const tools = await listToolMap(client);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await callOk(client, tools, 'search_memories', { query: 'pagination', limit: 50, ...(cursor ? { cursor } : {}) });
        for (const h of page.items as { id: string }[]) seen.push(h.id);
        cursor = page.nextCursor as string | null;
        pages++;
      } while (cursor);
      expect(pages).toBe(10);
      expect(seen).toHaveLength(500);
      expect(new Set(seen)).toEqual(ids);
    } finally {
      await client.close();
    }
  });

  it('records in the namespaces a token allows, and nowhere else', async () => {
    const client = await connect(tok.teamA);
    try {
      const tools = await listToolMap(client);
      const r = await callOk(client, tools, 'record_memory', { text: 'only team a sees this' });
      expect(r.namespace).toBe('team-a');
      const denied = (await client.callTool({ name: 'record_memory', arguments: { text: 'x', namespace: 'default' } })) as CallToolResult;
      expect(errorCode(denied)).toBe('FORBIDDEN');
    } finally {
      await client.close();
    }
  });
});

describe('refusals (nothing is recorded)', () => {
  let before = 0;
  beforeAll(async () => {
    before = await treeSize();
  });
  afterAll(async () => {
    expect(await treeSize()).toBe(before);
  });

  it('no token: 401 with a bare Bearer challenge', async () => {
    const r = await raw('POST', MCP_HEADERS, callBody('record_memory', { text: 'x' }));
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="remembrancer"');
  });

  it('a wrong token, or another scheme: 401 invalid_token', async () => {
    for (const authorization of ['Bearer rmbr_this-is-not-a-real-token-at-all', `Basic ${Buffer.from('a:b').toString('base64')}`, 'Bearer']) {
      const r = await raw('POST', { ...MCP_HEADERS, authorization }, INIT);
      expect(r.status, authorization).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="remembrancer", error="invalid_token"/);
    }
  });

  it('an expired token: 401 invalid_token, "token expired"', async () => {
    const r = await raw('POST', bearer(tok.expired), INIT);
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toContain('error_description="token expired"');
  });

  it('a read token calling a write tool: 403 insufficient_scope, write', async () => {
    const sid = await session(tok.reader);
    for (const name of ['record_memory', 'record_decision', 'record_artifact']) {
      const r = await raw('POST', { ...bearer(tok.reader), 'mcp-session-id': sid }, callBody(name, { text: 'x', title: 't', body: 'b', sha256: 'ab'.repeat(32), name: 'n' }));
      expect(r.status, name).toBe(403);
      expect(r.headers['www-authenticate']).toMatch(/error="insufficient_scope", scope="write"/);
      expect(JSON.parse(r.body)).toMatchObject({ id: 2, error: { code: -32000 } });
    }
    // The SDK client sees the refusal as an error too.
    const client = await connect(tok.reader);
    try {
      await expect(client.callTool({ name: 'record_memory', arguments: { text: 'x' } })).rejects.toMatchObject({ code: 403 });
    } finally {
      await client.close();
    }
  });

  it('a browser Origin: 403 (DNS-rebinding protection)', async () => {
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1:1']) {
      const r = await raw('POST', { ...bearer(tok.writer), origin }, INIT);
      expect(r.status, origin).toBe(403);
    }
  });

  it('a Host outside the allowlist: 403', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1.evil.example', '127.0.0.1:80@evil.example']) {
      const r = await raw('POST', { ...bearer(tok.writer), host }, INIT);
      expect(r.status, host).toBe(403);
    }
    // No Host at all: node:http itself answers 400 (HTTP/1.1 requires one).
    expect((await raw('POST', { ...bearer(tok.writer), host: '' }, INIT)).status).toBe(400);
  });

  it('a session of another token: 404', async () => {
    const sid = await session(tok.writer);
    const r = await raw('POST', { ...bearer(tok.reader), 'mcp-session-id': sid }, callBody('health', {}));
    expect(r.status).toBe(404);
  });

  it('no session and no initialize: 400; GET: 405', async () => {
    expect((await raw('POST', bearer(tok.writer), callBody('health', {}))).status).toBe(400);
    const g = await raw('GET', { ...bearer(tok.writer), accept: 'text/event-stream' });
    expect(g.status).toBe(405);
    expect(g.headers.allow).toBe('POST, DELETE');
  });

  it('a body over the limit: 413 before it is parsed', async () => {
    const sid = await session(tok.writer);
    const big = callBody('record_memory', { text: 'y'.repeat(1024 * 1024 + 10) });
    const r = await raw('POST', { ...bearer(tok.writer), 'mcp-session-id': sid }, big);
    expect(r.status).toBe(413);
  });

  it('a revoked token: 401 from the next request, on a running server', async () => {
    const { token } = addToken(tokensFile, { name: 'short-lived', scopes: ['write'] });
    const sid = await session(token);
    revokeToken(tokensFile, 'short-lived');
    const r = await raw('POST', { ...bearer(token), 'mcp-session-id': sid }, callBody('record_memory', { text: 'too late' }));
    expect(r.status).toBe(401);
  });

  it('past the rate limit: 429 with Retry-After', async () => {
    const p = await serve({ rateLimit: { perSecond: 0.5, burst: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await raw('POST', bearer(tok.writer), INIT, p)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const r = await raw('POST', bearer(tok.writer), INIT, p);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('random bodies never get a 5xx and never write (fast-check)', async () => {
    const sid = await session(tok.writer);
    const bodies = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc
        .record({ jsonrpc: fc.constantFrom('2.0', '1.0'), id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)), method: fc.constantFrom('tools/call', 'tools/list', 'resources/read', 'initialize', 'x'), params: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] })
        .map((v) => JSON.stringify(v)),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }).map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, fc.boolean(), async (body, withSession) => {
        // Valid record calls could rightly write; keep the property about garbage.
        fc.pre(!/record_/.test(body));
        const r = await raw('POST', { ...bearer(tok.writer), ...(withSession ? { 'mcp-session-id': sid } : {}) }, body);
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  });
});

describe('hostAllowed', () => {
  it('matches names case-insensitively, with any port unless the entry names one', () => {
    const allow = ['127.0.0.1', 'LOCALHOST', '[::1]', 'example.org:8443'];
    expect(hostAllowed('127.0.0.1:7411', allow)).toBe(true);
    expect(hostAllowed('localhost', allow)).toBe(true);
    expect(hostAllowed('[::1]:80', allow)).toBe(true);
    expect(hostAllowed('example.org:8443', allow)).toBe(true);
    expect(hostAllowed('example.org:80', allow)).toBe(false);
    expect(hostAllowed('127.0.0.2', allow)).toBe(false);
    expect(hostAllowed(undefined, allow)).toBe(false);
    expect(hostAllowed('127.0.0.1:7411@evil', allow)).toBe(false);
  });
});

describe('mounted in the daemon', () => {
  it('serves /mcp on the daemon listener with the home\u2019s tokens', async () => {
    const h = await makeHome('remembrancer-mcp-daemon-');
    const cfg = join(h.home, 'config.toml');
    const { appendFileSync } = await import('node:fs');
    appendFileSync(cfg, '\n[mcp]\nhttp_listen = "127.0.0.1:0"\n');
    const { token } = addToken(tokensFilePath(h.home), { name: 'agent', scopes: ['write'] });
    const d = await Daemon.start(h.home, { logger: createLogger({ level: 'silent' }), processMetrics: false });
    try {
      const p = Number(d.info.http.slice(d.info.http.lastIndexOf(':') + 1));
      const client = await connect(token, p);
      try {
        const tools = await listToolMap(client);
        const r = await callOk(client, tools, 'record_memory', { text: 'through the daemon' });
        const health = await callOk(client, tools, 'health', {});
        expect(health).toMatchObject({ mode: 'daemon', transport: 'http' });
        expect(health.treeSize).toBe((r.index as number) + 1);
      } finally {
        await client.close();
      }
      expect((await raw('POST', MCP_HEADERS, INIT, p)).status).toBe(401);
    } finally {
      await d.stop();
      h.cleanup();
    }
  });
});
