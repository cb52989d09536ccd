// Issue 5 end to end: checkpoints of a log configured with a real, independent TSA (`openssl ts
// -reply` behind HTTP) carry its tokens; a TSA outage leaves checkpoints "untimestamped" (the audit
// fails, bundles are refused) until a later pass stamps them.
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { verifyBundleReport } from '../core/verify/index.js';
import { fixture, startOpensslTsa } from '../test/openssl-tsa.js';
import { homeTrust, initHome } from './home.js';
import { auditStore } from './log.js';
import { LocalService } from './local.js';

const dir = mkdtempSync(join(tmpdir(), 'remembrancer-ts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(home: string, url: string): void {
  writeFileSync(
    join(home, 'config.toml'),
    `[remembrancer]\norigin = "tsa.example/log"\n\n[[tsa]]\nurl = "${url}"\nca = "tsa-ca.pem"\n\n[timestamp]\ntimeout = "1s"\nretries = 0\n`,
  );
}

async function newHome(name: string, url: string): Promise<string> {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  copyFileSync(fixture('ca.pem'), join(home, 'tsa-ca.pem'));
  writeConfig(home, url);
  const r = await initHome(home);
  expect(r.devTsa).toBe(false);
  return home;
}

async function audit(home: string) {
  const t = homeTrust(home);
  return auditStore(join(home, 'remembrancer.db'), { origin: 'tsa.example/log', checkpointKey: t.checkpointKeys[0]!, receiptKeys: t.receiptKeys, tsaAnchors: t.tsaRoots });
}

/** A URL where nothing answers: a port we bound and released. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/`;
}

describe('checkpoints timestamped by a configured TSA', () => {
  it('every checkpoint carries the openssl TSA\u2019s token; bundles pass --require-trusted-tsa', async () => {
    const tsa = await startOpensslTsa();
    try {
      const home = await newHome('live', tsa.url);
      const svc = await LocalService.open(home);
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await svc.record({ kind: 'memory', subject: { text: `fact ${i}` } })).id);
      const cp = await svc.checkpoint();
      expect(cp.timestamp).toMatchObject({ state: 'stamped', dev: false });
      const bundle = await svc.bundle(ids[0]!);
      await svc.close();
      expect(tsa.served).toBeGreaterThanOrEqual(1);
      const report = await verifyBundleReport(bundle, { ...homeTrust(home), requireTrustedTsa: true });
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.devTsa).toBe(false);
      expect((await audit(home)).ok).toBe(true);
    } finally {
      await tsa.close();
    }
  });

  it('an outage leaves checkpoints untimestamped until a retry succeeds', async () => {
    const home = await newHome('outage', await deadUrl());
    let svc = await LocalService.open(home);
    const id = (await svc.record({ kind: 'memory', subject: { text: 'during the outage' } })).id;
    const cp = await svc.checkpoint();
    expect(cp.timestamp.state).toBe('failed');
    await expect(svc.bundle(id)).rejects.toSatisfy((e) => e instanceof InputError && e.code === 'TSA_UNAVAILABLE');
    await svc.close();
    const down = await audit(home);
    expect(down.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['checkpoint timestamps']);
    expect(down.checks.find((c) => c.name === 'checkpoint timestamps')!.detail).toContain('untimestamped');

    const tsa = await startOpensslTsa();
    try {
      writeConfig(home, tsa.url);
      svc = await LocalService.open(home);
      await svc.log.stampPending();
      const bundle = await svc.bundle(id);
      await svc.close();
      expect((await verifyBundleReport(bundle, homeTrust(home))).ok).toBe(true);
      expect((await audit(home)).ok).toBe(true);
    } finally {
      await tsa.close();
    }
  });
});
