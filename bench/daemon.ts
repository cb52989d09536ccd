// Issue 6 figures: sustained durable receipts/s through the daemon's control socket with 1, 8 and 64
// concurrent clients, p50/p99 latency per call; baseline: the same daemon and clients with
// batch_max = 1 (one transaction, one fsync, per receipt), measured in the same run. A CPU profile
// of the daemon at 64 clients says where its time goes.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { readDaemonInfo } from '../daemon/daemon.js';
import { initHome } from '../daemon/home.js';
import { callRpc } from '../daemon/rpc.js';
import type { RecordRequest } from '../daemon/service.js';
import type { Bench } from './types.js';

const BIN = resolve(import.meta.dirname, '..', 'cli', 'main.js');
const CONCURRENCY = [1, 8, 64] as const;

interface Run {
  clients: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Daemon CPU (user + system) per receipt, µs. */
  daemonCpuUs: number;
  /** Mean receipts per transaction (from /metrics). */
  meanBatch: number;
  /** Client-side (this process) CPU per receipt, µs. */
  clientCpuUs: number;
}

interface Daemon {
  child: ChildProcess;
  socket: string;
  http: string;
  stop(): Promise<void>;
}

async function startDaemon(home: string, nodeArgs: string[] = []): Promise<Daemon> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, '--home', home, 'daemon'], {
    env: { ...process.env, REMEMBRANCER_HOME: '', REMEMBRANCER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  for (let i = 0; i < 500; i++) {
    const info = readDaemonInfo(home);
    if (info && info.pid === child.pid) {
      return {
        child,
        socket: info.socket,
        http: info.http,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('daemon did not start');
}

/** User + system CPU of a process in µs, from /proc (Linux). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

async function metricsOf(http: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${http}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(remembrancer_[a-z_]+) ([0-9.e+-]+)$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

function request(c: number, i: number): RecordRequest {
  return { kind: 'artifact', subject: { name: `build-${c}-${i}.tar.gz`, sha256: (c * 1_000_003 + i + 2).toString(16).padStart(64, '0'), size: 4096 + i }, note: `client ${c}` };
}

/** `clients` concurrent callers, each calling record back to back for `seconds`. */
async function load(d: Daemon, clients: number, seconds: number): Promise<Run> {
  // Open the connections (and warm the JIT) first.
  await Promise.all(Array.from({ length: clients }, (_, c) => callRpc(d.socket, 'record', [request(c, -1)])));
  const m0 = await metricsOf(d.http);
  const cpu0 = cpuMicros(d.child.pid!);
  const client0 = process.cpuUsage();
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; performance.now() < end; i++) {
        const s = performance.now();
        await callRpc(d.socket, 'record', [request(c, i)]);
        lat.push(performance.now() - s);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuMicros(d.child.pid!) - cpu0;
  const client = process.cpuUsage(client0);
  const m1 = await metricsOf(d.http);
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!;
  const batches = m1.remembrancer_batch_size_count! - m0.remembrancer_batch_size_count!;
  const items = m1.remembrancer_batch_size_sum! - m0.remembrancer_batch_size_sum!;
  return { clients, perSecond: lat.length / wall, p50: q(0.5), p99: q(0.99), daemonCpuUs: cpu / lat.length, meanBatch: items / Math.max(1, batches), clientCpuUs: (client.user + client.system) / lat.length };
}

async function makeHome(dir: string, batchMax: number): Promise<string> {
  const home = join(dir, `home-batch-${batchMax}`);
  await initHome(home, { origin: `bench.example/daemon-${batchMax}` });
  const cfg = join(home, 'config.toml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('[remembrancer]\n', `[remembrancer]\nbatch_max = ${batchMax}\n`));
  appendFileSync(cfg, '\n[mcp]\nhttp_listen = "127.0.0.1:0"\n');
  return home;
}

// ---------------------------------------------------------------------------------------------
// Where the daemon's time goes: V8 CPU profile, samples attributed to the innermost frame we can
// place (leaf first, walking up).

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

const CATEGORIES: [string, (url: string, fn: string) => boolean][] = [
  ['(idle)', (_u, f) => f === '(idle)'],
  ['garbage collection', (_u, f) => f === '(garbage collector)'],
  ['signing (OpenPGP v4 Ed25519)', (u) => u.includes('/core/signing/') || u.includes('openpgp') || u.includes('@noble')],
  ['SQLite transaction + Merkle tiles', (u) => u.includes('better-sqlite3') || u.includes('/daemon/store/') || u.includes('/core/merkle/')],
  ['checkpoints + timestamps', (u) => u.includes('/core/checkpoint/') || u.includes('/core/timestamp/') || u.includes('/daemon/tsa/') || u.includes('pkijs') || u.includes('asn1js')],
  ['receipt build, schema (zod), canonical JSON', (u) => u.includes('/core/receipt') || u.includes('/core/canonical') || u.includes('zod') || u.includes('canonicalize')],
  ['start-up (module loading, compilation)', (u, f) => u.includes('node:internal/modules') || f === 'compileSourceTextModule' || f === 'wrapSafe'],
  ['HTTP on the control socket + JSON', (u) => /node:(_http|net|stream|internal\/(streams|http|stream_base))/.test(u) || u.includes('/daemon/rpc')],
  ['group commit, receipts layer, metrics', (u) => u.includes('/daemon/batcher') || u.includes('/daemon/log') || u.includes('/daemon/local') || u.includes('/daemon/daemon') || u.includes('prom-client')],
];

function profileShares(file: string): [string, number][] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const categorize = (id: number): string => {
    const hit = memo.get(id);
    if (hit) return hit;
    let cur: number | undefined = id;
    let cat = 'other (Node.js runtime, program)';
    while (cur !== undefined) {
      const f = byId.get(cur)!.callFrame;
      const found = CATEGORIES.find(([, test]) => test(f.url, f.functionName));
      if (found) {
        cat = found[0];
        break;
      }
      cur = parent.get(cur);
    }
    memo.set(id, cat);
    return cat;
  };
  const time = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const c = categorize(id);
    time.set(c, (time.get(c) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  const busy = [...time].filter(([c]) => c !== '(idle)').reduce((a, [, t]) => a + t, 0);
  return [...time]
    .filter(([c]) => c !== '(idle)')
    .map(([c, t]): [string, number] => [c, t / busy])
    .sort((a, b) => b[1] - a[1]);
}

// ---------------------------------------------------------------------------------------------

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export const bench: Bench = async ({ quick, tmpDir }) => {
  const seconds = quick ? 1.5 : 6;
  const loadBefore = loadavg()[0]!;
  const results: Record<number, Run[]> = {};
  for (const batchMax of [1000, 1]) {
    const home = await makeHome(tmpDir, batchMax);
    const d = await startDaemon(home);
    try {
      results[batchMax] = [];
      for (const c of CONCURRENCY) results[batchMax].push(await load(d, c, seconds));
    } finally {
      await d.stop();
    }
  }
  // Profile run: group commit at 64 clients, daemon under --cpu-prof.
  const profDir = join(tmpDir, 'prof');
  const home = await makeHome(join(tmpDir), 999);
  const d = await startDaemon(home, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
  const profiled = await load(d, 64, seconds);
  await d.stop();
  const profFile = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  const shares = profFile ? profileShares(join(profDir, profFile)) : [];

  const ours = results[1000]!;
  const base = results[1]!;
  const rows = CONCURRENCY.map((c, i) => {
    const o = ours[i]!;
    const b = base[i]!;
    return `| ${c} | **${fmt(o.perSecond)}** | ${fmt(o.p50, 2)} / ${fmt(o.p99, 2)} ms | ${fmt(o.meanBatch, 1)} | ${fmt(o.daemonCpuUs)} / ${fmt(o.clientCpuUs)} µs | ${fmt(b.perSecond)} | ${fmt(b.p50, 2)} / ${fmt(b.p99, 2)} ms | ${fmt(o.perSecond / b.perSecond, 2)}× |`;
  });
  const at64 = ours[2]!;
  const markdown = `Each client calls \`record\` (an \`artifact\` receipt) over the control socket (JSON over HTTP on a
Unix socket, keep-alive) back to back for ${seconds} s; a call returns once its receipt is signed and
committed (WAL, \`synchronous=FULL\`). Clients run in the benchmark process, the daemon in its own
(\`remembrancer daemon\`, dev TSA, checkpoint every 1 s): both share the machine's cores. Baseline: the
same daemon and clients with \`batch_max = 1\`, one transaction and fsync per receipt. Machine load
average when the run started: ${fmt(loadBefore, 2)} (other work on the same 2 cores lowers every figure).

| Clients | ours: receipts/s | ours: p50 / p99 | receipts per commit | CPU per receipt: daemon / clients | baseline (\`batch_max = 1\`): receipts/s | baseline p50 / p99 | ours ÷ baseline |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Target: ≥ 4,000 receipts/s at 64 clients on 2 cores — ${at64.perSecond >= 4000 ? `**met** (${fmt(at64.perSecond)}/s)` : `**not met** (${fmt(at64.perSecond)}/s)`}.

Where the daemon's CPU goes at 64 clients (V8 CPU profile of the daemon, ${fmt(profiled.perSecond)} receipts/s during the
profiled run; samples attributed to the innermost recognisable frame; idle time excluded):

| Part | Share of daemon CPU |
|---|---:|
${shares.map(([c, s]) => `| ${c} | ${fmt(s * 100, 1)} % |`).join('\n')}
`;
  return { title: 'Daemon: durable receipts/s through the control socket', markdown };
};
