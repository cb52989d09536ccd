// Spawn the built daemon (`node dist/cli/main.js --home H daemon`) as an operator would, and wait
// for its "daemon ready" log line. Used by the e2e and crash tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDaemonInfo } from '../daemon/daemon.js';
import { initHome } from '../daemon/home.js';
import { BIN } from './cli-helpers.js';

export interface ReadyLine {
  pid: number;
  http: string;
  socket: string;
  treeSize: number;
}

export interface SpawnedDaemon {
  child: ChildProcess;
  /** Resolves on the "daemon ready" line (or daemon.json naming this pid, at quieter log levels); rejects if the process exits first. */
  ready: Promise<ReadyLine>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stdout(): string;
  stderr(): string;
}

export interface SpawnOptions {
  /** Command words put before `node` (e.g. ['prlimit', '--fsize=…']). */
  prefix?: string[];
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
}

export function spawnDaemon(home: string, opts: SpawnOptions = {}): SpawnedDaemon {
  const argv = [...(opts.prefix ?? []), process.execPath, BIN, '--home', home, 'daemon'];
  const child = spawn(argv[0]!, argv.slice(1), {
    env: { ...process.env, REMEMBRANCER_HOME: '', REMEMBRANCER_LOG_LEVEL: 'debug', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  let out = '';
  let err = '';
  let partial = '';
  const logs: Record<string, unknown>[] = [];
  let onReady: (r: ReadyLine) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<ReadyLine>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  ready.catch(() => {}); // callers that never await ready must not see an unhandled rejection
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    partial += d.toString();
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        logs.push(rec);
        if (rec.msg === 'daemon ready') onReady(rec as unknown as ReadyLine);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  // daemon.json is written once both listeners are bound, whatever the log level.
  const poll = setInterval(() => {
    const info = readDaemonInfo(home);
    if (info && info.pid === child.pid) onReady({ pid: info.pid, http: info.http, socket: info.socket, treeSize: -1 });
  }, 20);
  ready.then(
    () => clearInterval(poll),
    () => clearInterval(poll),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      onFail(new Error(`daemon exited (code ${code}, signal ${signal}) before it was ready: ${err.trim()}`));
      resolve({ code, signal });
    });
  });
  return { child, ready, exited, logs, stdout: () => out, stderr: () => err };
}

export interface DaemonHome {
  dir: string;
  home: string;
  cleanup(): void;
}

/** An initialised home; `remembrancer` lines go into [remembrancer]; the HTTP listener takes any free port. */
export async function daemonHome(opts: { remembrancer?: string; extra?: string; prefix?: string } = {}): Promise<DaemonHome> {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'remembrancer-daemon-e2e-'));
  const home = join(dir, 'home');
  await initHome(home, { origin: 'example.org/daemon-e2e' });
  const cfg = join(home, 'config.toml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('[remembrancer]\n', `[remembrancer]\n${opts.remembrancer ?? ''}\n`));
  appendFileSync(cfg, `\n[mcp]\nhttp_listen = "127.0.0.1:0"\n${opts.extra ?? ''}`);
  return { dir, home, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** GET a path on the daemon's HTTP listener. */
export async function httpGet(address: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The value of an unlabelled sample in Prometheus text. */
export function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no sample ${name}`);
  return Number(line.slice(name.length + 1));
}

/** True when this process may make a private read-only bind mount (root with CAP_SYS_ADMIN). */
export function canBindReadOnly(dir: string): boolean {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && ! touch "$0/.probe" 2>/dev/null', dir], { stdio: 'ignore' });
  return r.status === 0;
}

/** Command prefix running the daemon in a private mount namespace where `dir` is mounted read-only. */
export function readOnlyPrefix(dir: string): string[] {
  return ['unshare', '-m', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', dir];
}
