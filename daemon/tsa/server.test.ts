import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerificationError } from '../../core/errors.js';
import { createTimestampRequest } from '../../core/timestamp/request.js';
import { parseTimestampResponse } from '../../core/timestamp/response.js';
import { verifyTimestampResponse } from '../../core/timestamp/verify.js';
import { checkpoint, thrown } from '../../test/tsa-fixtures.js';
import { devTsaPaths, ensureDevTsa, loadDevTsa, type DevTsa } from './devtsa.js';
import { serveTsa, type RunningTsa } from './server.js';

let home: string;
let tsa: DevTsa;
let running: RunningTsa;
const events: { status: number }[] = [];

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'tsa-serve-'));
  await ensureDevTsa(home, 'serve.example/log');
  tsa = await loadDevTsa(home);
  running = await serveTsa({ signer: tsa, maxRequestBytes: 1024, onRequest: (e) => events.push(e) });
});
afterAll(async () => {
  await running.close();
  rmSync(home, { recursive: true, force: true });
});

function post(body: Uint8Array | string, headers: Record<string, string> = { 'content-type': 'application/timestamp-query' }, method = 'POST'): Promise<{ status: number; type: string; body: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const req = request(running.url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: new Uint8Array(Buffer.concat(chunks)) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('tsa serve', () => {
  it('binds 127.0.0.1 by default on a free port', () => {
    expect(running.host).toBe('127.0.0.1');
    expect(running.port).toBeGreaterThan(0);
    expect(running.url).toBe(`http://127.0.0.1:${running.port}/`);
  });

  it('answers a query made by openssl ts -query, and openssl verifies the reply against it', async () => {
    const dir = mkdtempSync(join(home, 'q-'));
    const cp = checkpoint(5);
    writeFileSync(join(dir, 'body'), cp.body);
    execFileSync('openssl', ['ts', '-query', '-data', join(dir, 'body'), '-sha256', '-cert', '-out', join(dir, 'q.tsq')], { stdio: 'pipe' });
    const query = readFileSync(join(dir, 'q.tsq'));
    const r = await post(query);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/timestamp-reply');
    writeFileSync(join(dir, 'r.tsr'), r.body);
    const p = devTsaPaths(home);
    const out = execFileSync('openssl', ['ts', '-verify', '-queryfile', join(dir, 'q.tsq'), '-in', join(dir, 'r.tsr'), '-CAfile', p.caCert, '-untrusted', p.tsaCert], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toContain('Verification: OK');
  });

  it('405 for GET', async () => {
    expect((await post('', {}, 'GET')).status).toBe(405);
  });

  it('415 for another media type', async () => {
    const req = createTimestampRequest({ digest: checkpoint(1).digest });
    expect((await post(req.der, { 'content-type': 'application/octet-stream' })).status).toBe(415);
  });

  it('413 for a body over the limit, declared or streamed', async () => {
    expect((await post(new Uint8Array(4096))).status).toBe(413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request(running.url, { method: 'POST', headers: { 'content-type': 'application/timestamp-query', 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write(new Uint8Array(512));
      req.end();
    });
    expect(chunked).toBe(413);
  });

  it('400 with a badDataFormat rejection for bytes that are not a request', async () => {
    const r = await post(new Uint8Array([0x30, 0x03, 0x02, 0x01]));
    expect(r.status).toBe(400);
    expect(parseTimestampResponse(r.body)).toMatchObject({ status: 2, failInfo: ['badDataFormat'] });
  });

  it('200 with a rejection status for a policy it does not offer (TSA_STATUS for the client)', async () => {
    const cp = checkpoint(2);
    const req = createTimestampRequest({ digest: cp.digest, policy: '1.2.3.4.99' });
    const r = await post(req.der);
    expect(r.status).toBe(200);
    const e = thrown(() => verifyTimestampResponse(r.body, { digest: cp.digest, trustedCAs: [tsa.caCertificate] }));
    expect(e).toBeInstanceOf(VerificationError);
    expect((e as VerificationError).code).toBe('TSA_STATUS');
  });

  it('reports each answered request', () => {
    expect(events.map((e) => e.status)).toEqual(expect.arrayContaining([200, 405, 415, 413, 400]));
  });
});
