// Crash safety, for real: the built daemon is SIGKILLed at random moments while concurrent clients
// record over the control socket, then restarted. After every crash (before the restart) and at the
// end we check that every receipt whose call returned success is present at its index, that no
// half-written batch is visible (entries == tree size), that retried idempotency keys never made
// duplicates; at the end, that sampled receipts have bundles the verifier accepts with the home's
// trust and that the whole log passes the audit (fsck, every signature, every checkpoint signature,
// token and consecutive consistency).
//
// CRASH_CYCLES (default 20; `npm run test:crash` runs 100) and CRASH_SEED (printed) control the run.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isRemembrancerError } from '../core/errors.js';
import { BundleVerifier } from '../core/verify/index.js';
import { homeTrust } from '../daemon/home.js';
import { auditStore } from '../daemon/log.js';
import { callRpc } from '../daemon/rpc.js';
import type { RecordRequest, RecordResult } from '../daemon/service.js';
import { openLogStoreReadOnly } from '../daemon/store/index.js';
import { daemonHome, spawnDaemon, type DaemonHome } from './daemon-helpers.js';
import { mulberry32 } from '../bench/util.js';

const CYCLES = Number(process.env.CRASH_CYCLES ?? 20);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
const CLIENTS = 8;


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let home: DaemonHome | undefined;
afterAll(() => home?.cleanup());

interface Acked extends RecordResult {
  key: string;
}

describe('crash safety (SIGKILL)', () => {
  it(`loses nothing acknowledged across ${CYCLES} kill/restart cycles (seed ${SEED})`, { timeout: 60_000 + CYCLES * 4_000 }, async () => {
    const rand = mulberry32(SEED);
    const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo));
    home = await daemonHome({ remembrancer: 'checkpoint_interval = "50ms"', prefix: 'remembrancer-crash-' });
    const h = home.home;
    const dbPath = join(h, 'remembrancer.db');
    const acked = new Map<string, Acked>();
    const inDoubt = new Map<string, RecordRequest>(); // calls that failed: maybe committed, never acknowledged
    const lastOfCycle: string[] = [];
    let seq = 0;
    const fresh = (): [string, RecordRequest] => {
      const key = `k${seq++}`;
      return [key, { kind: 'decision', subject: { title: `crash ${key}`, body: `seed ${SEED}` }, idempotencyKey: key }];
    };

    /** Open the store read-only (as a verifier would, no daemon running) and check what a crash left. */
    const checkAfterCrash = (cycle: number) => {
      if (!existsSync(dbPath)) {
        expect(acked.size, `cycle ${cycle}: the store vanished`).toBe(0); // killed before the first start created it
        return 0;
      }
      const reader = openLogStoreReadOnly(dbPath);
      try {
        const size = reader.size();
        const e = reader.db.prepare('SELECT COUNT(*) AS n, MAX(idx) AS hi FROM entries').get() as { n: number; hi: number | null };
        expect(e.n, `cycle ${cycle}: entries vs tree size`).toBe(size);
        expect(e.hi ?? -1).toBe(size - 1);
        const byId = reader.db.prepare('SELECT idx, idempotency_key AS key FROM entries WHERE id = ?');
        for (const a of acked.values()) {
          expect(byId.get(a.id), `cycle ${cycle}: acknowledged ${a.key} (${a.id}) is missing`).toEqual({ idx: a.index, key: a.key });
        }
        const dup = reader.db.prepare('SELECT idempotency_key AS key, COUNT(*) AS n FROM entries WHERE idempotency_key IS NOT NULL GROUP BY idempotency_key HAVING n > 1').all();
        expect(dup, `cycle ${cycle}: duplicate idempotency keys`).toEqual([]);
        return size;
      } finally {
        reader.close();
      }
    };

    const killedAt: string[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const d = spawnDaemon(h, { env: { REMEMBRANCER_LOG_LEVEL: 'warn' } });
      const mode = rand();
      if (process.env.CRASH_DEBUG) console.error(`cycle ${cycle} mode ${mode.toFixed(2)} acked ${acked.size} doubt ${inDoubt.size}`);
      if (mode < 0.15) {
        // during start-up and recovery (opening, recovery checkpoint, stamping leftovers)
        await sleep(between(0, 400));
        d.child.kill('SIGKILL');
        await d.exited;
        killedAt.push('startup');
        checkAfterCrash(cycle);
        continue;
      }
      const ready = await d.ready;
      let stop = false;
      let last = '';
      // Clients retry in-doubt keys first (a committed one must come back as the same receipt), then new ones.
      const client = async () => {
        while (!stop) {
          const doubt = inDoubt.entries().next();
          const [key, req] = doubt.done ? fresh() : doubt.value;
          inDoubt.delete(key);
          try {
            const r = await callRpc<RecordResult>(ready.socket, 'record', [req], 10_000);
            if (acked.has(key)) expect(r).toEqual({ id: acked.get(key)!.id, index: acked.get(key)!.index });
            acked.set(key, { ...r, key });
            last = key;
          } catch (e) {
            inDoubt.set(key, req);
            if (!stop && isRemembrancerError(e) && e.code !== 'IO' && e.code !== 'BUSY') throw e;
          }
        }
      };
      const running = Array.from({ length: CLIENTS }, client);
      if (mode < 0.25) {
        // during a graceful stop (draining, final checkpoint and timestamp)
        await sleep(between(50, 300));
        d.child.kill('SIGTERM');
        await sleep(between(0, 40));
        killedAt.push('stopping');
      } else {
        await sleep(between(20, 500));
        killedAt.push('load');
      }
      d.child.kill('SIGKILL');
      const exit = await d.exited;
      stop = true;
      await Promise.all(running);
      if (exit.signal !== 'SIGKILL') expect(exit.code).toBe(0); // a graceful stop that beat the kill
      if (last) lastOfCycle.push(last);
      checkAfterCrash(cycle);
    }

    // Final run: settle every in-doubt key, collect bundles for a sample, stop gracefully, audit.
    const d = spawnDaemon(h, { env: { REMEMBRANCER_LOG_LEVEL: 'warn' } });
    const ready = await d.ready;
    for (const [key, req] of inDoubt) {
      const r = await callRpc<RecordResult>(ready.socket, 'record', [req]);
      acked.set(key, { ...r, key });
    }
    inDoubt.clear();
    const all = [...acked.values()];
    const sample = new Set([...lastOfCycle, ...Array.from({ length: 30 }, () => all[Math.floor(rand() * all.length)]!.key)]);
    const verifier = await BundleVerifier.create(homeTrust(h));
    for (const key of sample) {
      const a = acked.get(key)!;
      const bundle = await callRpc(ready.socket, 'bundle', [a.id]);
      const report = await verifier.report(bundle, { expectedId: a.id });
      expect(report.checks.filter((c) => !c.ok), `bundle of ${key}`).toEqual([]);
      expect(report.ok).toBe(true);
    }
    d.child.kill('SIGTERM');
    expect((await d.exited).code).toBe(0);
    const size = checkAfterCrash(CYCLES);
    expect(size).toBe(acked.size);
    const t = homeTrust(h);
    const report = await auditStore(dbPath, { origin: 'example.org/daemon-e2e', checkpointKey: t.checkpointKeys[0]!, receiptKeys: t.receiptKeys, tsaAnchors: t.tsaRoots });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const db = new Database(dbPath, { readonly: true });
    try {
      const cps = (db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get() as { n: number }).n;
      expect(cps).toBeGreaterThan(CYCLES / 2); // the consistency check had many pairs to compare
    } finally {
      db.close();
    }
    console.log(
      `crash test: seed ${SEED}, ${CYCLES} SIGKILLs (${['startup', 'load', 'stopping'].map((k) => `${killedAt.filter((x) => x === k).length} ${k}`).join(', ')}), ` +
        `${acked.size} receipts acknowledged, ${sample.size} bundles verified, audit ok`,
    );
  });
});
