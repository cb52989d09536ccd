import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, VerificationError } from '../../core/errors.js';
import { parsePemCertificates } from '../../core/timestamp/pem.js';
import { createTimestampRequest } from '../../core/timestamp/request.js';
import { verifyTimestampToken } from '../../core/timestamp/verify.js';
import { OPENSSL_TSA_POLICY, startOpensslTsa, type OpensslTsa } from '../../test/openssl-tsa.js';
import { checkpoint, pem } from '../../test/tsa-fixtures.js';
import { TsaUnavailableError, timestampDigest, type TimestampClientOptions } from './client.js';
import { ensureDevTsa, loadDevTsa, type DevTsa } from './devtsa.js';
import { serveTsa, type RunningTsa } from './server.js';

const cp = checkpoint(1000);
const fast: TimestampClientOptions = { timeoutMs: 300, retries: 1, backoffMs: 10 };

let openssl: OpensslTsa;
let home: string;
let dev: DevTsa;
let devServer: RunningTsa;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  openssl = await startOpensslTsa();
  home = mkdtempSync(join(tmpdir(), 'tsa-client-'));
  await ensureDevTsa(home, 'client.example/log');
  dev = await loadDevTsa(home);
  devServer = await serveTsa({ signer: dev });
});
afterAll(async () => {
  await openssl.close();
  await devServer.close();
  for (const c of cleanup) await c();
  rmSync(home, { recursive: true, force: true });
});

/** A plain HTTP server with a custom handler, on 127.0.0.1:0. */
async function server(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s: Server = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

async function failure(p: Promise<unknown>): Promise<TsaUnavailableError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InputError);
  expect(e).toBeInstanceOf(TsaUnavailableError);
  expect((e as InputError).code).toBe('TSA_UNAVAILABLE');
  return e as TsaUnavailableError;
}

describe('timestampDigest against real TSAs', () => {
  it('gets a verified token from openssl ts -reply over HTTP', async () => {
    const [r] = await timestampDigest(cp.digest, [{ url: openssl.url, ca: pem('ca.pem'), policy: OPENSSL_TSA_POLICY }], fast);
    expect(r!.policy).toBe(OPENSSL_TSA_POLICY);
    expect(r!.devTsa).toBe(false);
    expect(r!.certificates).toHaveLength(2);
    expect(parsePemCertificates(r!.certificates[0]!)![0]).toEqual(parsePemCertificates(pem('tsa.pem'))![0]);
    // the stored token verifies again later, offline, with the certificates kept beside it
    const v = verifyTimestampToken(r!.token, { digest: cp.digest, trustedCAs: [pem('ca.pem')], extraCerts: r!.certificates });
    expect(v.genTime).toEqual(r!.genTime);
  });

  it("require 'all' stamps with every TSA: openssl and our tsa serve", async () => {
    const rs = await timestampDigest(
      cp.digest,
      [
        { url: openssl.url, ca: pem('ca.pem') },
        { url: devServer.url, ca: dev.caCertificate },
      ],
      { ...fast, require: 'all' },
    );
    expect(rs.map((r) => r.devTsa)).toEqual([false, true]);
  });

  it("require 'first' skips a TSA that is down", async () => {
    const down = await server((_req, res) => res.destroy());
    const rs = await timestampDigest(cp.digest, [{ url: down, ca: pem('ca.pem') }, { url: openssl.url, ca: pem('ca.pem') }], fast);
    expect(rs).toHaveLength(1);
    expect(rs[0]!.url).toBe(openssl.url);
  });

  it('retries a 503 and then succeeds', async () => {
    let calls = 0;
    const flaky = await server((req, res) => {
      calls++;
      if (calls === 1) {
        req.resume();
        res.writeHead(503).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void dev.respond(new Uint8Array(Buffer.concat(chunks))).then((a) => {
          res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(a.der);
        });
      });
    });
    const [r] = await timestampDigest(cp.digest, [{ url: flaky, ca: dev.caCertificate }], fast);
    expect(r!.devTsa).toBe(true);
    expect(calls).toBe(2);
  });
});

describe('failures', () => {
  it('TSA timeout: a server that never answers', async () => {
    const silent = await server(() => undefined);
    const e = await failure(timestampDigest(cp.digest, [{ url: silent, ca: pem('ca.pem') }], { ...fast, timeoutMs: 150 }));
    expect(e.failures[0]).toMatchObject({ reason: 'timeout', attempts: 2 });
  });

  it('oversize response with a declared length', async () => {
    const big = await server((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': 2_000_000 });
      res.write(Buffer.alloc(65536));
    });
    const e = await failure(timestampDigest(cp.digest, [{ url: big, ca: pem('ca.pem') }], { ...fast, maxResponseBytes: 4096 }));
    expect(e.failures[0]).toMatchObject({ reason: 'oversize', attempts: 1 });
  });

  it('oversize response streamed without a length: reading stops at the limit', async () => {
    let written = 0;
    const endless = await server((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' });
      const pump = (): void => {
        while (written < 50_000_000 && res.write(Buffer.alloc(16384))) written += 16384;
        if (written < 50_000_000 && !res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const e = await failure(timestampDigest(cp.digest, [{ url: endless, ca: pem('ca.pem') }], { ...fast, maxResponseBytes: 8192, timeoutMs: 5000 }));
    expect(e.failures[0]!.reason).toBe('oversize');
    expect(written).toBeLessThan(50_000_000);
  });

  it('status rejection from openssl (a policy it does not offer): TSA_STATUS, not retried', async () => {
    const e = await failure(timestampDigest(cp.digest, [{ url: openssl.url, ca: pem('ca.pem'), policy: '1.2.3.4.99' }], fast));
    expect(e.failures[0]).toMatchObject({ reason: 'verification', attempts: 1 });
    expect(e.failures[0]!.error).toBeInstanceOf(VerificationError);
    expect((e.failures[0]!.error as VerificationError).code).toBe('TSA_STATUS');
  });

  it('a TSA whose certificate does not chain to the configured CA: TSA_CHAIN', async () => {
    const e = await failure(timestampDigest(cp.digest, [{ url: openssl.url, ca: pem('untrusted-ca.pem') }], fast));
    expect((e.failures[0]!.error as VerificationError).code).toBe('TSA_CHAIN');
  });

  it('a TSA that replays an old token: TSA_IMPRINT', async () => {
    const old = (await dev.respond(createTimestampRequest({ digest: checkpoint(1).digest }).der)).der;
    const replay = await server((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(old);
    });
    const e = await failure(timestampDigest(cp.digest, [{ url: replay, ca: dev.caCertificate }], fast));
    expect((e.failures[0]!.error as VerificationError).code).toBe('TSA_IMPRINT');
  });

  it('wrong content type is not retried', async () => {
    let calls = 0;
    const html = await server((req, res) => {
      calls++;
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
    });
    const e = await failure(timestampDigest(cp.digest, [{ url: html, ca: pem('ca.pem') }], fast));
    expect(e.failures[0]!.reason).toBe('content-type');
    expect(calls).toBe(1);
  });

  it("require 'all' fails when one TSA fails, naming it", async () => {
    const silent = await server(() => undefined);
    const e = await failure(
      timestampDigest(
        cp.digest,
        [
          { url: openssl.url, ca: pem('ca.pem') },
          { url: silent, ca: pem('ca.pem') },
        ],
        { ...fast, require: 'all', timeoutMs: 100, retries: 0 },
      ),
    );
    expect(e.failures.map((f) => f.url)).toEqual([silent]);
  });

  it('a ca that is not a certificate is a CONFIG error before any request', async () => {
    const e = await timestampDigest(cp.digest, [{ url: openssl.url, ca: 'nope' }], fast).catch((x: unknown) => x);
    expect((e as InputError).code).toBe('CONFIG');
  });
});
