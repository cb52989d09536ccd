// The [mcp] keys of config.toml reach the daemon's /mcp endpoint: extra allowed Origins and Hosts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Daemon } from '../daemon/daemon.js';
import { initHome } from '../daemon/home.js';
import { addToken, tokensFilePath } from './tokens.js';

const dir = mkdtempSync(join(tmpdir(), 'remembrancer-mcp-config-'));
let d: Daemon;
let home: string;

beforeAll(async () => {
  home = join(dir, 'home');
  await initHome(home, { origin: 'mcpcfg.example/log' });
  appendFileSync(join(home, 'config.toml'), '\n[mcp]\nallowed_origins = ["http://localhost:6274"]\nallowed_hosts = ["remembrancer.internal"]\n');
  d = await Daemon.start(home, { logger: pino({ level: 'silent' }), processMetrics: false, httpListen: '127.0.0.1:0' });
});

afterAll(async () => {
  await d?.stop('test done');
  rmSync(dir, { recursive: true, force: true });
});

function post(headers: Record<string, string>): Promise<number> {
  const [host, port] = [d.info.http.slice(0, d.info.http.lastIndexOf(':')), Number(d.info.http.slice(d.info.http.lastIndexOf(':') + 1))];
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('[mcp] config keys', () => {
  it('an allowed Origin and an extra Host pass the DNS-rebinding checks (then need a token); others are refused', async () => {
    expect(await post({ origin: 'http://localhost:6274' })).toBe(401);
    expect(await post({ origin: 'http://evil.example' })).toBe(403);
    expect(await post({ host: 'remembrancer.internal' })).toBe(401);
    expect(await post({ host: 'evil.example' })).toBe(403);
  });
});

describe('MCP writes in the daemon', () => {
  it('are counted in the record metrics like writes through the control socket', async () => {
    const metric = async () => {
      const text = await (await fetch(`http://${d.info.http}/metrics`)).text();
      return Number(/^remembrancer_append_latency_seconds_count (\d+)/m.exec(text)?.[1] ?? 'NaN');
    };
    const before = await metric();
    const { token } = addToken(tokensFilePath(home), { scopes: ['write'], name: 'metrics-test' });
    const c = new Client({ name: 'metrics-test', version: '1' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`http://${d.info.http}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    try {
      const r = await c.callTool({ name: 'record_memory', arguments: { text: 'counted' } });
      expect(r.isError).toBeFalsy();
    } finally {
      await c.close();
    }
    expect(await metric()).toBe(before + 1);
  });
});
