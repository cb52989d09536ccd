// tokens.toml: hashed at rest, shown once, parsed strictly (fast-check: garbage gives InputError only),
// and the `remembrancer tokens` commands of the built binary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { InputError } from '../core/errors.js';
import { cli } from '../test/cli-helpers.js';
import { makeHome, type TempHome } from './testkit.js';
import {
  addToken,
  formatTokensFile,
  hashToken,
  listTokens,
  parseExpiry,
  parseTokensFile,
  readTokensFile,
  revokeToken,
  TokenStore,
  tokensFilePath,
  type TokenRecord,
} from './tokens.js';

let t: TempHome;
let file: string;

beforeAll(async () => {
  t = await makeHome('remembrancer-tokens-');
  file = tokensFilePath(t.home);
});

afterAll(() => t?.cleanup());

function expectInputError(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe(code);
    return;
  }
  throw new Error(`expected InputError ${code}`);
}

describe('addToken / listTokens / revokeToken', () => {
  it('stores only the SHA-256 of a 256-bit token, in a 0600 file', () => {
    const { token, record } = addToken(file, { name: 'agent', scopes: ['write'] });
    expect(token).toMatch(/^rmbr_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain(hashToken(token));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(record.scopes).toEqual(['read', 'write']);
    expect(readTokensFile(file)).toEqual([record]);
  });

  it('lists names, scopes and expiry, never hashes', () => {
    addToken(file, { name: 'ci', scopes: ['read'], expires: new Date(Date.now() + 86_400_000), namespaces: ['proj'], defaultNamespace: 'proj' });
    const list = listTokens(file);
    expect(list.map((i) => i.name)).toEqual(['agent', 'ci']);
    expect(list[1]).toMatchObject({ scopes: ['read'], expired: false, namespaces: ['proj'], defaultNamespace: 'proj' });
    expect(JSON.stringify(list)).not.toMatch(/[0-9a-f]{64}/);
  });

  it('refuses a duplicate name, a bad name and a default namespace outside the allowlist', () => {
    expectInputError(() => addToken(file, { name: 'agent', scopes: ['read'] }), 'USAGE');
    expectInputError(() => addToken(file, { name: 'bad name', scopes: ['read'] }), 'USAGE');
    expectInputError(() => addToken(file, { name: 'x', scopes: ['read'], namespaces: ['a'], defaultNamespace: 'b' }), 'USAGE');
  });

  it('revokes by name; an unknown name is NOT_FOUND', () => {
    revokeToken(file, 'ci');
    expect(listTokens(file).map((i) => i.name)).toEqual(['agent']);
    expectInputError(() => revokeToken(file, 'ci'), 'NOT_FOUND');
  });
});

describe('TokenStore', () => {
  it('accepts a live token, and tells unknown, expired and malformed apart', () => {
    const f = join(t.dir, 'store.toml');
    const live = addToken(f, { name: 'live', scopes: ['read'] }).token;
    const past = new Date(Date.now() - 7_200_000);
    const old = addToken(f, { name: 'old', scopes: ['read'], now: past, expires: new Date(past.getTime() + 1000) }).token;
    const store = new TokenStore(f);
    expect(store.lookup(live)).toMatchObject({ ok: true, record: { name: 'live' } });
    expect(store.lookup(old)).toEqual({ ok: false, reason: 'expired' });
    expect(store.lookup(`${live.slice(0, -1)}A`)).toEqual({ ok: false, reason: 'unknown' });
    expect(store.lookup('short')).toEqual({ ok: false, reason: 'malformed' });
    expect(store.lookup(`${live} x`)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('sees a revocation at the next lookup', () => {
    const f = join(t.dir, 'reload.toml');
    const a = addToken(f, { name: 'a', scopes: ['read'] }).token;
    const store = new TokenStore(f);
    expect(store.lookup(a).ok).toBe(true);
    revokeToken(f, 'a');
    expect(store.lookup(a)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('a missing file has no tokens; a broken one fails closed with CONFIG', () => {
    expect(new TokenStore(join(t.dir, 'none.toml')).lookup('rmbr_0123456789abcdefghij').ok).toBe(false);
    const f = join(t.dir, 'broken.toml');
    writeFileSync(f, '[[token]]\nname = "x"\nsha256 = "not hex"\nscopes = ["read"]\ncreated = "2026-01-01T00:00:00Z"\n');
    expectInputError(() => new TokenStore(f).lookup('rmbr_0123456789abcdefghij'), 'CONFIG');
  });
});

describe('parseExpiry', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('takes durations and dates', () => {
    expect(parseExpiry('30d', now).toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseExpiry('12h', now).toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(parseExpiry('2w', now).toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(parseExpiry('2027-03-01', now).toISOString()).toBe('2027-03-01T00:00:00.000Z');
  });
  it('refuses the past, zero and nonsense', () => {
    for (const s of ['2025-01-01', '0d', 'soon', '30', '1y', '']) expectInputError(() => parseExpiry(s, now), 'USAGE');
  });
});

describe('parseTokensFile (fast-check)', () => {
  it('throws only InputError CONFIG on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('[[token]]\nname = 1', 'token = 5', '[[token]]\n', '[x]\ny=1')), (text) => {
        try {
          parseTokensFile(text);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('CONFIG');
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reads back what it writes', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
    const ns = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,10}$/);
    const record: fc.Arbitrary<Omit<TokenRecord, 'name'>> = fc.record(
      {
        sha256: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }),
        scopes: fc.constantFrom<TokenRecord['scopes']>(['read'], ['read', 'write']),
        created: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
        expires: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
        namespaces: fc.array(ns, { minLength: 1, maxLength: 3 }),
        defaultNamespace: ns,
      },
      { requiredKeys: ['sha256', 'scopes', 'created'] },
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, record), { selector: ([n]) => n, maxLength: 5 }), (pairs) => {
        const records = pairs.map(([n, r]) => ({ name: n, ...r }));
        expect(parseTokensFile(formatTokensFile(records))).toEqual(records);
      }),
    );
  });
});

describe('`remembrancer tokens` (built binary)', () => {
  it('add prints the token once on stdout; list never shows it or its hash; revoke removes it', () => {
    const add = cli(t.home, ['tokens', 'add', '--scope', 'read', '--name', 'cli-agent', '--expires', '30d']);
    expect(add.code, add.stderr).toBe(0);
    const token = add.stdout.trim();
    expect(token).toMatch(/^rmbr_[A-Za-z0-9_-]{43}$/);
    expect(add.stderr).toContain('shown only this once');
    const list = cli(t.home, ['tokens', 'list']);
    expect(list.stdout).toContain('cli-agent');
    expect(list.stdout).not.toContain(token);
    const json = cli(t.home, ['tokens', 'list', '--json']);
    expect(json.stdout).not.toContain(hashToken(token));
    expect((JSON.parse(json.stdout) as { name: string; scopes: string[] }[]).find((i) => i.name === 'cli-agent')).toMatchObject({ scopes: ['read'] });
    expect(cli(t.home, ['tokens', 'revoke', 'cli-agent']).code).toBe(0);
    expect(cli(t.home, ['tokens', 'list']).stdout).not.toContain('cli-agent');
  });

  it('refuses bad usage with exit 2', () => {
    // Option parsing errors come from commander (its own "error: …" line).
    for (const args of [['tokens', 'add', '--scope', 'admin'], ['tokens', 'add']]) {
      const r = cli(t.home, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error/);
    }
    const bad = cli(t.home, ['tokens', 'add', '--scope', 'read', '--expires', 'later']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error\[USAGE\]: --expires /);
    const missing = cli(t.home, ['tokens', 'revoke', 'nobody']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error\[NOT_FOUND\]: /);
  });

  it('mcp on a home that does not exist: error[NOT_INITIALISED], exit 2', () => {
    const r = cli(join(t.dir, 'nowhere'), ['mcp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[NOT_INITIALISED\]: /);
    expect(r.stdout).toBe('');
  });
});
