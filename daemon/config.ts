// config.toml (DESIGN.md §5): parsed with smol-toml, validated with zod. Every key is optional;
// the defaults describe an embedded single node with the dev TSA. Unknown keys and bad values are
// errors that name the key and the line, so a typo never silently falls back to a default.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { InputError } from '../core/errors.js';

/** "250ms", "1s", "5m", "1h" -> milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  const ms = n * unit;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

const duration = (min: number, max: number) =>
  z
    .string()
    .transform((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms < min || ms > max) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "1s" or "250ms" between ${min}ms and ${max}ms` });
        return z.NEVER;
      }
      return ms;
    });

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. "127.0.0.1:7411"');

/** Origin names follow C2SP tlog-checkpoint: non-empty, no whitespace or '+' (it is also the note key name). */
export const originName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces')
  .refine((s) => !s.includes('+'), 'must not contain "+" (it names the checkpoint key)');

export const configSchema = z
  .object({
    remembrancer: z
      .object({
        origin: originName.optional(),
        db: z.string().min(1).default('remembrancer.db'),
        checkpoint_interval: duration(10, 3_600_000).prefault('1s'),
        batch_max: z.number().int().min(1).max(100_000).default(1000),
        queue_max: z.number().int().min(1).max(1_000_000).default(10_000),
      })
      .strict()
      .prefault({}),
    tsa: z
      .array(
        z
          .object({
            url: z.url({ protocol: /^https?$/ }),
            ca: z.string().min(1),
            policy: z.string().regex(/^\d+(\.\d+)+$/, 'expected a dotted OID').optional(),
          })
          .strict(),
      )
      .default([]),
    timestamp: z
      .object({
        require: z.enum(['first', 'all']).default('first'),
        timeout: duration(100, 600_000).prefault('10s'),
        retries: z.number().int().min(0).max(10).default(2),
        max_response_bytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
      })
      .strict()
      .prefault({}),
    mcp: z
      .object({
        http_listen: hostPort.default('127.0.0.1:7411'),
        tokens_file: z.string().min(1).default('tokens.toml'),
        /** Host header values accepted besides the loopback names and the listen host. */
        allowed_hosts: z.array(z.string().min(1).max(255)).max(64).default([]),
        /** Origin header values accepted (exact, e.g. "http://localhost:6274"); none by default. */
        allowed_origins: z.array(z.url()).max(64).default([]),
        max_body_bytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        rate_limit_per_second: z.number().min(0.1).max(100_000).default(50),
        rate_limit_burst: z.number().int().min(1).max(1_000_000).default(200),
      })
      .strict()
      .prefault({}),
    federation: z
      .object({
        listen: z.string().min(1).default('/ip4/127.0.0.1/tcp/7412'),
        peers: z.array(z.string().min(1)).default([]),
        mode: z.enum(['strict', 'permissive']).default('strict'),
      })
      .strict()
      .prefault({}),
    grid: z
      .object({
        nats_url: z.string().min(1).default('nats://127.0.0.1:4222'),
        stream: z.string().min(1).default('RESOURCES'),
        smt_depth: z.number().int().min(8).max(256).default(40),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type Config = z.output<typeof configSchema>;

/** Find the 1-based line where `path` is assigned, for error messages. Best effort. */
function lineOf(source: string, path: readonly PropertyKey[]): number | undefined {
  const lines = source.split('\n');
  const key = String([...path].reverse().find((p) => typeof p === 'string') ?? '');
  const table = typeof path[0] === 'string' ? path[0] : undefined;
  let inTable = table === undefined;
  let tableLine: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    const header = /^\[\[?\s*([^\]\s]+)\s*\]\]?/.exec(t);
    if (header) {
      inTable = header[1] === table;
      if (inTable && tableLine === undefined) tableLine = i + 1;
      continue;
    }
    if (inTable && new RegExp(`^["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*=`).test(t)) return i + 1;
  }
  return tableLine;
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** Parse and validate config text. `file` is only used in messages. */
export function parseConfig(source: string, file = 'config.toml'): Config {
  let raw: unknown;
  try {
    raw = parseToml(source);
  } catch (e) {
    const where = e instanceof TomlError ? `${file}:${e.line}:${e.column}` : file;
    const first = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new InputError('CONFIG', `${where}: ${first}`, { hint: 'fix the TOML syntax', cause: e });
  }
  const r = configSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys
      .map((k) => {
        const path = k === undefined ? issue.path : [...issue.path, k];
        const line = lineOf(source, path);
        const at = `${file}${line ? `:${line}` : ''}`;
        const name = describePath(path) || '(top level)';
        return issue.code === 'unrecognized_keys' ? `${at}: unknown key "${name}"` : `${at}: ${name}: ${issue.message}`;
      })
      .join('; ');
  });
  throw new InputError('CONFIG', problems.join('; '), {
    hint: 'see README.md "Configuration" for the keys and their defaults',
  });
}

/** Load `<home>/config.toml`; a missing file means all defaults. */
export function loadConfig(home: string): Config {
  const file = join(home, 'config.toml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return parseConfig('', file);
    throw new InputError('IO', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseConfig(text, file);
}

/** Resolve a path from config relative to the home directory. */
export function homePath(home: string, p: string): string {
  return isAbsolute(p) ? p : join(home, p);
}
