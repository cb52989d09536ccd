// Child process of bench/mcp.ts: hosts one log over MCP Streamable HTTP in its own process, so the
// benchmark's clients do not share the server's event loop. Usage:
//   node dist/bench/mcp-server.js HOME COUNT
// fills HOME with COUNT memories, then prints one JSON line {port, token, fillMs, treeSize} and
// serves until SIGTERM. Like the daemon, it publishes a checkpoint every second when the tree grew.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalService } from '../daemon/local.js';
import { createMcpHttpHandler } from '../mcp/http.js';
import { addToken, tokensFilePath } from '../mcp/tokens.js';
import { fillMemories } from './mcp-data.js';

const [home, countArg] = process.argv.slice(2);
if (!home || !countArg) throw new Error('usage: mcp-server.js HOME COUNT');
const service = await LocalService.open(home, { mode: 'daemon' });
const t0 = performance.now();
await fillMemories(service, Number(countArg));
const fillMs = performance.now() - t0;
await service.checkpoint();

const { token } = addToken(tokensFilePath(home), { name: 'bench', scopes: ['write'] });
// No rate limit: the benchmark measures the server, not the limiter.
const handler = createMcpHttpHandler({ service, home, tokensFile: tokensFilePath(home), rateLimit: false });
const server = createServer((req, res) => {
  void handler(req, res).then((handled) => {
    if (!handled) {
      res.writeHead(404);
      res.end();
    }
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

const timer = setInterval(() => {
  void (async () => {
    const s = await service.status();
    if (s.treeSize > (s.lastCheckpoint?.size ?? 0)) await service.checkpoint();
  })();
}, 1000);

process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, token, fillMs, treeSize: (await service.status()).treeSize })}\n`);

process.once('SIGTERM', () => {
  clearInterval(timer);
  void (async () => {
    await handler.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await service.close();
    process.exit(0);
  })();
});
