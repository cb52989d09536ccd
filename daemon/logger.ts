// The daemon's log: JSON lines on stdout via pino (systemd and container runtimes collect stdout).
// Level from REMEMBRANCER_LOG_LEVEL (default info). What we log is counts, sizes, ids, codes and
// addresses; receipt contents (subject, note, text), signatures and key material are never passed
// to the logger, and `redact` censors those field names anyway in case a caller slips.
import { pino, destination, stdTimeFunctions, type Logger } from 'pino';
import { InputError } from '../core/errors.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The level named by REMEMBRANCER_LOG_LEVEL (case-insensitive), or `info`. Throws CONFIG for an unknown name. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env.REMEMBRANCER_LOG_LEVEL?.trim().toLowerCase();
  if (raw === undefined || raw === '') return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new InputError('CONFIG', `REMEMBRANCER_LOG_LEVEL=${JSON.stringify(raw.slice(0, 32))} is not a log level`, {
    hint: `use one of ${LOG_LEVELS.join(', ')}`,
  });
}

/** Field names that may carry receipt text or key material; censored wherever they appear. */
const REDACT = ['subject', 'note', 'text', 'signature', 'entry', 'key', 'secret', 'token', 'args'].flatMap((k) => [k, `*.${k}`]);

export interface LoggerOptions {
  level?: LogLevel;
  /** File descriptor or stream-like destination; default stdout, written synchronously so nothing is lost on SIGKILL. */
  dest?: number | NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? logLevelFromEnv();
  const dest = typeof opts.dest === 'object' ? opts.dest : destination({ dest: opts.dest ?? 1, sync: true });
  return pino(
    {
      level,
      base: { pid: process.pid, name: 'remembrancer' },
      timestamp: stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    dest,
  );
}
