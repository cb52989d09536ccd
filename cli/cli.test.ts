/* eslint-disable @typescript-eslint/no-explicit-any -- tests poke at bundle JSON freely */
// End-to-end: the built binary in a temp home, as an operator uses it (DESIGN §3).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalBytes } from '../core/canonical.js';
import { fromBase64 } from '../core/bytes.js';
import { checkpointBody } from '../core/checkpoint/index.js';
import { cli, tempHome } from '../test/cli-helpers.js';

const t = tempHome();
const other = tempHome();
const home = t.home;
let ids: string[] = [];
let bundlePath = '';
let bundleText = '';
const artifactPath = join(t.dir, 'artifact.bin');

function ok(args: string[]): string {
  const r = cli(home, args);
  if (r.code !== 0) throw new Error(`remembrancer ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function verifyJson(file: string, extra: string[] = []): { code: number; report: { ok: boolean; checks: { name: string; ok: boolean; code?: string }[] } } {
  const r = cli(home, ['verify', '--json', file, ...extra]);
  return { code: r.code, report: JSON.parse(r.stdout || '{"ok":false,"checks":[]}') };
}

function failedChecks(report: { checks: { name: string; ok: boolean }[] }): string[] {
  return report.checks.filter((c) => !c.ok).map((c) => c.name);
}

/** Write a modified copy of the good bundle and return its path. */
function tampered(name: string, edit: (b: Record<string, any>) => void): string {
  const b = JSON.parse(bundleText);
  edit(b);
  const p = join(t.dir, `${name}.json`);
  writeFileSync(p, JSON.stringify(b));
  return p;
}

function flipChar(s: string, at: number): string {
  const c = s[at]!;
  const repl = c === 'A' ? 'B' : 'A';
  return s.slice(0, at) + repl + s.slice(at + 1);
}

beforeAll(() => {
  writeFileSync(artifactPath, Buffer.alloc(3 * 1024 * 1024, 7));
  ok(['init', '--origin', 'test.example/log']);
  ids = [
    ok(['record', 'deploy', '--component', 'api', '--version', '1.2.3', '--sha256', 'ab'.repeat(32), '--note', 'first deploy']).trim(),
    ok(['record', 'artifact', '--file', artifactPath]).trim(),
    ok(['record', 'memory', '--text', 'the staging database moved to eu-west', '--tag', 'infra']).trim(),
  ];
  bundlePath = join(t.dir, 'bundle.json');
  ok(['bundle', ids[1]!, '--out', bundlePath]);
  bundleText = readFileSync(bundlePath, 'utf8');
}, 120_000);

afterAll(() => {
  t.cleanup();
  other.cleanup();
});

describe('init', () => {
  it('creates keys with private modes and is idempotent', () => {
    expect(statSync(join(home, 'keys', 'signing.asc')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'keys', 'checkpoint.key')).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const before = readFileSync(join(home, 'keys', 'signing.asc'), 'utf8');
    const r = cli(home, ['init', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).created).toEqual([]);
    expect(readFileSync(join(home, 'keys', 'signing.asc'), 'utf8')).toBe(before);
  });

  it('refuses to change the origin of an existing log', () => {
    const r = cli(home, ['init', '--origin', 'other.example/log']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[CONFIG\]/);
  });
});

describe('record and read', () => {
  it('prints 64-hex ids and records the streamed file digest', () => {
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{64}$/);
    const got = JSON.parse(ok(['get', '--json', ids[1]!]));
    const want = execFileSync('sha256sum', [artifactPath], { encoding: 'utf8' }).split(' ')[0];
    expect(got.entry.receipt.subject.sha256).toBe(want);
    expect(got.entry.receipt.subject.size).toBe(3 * 1024 * 1024);
    expect(got.index).toBe(1);
  });

  it('lists newest first with cursor pagination', () => {
    const p1 = JSON.parse(ok(['list', '--json', '--limit', '2']));
    expect(p1.items.map((i: { id: string }) => i.id)).toEqual([ids[2], ids[1]]);
    expect(p1.nextCursor).not.toBeNull();
    const p2 = JSON.parse(ok(['list', '--json', '--limit', '2', '--cursor', p1.nextCursor]));
    expect(p2.items.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
    expect(p2.nextCursor).toBeNull();
    const deploys = JSON.parse(ok(['list', '--json', '--kind', 'deploy']));
    expect(deploys.items).toHaveLength(1);
  });

  it('searches subject, note and tags with FTS5', () => {
    expect(JSON.parse(ok(['search', '--json', 'staging database'])).items.map((i: { id: string }) => i.id)).toEqual([ids[2]]);
    expect(JSON.parse(ok(['search', '--json', 'infra'])).items.map((i: { id: string }) => i.id)).toEqual([ids[2]]);
    expect(JSON.parse(ok(['search', '--json', 'first'])).items.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
    // FTS syntax in user input is data, not query operators
    expect(cli(home, ['search', '--json', 'NEAR(" OR *']).code).toBe(0);
  });

  it('usage errors are one line with a hint and exit 2, without a stack trace', () => {
    const r = cli(home, ['get', 'not-an-id']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[USAGE\]: .*\nhint: /);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    const r2 = cli(home, ['record', 'deploy', '--component', 'x', '--version', '1']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('exactly one of --sha256');
    // commander's own errors in subcommands get the same form
    for (const args of [['get'], ['record', 'memory'], ['list', '--bogus']]) {
      const r4 = cli(home, args);
      expect(r4.code).toBe(2);
      expect(r4.stderr).toMatch(/^error\[USAGE\]: .*\nhint: /);
    }
    const r3 = cli(home, ['get', 'ff'.repeat(32)]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/^error\[NOT_FOUND\]/);
  });
});

describe('verify BUNDLE', () => {
  it('verifies a fresh bundle, every check named and passing', () => {
    const { code, report } = verifyJson(bundlePath);
    expect(report.checks.map((c) => c.name)).toEqual(['schema', 'receipt signature', 'leaf hash', 'checkpoint signature', 'inclusion proof', 'timestamp']);
    expect(failedChecks(report)).toEqual([]);
    expect(code).toBe(0);
  });

  it('the pieces verify without our code: gpg and openssl ts', () => {
    const b = JSON.parse(bundleText);
    const gnupg = join(t.dir, 'gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    writeFileSync(join(t.dir, 'pub.asc'), b.publicKey);
    writeFileSync(join(t.dir, 'receipt.json'), canonicalBytes(b.entry.receipt));
    writeFileSync(join(t.dir, 'receipt.sig'), b.entry.signature);
    execFileSync('gpg', ['--batch', '--import', join(t.dir, 'pub.asc')], { env, stdio: 'pipe' });
    const g = spawnSync('gpg', ['--batch', '--verify', join(t.dir, 'receipt.sig'), join(t.dir, 'receipt.json')], { env, encoding: 'utf8' });
    spawnSync('gpgconf', ['--kill', 'all'], { env });
    expect(g.status, g.stderr).toBe(0);
    expect(g.stderr).toContain('Good signature');

    writeFileSync(join(t.dir, 'body'), checkpointBody(b.checkpoint));
    writeFileSync(join(t.dir, 'token.der'), fromBase64(b.timestamp)!);
    writeFileSync(join(t.dir, 'tsa.pem'), b.tsaCertificates[0]);
    writeFileSync(join(t.dir, 'ca.pem'), cli(home, ['keys', 'export', '--tsa']).stdout);
    const o = spawnSync(
      'openssl',
      ['ts', '-verify', '-data', join(t.dir, 'body'), '-in', join(t.dir, 'token.der'), '-token_in', '-CAfile', join(t.dir, 'ca.pem'), '-untrusted', join(t.dir, 'tsa.pem')],
      { encoding: 'utf8' },
    );
    expect(o.stdout + o.stderr).toContain('Verification: OK');
  });

  it('verifies with exported trust material on a machine without the home', () => {
    const trust = join(t.dir, 'trust.txt');
    writeFileSync(trust, ok(['keys', 'export']) + ok(['keys', 'export', '--tsa']));
    const r = cli(join(t.dir, 'no-such-home'), ['verify', '--trust-key', trust, bundlePath]);
    expect(r.stdout).toContain('verified');
    expect(r.code).toBe(0);
    // and without any trust material it fails closed
    const r2 = cli(join(t.dir, 'no-such-home'), ['verify', bundlePath]);
    expect(r2.code).toBe(1);
  });

  const cases: [string, (b: Record<string, any>) => void, string][] = [
    ['receipt byte', (b) => (b.entry.receipt.subject.name = `${b.entry.receipt.subject.name}x`), 'receipt signature'],
    ['signature byte', (b) => (b.entry.signature = flipChar(b.entry.signature, b.entry.signature.indexOf('\n\n') + 10)), 'receipt signature'],
    ['proof hash', (b) => (b.inclusionProof.hashes[0] = flipChar(b.inclusionProof.hashes[0], 3)), 'inclusion proof'],
    ['proof index', (b) => (b.inclusionProof.logIndex = 0), 'inclusion proof'],
    ['checkpoint byte', (b) => (b.checkpoint = b.checkpoint.replace(/\n(\d+)\n/, (_m: string, n: string) => `\n${Number(n) + 1}\n`)), 'checkpoint signature'],
    ['token byte', (b) => (b.timestamp = flipChar(b.timestamp, 200)), 'timestamp'],
    ['missing timestamp', (b) => delete b.timestamp, 'timestamp'],
  ];
  for (const [name, edit, check] of cases) {
    it(`detects a tampered ${name} (exit 1, names "${check}")`, () => {
      const { code, report } = verifyJson(tampered(name.replace(/ /g, '-'), edit));
      expect(code).toBe(1);
      expect(failedChecks(report)).toContain(check);
    });
  }

  it('--allow-missing-timestamp accepts a bundle without a token, and only then', () => {
    const p = tampered('no-token', (b) => delete b.timestamp);
    expect(verifyJson(p).code).toBe(1);
    expect(verifyJson(p, ['--allow-missing-timestamp']).code).toBe(0);
  });

  it('--require-trusted-tsa rejects the dev TSA token', () => {
    const { code, report } = verifyJson(bundlePath, ['--require-trusted-tsa']);
    expect(code).toBe(1);
    expect(failedChecks(report)).toEqual(['timestamp']);
  });

  it("detects another log's checkpoint swapped in", () => {
    const o = cli(other.home, ['init', '--origin', 'test.example/log']);
    expect(o.code).toBe(0);
    for (let i = 0; i < 3; i++) expect(cli(other.home, ['record', 'memory', '--text', `other ${i}`]).code).toBe(0);
    const cp = JSON.parse(cli(other.home, ['checkpoint', '--json']).stdout).note as string;
    const { code, report } = verifyJson(tampered('swapped-checkpoint', (b) => (b.checkpoint = cp)));
    expect(code).toBe(1);
    expect(failedChecks(report)).toContain('checkpoint signature');
  });

  it('garbage input is exit 2: not JSON, not a bundle, missing file', () => {
    writeFileSync(join(t.dir, 'garbage.json'), '{"not json');
    expect(cli(home, ['verify', join(t.dir, 'garbage.json')]).code).toBe(2);
    writeFileSync(join(t.dir, 'other.json'), '{"mediaType":"application/x-other"}');
    const r = cli(home, ['verify', join(t.dir, 'other.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[UNKNOWN_MEDIA_TYPE\]/);
    expect(cli(home, ['verify', join(t.dir, 'missing.json')]).code).toBe(2);
  });
});

describe('verify --artifact', () => {
  it('finds and verifies the receipt of a recorded file', () => {
    const r = cli(home, ['verify', '--json', '--artifact', artifactPath]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).receipts).toEqual([ids[1]]);
  });

  it('fails for a file nobody recorded', () => {
    const p = join(t.dir, 'unrecorded.bin');
    writeFileSync(p, 'never recorded');
    const r = cli(home, ['verify', '--json', '--artifact', p]);
    expect(r.code).toBe(1);
    expect(failedChecks(JSON.parse(r.stdout))).toEqual(['recorded']);
  });
});

describe('verify (whole log)', () => {
  it('passes on an untouched log', () => {
    const r = cli(home, ['verify', '--json']);
    const report = JSON.parse(r.stdout);
    expect(failedChecks(report)).toEqual([]);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual([
      'store',
      'no gaps',
      'tree (fsck)',
      'entries',
      'memory content',
      'checkpoint signatures',
      'checkpoint timestamps',
      'checkpoint consistency',
    ]);
    expect(r.code).toBe(0);
  });

  it('detects an edited entry row', () => {
    const copy = tempHome();
    try {
      execFileSync('cp', ['-a', home, copy.home]);
      const db = new Database(join(copy.home, 'remembrancer.db'));
      const row = db.prepare('SELECT entry FROM entries WHERE idx = 0').get() as { entry: Buffer };
      const edited = Buffer.from(row.entry.toString('utf8').replace('first deploy', 'first deplox'));
      db.prepare('UPDATE entries SET entry = ? WHERE idx = 0').run(edited);
      db.close();
      const r = cli(copy.home, ['verify', '--json']);
      expect(r.code).toBe(1);
      expect(failedChecks(JSON.parse(r.stdout))).toContain('entries');
    } finally {
      copy.cleanup();
    }
  });

  it('detects a deleted entry row', () => {
    const copy = tempHome();
    try {
      execFileSync('cp', ['-a', home, copy.home]);
      const db = new Database(join(copy.home, 'remembrancer.db'));
      db.prepare('DELETE FROM entries WHERE idx = 1').run();
      db.close();
      const r = cli(copy.home, ['verify', '--json']);
      expect(r.code).toBe(1);
      expect(failedChecks(JSON.parse(r.stdout))).toContain('no gaps');
    } finally {
      copy.cleanup();
    }
  });

  it('detects a truncated database file', () => {
    const copy = tempHome();
    try {
      execFileSync('cp', ['-a', home, copy.home]);
      const file = join(copy.home, 'remembrancer.db');
      truncateSync(file, Math.floor(statSync(file).size / 2));
      const r = cli(copy.home, ['verify', '--json']);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout).ok).toBe(false);
    } finally {
      copy.cleanup();
    }
  });
});
