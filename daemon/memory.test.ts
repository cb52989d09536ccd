// Memory semantics (issue 8) through the service API: namespaces, supersede / retract chains
// against a model, redaction that removes the text from the file but keeps every proof.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../core/errors.js';
import { verifyBundleReport } from '../core/verify/index.js';
import { homeTrust, initHome } from './home.js';
import { auditStore } from './log.js';
import { LocalService } from './local.js';

const dir = mkdtempSync(join(tmpdir(), 'remembrancer-memory-'));
let n = 0;
async function freshService(): Promise<{ home: string; svc: LocalService }> {
  const home = join(dir, `home-${n++}`);
  await initHome(home, { origin: 'memory.example/log' });
  return { home, svc: await LocalService.open(home) };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id).sort();

describe('namespaces', () => {
  let svc: LocalService;
  let a: string, b: string, d: string;
  beforeAll(async () => {
    ({ svc } = await freshService());
    a = (await svc.record({ kind: 'memory', subject: { text: 'shared fact about kiwis' } })).id;
    b = (await svc.record({ kind: 'memory', subject: { text: 'private fact about kiwis' }, namespace: 'proj-b' })).id;
    d = (await svc.record({ kind: 'decision', subject: { title: 'kiwis', body: 'decided on kiwis' }, namespace: 'proj-b' })).id;
  });
  afterAll(() => svc.close());

  it('list and search cover the default namespace unless told otherwise', async () => {
    expect(ids(await svc.list({}))).toEqual([a]);
    expect(ids(await svc.search({ query: 'kiwis' }))).toEqual([a]);
    expect(ids(await svc.list({ namespace: 'proj-b' }))).toEqual([b, d].sort());
    expect(ids(await svc.search({ query: 'kiwis', namespace: 'proj-b' }))).toEqual([b, d].sort());
    expect(ids(await svc.list({ allNamespaces: true }))).toEqual([a, b, d].sort());
  });

  it('a correction must stay in its target\u2019s namespace', async () => {
    await expect(svc.record({ kind: 'memory.retract', subject: { target: b, reason: 'x' } })).rejects.toSatisfy(
      (e) => e instanceof InputError && e.code === 'BAD_INPUT',
    );
  });
});

describe('supersede and retract', () => {
  it('the current view follows a model under random sequences; history is complete; bundles verify', async () => {
    type Op = { op: 'record' } | { op: 'supersede'; pick: number } | { op: 'retract'; pick: number };
    const ops = fc.array(
      fc.oneof(
        fc.constant<Op>({ op: 'record' }),
        fc.nat().map<Op>((pick) => ({ op: 'supersede', pick })),
        fc.nat().map<Op>((pick) => ({ op: 'retract', pick })),
      ),
      { minLength: 5, maxLength: 25 },
    );
    await fc.assert(
      fc.asyncProperty(ops, async (seq) => {
        // a fresh log per run, so a failing sequence shrinks against a clean state
        const { home, svc } = await freshService();
        const model = new Map<string, 'current' | 'superseded' | 'retracted'>();
        const supersedesOf = new Map<string, string>();
        try {
          for (const o of seq) {
            const current = [...model].filter(([, s]) => s === 'current').map(([id]) => id);
            if (o.op === 'record' || current.length === 0) {
              const r = await svc.record({ kind: 'memory', subject: { text: `memory ${model.size}` } });
              model.set(r.id, 'current');
              continue;
            }
            const target = current[o.pick % current.length]!;
            if (o.op === 'supersede') {
              const r = await svc.record({ kind: 'memory', subject: { text: `replaces ${target.slice(0, 8)}` }, supersedes: target });
              model.set(target, 'superseded');
              model.set(r.id, 'current');
              supersedesOf.set(r.id, target);
            } else {
              await svc.record({ kind: 'memory.retract', subject: { target, reason: 'wrong' } });
              model.set(target, 'retracted');
            }
          }
          const want = [...model].filter(([, s]) => s === 'current').map(([id]) => id).sort();
          const got: string[] = [];
          for (let cursor: string | null | undefined = undefined; ; ) {
            const page = await svc.list({ kind: 'memory', limit: 7, ...(cursor ? { cursor } : {}) });
            got.push(...page.items.map((i) => i.id));
            cursor = page.nextCursor;
            if (!cursor) break;
          }
          expect(got.sort()).toEqual(want);
          const all = await svc.list({ kind: 'memory', history: true, limit: 200 });
          expect(all.items.length).toBe(model.size);
          for (const item of all.items) expect(item.state ?? 'current').toBe(model.get(item.id));
          // superseding a superseded or retracted memory is refused
          const stale = [...model].find(([, s]) => s !== 'current');
          if (stale) await expect(svc.record({ kind: 'memory', subject: { text: 'x' }, supersedes: stale[0] })).rejects.toBeInstanceOf(InputError);
          // history of the newest superseding memory walks back through every predecessor, each proven
          const last = [...supersedesOf.keys()].pop();
          if (last) {
            const h = await svc.history(last);
            const chain: string[] = [last];
            for (let p = supersedesOf.get(last); p; p = supersedesOf.get(p)) chain.push(p);
            for (const id of chain) expect(h.items.map((i) => i.id)).toContain(id);
            const trust = homeTrust(home);
            for (const item of h.items.slice(0, 2)) expect((await verifyBundleReport(await svc.bundle(item.id), trust)).ok).toBe(true);
          }
        } finally {
          await svc.close();
        }
      }),
      { numRuns: 12 },
    );
  });
});

describe('redaction', () => {
  it('removes the text from the database file, keeps proofs, and the audit reports it as redacted', async () => {
    const { home, svc } = await freshService();
    const secret = 'the launch code is WOMBAT-ZEBRA-4471';
    const keep = (await svc.record({ kind: 'memory', subject: { text: 'an ordinary memory' } })).id;
    const id = (await svc.record({ kind: 'memory', subject: { text: secret, tags: ['ops'] } })).id;
    const before = await svc.bundle(id);
    expect(ids(await svc.search({ query: 'WOMBAT' }))).toEqual([id]);
    const got = await svc.get(id);
    expect(got.content).toEqual({ state: 'present', text: secret, verified: true });
    // the signed receipt never held the text: only its commitment
    expect(JSON.stringify(got.entry)).not.toContain('WOMBAT');

    await svc.record({ kind: 'memory.redact', subject: { target: id, reason: 'secret' } });
    expect((await svc.get(id)).content).toMatchObject({ state: 'redacted' });
    expect(ids(await svc.search({ query: 'WOMBAT', history: true }))).toEqual([]);
    expect(ids(await svc.list({}))).toEqual([keep]);
    await expect(svc.record({ kind: 'memory.redact', subject: { target: id } })).rejects.toBeInstanceOf(InputError);
    await svc.close();

    const dbPath = join(home, 'remembrancer.db');
    const db = new Database(dbPath);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('VACUUM');
    db.close();
    for (const f of [dbPath, `${dbPath}-wal`]) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(f);
      } catch {
        continue;
      }
      expect(bytes.includes(Buffer.from('WOMBAT'))).toBe(false);
      expect(bytes.includes(Buffer.from('an ordinary memory'))).toBe(true);
    }

    const trust = homeTrust(home);
    expect((await verifyBundleReport(before, trust)).ok).toBe(true);
    const report = await auditStore(dbPath, {
      origin: 'memory.example/log',
      checkpointKey: trust.checkpointKeys[0]!,
      receiptKeys: trust.receiptKeys,
      tsaAnchors: trust.tsaRoots,
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'memory content')!.detail).toContain('1 redacted');
    const after = await LocalService.open(home);
    try {
      expect((await verifyBundleReport(await after.bundle(id), trust)).ok).toBe(true);
    } finally {
      await after.close();
    }
  });

  it('the audit fails when a memory\u2019s text is missing without a redaction receipt', async () => {
    const { home, svc } = await freshService();
    await svc.record({ kind: 'memory', subject: { text: 'to be lost' } });
    await svc.close();
    const dbPath = join(home, 'remembrancer.db');
    const db = new Database(dbPath);
    db.prepare('DELETE FROM memory_content').run();
    db.prepare("UPDATE entries SET redacted_by = 'ab'").run();
    db.close();
    const trust = homeTrust(home);
    const report = await auditStore(dbPath, {
      origin: 'memory.example/log',
      checkpointKey: trust.checkpointKeys[0]!,
      receiptKeys: trust.receiptKeys,
      tsaAnchors: trust.tsaRoots,
    });
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['memory content']);
  });
});

describe('entry size', () => {
  it('refuses a receipt too large for a tlog-tiles entry bundle, and keeps large memory text beside the log', async () => {
    const { svc } = await freshService();
    try {
      await expect(svc.record({ kind: 'decision', subject: { title: 'big', body: 'x'.repeat(61_000) } })).rejects.toSatisfy(
        (e) => e instanceof InputError && e.code === 'BAD_INPUT',
      );
      const r = await svc.record({ kind: 'memory', subject: { text: 'y'.repeat(65_000) } });
      expect((await svc.get(r.id)).content).toMatchObject({ state: 'present', verified: true });
      expect((await svc.status()).treeSize).toBe(1);
    } finally {
      await svc.close();
    }
  });
});
