import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../core/errors.js';
import { parseConfig, parseDuration } from './config.js';

function configError(text: string): InputError {
  try {
    parseConfig(text, 'config.toml');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('CONFIG');
    return e as InputError;
  }
  throw new Error('expected a CONFIG error');
}

describe('config.toml', () => {
  it('an empty file gives the documented defaults', () => {
    const c = parseConfig('');
    expect(c.remembrancer.db).toBe('remembrancer.db');
    expect(c.remembrancer.checkpoint_interval).toBe(1000);
    expect(c.remembrancer.batch_max).toBe(1000);
    expect(c.tsa).toEqual([]);
    expect(c.mcp.http_listen).toBe('127.0.0.1:7411');
    expect(c.mcp.allowed_origins).toEqual([]);
    expect(c.mcp.rate_limit_per_second).toBe(50);
    expect(c.mcp.rate_limit_burst).toBe(200);
    expect(c.mcp.max_body_bytes).toBe(1024 * 1024);
    expect(c.federation.listen).toBe('/ip4/127.0.0.1/tcp/7412');
    expect(c.federation.mode).toBe('strict');
    expect(c.grid.smt_depth).toBe(40);
  });

  it('reads every section', () => {
    const c = parseConfig(`
[remembrancer]
origin = "example.org/log"
checkpoint_interval = "250ms"
batch_max = 50

[[tsa]]
url = "https://tsa.example/tsr"
ca = "tsa-ca.pem"
policy = "1.2.3.4"

[[tsa]]
url = "http://127.0.0.1:9000/"
ca = "/etc/other.pem"

[timestamp]
require = "all"
`);
    expect(c.remembrancer.origin).toBe('example.org/log');
    expect(c.remembrancer.checkpoint_interval).toBe(250);
    expect(c.remembrancer.batch_max).toBe(50);
    expect(c.tsa).toHaveLength(2);
    expect(c.tsa[0]!.policy).toBe('1.2.3.4');
    expect(c.timestamp.require).toBe('all');
  });

  it('names an unknown key and its line', () => {
    const e = configError('[remembrancer]\norigin = "a"\nbatchmax = 5\n');
    expect(e.message).toContain('config.toml:3');
    expect(e.message).toContain('remembrancer.batchmax');
  });

  it('names a bad value and its line', () => {
    const e = configError('[remembrancer]\n\n\ncheckpoint_interval = "soon"\n');
    expect(e.message).toContain('config.toml:4');
    expect(e.message).toContain('remembrancer.checkpoint_interval');
  });

  it('names a bad value inside an array of tables', () => {
    const e = configError('[[tsa]]\nurl = "ftp://x"\nca = "a.pem"\n');
    expect(e.message).toContain('tsa[0].url');
  });

  it('reports TOML syntax errors with line and column', () => {
    const e = configError('[remembrancer]\norigin = \n');
    expect(e.message).toMatch(/config\.toml:2:\d+/);
  });

  it('rejects an origin with a "+" (it would break the note key name)', () => {
    configError('[remembrancer]\norigin = "a+b"\n');
  });

  it('parses durations', () => {
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('1 s')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
  });

  it('never throws anything but a CONFIG error on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseConfig(text);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('CONFIG');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but a CONFIG error on structurally plausible TOML', () => {
    const key = fc.constantFrom('origin', 'db', 'checkpoint_interval', 'batch_max', 'url', 'ca', 'listen', 'mode', 'x');
    const value = fc.oneof(fc.integer().map(String), fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)), fc.constant('true'), fc.constant('[1, "a"]'));
    const table = fc.constantFrom('[remembrancer]', '[[tsa]]', '[mcp]', '[federation]', '[grid]', '[timestamp]', '[nope]');
    const doc = fc.array(fc.tuple(table, fc.array(fc.tuple(key, value), { maxLength: 4 })), { maxLength: 4 }).map((ts) =>
      ts.map(([t, kvs]) => [t, ...kvs.map(([k, v]) => `${k} = ${v}`)].join('\n')).join('\n'),
    );
    fc.assert(
      fc.property(doc, (text) => {
        try {
          parseConfig(text);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('CONFIG');
        }
      }),
      { numRuns: 300 },
    );
  });
});
