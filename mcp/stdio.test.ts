// `remembrancer mcp` as an agent runs it: the BUILT binary (run `npm run build` first) spawned by the
// SDK's StdioClientTransport and by the MCP Inspector CLI; bundles it returns verify with the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BIN, cli } from '../test/cli-helpers.js';
import { callOk, exerciseAllTools, makeHome, TOOL_NAMES, type TempHome } from './testkit.js';

const INSPECTOR = resolve(import.meta.dirname, '..', 'node_modules', '@modelcontextprotocol', 'inspector', 'cli', 'build', 'cli.js');
const env = (): Record<string, string> => {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'REMEMBRANCER_HOME') e[k] = v;
  return e;
};

let t: TempHome;

beforeAll(async () => {
  t = await makeHome('remembrancer-mcp-stdio-');
});

afterAll(() => t?.cleanup());

function stdioClient(home: string) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, '--home', home, 'mcp'], env: env(), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return { transport, stderr: () => stderr };
}

describe('SDK client over stdio, spawning `remembrancer mcp`', () => {
  it('calls every tool; the bundle it proves verifies with `remembrancer verify`; exit publishes a checkpoint', async () => {
    const artifact = join(t.dir, 'release.tar');
    writeFileSync(artifact, 'release bytes');
    const { transport, stderr } = stdioClient(t.home);
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    let bundlePath: string;
    let lastId: string;
    try {
      const ex = await exerciseAllTools(client, { artifactPath: artifact });
      expect(ex.artifactSha256).toBe(createHash('sha256').update('release bytes').digest('hex'));
      expect(ex.results.get('health')).toMatchObject({ transport: 'stdio', mode: 'direct' });
      bundlePath = join(t.dir, 'memory.bundle.json');
      writeFileSync(bundlePath, JSON.stringify(ex.bundle));
      // A write after the last checkpoint: the server publishes one covering it when it exits.
      const tools = ex.tools;
      lastId = (await callOk(client, tools, 'record_memory', { text: 'written just before exit' })).id as string;
    } finally {
      await client.close();
    }
    expect(stderr()).toBe('');
    const v = cli(t.home, ['verify', '--json', bundlePath]);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
    const status = JSON.parse(cli(t.home, ['status', '--json']).stdout) as { treeSize: number; lastCheckpoint: { size: number } };
    expect(status.lastCheckpoint.size).toBe(status.treeSize);
    const b = cli(t.home, ['bundle', lastId]);
    expect(b.code).toBe(0);
  });

  it('stops when stdin closes, answering the calls already sent (pipelined)', async () => {
    const before = JSON.parse(cli(t.home, ['status', '--json']).stdout).treeSize as number;
    const lines = [
      { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      ...Array.from({ length: 20 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'record_memory', arguments: { text: `piped ${i}` } } })),
    ];
    const p = spawn(process.execPath, [BIN, '--home', t.home, 'mcp'], { env: env() });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin.end(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const code = await new Promise<number | null>((r) => p.on('close', r));
    expect(code).toBe(0);
    const replies = out.trim().split('\n').map((l) => JSON.parse(l) as { id: number; result?: CallToolResult });
    const ids = replies.filter((r) => r.id > 0).map((r) => r.result?.structuredContent?.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(JSON.parse(cli(t.home, ['status', '--json']).stdout).treeSize).toBe(before + 20);
  });
});

describe('MCP Inspector CLI against `remembrancer mcp`', () => {
  function inspector(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done) => {
      const p = spawn(process.execPath, [INSPECTOR, '--cli', process.execPath, BIN, '--home', t.home, 'mcp', ...args], { env: env() });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code) => done({ code, stdout, stderr }));
    });
  }

  it('lists the tools, records a memory, proves it and verifies the bundle', async () => {
    const list = await inspector(['--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout).tools as { name: string }[]).map((x) => x.name).sort()).toEqual([...TOOL_NAMES].sort());

    const rec = await inspector(['--method', 'tools/call', '--tool-name', 'record_memory', '--tool-arg', 'text=inspected memory', 'tags=["inspector"]']);
    expect(rec.code, rec.stderr).toBe(0);
    const recorded = JSON.parse(rec.stdout) as CallToolResult;
    expect(recorded.isError).toBeFalsy();
    const id = (recorded.structuredContent as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const proof = await inspector(['--method', 'tools/call', '--tool-name', 'prove_inclusion', '--tool-arg', `id=${id}`]);
    expect(proof.code, proof.stderr).toBe(0);
    const bundle = (JSON.parse(proof.stdout) as CallToolResult).structuredContent!.bundle;

    const verified = await inspector(['--method', 'tools/call', '--tool-name', 'verify_bundle', '--tool-arg', `bundle=${JSON.stringify(bundle)}`, `expectedId=${id}`]);
    expect(verified.code, verified.stderr).toBe(0);
    const report = JSON.parse(verified.stdout) as CallToolResult;
    expect(report.isError).toBeFalsy();
    expect(report.structuredContent).toMatchObject({ ok: true, id });
  });
});
