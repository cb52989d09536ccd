// The control socket's decoder is outside input: property tests that garbage gives InputError and
// nothing else, and that an invalid call served by a real LocalService never writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { initHome } from './home.js';
import { LocalService } from './local.js';
import { callRpc, decodeCall, RPC_MAX_BODY, serveRpc, type RpcServer } from './rpc.js';

const METHODS = ['record', 'get', 'history', 'list', 'search', 'findBySha256', 'proof', 'bundle', 'checkpoint', 'latestCheckpoint', 'verifyLog', 'status'];

const method = fc.oneof(fc.constantFrom(...METHODS, 'close', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 80 }));
const jsonArgs = fc.oneof(
  fc.anything(),
  fc.array(fc.anything(), { maxLength: 4 }),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.record({ kind: fc.string(), subject: fc.anything() }, { requiredKeys: [] })), { maxLength: 3 }),
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string().map((s) => new TextEncoder().encode(s)),
  fc.anything().map((v) => new TextEncoder().encode(JSON.stringify(v) ?? 'undefined')),
  jsonArgs.map((a) => new TextEncoder().encode(JSON.stringify({ args: a }) ?? '')),
  jsonArgs.map((a) => new TextEncoder().encode(JSON.stringify({ args: a, extra: 1 }) ?? '')),
);

function decodes(m: string, b: Uint8Array): boolean {
  try {
    decodeCall(m, b);
    return true;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return false;
  }
}

describe('decodeCall', () => {
  it('throws only InputError BAD_INPUT for any method name and body', () => {
    fc.assert(
      fc.property(method, body, (m, b) => {
        try {
          const call = decodeCall(m, b);
          expect(METHODS).toContain(call.method);
          expect(Array.isArray(call.args)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('BAD_INPUT');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts well-formed calls and returns their checked arguments', () => {
    const id = 'ab'.repeat(32);
    expect(decodeCall('get', new TextEncoder().encode(JSON.stringify({ args: [id] })))).toEqual({ method: 'get', args: [id] });
    expect(decodeCall('status', new TextEncoder().encode('{"args":[]}'))).toEqual({ method: 'status', args: [] });
    const rec = { kind: 'decision', subject: { title: 't' }, idempotencyKey: 'k' };
    expect(decodeCall('record', new TextEncoder().encode(JSON.stringify({ args: [rec] })))).toEqual({ method: 'record', args: [rec] });
  });

  it('refuses unknown record fields and over-long idempotency keys', () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify({ args: [v] }));
    expect(decodes('record', enc({ kind: 'decision', subject: {}, origin: 'forged.example' }))).toBe(false);
    expect(decodes('record', enc({ kind: 'decision', subject: {}, idempotencyKey: 'k'.repeat(257) }))).toBe(false);
    expect(decodes('close', new TextEncoder().encode('{"args":[]}'))).toBe(false);
  });
});

describe('the control socket with invalid calls', () => {
  let dir: string;
  let svc: LocalService;
  let rpc: RpcServer;
  let sock: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'remembrancer-rpc-'));
    const home = join(dir, 'home');
    await initHome(home, { origin: 'example.org/rpc-test' });
    svc = await LocalService.open(home, { mode: 'daemon' });
    sock = join(home, 'control.sock');
    rpc = await serveRpc(svc, sock);
    await svc.record({ kind: 'decision', subject: { title: 'seed', body: 'one receipt so reads have something' } });
  });

  afterAll(async () => {
    await rpc?.close();
    await svc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function post(path: string, b: Uint8Array, method = 'POST'): Promise<{ status: number; json: { ok: boolean; error?: { code: string; family: string } } }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: sock, path, method, headers: { 'content-length': b.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      req.end(b);
    });
  }

  it('is a 0600 socket', () => {
    expect(statSync(sock).mode & 0o777).toBe(0o600);
  });

  it('answers every invalid call with an input-family error and never writes', async () => {
    const size = svc.log.size();
    const cp = svc.log.latestCheckpoint();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...METHODS), fc.stringMatching(/^[A-Za-z0-9]{1,20}$/)),
        body,
        async (m, b) => {
          fc.pre(!decodes(m, b));
          const r = await post(`/rpc/${m}`, b);
          expect(r.status).toBe(200);
          expect(r.json.ok).toBe(false);
          expect(r.json.error?.family).toBe('input');
          expect(r.json.error?.code).toBe('BAD_INPUT');
        },
      ),
      { numRuns: 300 },
    );
    expect(svc.log.size()).toBe(size);
    expect(svc.log.latestCheckpoint()).toEqual(cp);
  });

  it('refuses an over-long body and unknown routes without writing', async () => {
    const size = svc.log.size();
    const big = await post('/rpc/record', new Uint8Array(RPC_MAX_BODY + 1).fill(0x20));
    expect(big.json.ok).toBe(false);
    expect((await post('/rpc/record', new Uint8Array(0), 'GET')).status).toBe(404);
    expect((await post('/nothing', new Uint8Array(0))).status).toBe(404);
    expect(svc.log.size()).toBe(size);
  });

  it('routes every method name, digits included', async () => {
    expect(await callRpc(sock, 'findBySha256', ['0'.repeat(64)])).toEqual([]);
  });

  it('refuses a deeply nested subject without writing', async () => {
    const size = svc.log.size();
    const deep = `{"args":[{"kind":"decision","subject":{"title":${'['.repeat(100_000)}${']'.repeat(100_000)}}}]}`;
    const r = await post('/rpc/record', new TextEncoder().encode(deep));
    expect(r.json.ok).toBe(false);
    expect(r.json.error?.family).toBe('input');
    expect(svc.log.size()).toBe(size);
  });

  it('maps a service error to its typed error on the client side', async () => {
    const err = await callRpc(sock, 'get', ['0'.repeat(64)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('NOT_FOUND');
    expect((err as InputError).hint).toBeTruthy();
  });
});
