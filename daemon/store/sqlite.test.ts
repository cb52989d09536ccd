import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.js';
import { bytesEqual, sha256 } from '../../core/bytes.js';
import { rootFromLeafHashes } from '../../core/merkle/hash.js';
import { MerkleLog } from '../../core/merkle/log.js';
import { SLAB_OFFSETS } from '../../core/merkle/tile.js';
import { verifyConsistency, verifyInclusion } from '../../core/merkle/verify.js';
import { MIGRATIONS } from './migrations.js';
import { openLogStore, openLogStoreReadOnly } from './sqlite.js';

let dir: string;
const open: { close(): void }[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'remembrancer-store-'));
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const track = <T extends { close(): void }>(s: T): T => {
  open.push(s);
  return s;
};
const leavesOf = (n: number, salt = 0): Uint8Array[] => Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(salt, i & 255, (i >> 8) & 255, i >> 16)));
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'none';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};
const dump = (path: string): unknown[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT level, idx, width, hex(nodes) AS nodes FROM merkle_tiles ORDER BY level, idx').all();
  } finally {
    db.close();
  }
};

describe('SqliteLogStore', () => {
  it('stores the same tiles whatever the batch split, and serves correct roots and proofs', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), (batches, a, b) => {
        const total = batches.reduce((x, y) => x + y, 0);
        const leaves = leavesOf(total, 1);
        const whole = join(dir, `whole-${total}-${a}.db`);
        const split = join(dir, `split-${total}-${a}.db`);
        const w = openLogStore(whole);
        w.appendLeafHashes(leaves);
        w.close();
        const s = openLogStore(split);
        for (const n of batches) s.appendLeafHashes(leaves.slice(s.size(), s.size() + n));
        expect(s.size()).toBe(total);
        s.close();
        expect(dump(split)).toEqual(dump(whole));

        if (total === 0) return;
        const r = track(openLogStoreReadOnly(split));
        const log = new MerkleLog(r);
        const m = 1 + (a % total);
        const n = m + (b % (total - m + 1));
        const root1 = rootFromLeafHashes(leaves.slice(0, m));
        const root2 = rootFromLeafHashes(leaves.slice(0, n));
        expect(log.root(m)).toEqual(root1);
        expect(log.root()).toEqual(rootFromLeafHashes(leaves));
        verifyInclusion({ leafHash: leaves[a % n]!, index: a % n, treeSize: n, proof: log.inclusionProof(a % n, n), root: root2 });
        verifyConsistency({ size1: m, size2: n, proof: log.consistencyProof(m, n), root1, root2 });
        expect(r.getLeafHashes(0, total)).toEqual(leaves);
      }),
      { numRuns: 12 },
    );
  });

  it('holds a tree spanning tile levels 0-2 and reads O(log n) nodes per proof', () => {
    const path = join(dir, 'big.db');
    const leaves = leavesOf(70_000, 2);
    const store = track(openLogStore(path, { tileCacheSize: 16 }));
    for (let i = 0; i < leaves.length; i += 7_000) store.appendLeafHashes(leaves.slice(i, i + 7_000));
    const log = new MerkleLog(store);
    expect(log.root()).toEqual(rootFromLeafHashes(leaves));
    expect(store.fsck()).toMatchObject({ ok: true, size: 70_000, tiles: 274 + 2 + 1 });
    for (const [i, n] of [[0, 70_000], [65_535, 65_537], [12_345, 69_999], [69_999, 70_000]] as const) {
      const before = store.stats.nodesRead;
      const root = rootFromLeafHashes(leaves.slice(0, n));
      verifyInclusion({ leafHash: leaves[i]!, index: i, treeSize: n, proof: log.inclusionProof(i, n), root });
      expect(store.stats.nodesRead - before).toBeLessThanOrEqual(2 * 17 + 1);
    }
    // C2SP tiles: level 0 lists leaf hashes, level 1 the roots of 256-leaf subtrees.
    expect(store.getTile(0, 3, 256)).toEqual(new Uint8Array(Buffer.concat(leaves.slice(768, 1024))));
    const level1 = store.getTile(1, 0, 5)!;
    for (let k = 0; k < 5; k++) expect(level1.subarray(32 * k, 32 * k + 32)).toEqual(rootFromLeafHashes(leaves.slice(256 * k, 256 * k + 256)));
    // 70,000 = 273·256 + 112: tile 0/273 is 112 wide; 273 level-8 nodes make tile 1/1 17 wide.
    expect(store.getTile(0, 273, 112)).toBeDefined();
    expect(store.getTile(0, 273, 113)).toBeUndefined();
    expect(store.getTile(1, 1, 17)).toBeDefined();
    expect(store.getTile(1, 1, 18)).toBeUndefined();
    expect(store.getTile(2, 0, 1)).toEqual(rootFromLeafHashes(leaves.slice(0, 65_536)));
  });

  it('reopens with the same size and roots', () => {
    const path = join(dir, 'reopen.db');
    const leaves = leavesOf(1_000, 3);
    const s1 = openLogStore(path);
    s1.appendLeafHashes(leaves.slice(0, 600));
    const root600 = new MerkleLog(s1).root();
    s1.close();
    const s2 = track(openLogStore(path));
    expect(s2.size()).toBe(600);
    expect(new MerkleLog(s2).root()).toEqual(root600);
    s2.appendLeafHashes(leaves.slice(600));
    expect(new MerkleLog(s2).root()).toEqual(rootFromLeafHashes(leaves));
    expect(new MerkleLog(s2).root(600)).toEqual(root600);
  });

  describe('when a batch is written with `within`', () => {
    const extra = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'test notes', up: 'CREATE TABLE notes (idx INTEGER PRIMARY KEY, text TEXT)' }];

    it('commits the layer rows with the leaves, passing the first index', () => {
      const store = track(openLogStore(join(dir, 'within.db'), { migrations: extra }));
      store.appendLeafHashes(leavesOf(3));
      const res = store.appendLeafHashes(leavesOf(2, 9), (tx, first) => {
        tx.prepare('INSERT INTO notes (idx, text) VALUES (?, ?)').run(first, 'hello');
        return 'done';
      });
      expect(res).toEqual({ firstIndex: 3, size: 5, value: 'done' });
      expect(store.db.prepare('SELECT idx, text FROM notes').all()).toEqual([{ idx: 3, text: 'hello' }]);
    });

    it('rolls back leaves, tiles and rows when it throws, and keeps working', () => {
      const store = track(openLogStore(join(dir, 'rollback.db'), { migrations: extra }));
      const leaves = leavesOf(300, 4);
      store.appendLeafHashes(leaves.slice(0, 100));
      const before = dump(store.path);
      expect(() =>
        store.appendLeafHashes(leavesOf(200, 5), (tx) => {
          tx.prepare('INSERT INTO notes (idx, text) VALUES (1, ?)').run('lost');
          throw new Error('layer failed');
        }),
      ).toThrow('layer failed');
      expect(store.size()).toBe(100);
      expect(dump(store.path)).toEqual(before);
      expect(store.db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 0 });
      store.appendLeafHashes(leaves.slice(100));
      expect(new MerkleLog(store).root()).toEqual(rootFromLeafHashes(leaves));
      expect(store.fsck().ok).toBe(true);
    });

    it('refuses an async callback with INTERNAL and rolls back', () => {
      const store = track(openLogStore(join(dir, 'async.db')));
      expect(codeOf(() => store.appendLeafHashes(leavesOf(2), async () => 1))).toBe('INTERNAL');
      expect(store.size()).toBe(0);
      expect(openLogStoreReadOnly(store.path).size()).toBe(0);
    });
  });

  describe('when given bad input', () => {
    it('throws BAD_INPUT or NOT_FOUND, never a stray error', () => {
      const store = track(openLogStore(join(dir, 'bad.db')));
      store.appendLeafHashes(leavesOf(10));
      expect(codeOf(() => store.appendLeafHashes([new Uint8Array(31)]))).toBe('BAD_INPUT');
      expect(codeOf(() => store.appendLeafHashes(['x' as unknown as Uint8Array]))).toBe('BAD_INPUT');
      expect(codeOf(() => store.getLeafHashes(5, 11))).toBe('BAD_INPUT');
      expect(codeOf(() => store.getLeafHashes(6, 5))).toBe('BAD_INPUT');
      expect(codeOf(() => store.getNodes([{ level: 1, index: 5 }]))).toBe('NOT_FOUND');
      expect(codeOf(() => store.getNodes([{ level: -1, index: 0 }]))).toBe('BAD_INPUT');
      expect(codeOf(() => store.getTile(0, 0, 0))).toBe('BAD_INPUT');
      expect(codeOf(() => store.getTile(0, 0, 257))).toBe('BAD_INPUT');
      expect(store.getTile(0, 0, 11)).toBeUndefined();
      expect(store.getTile(0, 1, 1)).toBeUndefined();
      expect(store.size()).toBe(10);
    });

    it('says NOT_INITIALISED for a read-only open of a missing database', () => {
      expect(codeOf(() => openLogStoreReadOnly(join(dir, 'none.db')))).toBe('NOT_INITIALISED');
      expect(codeOf(() => openLogStore(join(dir, 'none.db'), { create: false }))).toBe('NOT_INITIALISED');
    });
  });
});

describe('schema migrations', () => {
  it('applies new migrations once and refuses a store from a newer or different build', () => {
    const path = join(dir, 'mig.db');
    openLogStore(path).close();
    const more = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'more', up: 'CREATE TABLE more (x)' }];
    openLogStore(path, { migrations: more }).close();
    openLogStore(path, { migrations: more }).close(); // a second run applies nothing (CREATE would fail)
    expect(codeOf(() => openLogStore(path))).toBe('STORE_VERSION');
    expect(codeOf(() => openLogStoreReadOnly(path))).toBe('STORE_VERSION');
    const renamed = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'other', up: 'SELECT 1' }];
    expect(codeOf(() => openLogStore(path, { migrations: renamed }))).toBe('STORE_VERSION');
    const gap = [{ ...MIGRATIONS[0]!, version: 2 }];
    expect(codeOf(() => openLogStore(join(dir, 'gap.db'), { migrations: gap }))).toBe('INTERNAL');
  });
});

describe('fsck', () => {
  const build = (name: string, n: number): { path: string; leaves: Uint8Array[] } => {
    const path = join(dir, name);
    const leaves = leavesOf(n, 6);
    const s = openLogStore(path);
    s.appendLeafHashes(leaves);
    expect(s.fsck()).toMatchObject({ ok: true, size: n });
    s.close();
    return { path, leaves };
  };
  const raw = (path: string, f: (db: Database.Database) => void): void => {
    const db = new Database(path);
    try {
      f(db);
    } finally {
      db.close();
    }
  };
  const flip = (db: Database.Database, level: number, idx: number, byte: number): void => {
    const row = db.prepare('SELECT nodes FROM merkle_tiles WHERE level = ? AND idx = ?').get(level, idx) as { nodes: Buffer };
    row.nodes[byte]! ^= 1;
    db.prepare('UPDATE merkle_tiles SET nodes = ? WHERE level = ? AND idx = ?').run(row.nodes, level, idx);
  };

  it('finds a corrupted internal node and names its position', () => {
    const { path } = build('fsck1.db', 1_000);
    // Node (level 3, index 37) lives in tile 0/1 (it covers leaves 296…303): sublevel 3, slot 5.
    raw(path, (db) => flip(db, 0, 1, (SLAB_OFFSETS[3]! + 5) * 32 + 7));
    expect(openLogStoreReadOnly(path).fsck()).toMatchObject({ ok: false, level: 3, index: 37, problem: 'mismatch' });
  });

  it('finds a corrupted tile-row node above level 0', () => {
    const { path } = build('fsck2.db', 1_000);
    raw(path, (db) => flip(db, 1, 0, 2 * 32)); // node (8, 2) in tile 1/0's row
    expect(openLogStoreReadOnly(path).fsck()).toMatchObject({ ok: false, level: 8, index: 2, problem: 'mismatch' });
  });

  it('blames the level above a corrupted leaf, since leaves are the input', () => {
    const { path } = build('fsck3.db', 600);
    raw(path, (db) => flip(db, 0, 2, 10 * 32)); // leaf 522
    expect(openLogStoreReadOnly(path).fsck()).toMatchObject({ ok: false, level: 1, index: 261, problem: 'mismatch' });
  });

  it('reports missing and misshapen tiles', () => {
    const { path } = build('fsck4.db', 1_000);
    raw(path, (db) => db.prepare('DELETE FROM merkle_tiles WHERE level = 0 AND idx = 1').run());
    expect(openLogStoreReadOnly(path).fsck()).toMatchObject({ ok: false, level: 0, index: 256, problem: 'missing' });
    const b = build('fsck5.db', 1_000);
    raw(b.path, (db) => db.prepare('UPDATE merkle_tiles SET width = 255 WHERE level = 0 AND idx = 0').run());
    expect(openLogStoreReadOnly(b.path).fsck()).toMatchObject({ ok: false, level: 0, index: 0, problem: 'shape' });
    const c = build('fsck6.db', 1_000);
    raw(c.path, (db) => db.prepare('INSERT INTO merkle_tiles (level, idx, width, nodes) VALUES (2, 0, 1, zeroblob(16320))').run());
    expect(openLogStoreReadOnly(c.path).fsck()).toMatchObject({ ok: false, level: 16, index: 0, problem: 'shape' });
  });
});

describe('the write lock', () => {
  const CHILD = fileURLToPath(new URL('./testdata/store-child.mjs', import.meta.url));

  function child(mode: string, path: string): { proc: ChildProcess; line: (want: string) => Promise<string>; exit: Promise<number | null> } {
    const proc = spawn(process.execPath, [CHILD, mode, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const waiters: (() => void)[] = [];
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) w();
    });
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const line = (want: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = out.split('\n').find((l) => l.startsWith(want) || l.startsWith('ERROR'));
          if (hit) resolve(hit);
          else waiters.push(check);
        };
        void exit.then(() => setTimeout(() => reject(new Error(`child exited; output: ${out}`)), 50));
        check();
      });
    return { proc, line, exit };
  }

  it('refuses a second writer in the same process and allows readers', () => {
    const path = join(dir, 'lock1.db');
    const w = track(openLogStore(path));
    w.appendLeafHashes(leavesOf(5));
    expect(() => openLogStore(path)).toThrow(InputError);
    expect(codeOf(() => openLogStore(path))).toBe('STORE_LOCKED');
    const r = track(openLogStoreReadOnly(path));
    expect(r.size()).toBe(5);
    expect(new MerkleLog(r).root()).toEqual(rootFromLeafHashes(leavesOf(5)));
    w.appendLeafHashes(leavesOf(5, 1));
    // The reader cached the 5-wide tile; it must re-read it for the nodes that are new.
    expect(r.size()).toBe(10);
    expect(new MerkleLog(r).root()).toEqual(rootFromLeafHashes([...leavesOf(5), ...leavesOf(5, 1)]));
    w.close();
    track(openLogStore(path)).close();
  });

  it('refuses a writer in another process while this one holds the lock', async () => {
    const path = join(dir, 'lock2.db');
    track(openLogStore(path));
    const c = child('try-open', path);
    expect(await c.line('OPENED')).toBe('ERROR STORE_LOCKED');
    await c.exit;
  });

  it('is refused to us while another process holds it, and freed when that process is SIGKILLed', async () => {
    const path = join(dir, 'lock3.db');
    const c = child('hold', path);
    expect(await c.line('HOLDING')).toBe('HOLDING');
    expect(codeOf(() => openLogStore(path))).toBe('STORE_LOCKED');
    expect(codeOf(() => openLogStoreReadOnly(path).close())).toBe('none');
    c.proc.kill('SIGKILL');
    await c.exit;
    const s = track(openLogStore(path));
    expect(s.size()).toBe(0);
  });

  it('shows only whole batches after a writer is SIGKILLed mid-append', async () => {
    const path = join(dir, 'crash.db');
    const c = child('append', path);
    expect(await c.line('APPENDED')).toBe('APPENDED');
    c.proc.kill('SIGKILL');
    await c.exit;
    const s = track(openLogStore(path));
    expect(s.size()).toBeGreaterThanOrEqual(400);
    expect(s.size() % 100).toBe(0);
    expect(s.fsck()).toMatchObject({ ok: true, size: s.size() });
    const first = s.getLeafHashes(0, 100);
    expect(first.every((h, i) => bytesEqual(h, sha256(Uint8Array.of(0, 0, i))))).toBe(true);
  });
});
