// Errors at the MCP edge. Tool failures become `isError: true` results whose text is the CLI's
// own form (`error[CODE]: message` then `hint: …`), so an agent and a human read the same codes.
// The two codes below exist only here (STYLE: wire errors are their own family at the edge).
import { isRemembrancerError, RemembrancerError } from '../core/errors.js';

export type McpEdgeCode =
  | 'FORBIDDEN' // the caller's token lacks the scope or namespace this call needs
  | 'TOO_LARGE'; // the result would exceed the response cap (mcp/limits.ts)

export class McpEdgeError extends RemembrancerError<McpEdgeCode> {}

export interface ErrorView {
  code: string;
  message: string;
  hint?: string;
}

/** The code, message and hint the CLI would print for `e` (cli/output.ts describeError). */
export function describe(e: unknown): ErrorView {
  if (isRemembrancerError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    return { code: 'IO', message: err.message, hint: 'check the path and its permissions' };
  }
  return {
    code: 'INTERNAL',
    message: e instanceof Error ? e.message : String(e),
    hint: 'this is a bug in remembrancer; please report it',
  };
}

/** `error[CODE]: message` and, when there is one, `hint: …` on the next line. */
export function formatError(v: ErrorView): string {
  return `error[${v.code}]: ${v.message}${v.hint ? `\nhint: ${v.hint}` : ''}`;
}
