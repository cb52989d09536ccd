// The daemon extension that serves MCP over Streamable HTTP at /mcp on the daemon's listener
// ([mcp] http_listen, loopback by default), authenticated by the tokens in [mcp] tokens_file.
import type { DaemonContext, DaemonExtension } from '../daemon/daemon.js';
import { homePath } from '../daemon/config.js';
import { sendJson } from '../daemon/http.js';
import { createMcpHttpHandler, MCP_HTTP_DEFAULTS } from './http.js';

/** Hosts a client may name: the loopback names, plus the configured listen host unless it is a wildcard. */
export function allowedHostsFor(httpListen: string): string[] {
  const host = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d+$/.exec(httpListen)?.[1]?.toLowerCase();
  const hosts: string[] = [...MCP_HTTP_DEFAULTS.allowedHosts];
  if (host && host !== '0.0.0.0' && host !== '[::]' && !hosts.includes(host)) hosts.push(host);
  return hosts;
}

export const mcpDaemonExtension: DaemonExtension = (ctx: DaemonContext) => {
  const handler = createMcpHttpHandler({
    service: ctx.api,
    home: ctx.home,
    tokensFile: homePath(ctx.home, ctx.config.mcp.tokens_file),
    allowedHosts: [...allowedHostsFor(ctx.config.mcp.http_listen), ...ctx.config.mcp.allowed_hosts.map((h) => h.toLowerCase())],
    allowedOrigins: ctx.config.mcp.allowed_origins,
    maxBodyBytes: ctx.config.mcp.max_body_bytes,
    rateLimit: { perSecond: ctx.config.mcp.rate_limit_per_second, burst: ctx.config.mcp.rate_limit_burst },
    onError: (e) => ctx.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'mcp http'),
  });
  ctx.router.mount(MCP_HTTP_DEFAULTS.path, async (req, res) => {
    if (!(await handler(req, res))) sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
  });
  ctx.onStop(() => handler.close());
};
