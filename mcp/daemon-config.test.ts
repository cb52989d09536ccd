// The [mcp] keys of config.toml reach the daemon's /mcp endpoint: extra allowed Origins and Hosts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Daemon } from '../daemon/daemon.js';
import { initHome } from '../daemon/home.js';

const dir = mkdtempSync(join(tmpdir(), 'remembrancer-mcp-config-'));
let d: Daemon;

beforeAll(async () => {
  const home = join(dir, 'home');
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
