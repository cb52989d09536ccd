// `remembrancer daemon`: the long-running process that owns the store (DESIGN §3, §5). It holds the
// write lock, serves the service API on the control socket (<home>/control.sock, 0600) so the CLI
// uses it transparently, group-commits concurrent records, publishes a checkpoint every
// `checkpoint_interval` when the tree grew and timestamps it in the background, and serves
// /metrics, /healthz and /readyz on the HTTP listener ([mcp] http_listen). SIGTERM/SIGINT stop it
// gracefully: stop accepting, drain the queue, publish and stamp a final checkpoint, close.
import { accessSync, constants, existsSync, renameSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { InputError, isRemembrancerError } from '../core/errors.js';
import type { Config } from './config.js';
import { loadConfigFor, type HomePaths } from './home.js';
import { allowMethods, HttpRouter, listenHttp, sendJson, sendText, type HttpListener } from './http.js';
import { LocalService } from './local.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics, type DaemonMetrics } from './metrics.js';
import { serveRpc, type RpcServer } from './rpc.js';
import { mcpDaemonExtension } from '../mcp/daemon.js';
import { tilesDaemonExtension } from './tiles/extension.js';
import type { RecordRequest, RecordResult, Service } from './service.js';

/** Context handed to extensions (tiles, MCP, federation) so they can mount routes and use the service. */
export interface DaemonContext {
  home: string;
  config: Config;
  paths: HomePaths;
  /** The writer; its `log` gives read access to the store. */
  service: LocalService;
  /** The service as adapters should call it: record calls timed and counted in the metrics. */
  api: Service;
  router: HttpRouter;
  metrics: DaemonMetrics;
  logger: Logger;
  /** Register cleanup to run at stop, after the listeners stopped accepting and before the store closes. */
  onStop(fn: () => Promise<void> | void): void;
}

export type DaemonExtension = (ctx: DaemonContext) => void | Promise<void>;

/** Extensions every daemon runs (modules that serve over the HTTP listener add themselves here). */
export const BUILTIN_EXTENSIONS: DaemonExtension[] = [tilesDaemonExtension, mcpDaemonExtension];

export interface DaemonOptions {
  /** Default: JSON on stdout at REMEMBRANCER_LOG_LEVEL. */
  logger?: Logger;
  /** Overrides [mcp] http_listen (host:port; port 0 picks a free port). */
  httpListen?: string;
  /** Extra extensions after BUILTIN_EXTENSIONS. */
  extensions?: DaemonExtension[];
  /** Include prom-client's process/Node.js metrics (default true). */
  processMetrics?: boolean;
}

/** Written to <home>/daemon.json once the daemon listens; removed on a graceful stop. */
export interface DaemonInfo {
  pid: number;
  /** Bound HTTP address, host:port. */
  http: string;
  socket: string;
  origin: string;
  startedAt: string;
}

export interface ReadinessCheck {
  name: 'store' | 'checkpoint' | 'tsa';
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** A checkpoint is stale once the tree has outgrown it for this long (a few intervals, at least 5 s). */
export function staleAfterMs(intervalMs: number): number {
  return Math.max(5 * intervalMs, 5_000);
}

/** Most time between timestamp retries after failures (exponential backoff from one interval). */
const STAMP_BACKOFF_MAX_MS = 60_000;
/** Rows per stampPending pass (ReceiptLog's default); a full pass means more may be waiting. */
const STAMP_PASS_ROWS = 16;

export function daemonInfoPath(home: string): string {
  return join(home, 'daemon.json');
}

/** Read <home>/daemon.json, or null when absent or unreadable (it may be stale after a crash). */
export function readDaemonInfo(home: string): DaemonInfo | null {
  try {
    return JSON.parse(readFileSync(daemonInfoPath(home), 'utf8')) as DaemonInfo;
  } catch {
    return null;
  }
}

function parseHostPort(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InputError('CONFIG', `http_listen ${JSON.stringify(s.slice(0, 80))} is not host:port`, { hint: 'e.g. "127.0.0.1:7411"' });
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Refuse to start on a home the daemon cannot write (read-only mount, wrong owner), with a clear
 * error, before SQLite would fail somewhere less obvious. Root passes access() on most files; a
 * read-only mount still fails it (EROFS).
 */
function assertWritable(paths: HomePaths): void {
  const candidates = [paths.home, paths.db, `${paths.db}-wal`, `${paths.db}-shm`, `${paths.db}.lock`];
  for (const p of candidates) {
    if (p !== paths.home && !existsSync(p)) continue;
    try {
      accessSync(p, constants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EACCES';
      throw new InputError('IO', `the daemon cannot write ${p} (${code})`, {
        hint: 'the daemon needs write access to its home (the store, its WAL and lock files, the control socket): fix ownership or permissions, or remount read-write',
        cause: e,
      });
    }
  }
}

function errorCode(e: unknown): string {
  return isRemembrancerError(e) ? e.code : 'INTERNAL';
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export class Daemon {
  readonly home: string;
  readonly config: Config;
  readonly paths: HomePaths;
  readonly service: LocalService;
  readonly router = new HttpRouter();
  readonly metrics: DaemonMetrics;
  readonly logger: Logger;
  readonly startedAt = Date.now();
  info!: DaemonInfo;

  private rpc: RpcServer | undefined;
  private http: HttpListener | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<number> | undefined;
  private readonly stopHooks: (() => Promise<void> | void)[] = [];
  private readonly intervalMs: number;

  // Scheduler state.
  private lastPublishedSize = 0;
  /** When the tree first outgrew the newest checkpoint (ms epoch), or null while covered. */
  private uncoveredSince: number | null = null;
  private lastSize = 0;
  private stampDue = true;
  private stampRunning = false;
  private stampAttempts = 0;
  private stampFailed = false;
  private stampBackoffMs = 0;
  private nextStampAt = 0;
  private lastTsa: { ok: boolean; at: number; error?: string } | null = null;

  private constructor(home: string, service: LocalService, logger: Logger, opts: DaemonOptions) {
    this.home = home;
    this.service = service;
    this.config = service.identity.config;
    this.paths = service.identity.paths;
    this.logger = logger;
    this.intervalMs = this.config.remembrancer.checkpoint_interval;
    const log = service.log;
    this.metrics = createMetrics(
      {
        treeSize: () => log.size(),
        checkpointSize: () => log.latestCheckpoint()?.size ?? 0,
        checkpointAgeSeconds: () => {
          const cp = log.latestCheckpoint();
          return cp ? Math.max(0, (Date.now() - Date.parse(cp.createdAt)) / 1000) : 0;
        },
        queueDepth: () => service.queueDepth,
        peers: () => 0,
      },
      { processMetrics: opts.processMetrics ?? true },
    );
    this.lastSize = log.size();
    this.lastPublishedSize = log.latestCheckpoint()?.size ?? 0;
    if (this.lastSize > this.lastPublishedSize) this.uncoveredSince = Date.now();
  }

  /**
   * Open the store (taking the write lock: a second daemon fails with STORE_LOCKED), serve the
   * control socket and the HTTP listener, write <home>/daemon.json, start the scheduler.
   */
  static async start(home: string, opts: DaemonOptions = {}): Promise<Daemon> {
    const logger = opts.logger ?? createLogger();
    const { config, paths } = loadConfigFor(home);
    assertWritable(paths);
    const listen = parseHostPort(opts.httpListen ?? config.mcp.http_listen);
    // The service's callbacks fire only after start, once `d` exists.
    const ref: { d?: Daemon } = {};
    const service = await LocalService.open(home, {
      mode: 'daemon',
      onBatch: (size, ms) => ref.d?.onBatch(size, ms),
      onTimestamp: (ok, ms, err) => ref.d?.onTimestamp(ok, ms, err),
    });
    let d: Daemon;
    try {
      d = new Daemon(home, service, logger, opts);
      ref.d = d;
      d.mountBuiltins();
      const ctx: DaemonContext = {
        home,
        config,
        paths: d.paths,
        service,
        api: d.instrumented(),
        router: d.router,
        metrics: d.metrics,
        logger,
        onStop: (fn) => d.stopHooks.push(fn),
      };
      for (const ext of [...BUILTIN_EXTENSIONS, ...(opts.extensions ?? [])]) await ext(ctx);
      d.rpc = await serveRpc(ctx.api, d.paths.socket, d.router.handle);
      d.http = await listenHttp(d.router, listen);
    } catch (e) {
      await ref.d?.rpc?.close();
      await ref.d?.http?.close(0);
      await service.close().catch(() => {});
      throw e;
    }
    d.info = { pid: process.pid, http: d.http.address, socket: d.paths.socket, origin: service.log.origin, startedAt: new Date(d.startedAt).toISOString() };
    const tmp = `${daemonInfoPath(home)}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(d.info, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, daemonInfoPath(home));
    d.tick();
    logger.info(
      {
        origin: d.info.origin,
        http: d.info.http,
        socket: d.info.socket,
        treeSize: service.log.size(),
        checkpointIntervalMs: d.intervalMs,
        batchMax: config.remembrancer.batch_max,
        queueMax: config.remembrancer.queue_max,
        tsa: service.timestamper.dev ? 'dev' : config.tsa.map((t) => t.url),
      },
      'daemon ready',
    );
    return d;
  }

  // ------------------------------------------------------------------------------------------
  // Instrumentation

  private onBatch(size: number, ms: number): void {
    this.metrics.batchSize.observe(size);
    const now = this.service.log.size();
    if (now > this.lastSize) this.metrics.receiptsAppended.inc(now - this.lastSize);
    this.lastSize = now;
    if (now > this.lastPublishedSize && this.uncoveredSince === null) this.uncoveredSince = Date.now();
    this.logger.trace({ batch: size, ms: Math.round(ms * 10) / 10, treeSize: now }, 'batch committed');
  }

  private onTimestamp(ok: boolean, ms: number, err?: unknown): void {
    this.stampAttempts++;
    this.lastTsa = { ok, at: Date.now(), ...(ok ? {} : { error: err instanceof Error ? err.message : String(err) }) };
    if (ok) {
      this.logger.debug({ ms: Math.round(ms) }, 'checkpoint timestamped');
      return;
    }
    this.stampFailed = true;
    this.metrics.tsaFailures.inc();
    this.logger.warn({ code: errorCode(err), err: this.lastTsa.error, ms: Math.round(ms) }, 'timestamp request failed; will retry');
  }

  /** The service as served on the socket: record calls timed and counted. */
  private instrumented(): Service {
    const svc = this.service;
    const m = this.metrics;
    const record = async (req: RecordRequest): Promise<RecordResult> => {
      const t0 = performance.now();
      try {
        const r = await svc.record(req);
        m.appendLatency.observe((performance.now() - t0) / 1000);
        return r;
      } catch (e) {
        m.recordErrors.inc({ code: errorCode(e) });
        throw e;
      }
    };
    // A Proxy rather than a copy, so methods added to the Service later are served too; methods are
    // bound to the real service (it has private fields).
    return new Proxy(svc, {
      get(target, prop, receiver) {
        if (prop === 'record') return record;
        if (prop === 'close') return async () => {}; // never over the wire
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Service;
  }

  // ------------------------------------------------------------------------------------------
  // Scheduler

  /** One scheduler step: publish if the tree grew, start a timestamp pass if one is due. */
  private tick(): void {
    if (this.stopping) return;
    const log = this.service.log;
    try {
      if (log.size() > this.lastPublishedSize) {
        const cp = log.publishCheckpoint();
        if (cp.size > this.lastPublishedSize) this.metrics.checkpointsPublished.inc();
        this.lastPublishedSize = cp.size;
        if (log.size() <= cp.size) this.uncoveredSince = null;
        this.stampDue = true;
        this.logger.debug({ size: cp.size }, 'checkpoint published');
      }
    } catch (e) {
      this.metrics.checkpointFailures.inc();
      this.logger.error({ code: errorCode(e), err: (e as Error).message }, 'checkpoint publication failed; will retry');
    }
    if (this.stampDue && !this.stampRunning && Date.now() >= this.nextStampAt) this.startStamping();
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private startStamping(): void {
    this.stampDue = false;
    this.stampRunning = true;
    this.stampAttempts = 0;
    this.stampFailed = false;
    this.service.log
      .stampPending(STAMP_PASS_ROWS)
      .catch((e: unknown) => {
        this.stampFailed = true;
        this.logger.error({ code: errorCode(e), err: (e as Error).message }, 'timestamp pass failed');
      })
      .finally(() => {
        this.stampRunning = false;
        if (this.stampFailed) {
          this.stampDue = true;
          this.stampBackoffMs = Math.min(STAMP_BACKOFF_MAX_MS, Math.max(this.intervalMs, this.stampBackoffMs * 2));
          this.nextStampAt = Date.now() + this.stampBackoffMs;
        } else {
          this.stampBackoffMs = 0;
          this.nextStampAt = 0;
          if (this.stampAttempts >= STAMP_PASS_ROWS) this.stampDue = true; // a full pass: more may wait
        }
      });
  }

  // ------------------------------------------------------------------------------------------
  // Health

  readiness(): Readiness {
    const checks: ReadinessCheck[] = [];
    const log = this.service.log;
    const failure = this.service.writeFailure;
    if (this.stopping) checks.push({ name: 'store', ok: false, detail: 'stopping' });
    else if (failure) checks.push({ name: 'store', ok: false, detail: `appends stopped: ${failure.message}` });
    else checks.push({ name: 'store', ok: true, detail: `open, tree size ${log.size()}` });

    if (!this.stopping) {
      const since = this.uncoveredSince;
      const lag = since === null ? 0 : Date.now() - since;
      const limit = staleAfterMs(this.intervalMs);
      if (lag > limit) {
        checks.push({ name: 'checkpoint', ok: false, detail: `the tree (size ${log.size()}) has outgrown the newest checkpoint (size ${this.lastPublishedSize}) for ${Math.round(lag / 1000)} s (limit ${limit / 1000} s)` });
      } else {
        checks.push({ name: 'checkpoint', ok: true, detail: since === null ? `covers the tree (size ${this.lastPublishedSize})` : `next checkpoint due (tree grew ${lag} ms ago)` });
      }
    }

    const tsa = this.lastTsa;
    if (this.service.timestamper.dev) checks.push({ name: 'tsa', ok: true, detail: 'embedded dev TSA' });
    else if (!tsa) checks.push({ name: 'tsa', ok: true, detail: 'not contacted yet' });
    else if (tsa.ok) checks.push({ name: 'tsa', ok: true, detail: `last request succeeded ${new Date(tsa.at).toISOString()}` });
    else checks.push({ name: 'tsa', ok: false, detail: `last request failed ${new Date(tsa.at).toISOString()}: ${tsa.error ?? ''}` });
    return { ready: checks.every((c) => c.ok), checks };
  }

  private mountBuiltins(): void {
    this.router.mount('/metrics', async (req, res) => {
      allowMethods(req, 'GET');
      sendText(res, 200, await this.metrics.text(), this.metrics.contentType);
    });
    this.router.mount('/healthz', async (req, res) => {
      allowMethods(req, 'GET');
      sendJson(res, 200, { status: 'ok', pid: process.pid, uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000) });
    });
    this.router.mount('/readyz', async (req, res) => {
      allowMethods(req, 'GET');
      const r = this.readiness();
      sendJson(res, r.ready ? 200 : 503, r);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Stop

  /**
   * Graceful stop: stop accepting on both listeners, let running calls finish and the queue drain,
   * publish and timestamp a final checkpoint, close the store, remove the socket and daemon.json.
   * Resolves to the exit code (0, or 2 when the final checkpoint could not be written). Idempotent.
   */
  stop(reason = 'stop requested'): Promise<number> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string): Promise<number> {
    this.logger.info({ reason }, 'stopping');
    clearTimeout(this.timer);
    const closing: Promise<void>[] = [];
    for (const s of [this.rpc?.server, this.http?.server]) {
      if (!s) continue;
      closing.push(closeServer(s));
      s.closeIdleConnections();
    }
    let code = 0;
    for (const fn of this.stopHooks) {
      try {
        await fn();
      } catch (e) {
        this.logger.error({ code: errorCode(e), err: (e as Error).message }, 'extension stop hook failed');
      }
    }
    try {
      await this.service.close(); // drain the queue, final checkpoint + timestamp, close the store
    } catch (e) {
      code = 2;
      this.logger.error({ code: errorCode(e), err: (e as Error).message }, 'final checkpoint failed');
    }
    for (const s of [this.rpc?.server, this.http?.server]) s?.closeAllConnections();
    await Promise.all(closing);
    for (const f of [this.paths.socket, daemonInfoPath(this.home)]) {
      try {
        if (existsSync(f)) unlinkSync(f);
      } catch {
        // best effort: a stale socket is detected (nothing answers) and replaced at the next start
      }
    }
    const c = this.service.finalCheckpoint;
    this.logger.info({ exitCode: code, ...(c ? { checkpoint: { size: c.size, timestamp: c.timestamp.state } } : {}) }, 'stopped');
    return code;
  }
}

/**
 * Run the daemon in the foreground until SIGTERM or SIGINT (systemd: Type=simple, KillSignal=SIGTERM).
 * A second signal during the graceful stop exits at once (the store is crash-safe). Returns the exit code.
 */
export async function runDaemon(home: string, opts: DaemonOptions = {}): Promise<number> {
  const logger = opts.logger ?? createLogger();
  const d = await Daemon.start(home, { ...opts, logger });
  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (signalled) {
        logger.warn({ signal: sig }, 'second signal: exiting without waiting');
        process.exit(2);
      }
      signalled = true;
      void d.stop(sig).then((code) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(code);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
