// The daemon in this process (fast): the real store, the real control socket and HTTP listener.
// Spawned-binary behaviour (signals, exit codes, crash safety) is in test/daemon.e2e.test.ts and
// test/crash.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';
import { Daemon, readDaemonInfo } from './daemon.js';
import { initHome } from './home.js';
import { createLogger } from './logger.js';
import { callRpc, rpcClient } from './rpc.js';
import type { RecordRequest, RecordResult } from './service.js';

const quiet = createLogger({ level: 'silent' });
const dirs: string[] = [];

/** A fresh home; `remembrancer` lines go into its [remembrancer] table, `extraToml` after it. */
async function makeHome(extraToml = '', remembrancer = 'checkpoint_interval = "100ms"'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'remembrancer-daemon-'));
  dirs.push(dir);
  const home = join(dir, 'home');
  await initHome(home, { origin: 'example.org/daemon-test' });
  const cfg = join(home, 'config.toml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('[remembrancer]\n', `[remembrancer]\n${remembrancer}\n`));
  appendFileSync(cfg, `\n[mcp]\nhttp_listen = "127.0.0.1:0"\n${extraToml}`);
  return home;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function get(d: Daemon, path: string): Promise<{ status: number; body: string }> {
  const [host, port] = [d.info.http.slice(0, d.info.http.lastIndexOf(':')), Number(d.info.http.slice(d.info.http.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The value of an unlabelled sample in Prometheus text. */
function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no sample ${name}`);
  return Number(line.slice(name.length + 1));
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Open `n` keep-alive connections to the socket first. The server accepts about one new connection
 * per event-loop turn when client and server share this process, so without warm connections
 * "concurrent" calls would reach the daemon one per turn and never share a batch.
 */
async function warm(socket: string, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, () => callRpc(socket, 'status', [])));
}

// decisions: their subject is stored as given (memories may be held as a commitment)
const memory = (text: string, extra: Partial<RecordRequest> = {}): RecordRequest => ({ kind: 'decision', subject: { title: text, body: text }, ...extra });

describe('the daemon (in process)', () => {
  let home: string;
  let d: Daemon;

  beforeAll(async () => {
    home = await makeHome();
    d = await Daemon.start(home, { logger: quiet, processMetrics: false });
  });

  afterAll(async () => {
    await d?.stop();
  });

  it('writes daemon.json with its pid, bound HTTP address and socket', () => {
    const info = readDaemonInfo(home);
    expect(info).toEqual(d.info);
    expect(info!.pid).toBe(process.pid);
    expect(info!.http).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info!.http).not.toBe('127.0.0.1:0');
    expect(info!.socket).toBe(join(home, 'control.sock'));
  });

  it('serves the service API on the control socket, in daemon mode', async () => {
    const s = rpcClient(d.info.socket);
    const r = await s.record(memory('over the socket'));
    expect((await s.get(r.id)).entry.receipt.subject).toEqual({ title: 'over the socket', body: 'over the socket' });
    const st = await s.status();
    expect(st.mode).toBe('daemon');
    expect(st.queueDepth).toBe(0);
    expect(st.peers).toBe(0);
    expect(st.treeSize).toBe(r.index + 1);
  });

  it('returns the same receipt for concurrent calls with one idempotency key, and appends it once', async () => {
    await warm(d.info.socket, 60);
    const before = d.service.log.size();
    const calls = Array.from({ length: 40 }, (_, i) =>
      callRpc<RecordResult>(d.info.socket, 'record', [memory(`attempt ${i}`, { idempotencyKey: 'deploy-42' })]),
    );
    // and other callers' records in the same batches
    const others = Array.from({ length: 20 }, (_, i) => callRpc<RecordResult>(d.info.socket, 'record', [memory(`other ${i}`)]));
    const results = await Promise.all(calls);
    await Promise.all(others);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(d.service.log.size()).toBe(before + 21);
    // a later retry, in a batch of its own, still gets the first receipt
    const again = await callRpc<RecordResult>(d.info.socket, 'record', [memory('changed text', { idempotencyKey: 'deploy-42' })]);
    expect(again).toEqual(results[0]);
    const first = (await rpcClient(d.info.socket).get(again.id)).entry.receipt.subject as { title: string };
    expect(first.title).toMatch(/^attempt \d+$/);
    const db = new Database(d.paths.db, { readonly: true });
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM entries WHERE idempotency_key = 'deploy-42'").get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('publishes a checkpoint covering new receipts within the interval and stamps it', async () => {
    await rpcClient(d.info.socket).record(memory('to be checkpointed'));
    const size = d.service.log.size();
    const cp = await until(() => {
      const c = d.service.log.latestCheckpoint();
      return c && c.size === size && c.timestamp.state === 'stamped' ? c : undefined;
    }, 'a stamped checkpoint');
    expect(cp.timestamp.dev).toBe(true);
  });

  it('answers /healthz and /readyz with 200 and its checks', async () => {
    const h = await get(d, '/healthz');
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toMatchObject({ status: 'ok', pid: process.pid });
    const r = await get(d, '/readyz');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { ready: boolean; checks: { name: string; ok: boolean }[] };
    expect(body.ready).toBe(true);
    expect(body.checks.map((c) => c.name)).toEqual(['store', 'checkpoint', 'tsa']);
  });

  it('exposes metrics with the live values', async () => {
    await warm(d.info.socket, 20);
    await Promise.all(Array.from({ length: 20 }, (_, i) => callRpc(d.info.socket, 'record', [memory(`metric ${i}`)])));
    const size = d.service.log.size();
    await until(() => (d.service.log.latestCheckpoint()?.size === size ? true : undefined), 'checkpoint');
    const m = await get(d, '/metrics');
    expect(m.status).toBe(200);
    expect(sample(m.body, 'remembrancer_tree_size')).toBe(size);
    expect(sample(m.body, 'remembrancer_receipts_appended_total')).toBe(size);
    expect(sample(m.body, 'remembrancer_checkpoint_size')).toBe(size);
    expect(sample(m.body, 'remembrancer_queue_depth')).toBe(0);
    expect(sample(m.body, 'remembrancer_peers')).toBe(0);
    expect(sample(m.body, 'remembrancer_tsa_failures_total')).toBe(0);
    expect(sample(m.body, 'remembrancer_checkpoint_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(m.body, 'remembrancer_checkpoint_age_seconds')).toBeLessThan(60);
    // every record call over the socket was timed (the idempotent retries included)
    expect(sample(m.body, 'remembrancer_append_latency_seconds_count')).toBeGreaterThanOrEqual(size);
    expect(sample(m.body, 'remembrancer_batch_size_sum')).toBeGreaterThanOrEqual(size);
    expect(sample(m.body, 'remembrancer_batch_size_count')).toBeLessThan(sample(m.body, 'remembrancer_batch_size_sum'));
    // the same routes answer on the control socket
    const viaSocket = await new Promise<string>((resolve, reject) => {
      const req = request({ socketPath: d.info.socket, path: '/metrics' }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => (t += c.toString()));
        res.on('end', () => resolve(t));
      });
      req.on('error', reject);
      req.end();
    });
    expect(sample(viaSocket, 'remembrancer_tree_size')).toBe(size);
  });

  it('refuses a second daemon on the same home with STORE_LOCKED', async () => {
    const err = await Daemon.start(home, { logger: quiet, processMetrics: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('STORE_LOCKED');
    // and the first one still answers
    expect((await rpcClient(d.info.socket).status()).mode).toBe('daemon');
  });

  it('stops gracefully: drains, publishes and stamps a final checkpoint, removes socket and daemon.json', async () => {
    const s = rpcClient(d.info.socket);
    const inflight = Array.from({ length: 30 }, (_, i) => s.record(memory(`last ${i}`)));
    await new Promise((r) => setImmediate(r));
    const code = await d.stop('test');
    const settled = await Promise.allSettled(inflight);
    expect(code).toBe(0);
    expect(existsSync(join(home, 'control.sock'))).toBe(false);
    expect(existsSync(join(home, 'daemon.json'))).toBe(false);
    const db = new Database(d.paths.db, { readonly: true });
    try {
      const size = (db.prepare('SELECT COUNT(*) AS n FROM entries').get() as { n: number }).n;
      const cp = db.prepare('SELECT size, tsa_token FROM checkpoints ORDER BY size DESC LIMIT 1').get() as { size: number; tsa_token: Buffer | null };
      expect(cp.size).toBe(size);
      expect(cp.tsa_token).not.toBeNull();
      // every call that was answered with a receipt is in the log
      for (const r of settled) {
        if (r.status === 'fulfilled') expect(db.prepare('SELECT idx FROM entries WHERE id = ?').get(r.value.id)).toEqual({ idx: r.value.index });
      }
    } finally {
      db.close();
    }
  });
});

describe('back-pressure', () => {
  it('answers BUSY (with a retry hint) when the write queue is full, and commits everything it accepted', async () => {
    const home = await makeHome('', 'queue_max = 2\nbatch_max = 1');
    const d = await Daemon.start(home, { logger: quiet, processMetrics: false });
    try {
      await warm(d.info.socket, 60);
      const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => callRpc<RecordResult>(d.info.socket, 'record', [memory(`press ${i}`)])));
      const busy = results.filter((r) => r.status === 'rejected');
      const ok = results.filter((r): r is PromiseFulfilledResult<RecordResult> => r.status === 'fulfilled');
      expect(busy.length).toBeGreaterThan(0);
      for (const b of busy) {
        const e = (b as PromiseRejectedResult).reason as InputError;
        expect(e).toBeInstanceOf(InputError);
        expect(e.code).toBe('BUSY');
        expect(e.hint).toMatch(/retry/);
      }
      expect(d.service.log.size()).toBe(ok.length);
      for (const r of ok) expect((await d.service.get(r.value.id)).index).toBe(r.value.index);
      const m = await get(d, '/metrics');
      expect(m.body).toContain(`remembrancer_record_errors_total{code="BUSY"} ${busy.length}`);
    } finally {
      await d.stop();
    }
  });
});

describe('readiness', () => {
  it('is 503 naming the TSA when the configured TSA does not answer, and counts the failures', async () => {
    const home = await makeHome('\n[[tsa]]\nurl = "http://127.0.0.1:9/tsr"\nca = "tsa/ca.pem"\n\n[timestamp]\ntimeout = "200ms"\nretries = 0\n');
    const d = await Daemon.start(home, { logger: quiet, processMetrics: false });
    try {
      await rpcClient(d.info.socket).record(memory('needs a timestamp'));
      const r = await until(async () => {
        const res = await get(d, '/readyz');
        return res.status === 503 ? res : undefined;
      }, 'readyz 503');
      const body = JSON.parse(r.body) as { ready: boolean; checks: { name: string; ok: boolean; detail: string }[] };
      expect(body.ready).toBe(false);
      expect(body.checks.find((c) => !c.ok)?.name).toBe('tsa');
      const m = await get(d, '/metrics');
      expect(sample(m.body, 'remembrancer_tsa_failures_total')).toBeGreaterThanOrEqual(1);
      // the checkpoint itself is published; only its timestamp waits
      expect(d.service.log.latestCheckpoint()?.timestamp.state).toBe('failed');
    } finally {
      await d.stop();
    }
  });
});

describe('checkpoints of an empty tree', () => {
  it('are not published by a stop with nothing written, and an explicit one still audits', async () => {
    const home = await makeHome();
    const d = await Daemon.start(home, { logger: quiet, processMetrics: false });
    expect(await d.stop()).toBe(0);
    expect(d.service.finalCheckpoint).toBeNull();
    const d2 = await Daemon.start(home, { logger: quiet, processMetrics: false });
    try {
      const s = rpcClient(d2.info.socket);
      expect((await s.checkpoint()).size).toBe(0); // C2SP allows it: the root of the empty tree
      await s.record(memory('after an empty checkpoint'));
      expect((await s.checkpoint()).size).toBe(1);
      const report = await s.verifyLog();
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    } finally {
      await d2.stop();
    }
  });
});
