// An operator with an existing GnuPG key: `init --import-key` signs receipts with it, and gpg
// verifies them; evidence files are recorded by name and digest.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes } from '../core/canonical.js';
import { cli, tempHome } from '../test/cli-helpers.js';

const t = tempHome('remembrancer-import-');
afterAll(() => {
  spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: join(t.dir, 'gnupg') } });
  t.cleanup();
});

describe('init --import-key', () => {
  it('signs receipts with an imported gpg Ed25519 key that gpg then verifies', () => {
    const gnupg = join(t.dir, 'gnupg');
    mkdirSync(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    const gpg = (args: string[]) =>
      execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    gpg(['--quick-gen-key', 'Operator <ops@example.org>', 'ed25519', 'sign', 'never']);
    const fpr = /fpr:+([0-9A-F]{40}):/.exec(gpg(['--with-colons', '--list-secret-keys']))![1]!;
    writeFileSync(join(t.dir, 'secret.asc'), gpg(['--armor', '--export-secret-keys', fpr]));

    const init = cli(t.home, ['init', '--json', '--origin', 'ops.example/log', '--import-key', join(t.dir, 'secret.asc')]);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout).fingerprint.toUpperCase()).toBe(fpr);

    const evidence = join(t.dir, 'ci.log');
    writeFileSync(evidence, 'all tests passed\n');
    const rec = cli(t.home, ['record', 'deploy', '--json', '--component', 'api', '--version', '2.0.0', '--sha256', 'cd'.repeat(32), '--evidence', evidence]);
    expect(rec.code, rec.stderr).toBe(0);
    const { id } = JSON.parse(rec.stdout);
    const got = JSON.parse(cli(t.home, ['get', '--json', id]).stdout);
    const want = execFileSync('sha256sum', [evidence], { encoding: 'utf8' }).split(' ')[0];
    expect(got.entry.receipt.evidence).toEqual([{ name: 'ci.log', sha256: want }]);

    writeFileSync(join(t.dir, 'r.json'), canonicalBytes(got.entry.receipt));
    writeFileSync(join(t.dir, 'r.sig'), got.entry.signature);
    const v = spawnSync('gpg', ['--batch', '--status-fd', '1', '--verify', join(t.dir, 'r.sig'), join(t.dir, 'r.json')], { env, encoding: 'utf8' });
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toContain(`VALIDSIG ${fpr}`);

    // a second import into the same home is refused: init never overwrites keys
    const again = cli(t.home, ['init', '--import-key', join(t.dir, 'secret.asc')]);
    expect(again.code).toBe(2);
  });
});
