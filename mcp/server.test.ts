// createMcpServer against a real LocalService (SQLite store, OpenPGP keys, dev TSA) in a temp
// home, through a real SDK Client linked in memory (STYLE: no mocks of the thing under test).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { LocalService } from '../daemon/local.js';
import { MCP_LIMITS } from './limits.js';
import {
  authInfo,
  callOk,
  connectInMemory,
  errorCode,
  errorText,
  exerciseAllTools,
  listToolMap,
  makeHome,
  wireBytes,
  type Exercise,
  type TempHome,
} from './testkit.js';
import { TOOLS, WRITE_TOOLS } from './tools.js';

let t: TempHome;
let service: LocalService;
let stdio: Awaited<ReturnType<typeof connectInMemory>>;
let client: Client;
let tools: Map<string, Tool>;
let ex: Exercise;

const treeSize = async () => (await service.status()).treeSize;
const call = async (name: string, args: unknown) => (await client.callTool({ name, arguments: args as Record<string, unknown> })) as CallToolResult;

beforeAll(async () => {
  t = await makeHome();
  service = await LocalService.open(t.home);
  stdio = await connectInMemory(service, { transport: 'stdio', home: t.home });
  client = stdio.client;
  tools = await listToolMap(client);
  ex = await exerciseAllTools(client);
});

afterAll(async () => {
  await stdio?.close();
  await service?.close();
  t?.cleanup();
});

describe('tools/list', () => {
  it('marks exactly the recording tools as writes, the corrections destructive and never idempotent, every other tool read-only', () => {
    const corrections = ['redact_memory', 'retract_memory', 'supersede_memory'];
    for (const def of TOOLS) {
      const a = tools.get(def.name)!.annotations!;
      expect(a.readOnlyHint, def.name).toBe(!WRITE_TOOLS.has(def.name));
      expect(a.destructiveHint, def.name).toBe(corrections.includes(def.name));
      if (WRITE_TOOLS.has(def.name)) expect(a.idempotentHint, def.name).toBe(false);
    }
    expect([...WRITE_TOOLS].sort()).toEqual(['record_artifact', 'record_decision', 'record_memory', ...corrections]);
  });

  it('declares strict input schemas (unknown arguments are refused)', () => {
    for (const tool of tools.values()) expect(tool.inputSchema.additionalProperties, tool.name).toBe(false);
  });
});

describe('recording', () => {
  it('returns the same receipt for a retried idempotencyKey', async () => {
    const before = await treeSize();
    const a = await callOk(client, tools, 'record_memory', { text: 'retry me', idempotencyKey: 'k-1' });
    const b = await callOk(client, tools, 'record_memory', { text: 'retry me', idempotencyKey: 'k-1' });
    expect(b.id).toBe(a.id);
    expect(await treeSize()).toBe(before + 1);
  });

  it('hashes a local file for record_artifact over stdio', async () => {
    const p = join(t.dir, 'a.bin');
    writeFileSync(p, 'artifact bytes');
    const r = await callOk(client, tools, 'record_artifact', { path: p });
    expect(r.sha256).toBe(createHash('sha256').update('artifact bytes').digest('hex'));
    expect(r.name).toBe('a.bin');
    expect(r.size).toBe(14);
  });

  it('refuses a path and a sha256 together, and a sha256 without a name', async () => {
    expect(errorCode(await call('record_artifact', { path: '/x', sha256: 'ab'.repeat(32), name: 'n' }))).toBe('BAD_INPUT');
    expect(errorCode(await call('record_artifact', { sha256: 'ab'.repeat(32) }))).toBe('BAD_INPUT');
  });

  it('reports a missing file as IO with a hint, like the CLI', async () => {
    const r = await call('record_artifact', { path: join(t.dir, 'missing.bin') });
    expect(r.isError).toBe(true);
    expect(errorText(r)).toMatch(/^error\[IO\]: cannot read .*missing\.bin: ENOENT\nhint: check the file path$/);
  });
});

describe('errors are isError results with the CLI code', () => {
  it('bad arguments: BAD_INPUT naming the field', async () => {
    const r = await call('record_memory', { text: 5 });
    expect(r.isError).toBe(true);
    expect(errorText(r)).toMatch(/^error\[BAD_INPUT\]: invalid arguments for record_memory: text: /);
    expect(r.structuredContent).toBeUndefined();
  });

  it('unknown receipt: NOT_FOUND with a hint', async () => {
    const r = await call('get_receipt', { id: '0'.repeat(64) });
    expect(errorCode(r)).toBe('NOT_FOUND');
    expect(errorText(r)).toContain('\nhint: ');
  });

  it('a bad cursor: BAD_INPUT', async () => {
    expect(errorCode(await call('list_receipts', { cursor: 'not-a-cursor' }))).toBe('BAD_INPUT');
  });

  it('an unknown tool is a protocol error (MCP: tool not found)', async () => {
    await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/not found/);
  });

  it('a tampered bundle: the report, with the failing check as the error code', async () => {
    const b = structuredClone(ex.bundle) as { entry: { receipt: { time: string } } };
    b.entry.receipt.time = '2000-01-01T00:00:00Z';
    const r = await call('verify_bundle', { bundle: b });
    expect(r.isError).toBe(true);
    expect(errorCode(r)).toBe('RECEIPT_SIGNATURE');
    const report = r.structuredContent as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => c.name)).toEqual(['schema', 'receipt signature', 'leaf hash', 'checkpoint signature', 'inclusion proof', 'timestamp']);
  });

  it('a bundle as JSON text verifies too; text that is not JSON is NOT_JSON', async () => {
    const r = await callOk(client, tools, 'verify_bundle', { bundle: JSON.stringify(ex.bundle), expectedId: ex.memoryId });
    expect(r.ok).toBe(true);
    expect(errorCode(await call('verify_bundle', { bundle: '{nope' }))).toBe('NOT_JSON');
  });

  it('a bundle for another id fails LEAF_HASH', async () => {
    const r = await call('verify_bundle', { bundle: ex.bundle, expectedId: ex.decisionId });
    expect(errorCode(r)).toBe('LEAF_HASH');
  });

  it('a digest never recorded: NOT_FOUND_IN_LOG', async () => {
    const r = await call('verify_artifact', { sha256: 'cd'.repeat(32) });
    expect(errorCode(r)).toBe('NOT_FOUND_IN_LOG');
    expect((r.structuredContent as { ok: boolean; recorded: number }).recorded).toBe(0);
  });
});

describe('response caps', () => {
  it('cuts list pages to the byte cap and pages through everything exactly once', async () => {
    const long = 'x'.repeat(300);
    await Promise.all(Array.from({ length: 260 }, (_, i) => service.record({ kind: 'memory', subject: { text: `capped ${i} ${long}` } })));
    const size = await treeSize();
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = (await client.callTool({ name: 'list_receipts', arguments: { limit: 200, history: true, ...(cursor ? { cursor } : {}) } })) as CallToolResult;
      expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(MCP_LIMITS.pageBytes);
      const page = r.structuredContent as { items: { id: string; summary: string }[]; nextCursor: string | null };
      for (const i of page.items) {
        expect(seen.has(i.id)).toBe(false);
        seen.add(i.id);
        expect(i.summary.length).toBeLessThanOrEqual(MCP_LIMITS.itemText);
      }
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen.size).toBe(size);
    expect(pages).toBeGreaterThan(Math.ceil(size / 200)); // some page was cut by bytes, not by count
  });

  it('clips a huge snippet', async () => {
    await service.record({ kind: 'memory', subject: { text: `hugeword${'q'.repeat(60_000)}` } });
    const r = await callOk(client, tools, 'search_memories', { query: 'hugeword' });
    const hit = (r.items as { snippet: string }[])[0]!;
    expect(hit.snippet.length).toBeLessThanOrEqual(MCP_LIMITS.itemText);
  });

  it('returns the longest text a stretch at a time (offset / nextOffset), and refuses a resource over the cap with TOO_LARGE', async () => {
    const text = `${'\u0001'.repeat(65_000)}end`;
    const { id } = await service.record({ kind: 'memory', subject: { text } });
    let read = '';
    let offset: number | undefined = 0;
    let calls = 0;
    while (offset !== undefined) {
      const r = (await client.callTool({ name: 'get_receipt', arguments: { id, offset } })) as CallToolResult;
      expect(r.isError, errorText(r)).toBeFalsy();
      expect(wireBytes(r)).toBeLessThanOrEqual(MCP_LIMITS.resultBytes);
      const c = (r.structuredContent as { content: { text: string; offset: number; truncated: boolean; nextOffset?: number; totalChars: number } }).content;
      expect(c.offset).toBe(offset);
      expect(c.text.length).toBeLessThanOrEqual(MCP_LIMITS.textChunk);
      expect(c.truncated).toBe(c.nextOffset !== undefined);
      expect(c.totalChars).toBe(text.length);
      read += c.text;
      offset = c.nextOffset;
      calls++;
    }
    expect(read).toBe(text);
    expect(calls).toBe(Math.ceil(text.length / MCP_LIMITS.textChunk));
    expect(errorCode(await call('get_receipt', { id, offset: text.length + 1 }))).toBe('BAD_INPUT');
    await expect(client.readResource({ uri: `remembrancer://receipt/${id}` })).rejects.toThrow(/error\[TOO_LARGE\]/);
  });
});

describe('resources', () => {
  it('lists receipts with a cursor, the latest checkpoint first', async () => {
    const first = await client.listResources();
    expect(first.resources[0]!.uri).toBe('remembrancer://checkpoint/latest');
    expect(first.resources).toHaveLength(MCP_LIMITS.resourcePage + 1);
    expect(first.nextCursor).toBeTruthy();
    const second = await client.listResources({ cursor: first.nextCursor! });
    expect(second.resources.every((r) => r.uri.startsWith('remembrancer://receipt/'))).toBe(true);
    const ids = new Set([...first.resources, ...second.resources].map((r) => r.uri));
    expect(ids.size).toBe(first.resources.length + second.resources.length);
  });

  it('has templates for receipts and bundles', async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate).sort()).toEqual(['remembrancer://bundle/{id}', 'remembrancer://receipt/{id}']);
  });

  it('reads a receipt, its bundle and the latest checkpoint', async () => {
    const r = await client.readResource({ uri: `remembrancer://receipt/${ex.memoryId}` });
    expect(JSON.parse((r.contents[0] as { text: string }).text).id).toBe(ex.memoryId);
    const b = await client.readResource({ uri: `remembrancer://bundle/${ex.memoryId}` });
    expect(b.contents[0]!.mimeType).toBe('application/vnd.remembrancer.bundle.v1+json');
    const report = await callOk(client, tools, 'verify_bundle', { bundle: (b.contents[0] as { text: string }).text, expectedId: ex.memoryId });
    expect(report.ok).toBe(true);
    const c = await client.readResource({ uri: 'remembrancer://checkpoint/latest' });
    expect(JSON.parse((c.contents[0] as { text: string }).text).size).toBeGreaterThan(0);
  });

  it('answers an unknown receipt with resource-not-found and a malformed id with invalid params', async () => {
    await expect(client.readResource({ uri: `remembrancer://receipt/${'0'.repeat(64)}` })).rejects.toMatchObject({ code: -32002 });
    await expect(client.readResource({ uri: 'remembrancer://receipt/xyz' })).rejects.toMatchObject({ code: -32602 });
  });
});

describe('callers from HTTP tokens', () => {
  it('a read token cannot record (FORBIDDEN), and nothing is written', async () => {
    const c = await connectInMemory(service, { transport: 'http', home: t.home }, authInfo('reader', ['read']));
    try {
      const before = await treeSize();
      const r = (await c.client.callTool({ name: 'record_memory', arguments: { text: 'sneaky' } })) as CallToolResult;
      expect(errorCode(r)).toBe('FORBIDDEN');
      expect(await treeSize()).toBe(before);
      expect((await c.client.callTool({ name: 'health', arguments: {} })).isError).toBeFalsy();
    } finally {
      await c.close();
    }
  });

  it('a request without credentials over HTTP is refused (fail closed)', async () => {
    const c = await connectInMemory(service, { transport: 'http', home: t.home });
    try {
      expect(errorCode((await c.client.callTool({ name: 'health', arguments: {} })) as CallToolResult)).toBe('FORBIDDEN');
    } finally {
      await c.close();
    }
  });

  it('never reads a path for a remote caller', async () => {
    const c = await connectInMemory(service, { transport: 'http', home: t.home }, authInfo('writer', ['read', 'write']));
    try {
      const r = (await c.client.callTool({ name: 'record_artifact', arguments: { path: '/etc/hostname' } })) as CallToolResult;
      expect(errorCode(r)).toBe('FORBIDDEN');
    } finally {
      await c.close();
    }
  });

  it('a namespace-restricted token writes and sees only its namespaces', async () => {
    const other = await service.record({ kind: 'memory', subject: { text: 'private to team-b' }, namespace: 'team-b' });
    const c = await connectInMemory(service, { transport: 'http', home: t.home }, authInfo('a', ['read', 'write'], { namespaces: ['team-a'] }));
    try {
      const tm = await listToolMap(c.client);
      const mine = await callOk(c.client, tm, 'record_memory', { text: 'team a knows the kiwi' });
      expect(mine.namespace).toBe('team-a');
      expect(errorCode((await c.client.callTool({ name: 'record_memory', arguments: { text: 'x', namespace: 'team-b' } })) as CallToolResult)).toBe('FORBIDDEN');
      expect(errorCode((await c.client.callTool({ name: 'get_receipt', arguments: { id: other.id } })) as CallToolResult)).toBe('NOT_FOUND');
      expect(errorCode((await c.client.callTool({ name: 'prove_inclusion', arguments: { id: other.id } })) as CallToolResult)).toBe('NOT_FOUND');
      const list = await callOk(c.client, tm, 'list_receipts', { limit: 200 });
      expect((list.items as { namespace?: string }[]).every((i) => i.namespace === 'team-a')).toBe(true);
      expect(errorCode((await c.client.callTool({ name: 'search_memories', arguments: { query: 'private', namespace: 'team-b' } })) as CallToolResult)).toBe('FORBIDDEN');
      await expect(c.client.readResource({ uri: `remembrancer://receipt/${other.id}` })).rejects.toMatchObject({ code: -32002 });
    } finally {
      await c.close();
    }
  });
});

describe('random arguments (fast-check)', () => {
  // Arguments of every JSON shape, plus near-misses of valid ones (a field of the wrong type or size).
  const jsonValue = fc.jsonValue({ maxDepth: 3 });
  const nearMiss = fc.record(
    {
      text: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(''), fc.constant(null)),
      id: fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })),
      sha256: fc.string({ maxLength: 70 }),
      query: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('"*()')),
      limit: fc.oneof(fc.integer(), fc.double()),
      cursor: fc.string({ maxLength: 20 }),
      bundle: fc.oneof(jsonValue, fc.string({ maxLength: 40 })),
      namespace: fc.string({ maxLength: 10 }),
      extra: jsonValue,
    },
    { requiredKeys: [] },
  );
  const args = fc.oneof(jsonValue, nearMiss, fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 4 }));

  it('never crash the server and never write', async () => {
    const before = await treeSize();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...TOOLS), args, async (def, a) => {
        // A write tool given arguments that happen to be valid would rightly write: skip those.
        fc.pre(!(def.writes && def.input.safeParse(a ?? {}).success));
        let r: CallToolResult;
        try {
          r = (await client.callTool({ name: def.name, arguments: a as Record<string, unknown> })) as CallToolResult;
        } catch (e) {
          // Only arguments that are not an object at all fail at the protocol level (invalid params).
          expect(a !== null && typeof a === 'object' && !Array.isArray(a)).toBe(false);
          expect((e as { code?: number }).code).toBe(-32602);
          return;
        }
        if (r.isError) expect(errorText(r)).toMatch(/^error\[[A-Z_]+\]: /);
        else expect(() => JSON.stringify(r.structuredContent)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    expect(await treeSize()).toBe(before);
    expect((await client.callTool({ name: 'health', arguments: {} })).isError).toBeFalsy();
  });
});
