// `remembrancer mcp`: the MCP server on stdin/stdout, for Claude Desktop / Claude Code style configs.
// It talks to the running daemon over its control socket when there is one; otherwise it opens the
// store itself and holds the write lock until it exits, so a second writer (another `mcp`, a CLI
// `record`) gets STORE_LOCKED meanwhile: run `remembrancer daemon` to serve several clients.
// stdout carries only protocol messages; diagnostics go to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { openService } from '../daemon/local.js';
import type { Service } from '../daemon/service.js';
import { createMcpServer, settle } from './server.js';

/** Largest JSON-RPC line accepted on stdin (a bundle to verify is well under this). */
export const STDIO_MAX_MESSAGE = 8 * 1024 * 1024;

export interface StdioOptions {
  /** Use this service instead of openService(home) (tests, embedding). It is closed on exit. */
  service?: Service;
  stdin?: NodeJS.ReadableStream & { pause(): unknown };
  stdout?: NodeJS.WritableStream;
}

/**
 * Serve MCP on stdio until the client closes stdin or the process gets SIGINT/SIGTERM; then answer
 * the calls in progress, close the service (direct mode: publishes a checkpoint covering new
 * receipts), and resolve.
 */
export async function serveStdio(home: string, opts: StdioOptions = {}): Promise<void> {
  const service = opts.service ?? (await openService(home));
  const server = createMcpServer(service, { transport: 'stdio', home });
  const stdin = (opts.stdin ?? process.stdin) as NodeJS.ReadStream;
  const transport = new StdioServerTransport(stdin, (opts.stdout ?? process.stdout) as NodeJS.WriteStream, { maxBufferSize: STDIO_MAX_MESSAGE });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const signals = ['SIGINT', 'SIGTERM'] as const;
  for (const s of signals) process.once(s, stop);
  stdin.once('end', stop);
  stdin.once('close', stop);
  server.server.onclose = stop;
  try {
    await server.connect(transport);
    await stopped;
    await settle(server);
    await server.close();
  } finally {
    for (const s of signals) process.removeListener(s, stop);
    await service.close();
  }
}
