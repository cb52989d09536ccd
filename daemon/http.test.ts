import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { InputError } from '../core/errors.js';
import { allowMethods, HttpError, HttpRouter, listenHttp, readBody, sendJson, type HttpListener } from './http.js';

interface Reply {
  status: number;
  body: string;
}

function call(base: HttpListener, path: string, opts: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.host, port: base.port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('HttpRouter', () => {
  const router = new HttpRouter();
  let http: HttpListener;
  const seen: string[] = [];

  beforeAll(async () => {
    const tag = (name: string) => async (req: IncomingMessage, res: ServerResponse) => {
      seen.push(`${name} ${req.url}`);
      sendJson(res, 200, { name });
    };
    router.mount('/mcp', tag('mcp'));
    router.mount('/tile/', tag('tile'));
    router.mount('/tile/entries/', tag('entries'));
    router.mount('/echo', async (req, res) => {
      allowMethods(req, 'POST');
      const body = await readBody(req, 16);
      sendJson(res, 200, { len: body.length });
    });
    router.mount('/boom', async () => {
      throw new Error('secret internal detail');
    });
    router.mount('/bad', async () => {
      throw new InputError('BAD_INPUT', 'nope');
    });
    router.mount('/teapot', async () => {
      throw new HttpError(418, 'TEAPOT', 'short and stout');
    });
    http = await listenHttp(router, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await http.close();
  });

  it('binds the requested host and reports the real port for port 0', () => {
    expect(http.host).toBe('127.0.0.1');
    expect(http.port).toBeGreaterThan(0);
    expect(http.address).toBe(`127.0.0.1:${http.port}`);
  });

  it('routes a prefix to its exact path and paths below it, not to look-alikes', async () => {
    expect(JSON.parse((await call(http, '/mcp')).body)).toEqual({ name: 'mcp' });
    expect(JSON.parse((await call(http, '/mcp/session?x=1')).body)).toEqual({ name: 'mcp' });
    expect((await call(http, '/mcpx')).status).toBe(404);
  });

  it('gives a request to the longest matching prefix', async () => {
    expect(JSON.parse((await call(http, '/tile/0/000')).body)).toEqual({ name: 'tile' });
    expect(JSON.parse((await call(http, '/tile/entries/000')).body)).toEqual({ name: 'entries' });
    expect((await call(http, '/tile')).status).toBe(404); // "/tile/" takes only paths below it
  });

  it('answers 404 with a JSON error for unknown routes', async () => {
    const r = await call(http, '/nope');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.code).toBe('NOT_FOUND');
  });

  it('refuses a body over the limit with 413, whether declared or streamed', async () => {
    const declared = await call(http, '/echo', { method: 'POST', body: 'x'.repeat(17) });
    expect(declared.status).toBe(413);
    const chunked = await call(http, '/echo', { method: 'POST', body: 'x'.repeat(40), headers: { 'transfer-encoding': 'chunked' } });
    expect(chunked.status).toBe(413);
    const fine = await call(http, '/echo', { method: 'POST', body: 'x'.repeat(16) });
    expect(JSON.parse(fine.body)).toEqual({ len: 16 });
  });

  it('answers 405 for a method the handler does not allow', async () => {
    const r = await call(http, '/echo');
    expect(r.status).toBe(405);
    expect(JSON.parse(r.body).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('turns handler failures into JSON errors without leaking internals', async () => {
    const boom = await call(http, '/boom');
    expect(boom.status).toBe(500);
    expect(boom.body).not.toContain('secret');
    expect((await call(http, '/bad')).status).toBe(400);
    const tea = await call(http, '/teapot');
    expect(tea.status).toBe(418);
    expect(JSON.parse(tea.body).error.code).toBe('TEAPOT');
  });

  it('refuses bad and duplicate mounts', () => {
    expect(() => router.mount('/mcp', async () => {})).toThrow(RangeError);
    expect(() => router.mount('metrics', async () => {})).toThrow(RangeError);
    expect(router.prefixes[0]).toBe('/tile/entries/');
  });

  it('reports an address in use as InputError IO with a hint', async () => {
    const err = await listenHttp(new HttpRouter(), { host: '127.0.0.1', port: http.port }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('IO');
    expect((err as InputError).hint).toContain('http_listen');
  });
});
