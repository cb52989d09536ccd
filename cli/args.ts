// Decoders for CLI arguments (outside input): each returns a clean value or throws InputError('USAGE').
import { InputError } from '../core/errors.js';
import { LIMITS } from '../daemon/service.js';

const HEX64 = /^[0-9a-fA-F]{64}$/;

export function parseSha256Arg(value: string, flag = '--sha256'): string {
  if (!HEX64.test(value)) {
    throw new InputError('USAGE', `${flag} must be 64 hex characters (a SHA-256 digest), got ${JSON.stringify(value.slice(0, 80))}`, {
      hint: 'compute it with `sha256sum FILE`, or pass --file FILE and let remembrancer hash it',
    });
  }
  return value.toLowerCase();
}

/** Receipt ids are lowercase hex leaf hashes; accept any case and normalise. */
export function parseIdArg(value: string): string {
  if (!HEX64.test(value)) {
    throw new InputError('USAGE', `a receipt id is 64 hex characters, got ${JSON.stringify(value.slice(0, 80))}`, {
      hint: 'ids are printed by `remembrancer record` and `remembrancer list`',
    });
  }
  return value.toLowerCase();
}

export function parseLimitArg(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new InputError('USAGE', `--limit must be a positive integer, got ${JSON.stringify(value.slice(0, 80))}`);
  const n = Number(value);
  if (n < 1 || n > LIMITS.pageSizeMax) {
    throw new InputError('USAGE', `--limit must be between 1 and ${LIMITS.pageSizeMax}, got ${n}`, {
      hint: 'use --cursor with the printed next cursor to page through more',
    });
  }
  return n;
}

/** `host:port` with an explicit host; defaults nothing so a typo never binds 0.0.0.0. */
export function parseListenArg(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new InputError('USAGE', `--listen must be host:port, got ${JSON.stringify(value.slice(0, 80))}`, {
      hint: 'e.g. --listen 127.0.0.1:3161 (port 0 picks a free port)',
    });
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

const TEXT_MAX = 64 * 1024;

export function parseTextArg(value: string, flag: string, max = TEXT_MAX): string {
  if (value.length === 0) throw new InputError('USAGE', `${flag} must not be empty`);
  if (Buffer.byteLength(value, 'utf8') > max) throw new InputError('USAGE', `${flag} is longer than ${max} bytes`);
  return value;
}
