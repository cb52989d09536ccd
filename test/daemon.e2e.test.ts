// The built daemon as a separate process (`remembrancer daemon`): the CLI using it transparently,
// one daemon per home, graceful SIGTERM, metrics under concurrent load, and storage failures
// (read-only home at start, a full disk while running) reported clearly without corrupting the store.
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';
import { homeTrust } from '../daemon/home.js';
import { auditStore } from '../daemon/log.js';
import { callRpc } from '../daemon/rpc.js';
import type { RecordResult } from '../daemon/service.js';
import { cli, cliAsync } from './cli-helpers.js';
import { canBindReadOnly, daemonHome, httpGet, metric, readOnlyPrefix, spawnDaemon, type DaemonHome, type SpawnedDaemon } from './daemon-helpers.js';

const homes: DaemonHome[] = [];
const running: SpawnedDaemon[] = [];

afterAll(async () => {
  for (const d of running) {
    if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    await d.exited;
  }
  for (const h of homes) h.cleanup();
});

async function newHome(opts: Parameters<typeof daemonHome>[0] = {}): Promise<DaemonHome> {
  const h = await daemonHome(opts);
  homes.push(h);
  return h;
}

function start(home: string, opts: Parameters<typeof spawnDaemon>[1] = {}): SpawnedDaemon {
  const d = spawnDaemon(home, opts);
  running.push(d);
  return d;
}

async function audit(home: string) {
  const t = homeTrust(home);
  const { origin } = { origin: 'example.org/daemon-e2e' };
  return auditStore(join(home, 'remembrancer.db'), { origin, checkpointKey: t.checkpointKeys[0]!, receiptKeys: t.receiptKeys, tsaAnchors: t.tsaRoots });
}

const decision = (title: string, extra: Record<string, unknown> = {}) => ({ kind: 'decision', subject: { title, body: `body of ${title}` }, ...extra });

describe('remembrancer daemon (spawned)', () => {
  it('serves the CLI transparently, refuses a second daemon, and stops gracefully on SIGTERM', async () => {
    const h = await newHome({ remembrancer: 'checkpoint_interval = "200ms"' });
    const d = start(h.home);
    const ready = await d.ready;
    expect(statSync(ready.socket).mode & 0o777).toBe(0o600);

    // The CLI goes through the socket: a direct open would fail with STORE_LOCKED while the daemon holds the lock.
    const secret = 'do-not-log-this-title-7f3a';
    const rec = await cliAsync(h.home, ['record', 'decision', '--title', secret, '--body', 'why', '--json']);
    expect(rec.stderr).toBe('');
    expect(rec.code).toBe(0);
    const id = (JSON.parse(rec.stdout) as RecordResult).id;
    const st = await cliAsync(h.home, ['status', '--json']);
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout) as { mode: string; treeSize: number; queueDepth: number; peers: number };
    expect(status).toMatchObject({ mode: 'daemon', treeSize: 1, queueDepth: 0, peers: 0 });
    const got = await cliAsync(h.home, ['get', id, '--json']);
    expect(JSON.parse(got.stdout).entry.receipt.subject.title).toBe(secret);
    // the same idempotency key through two CLI processes gives one receipt
    const k1 = await cliAsync(h.home, ['record', 'decision', '--title', 'idem', '--body', 'b', '--idempotency-key', 'release-7']);
    const k2 = await cliAsync(h.home, ['record', 'decision', '--title', 'idem again', '--body', 'b', '--idempotency-key', 'release-7']);
    expect(k1.code).toBe(0);
    expect(k2.stdout).toBe(k1.stdout);
    const v = await cliAsync(h.home, ['verify', '--json']);
    expect(v.code).toBe(0);

    // A second daemon on the same home fails clearly with exit 2.
    const second = start(h.home);
    const exit2 = await second.exited;
    expect(exit2.code).toBe(2);
    expect(second.stderr()).toMatch(/^error\[STORE_LOCKED\]/);
    expect(second.stderr()).toMatch(/hint:/);
    // ... and the first still answers.
    expect((await cliAsync(h.home, ['status', '--json'])).code).toBe(0);

    // Records in flight when SIGTERM arrives are either answered (and durable) or refused; never lost after an answer.
    const inflight = Array.from({ length: 40 }, (_, i) => callRpc<RecordResult>(ready.socket, 'record', [decision(`late ${i}`)]).then(
      (r) => r,
      (e: unknown) => e,
    ));
    await new Promise((r) => setTimeout(r, 5));
    d.child.kill('SIGTERM');
    const exit = await d.exited;
    const answered = (await Promise.all(inflight)).filter((r): r is RecordResult => !(r instanceof Error));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(existsSync(ready.socket)).toBe(false);
    expect(existsSync(join(h.home, 'daemon.json'))).toBe(false);
    const stopped = d.logs.find((l) => l.msg === 'stopped') as { exitCode: number; checkpoint: { size: number; timestamp: string } };
    expect(stopped.exitCode).toBe(0);
    expect(stopped.checkpoint.timestamp).toBe('stamped');
    // receipt text never reaches the log
    expect(d.stdout()).not.toContain(secret);

    const db = new Database(join(h.home, 'remembrancer.db'), { readonly: true });
    try {
      const n = (db.prepare('SELECT COUNT(*) AS n FROM entries').get() as { n: number }).n;
      const cp = db.prepare('SELECT size, tsa_token FROM checkpoints ORDER BY size DESC LIMIT 1').get() as { size: number; tsa_token: Buffer | null };
      expect(cp.size).toBe(n);
      expect(cp.tsa_token).not.toBeNull();
      for (const r of answered) expect(db.prepare('SELECT idx FROM entries WHERE id = ?').get(r.id)).toEqual({ idx: r.index });
    } finally {
      db.close();
    }
    expect((await audit(h.home)).ok).toBe(true);
    // With the daemon gone, the CLI opens the store directly again.
    const direct = cli(h.home, ['status', '--json']);
    expect(JSON.parse(direct.stdout).mode).toBe('direct');
  });

  it('answers /metrics, /healthz and /readyz with real values under concurrent load', async () => {
    const h = await newHome({ remembrancer: 'checkpoint_interval = "100ms"' });
    const d = start(h.home);
    const ready = await d.ready;
    await Promise.all(Array.from({ length: 32 }, () => callRpc(ready.socket, 'status', []))); // open connections first
    const results = await Promise.all(Array.from({ length: 256 }, (_, i) => callRpc<RecordResult>(ready.socket, 'record', [decision(`load ${i}`)])));
    expect(new Set(results.map((r) => r.index)).size).toBe(256);
    let text = '';
    for (let i = 0; i < 100; i++) {
      text = (await httpGet(ready.http, '/metrics')).body;
      if (metric(text, 'remembrancer_checkpoint_size') === 256) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(metric(text, 'remembrancer_tree_size')).toBe(256);
    expect(metric(text, 'remembrancer_receipts_appended_total')).toBe(256);
    expect(metric(text, 'remembrancer_checkpoint_size')).toBe(256);
    expect(metric(text, 'remembrancer_append_latency_seconds_count')).toBe(256);
    expect(metric(text, 'remembrancer_batch_size_sum')).toBe(256);
    // group commit: fewer transactions than receipts
    expect(metric(text, 'remembrancer_batch_size_count')).toBeLessThan(256);
    expect(metric(text, 'remembrancer_queue_depth')).toBe(0);
    expect(metric(text, 'remembrancer_peers')).toBe(0);
    expect(metric(text, 'remembrancer_tsa_failures_total')).toBe(0);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect((await httpGet(ready.http, '/healthz')).status).toBe(200);
    const rz = await httpGet(ready.http, '/readyz');
    expect(rz.status).toBe(200);
    expect(JSON.parse(rz.body).ready).toBe(true);
    expect((await httpGet(ready.http, '/no-such-route')).status).toBe(404);
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
  });
});

describe('storage failures', () => {
  it('refuses to start on a read-only home with an IO error and a hint (exit 2)', async () => {
    const h = await newHome();
    expect(cli(h.home, ['record', 'decision', '--title', 'before', '--body', 'b']).code).toBe(0);
    let opts: Parameters<typeof spawnDaemon>[1];
    // Pick a mechanism that is real for this user: a read-only bind mount (EROFS) where we may
    // mount; else, as root (who ignores permission bits), run the daemon as `nobody` over a home
    // it may read but not write; else plain permission bits.
    if (canBindReadOnly(h.home)) {
      opts = { prefix: readOnlyPrefix(h.home) };
    } else if (process.getuid?.() === 0) {
      chmodSync(h.dir, 0o755);
      chmodSync(h.home, 0o755);
      for (const f of readdirSync(h.home)) if (!statSync(join(h.home, f)).isDirectory()) chmodSync(join(h.home, f), 0o644);
      for (const sub of ['keys', 'keys/trusted', 'tsa']) {
        const dir = join(h.home, sub);
        chownSync(dir, 65534, 65534);
        for (const f of readdirSync(dir)) chownSync(join(dir, f), 65534, 65534);
      }
      opts = { uid: 65534, gid: 65534 };
    } else {
      chmodSync(h.home, 0o555);
      opts = {};
    }
    const d = start(h.home, opts);
    const exit = await d.exited;
    expect(exit.code).toBe(2);
    expect(d.stderr()).toMatch(/^error\[IO\]: the daemon cannot write /);
    expect(d.stderr()).toMatch(/\nhint: .*write access/);
    // nothing was changed: the store still audits
    expect((await audit(h.home)).ok).toBe(true);
  });

  it('reports a full disk as IO, stops appends, and loses nothing acknowledged (RLIMIT_FSIZE)', async () => {
    const h = await newHome({ remembrancer: 'checkpoint_interval = "100ms"' });
    // Start once to create the WAL and settle file sizes, then cap file growth for the next run.
    const first = start(h.home);
    await first.ready;
    first.child.kill('SIGTERM');
    await first.exited;
    const biggest = Math.max(...readdirSync(h.home).map((f) => statSync(join(h.home, f)).size));
    // prlimit sets RLIMIT_FSIZE for the daemon: a write past the cap fails with EFBIG (Node ignores
    // SIGXFSZ), as a write to a full disk fails with ENOSPC. It binds root too.
    const d = start(h.home, { prefix: ['prlimit', `--fsize=${biggest + 512 * 1024}`] });
    const ready = await d.ready;
    const acked: RecordResult[] = [];
    let failure: InputError | undefined;
    for (let i = 0; i < 2000 && !failure; i++) {
      try {
        acked.push(await callRpc<RecordResult>(ready.socket, 'record', [{ kind: 'decision', subject: { title: `fill ${i}`, body: 'x'.repeat(2000) } }]));
      } catch (e) {
        failure = e as InputError;
      }
    }
    expect(failure).toBeInstanceOf(InputError);
    expect(failure!.code).toBe('IO');
    expect(failure!.hint).toMatch(/free disk space|file size limit/);
    expect(acked.length).toBeGreaterThan(0);
    // appends stay stopped; reads still work; readiness says why
    const again = await callRpc(ready.socket, 'record', [decision('after the failure')]).catch((e: unknown) => e);
    expect((again as InputError).code).toBe('IO');
    expect(((await callRpc(ready.socket, 'get', [acked[0]!.id])) as { id: string }).id).toBe(acked[0]!.id);
    const rz = await httpGet(ready.http, '/readyz');
    expect(rz.status).toBe(503);
    expect(JSON.parse(rz.body).checks[0]).toMatchObject({ name: 'store', ok: false });
    d.child.kill('SIGTERM');
    const exit = await d.exited;
    expect([0, 2]).toContain(exit.code); // 2 when even the final checkpoint could not be written

    // Restarted without the cap: everything acknowledged is there, the log audits, appends resume.
    const after = start(h.home);
    const r2 = await after.ready;
    for (const a of acked) expect(((await callRpc(r2.socket, 'get', [a.id])) as { index: number }).index).toBe(a.index);
    const more = await callRpc<RecordResult>(r2.socket, 'record', [decision('after restart')]);
    expect(more.index).toBeGreaterThanOrEqual(acked.length);
    after.child.kill('SIGTERM');
    expect((await after.exited).code).toBe(0);
    const report = await audit(h.home);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
