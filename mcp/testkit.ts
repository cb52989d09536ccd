// Test support shared by the MCP tests (in memory, stdio, HTTP): a fresh home, a client linked in
// memory to createMcpServer, and one pass over every tool that checks each structuredContent
// against the outputSchema the server declared (JSON Schema, checked with the SDK's ajv validator).
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaType } from '@modelcontextprotocol/sdk/validation/types.js';
import { initHome } from '../daemon/home.js';
import type { Service } from '../daemon/service.js';
import type { TokenClaims } from './caller.js';
import { createMcpServer, type McpServerContext } from './server.js';
import { STORED_DATA_NOTICE } from './limits.js';
import { TOOLS } from './tools.js';

export const TOOL_NAMES = TOOLS.map((t) => t.name);

export interface TempHome {
  dir: string;
  home: string;
  cleanup(): void;
}

export async function makeHome(prefix = 'remembrancer-mcp-'): Promise<TempHome> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  await initHome(home, { origin: 'mcp.test/log' });
  return { dir, home, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** AuthInfo as the HTTP handler builds it from a tokens.toml entry. */
export function authInfo(name: string, scopes: ('read' | 'write')[], claims: Partial<TokenClaims> = {}): AuthInfo {
  return { token: name, clientId: name, scopes, extra: { name, ...claims } };
}

/** A client linked in memory to a new server; `auth` is attached to every request (as HTTP would). */
export async function connectInMemory(service: Service, ctx: McpServerContext, auth?: AuthInfo) {
  const server = createMcpServer(service, ctx);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  if (auth) {
    const send = clientSide.send.bind(clientSide);
    clientSide.send = (message, options) => send(message, { ...options, authInfo: auth });
  }
  await server.connect(serverSide);
  const client = new Client({ name: 'remembrancer-test', version: '1.0.0' });
  await client.connect(clientSide);
  return {
    client,
    server,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

const ajv = new AjvJsonSchemaValidator();

/** Throws unless `value` matches the JSON Schema the tool declared. */
export function assertMatchesOutputSchema(tool: Tool, value: unknown): void {
  ok(tool.outputSchema, `${tool.name} declares no outputSchema`);
  const r = ajv.getValidator(tool.outputSchema as JsonSchemaType)(value);
  ok(r.valid, `${tool.name}: structuredContent does not match its outputSchema: ${r.errorMessage}`);
}

export type Structured = Record<string, unknown> & { [k: string]: unknown };

/** The error text of an isError result (`error[CODE]: …`): its first text block. */
export function errorText(r: CallToolResult): string {
  const t = r.content.find((c) => c.type === 'text');
  return t && t.type === 'text' ? t.text : '';
}

/** The JSON copy of a result's structuredContent: its last text block (after the stored-data notice, if any). */
export function jsonText(r: CallToolResult): string {
  const t = r.content.filter((c) => c.type === 'text').pop();
  return t && t.type === 'text' ? t.text : '';
}

/** Bytes of a tool result as sent: its content blocks and structuredContent, serialized. */
export function wireBytes(r: CallToolResult): number {
  return Buffer.byteLength(JSON.stringify({ content: r.content, structuredContent: r.structuredContent }), 'utf8');
}

export function errorCode(r: CallToolResult): string | undefined {
  return /^error\[([A-Z_]+)\]/.exec(errorText(r))?.[1];
}

/** Call a tool that must succeed; checks its structuredContent against the declared schema and its text copy. */
export async function callOk(client: Client, tools: Map<string, Tool>, name: string, args: Record<string, unknown>): Promise<Structured> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  ok(!r.isError, `${name} failed: ${errorText(r)}`);
  ok(r.structuredContent, `${name} returned no structuredContent`);
  assertMatchesOutputSchema(tools.get(name)!, r.structuredContent);
  deepStrictEqual(JSON.parse(jsonText(r)), r.structuredContent, `${name}: the text copy differs from structuredContent`);
  // Stored text reaches an agent only inside JSON, after the fixed stored-data notice.
  const def = TOOLS.find((t) => t.name === name);
  if (def?.storedData) {
    strictEqual(r.content.length, 2, `${name}: expected the notice and the JSON`);
    strictEqual(errorText(r), STORED_DATA_NOTICE);
  } else strictEqual(r.content.length, 1, `${name}: expected only the JSON`);
  return r.structuredContent as Structured;
}

export async function listToolMap(client: Client): Promise<Map<string, Tool>> {
  const { tools } = await client.listTools();
  return new Map(tools.map((t) => [t.name, t]));
}

export interface Exercise {
  tools: Map<string, Tool>;
  memoryId: string;
  decisionId: string;
  artifactId: string;
  artifactSha256: string;
  bundle: Structured;
  results: Map<string, Structured>;
}

/**
 * List the tools (every one titled, with all four hints and an outputSchema), then call each with
 * valid arguments and check what comes back. Throws (node:assert) on the first problem.
 */
export async function exerciseAllTools(client: Client, opts: { artifactPath?: string; artifactSha256?: string } = {}): Promise<Exercise> {
  const tools = await listToolMap(client);
  deepStrictEqual([...tools.keys()].sort(), [...TOOL_NAMES].sort());
  for (const t of tools.values()) {
    ok(t.title && t.description, `${t.name} has no title or description`);
    for (const h of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
      strictEqual(typeof t.annotations?.[h], 'boolean', `${t.name} does not set ${h}`);
    }
    ok(t.outputSchema, `${t.name} has no outputSchema`);
  }
  const results = new Map<string, Structured>();
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await callOk(client, tools, name, args);
    results.set(name, r);
    return r;
  };
  const mem = await call('record_memory', { text: 'the exercise memory mentions zanzibar', tags: ['exercise'] });
  const fpr = (mem.provenance as { recordedBy: { keyFingerprint: string } }).recordedBy.keyFingerprint;
  ok(/^[0-9a-f]{40}$/.test(fpr), `record_memory provenance names no key fingerprint: ${fpr}`);
  const dec = await call('record_decision', { title: 'use tiles', body: 'tiles make reads cacheable' });
  const art = opts.artifactPath
    ? await call('record_artifact', { path: opts.artifactPath })
    : await call('record_artifact', { sha256: opts.artifactSha256 ?? 'ab'.repeat(32), name: 'artifact.bin' });
  const got = await call('get_receipt', { id: mem.id });
  const held = got.content as { text?: string } | undefined;
  strictEqual(held?.text ?? (got.entry as { receipt: { subject: { text?: string } } }).receipt.subject.text, 'the exercise memory mentions zanzibar');
  const page = await call('list_receipts', { limit: 2 });
  strictEqual((page.items as unknown[]).length, 2);
  ok(typeof page.nextCursor === 'string');
  const page2 = await call('list_receipts', { limit: 2, cursor: page.nextCursor });
  ok((page2.items as { id: string }[]).some((i) => i.id === mem.id));
  const found = await call('search_memories', { query: 'zanzibar' });
  ok((found.items as { id: string; snippet: string }[]).some((i) => i.id === mem.id && i.snippet.includes('[zanzibar]')));
  const proof = await call('prove_inclusion', { id: mem.id });
  const report = await call('verify_bundle', { bundle: proof.bundle });
  strictEqual(report.ok, true);
  const artifact = await call('verify_artifact', { sha256: art.sha256 });
  strictEqual(artifact.ok, true);
  const cp = await call('get_checkpoint', {});
  ok(cp.checkpoint !== null);
  const h = await call('health', {});
  strictEqual(h.ok, true);
  deepStrictEqual(await call('list_peers', {}), { peers: [] });
  const fed = await call('federation_status', {});
  strictEqual((fed.origins as unknown[]).length, 1);
  // Corrections, on memories of their own (the ones above stay current).
  const outdated = await call('record_memory', { text: 'exercise: an outdated fact' });
  const corrected = await call('supersede_memory', { id: outdated.id, text: 'exercise: the corrected fact' });
  strictEqual(corrected.target, outdated.id);
  const retracted = await call('retract_memory', { id: corrected.id, reason: 'exercise: withdrawn' });
  strictEqual(retracted.target, corrected.id);
  const secret = await call('record_memory', { text: 'exercise: forget me' });
  const redacted = await call('redact_memory', { id: secret.id, reason: 'exercise' });
  strictEqual(redacted.textDeleted, true);
  deepStrictEqual([...results.keys()].sort(), [...TOOL_NAMES].sort());
  return {
    tools,
    memoryId: mem.id as string,
    decisionId: dec.id as string,
    artifactId: art.id as string,
    artifactSha256: art.sha256 as string,
    bundle: proof.bundle as Structured,
    results,
  };
}
