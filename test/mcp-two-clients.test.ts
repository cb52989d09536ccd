// Two MCP clients writing concurrently to ONE spawned daemon (`node dist/cli/main.js daemon`; run
// `npm run build` first): one over stdio (`remembrancer mcp`, which goes through the daemon's
// control socket) and one over Streamable HTTP at /mcp with a bearer token from `tokens add`.
// No acknowledged write is lost, none is duplicated (retried idempotency keys), each sees the
// other's memories in their shared namespace, and private namespaces stay private.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BIN, cli } from './cli-helpers.js';
import { daemonHome, spawnDaemon, type DaemonHome, type SpawnedDaemon } from './daemon-helpers.js';

let h: DaemonHome;
let d: SpawnedDaemon;
let stdio: Client;
let http: Client;
let outsider: Client;
let stdioErr = '';

const WRITES = 100;

function tokenAdd(args: string[]): string {
  const r = cli(h.home, ['tokens', 'add', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { token: string }).token;
}

async function httpClient(address: string, token: string, name: string): Promise<Client> {
  const c = new Client({ name, version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(`http://${address}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return c;
}

async function tool(c: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await c.callTool({ name, arguments: args })) as CallToolResult;
}

async function okTool<T = Record<string, unknown>>(c: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await tool(c, name, args);
  const text = r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');
  expect(r.isError, `${name}: ${text}`).toBeFalsy();
  return r.structuredContent as T;
}

const code = (r: CallToolResult) => /^error\[([A-Z_]+)\]/.exec(r.content[0]?.type === 'text' ? r.content[0].text : '')?.[1];

/** Every id a listing (or search) shows, following cursors. */
async function listIds(c: Client, args: Record<string, unknown>, name = 'list_receipts'): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const p = await okTool<{ items: { id: string }[]; nextCursor: string | null }>(c, name, { limit: 200, ...args, ...(cursor ? { cursor } : {}) });
    out.push(...p.items.map((i) => i.id));
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
  return out.sort();
}

interface Ack {
  key: string;
  id: string;
  namespace: string;
  via: unknown;
}

/**
 * WRITES record_memory calls from one client, 8 in flight at a time. Every fifth key is sent twice
 * at once (a duplicate in flight), every fifth+1 is sent again after its answer (a retry): both
 * copies must come back with the same receipt.
 */
async function writer(c: Client, who: string, privateNs: string): Promise<Ack[]> {
  const acks: Ack[] = [];
  let next = 0;
  const one = async (i: number) => {
    const key = `${who}-${i}`;
    const namespace = i % 4 === 3 ? privateNs : 'shared';
    const args = { text: `${who} memory ${i} (${namespace === 'shared' ? 'sharedword' : `${who}secret`})`, namespace, idempotencyKey: key };
    const first = i % 5 === 0 ? await Promise.all([okTool<{ id: string; provenance: { recordedVia: unknown } }>(c, 'record_memory', args), okTool<{ id: string }>(c, 'record_memory', args)]) : [await okTool<{ id: string; provenance: { recordedVia: unknown } }>(c, 'record_memory', args)];
    if (first.length === 2) expect(first[1]!.id).toBe(first[0]!.id);
    if (i % 5 === 1) expect((await okTool<{ id: string }>(c, 'record_memory', args)).id).toBe(first[0]!.id);
    acks.push({ key, id: first[0]!.id, namespace, via: first[0]!.provenance.recordedVia });
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < WRITES) await one(next++);
    }),
  );
  return acks;
}

beforeAll(async () => {
  h = await daemonHome({ prefix: 'remembrancer-mcp-two-' });
  const httpToken = tokenAdd(['--scope', 'write', '--name', 'agent-h', '--namespace', 'shared', '--namespace', 'h-private', '--default-namespace', 'shared']);
  const outsiderToken = tokenAdd(['--scope', 'read', '--name', 'outsider', '--namespace', 'elsewhere']);
  d = spawnDaemon(h.home);
  const ready = await d.ready;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'REMEMBRANCER_HOME') env[k] = v;
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, '--home', h.home, 'mcp'], env, stderr: 'pipe' });
  transport.stderr?.on('data', (x: Buffer) => (stdioErr += x.toString()));
  stdio = new Client({ name: 'stdio-agent', version: '1.0.0' });
  await stdio.connect(transport);
  http = await httpClient(ready.http, httpToken, 'http-agent');
  outsider = await httpClient(ready.http, outsiderToken, 'outsider-agent');
}, 60_000);

afterAll(async () => {
  await stdio?.close();
  await http?.close();
  await outsider?.close();
  if (d && d.child.exitCode === null && d.child.signalCode === null) {
    d.child.kill('SIGTERM');
    await d.exited;
  }
  h?.cleanup();
});

describe('two MCP clients (stdio through the daemon socket, Streamable HTTP) on one daemon', () => {
  it('lose no write, duplicate none, share the shared namespace and keep private ones private', async () => {
    const health = await okTool<{ mode: string }>(stdio, 'health', {});
    expect(health.mode).toBe('daemon'); // the stdio server is a client of the daemon, not a second writer

    const [s, w] = await Promise.all([writer(stdio, 'stdio', 's-private'), writer(http, 'http', 'h-private')]);
    const acked = [...s, ...w];
    expect(acked).toHaveLength(2 * WRITES);
    expect(new Set(acked.map((a) => a.id)).size).toBe(2 * WRITES); // one receipt per key, however often it was sent

    // Nothing lost, nothing extra: the log holds exactly the acknowledged receipts.
    const everything = await listIds(stdio, { allNamespaces: true, history: true });
    expect(everything).toEqual(acked.map((a) => a.id).sort());
    expect((await okTool<{ treeSize: number }>(stdio, 'health', {})).treeSize).toBe(2 * WRITES);

    // Both see both clients' shared memories (the HTTP token's default namespace is shared).
    const shared = acked.filter((a) => a.namespace === 'shared').map((a) => a.id).sort();
    expect(await listIds(http, {})).toEqual(shared);
    expect(await listIds(stdio, { namespace: 'shared' })).toEqual(shared);
    const found = await listIds(http, { query: 'stdio memory sharedword' }, 'search_memories');
    expect(found).toEqual(s.filter((a) => a.namespace === 'shared').map((a) => a.id).sort());

    // The stdio client's private namespace is invisible to the HTTP token: listing it is refused,
    // its receipts read as missing, and search finds nothing of them.
    const sPrivate = s.filter((a) => a.namespace === 's-private');
    expect(code(await tool(http, 'list_receipts', { namespace: 's-private' }))).toBe('FORBIDDEN');
    for (const a of sPrivate.slice(0, 5)) {
      expect(code(await tool(http, 'get_receipt', { id: a.id }))).toBe('NOT_FOUND');
      expect(code(await tool(http, 'prove_inclusion', { id: a.id }))).toBe('NOT_FOUND');
    }
    expect((await okTool<{ items: unknown[] }>(http, 'search_memories', { query: 'stdiosecret', namespace: 'h-private' })).items).toEqual([]);
    expect(code(await tool(http, 'search_memories', { query: 'stdiosecret', allNamespaces: true }))).toBe('FORBIDDEN');
    // …and the HTTP token's private namespace holds exactly its own private memories.
    expect(await listIds(http, { namespace: 'h-private' })).toEqual(w.filter((a) => a.namespace === 'h-private').map((a) => a.id).sort());
    // A token for another namespace sees none of it.
    expect(await listIds(outsider, {})).toEqual([]);
    expect(code(await tool(outsider, 'get_receipt', { id: shared[0]! }))).toBe('NOT_FOUND');

    // Provenance: one signing key; the client and token names as each session knew them.
    expect(new Set(s.map((a) => JSON.stringify(a.via)))).toEqual(new Set([JSON.stringify({ transport: 'stdio', client: 'stdio-agent' })]));
    expect(new Set(w.map((a) => JSON.stringify(a.via)))).toEqual(new Set([JSON.stringify({ transport: 'http', client: 'http-agent', token: 'agent-h' })]));
    const fromStdio = await okTool<{ provenance: { recordedBy: { keyFingerprint: string } } }>(stdio, 'get_receipt', { id: w[0]!.id });
    const fromHttp = await okTool<{ provenance: { recordedBy: { keyFingerprint: string } } }>(http, 'get_receipt', { id: s.find((a) => a.namespace === 'shared')!.id });
    expect(fromStdio.provenance.recordedBy.keyFingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect(fromHttp.provenance.recordedBy.keyFingerprint).toBe(fromStdio.provenance.recordedBy.keyFingerprint);

    // A correction made by one client is the other's current view; the old receipt still proves.
    const target = w.find((a) => a.namespace === 'shared')!;
    const fixed = await okTool<{ id: string }>(stdio, 'supersede_memory', { id: target.id, text: 'http memory, corrected by stdio (sharedword)' });
    const now = await listIds(http, {});
    expect(now).toContain(fixed.id);
    expect(now).not.toContain(target.id);
    const chain = await okTool<{ history: { items: { id: string; role: string }[] } }>(http, 'get_receipt', { id: fixed.id, history: true });
    expect(chain.history.items.map((i) => [i.id, i.role])).toEqual([
      [target.id, 'superseded'],
      [fixed.id, 'current'],
    ]);
    const proof = await okTool<{ bundle: unknown }>(http, 'prove_inclusion', { id: target.id });
    expect(await okTool(stdio, 'verify_bundle', { bundle: proof.bundle, expectedId: target.id })).toMatchObject({ ok: true });
    expect(stdioErr).toBe('');
  }, 60_000);
});
