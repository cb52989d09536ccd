// Bearer tokens for the MCP HTTP endpoint, kept in <home>/tokens.toml ([mcp] tokens_file):
//
//   [[token]]
//   name = "claude-desktop"
//   sha256 = "<hex SHA-256 of the token>"      # the token itself is shown once and never stored
//   scopes = ["read", "write"]                  # write implies read
//   created = "2026-01-01T00:00:00.000Z"
//   expires = "2026-02-01T00:00:00.000Z"        # optional
//   namespaces = ["proj-a"]                     # optional allowlist (empty/absent: every namespace)
//   default_namespace = "proj-a"                # optional; else the first allowed, else "default"
//
// A token is `rmbr_` + 32 random bytes in base64url (256 bits), so a plain SHA-256 at rest is
// enough: there is nothing to brute-force. The file is rewritten atomically (temp + rename), 0600.
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { parse as parseToml, stringify as stringifyToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { InputError } from '../core/errors.js';
import { homePath } from '../daemon/config.js';
import { loadConfigFor } from '../daemon/home.js';

export type Scope = 'read' | 'write';

export interface TokenRecord {
  name: string;
  /** Lowercase hex SHA-256 of the token's UTF-8 bytes. */
  sha256: string;
  scopes: Scope[];
  created: string;
  expires?: string;
  namespaces?: string[];
  defaultNamespace?: string;
}

/** What `tokens list` shows: never the hash. */
export interface TokenInfo {
  name: string;
  scopes: Scope[];
  created: string;
  expires: string | null;
  expired: boolean;
  namespaces: string[] | null;
  defaultNamespace: string | null;
}

export const TOKEN_PREFIX = 'rmbr_';
/** Bearer values we even look at; anything else is refused before hashing. */
const PRESENTED = /^[\x21-\x7e]{16,512}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_FILE = 1 << 20;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Where a home keeps its tokens ([mcp] tokens_file, relative to the home). */
export function tokensFilePath(home: string): string {
  const { config } = loadConfigFor(home);
  return homePath(home, config.mcp.tokens_file);
}

const dateLike = z.union([z.string().max(64), z.date()]).transform((v, ctx) => {
  const d = v instanceof Date ? v : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 date-time' });
    return z.NEVER;
  }
  return d.toISOString();
});

const fileSchema = z
  .object({
    token: z
      .array(
        z
          .object({
            name: z.string().regex(NAME, 'expected 1–64 letters, digits, ".", "_" or "-"'),
            sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
            scopes: z.array(z.enum(['read', 'write'])).min(1).max(2),
            created: dateLike,
            expires: dateLike.optional(),
            namespaces: z.array(z.string().regex(NAMESPACE)).max(64).optional(),
            default_namespace: z.string().regex(NAMESPACE).optional(),
          })
          .strict(),
      )
      .max(10_000)
      .default([]),
  })
  .strict();

/** Parse tokens.toml text. Throws InputError CONFIG naming the file and the field. */
export function parseTokensFile(text: string, file = 'tokens.toml'): TokenRecord[] {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    const where = e instanceof TomlError ? `${file}:${e.line}:${e.column}` : file;
    throw new InputError('CONFIG', `${where}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`, { hint: 'fix the TOML syntax', cause: e });
  }
  const r = fileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InputError('CONFIG', `${file}: ${i.path.map(String).join('.') || '(top level)'}: ${i.message}`, {
      hint: 'fix or remove that entry; `remembrancer tokens add` writes valid entries',
    });
  }
  const seen = new Set<string>();
  return r.data.token.map((t) => {
    if (seen.has(t.name)) throw new InputError('CONFIG', `${file}: two tokens are named ${JSON.stringify(t.name)}`);
    seen.add(t.name);
    const scopes: Scope[] = t.scopes.includes('write') ? ['read', 'write'] : ['read'];
    return {
      name: t.name,
      sha256: t.sha256,
      scopes,
      created: t.created,
      ...(t.expires !== undefined ? { expires: t.expires } : {}),
      ...(t.namespaces !== undefined && t.namespaces.length > 0 ? { namespaces: t.namespaces } : {}),
      ...(t.default_namespace !== undefined ? { defaultNamespace: t.default_namespace } : {}),
    };
  });
}

export function formatTokensFile(records: readonly TokenRecord[]): string {
  const header =
    '# Bearer tokens for the MCP HTTP endpoint (remembrancer tokens add|list|revoke).\n' +
    '# Only SHA-256 hashes are stored; each token was shown once when it was created.\n\n';
  if (records.length === 0) return header;
  const token = records.map((r) => ({
    name: r.name,
    sha256: r.sha256,
    scopes: r.scopes,
    created: r.created,
    ...(r.expires !== undefined ? { expires: r.expires } : {}),
    ...(r.namespaces !== undefined ? { namespaces: r.namespaces } : {}),
    ...(r.defaultNamespace !== undefined ? { default_namespace: r.defaultNamespace } : {}),
  }));
  return `${header}${stringifyToml({ token })}\n`;
}

/** The tokens in `path`; a missing file has none. */
export function readTokensFile(path: string): TokenRecord[] {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE) throw new InputError('CONFIG', `${path} is over ${MAX_FILE} bytes`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    if (e instanceof InputError) throw e;
    throw new InputError('IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  return parseTokensFile(text, path);
}

function writeTokensFile(path: string, records: readonly TokenRecord[]): void {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, formatTokensFile(records), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw new InputError('IO', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** "30d", "12h", "90m", "2w", or an RFC 3339 date-time, from `now`. */
export function parseExpiry(text: string, now: Date = new Date()): Date {
  const m = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (m) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
    const n = Number(m[1]);
    if (n < 1) throw new InputError('USAGE', '--expires must be in the future');
    return new Date(now.getTime() + n * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text.trim())) {
    const d = new Date(text.trim());
    if (!Number.isNaN(d.getTime())) {
      if (d.getTime() <= now.getTime()) throw new InputError('USAGE', `--expires ${text} is in the past`);
      return d;
    }
  }
  throw new InputError('USAGE', `--expires must be a duration like 30d, 12h, 90m, 2w or a date like 2027-01-31, got ${JSON.stringify(text.slice(0, 40))}`);
}

export interface AddTokenOptions {
  name?: string;
  scopes: Scope[];
  expires?: Date;
  namespaces?: string[];
  defaultNamespace?: string;
  now?: Date;
}

/** Create a token, store its hash, and return the token (the only time it exists in clear). */
export function addToken(path: string, opts: AddTokenOptions): { token: string; record: TokenRecord } {
  const records = readTokensFile(path);
  const name = opts.name ?? `token-${randomBytes(3).toString('hex')}`;
  if (!NAME.test(name)) throw new InputError('USAGE', `--name must be 1–64 letters, digits, ".", "_" or "-", got ${JSON.stringify(name.slice(0, 80))}`);
  if (records.some((r) => r.name === name)) {
    throw new InputError('USAGE', `a token named ${JSON.stringify(name)} exists`, { hint: 'pick another --name, or `remembrancer tokens revoke` it first' });
  }
  if (opts.scopes.length === 0) throw new InputError('USAGE', 'give --scope read or --scope write');
  for (const ns of [...(opts.namespaces ?? []), ...(opts.defaultNamespace !== undefined ? [opts.defaultNamespace] : [])]) {
    if (!NAMESPACE.test(ns)) throw new InputError('USAGE', `namespace ${JSON.stringify(ns.slice(0, 80))} is not a valid namespace name`);
  }
  if (opts.defaultNamespace !== undefined && opts.namespaces && opts.namespaces.length > 0 && !opts.namespaces.includes(opts.defaultNamespace)) {
    throw new InputError('USAGE', '--default-namespace must be one of the --namespace values');
  }
  const now = opts.now ?? new Date();
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record: TokenRecord = {
    name,
    sha256: hashToken(token),
    scopes: opts.scopes.includes('write') ? ['read', 'write'] : ['read'],
    created: now.toISOString(),
    ...(opts.expires ? { expires: opts.expires.toISOString() } : {}),
    ...(opts.namespaces && opts.namespaces.length > 0 ? { namespaces: [...new Set(opts.namespaces)] } : {}),
    ...(opts.defaultNamespace !== undefined ? { defaultNamespace: opts.defaultNamespace } : {}),
  };
  writeTokensFile(path, [...records, record]);
  return { token, record };
}

export function listTokens(path: string, now: Date = new Date()): TokenInfo[] {
  return readTokensFile(path).map((r) => ({
    name: r.name,
    scopes: r.scopes,
    created: r.created,
    expires: r.expires ?? null,
    expired: r.expires !== undefined && Date.parse(r.expires) <= now.getTime(),
    namespaces: r.namespaces ?? null,
    defaultNamespace: r.defaultNamespace ?? null,
  }));
}

/** Remove the token named `name`; a running daemon stops accepting it at its next request. */
export function revokeToken(path: string, name: string): void {
  const records = readTokensFile(path);
  const kept = records.filter((r) => r.name !== name);
  if (kept.length === records.length) {
    throw new InputError('NOT_FOUND', `no token named ${JSON.stringify(name.slice(0, 80))}`, { hint: 'see `remembrancer tokens list`' });
  }
  writeTokensFile(path, kept);
}

export type Lookup = { ok: true; record: TokenRecord } | { ok: false; reason: 'malformed' | 'unknown' | 'expired' };

/**
 * Token lookup for the HTTP handler. Re-reads the file whenever it changed (inode, size or mtime),
 * so `tokens add` and `tokens revoke` take effect on a running daemon at the next request.
 */
export class TokenStore {
  private key = '';
  private records: TokenRecord[] = [];

  constructor(readonly path: string) {}

  /** The current records; throws InputError CONFIG/IO when the file cannot be used (callers fail closed). */
  current(): readonly TokenRecord[] {
    let key: string;
    try {
      const s = statSync(this.path);
      key = `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError('IO', `cannot stat ${this.path}`, { cause: e });
      key = 'missing';
    }
    if (key !== this.key) {
      this.records = key === 'missing' ? [] : readTokensFile(this.path);
      this.key = key;
    }
    return this.records;
  }

  /** `presented` is attacker-controlled: checked for shape, hashed, compared in constant time against every record. */
  lookup(presented: string, now: Date = new Date()): Lookup {
    if (!PRESENTED.test(presented)) return { ok: false, reason: 'malformed' };
    const digest = Buffer.from(hashToken(presented), 'hex');
    let found: TokenRecord | undefined;
    for (const r of this.current()) {
      if (timingSafeEqual(digest, Buffer.from(r.sha256, 'hex'))) found = r;
    }
    if (!found) return { ok: false, reason: 'unknown' };
    if (found.expires !== undefined && Date.parse(found.expires) <= now.getTime()) return { ok: false, reason: 'expired' };
    return { ok: true, record: found };
  }
}
