// The daemon's HTTP listener serves the log as tlog-tiles: a remote client that trusts only the
// log's keys verifies a receipt recorded through the daemon, and consistency as the log grows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { verifyTiledLog } from '../../core/tiles/index.js';
import { Daemon } from '../daemon.js';
import { homeTrust, initHome } from '../home.js';
import { rpcClient } from '../rpc.js';
import { HttpTileSource } from './client.js';

const dir = mkdtempSync(join(tmpdir(), 'remembrancer-daemon-tiles-'));
let d: Daemon;
let home: string;

beforeAll(async () => {
  home = join(dir, 'home');
  await initHome(home, { origin: 'tiles.example/log' });
  d = await Daemon.start(home, { logger: pino({ level: 'silent' }), processMetrics: false, httpListen: '127.0.0.1:0' });
});

afterAll(async () => {
  await d?.stop('test done');
  rmSync(dir, { recursive: true, force: true });
});

describe('tiles on the daemon listener', () => {
  it('serves /checkpoint and /tile/… that a trust-nothing client verifies, growing consistently', async () => {
    const svc = rpcClient(d.info.socket);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await svc.record({ kind: 'decision', subject: { title: `d${i}`, body: `decision ${i}` } })).id);
    await svc.checkpoint();
    const trust = homeTrust(home);
    const seen = new Map<string, string>();
    const opts = {
      checkpointKeys: trust.checkpointKeys,
      receiptKeys: trust.receiptKeys,
      previous: (o: string) => seen.get(o),
      remember: (o: string, note: string) => void seen.set(o, note),
    };
    const url = `http://${d.info.http}/`;
    const first = await verifyTiledLog(new HttpTileSource(url), { ...opts, target: { kind: 'id', id: ids[2]! } });
    expect(first.checks.filter((c) => !c.ok)).toEqual([]);
    expect(first.treeSize).toBe(5);

    for (let i = 5; i < 300; i++) await svc.record({ kind: 'decision', subject: { title: `d${i}`, body: `decision ${i}` } });
    await svc.checkpoint();
    const second = await verifyTiledLog(new HttpTileSource(url), opts);
    expect(second.checks.filter((c) => !c.ok)).toEqual([]);
    expect(second.treeSize).toBe(300);
    expect(second.checks.map((c) => c.name)).toContain('consistency');

    const res = await fetch(`${url}tile/0/000`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    expect((await res.arrayBuffer()).byteLength).toBe(256 * 32);
  });
});
