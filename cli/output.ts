// Output and error formatting for the CLI. Errors: one line `error[CODE]: …`, then `hint: …`;
// exit 1 for failed verification, 2 for usage / input / I/O (DESIGN.md §3).
import { isRemembrancerError, VerificationError } from '../core/errors.js';

export const EXIT_OK = 0;
export const EXIT_VERIFY_FAILED = 1;
export const EXIT_USAGE = 2;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Aligned two-column "key  value" lines. */
export function printFields(fields: [string, string | number | undefined | null][]): void {
  const shown = fields.filter(([, v]) => v !== undefined && v !== null && v !== '');
  const w = Math.max(0, ...shown.map(([k]) => k.length));
  for (const [k, v] of shown) process.stdout.write(`${k.padEnd(w)}  ${String(v)}\n`);
}

/** Aligned table; the last column is not padded. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(header)}\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
}

export interface ErrorReport {
  code: string;
  message: string;
  hint?: string;
  exit: number;
}

export function describeError(e: unknown): ErrorReport {
  if (isRemembrancerError(e)) {
    return {
      code: e.code,
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      exit: e instanceof VerificationError ? EXIT_VERIFY_FAILED : EXIT_USAGE,
    };
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    return { code: 'IO', message: err.message, hint: 'check the path and its permissions', exit: EXIT_USAGE };
  }
  return {
    code: 'INTERNAL',
    message: e instanceof Error ? e.message : String(e),
    hint: 'this is a bug; rerun with --debug and report the stack trace',
    exit: EXIT_USAGE,
  };
}

export function printError(e: unknown, debug: boolean): number {
  const r = describeError(e);
  process.stderr.write(`error[${r.code}]: ${r.message}\n`);
  if (r.hint) process.stderr.write(`hint: ${r.hint}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return r.exit;
}

/** A one-line progress bar on stderr, only when stderr is a TTY. */
export function progressBar(label: string): ((done: number, total: number) => void) & { end(): void } {
  const tty = process.stderr.isTTY === true;
  let last = -1;
  const f = (done: number, total: number) => {
    if (!tty || total <= 0) return;
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const fill = Math.round((pct / 100) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${pct}% (${done}/${total})`);
  };
  return Object.assign(f, {
    end() {
      if (tty && last >= 0) process.stderr.write('\n');
    },
  });
}
