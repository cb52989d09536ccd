import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256, toHex, utf8 } from '../bytes.js';
import { canonicalBytes } from '../canonical.js';
import { generateCheckpointKey, signCheckpoint } from '../checkpoint/index.js';
import { InputError, RemembrancerError } from '../errors.js';
import { leafHash, rootFromLeafHashes } from '../merkle/hash.js';
import type { Entry } from '../receipt.js';
import { createTestKit, type TestKit } from '../verify/testkit.js';
import { encodeEntryBundle } from './bundle.js';
import { verifyTiledLog, type RemoteReport, type RemoteVerifyOptions } from './remote.js';
import { memoryLog } from './testkit.js';

const SIZE = 300; // two level-0 tiles: one full, one partial of width 44
let kit: TestKit;
let entries: Entry[];
let bytes: Uint8Array[];
let leaves: Uint8Array[];
let checkpoint: string;

const checkpointAt = (n: number, key = kit.checkpointKey.signerKey) =>
  signCheckpoint({ origin: kit.origin, size: n, root: rootFromLeafHashes(leaves.slice(0, n)) }, key);

function options(extra: Partial<RemoteVerifyOptions> = {}): RemoteVerifyOptions {
  return { checkpointKeys: [kit.checkpointKey.verifierKey], receiptKeys: [kit.signingKey.armoredPublicKey], ...extra };
}

function failed(r: RemoteReport): Record<string, string | undefined> {
  return Object.fromEntries(r.checks.filter((c) => !c.ok).map((c) => [c.name, c.code]));
}

beforeAll(async () => {
  kit = await createTestKit('tiles.example/log');
  const built = await kit.build({ size: SIZE, timestamp: false });
  entries = built.entries;
  bytes = entries.map((e) => canonicalBytes(e));
  leaves = built.leaves;
  checkpoint = built.checkpoint;
});

describe('verifyTiledLog', () => {
  it('verifies the checkpoint and its tree, and remembers it on first use', async () => {
    const remembered: string[] = [];
    const r = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ remember: (_o, note) => remembered.push(note) }));
    expect(r.ok).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(['checkpoint signature', 'tree', 'consistency']);
    expect(r.treeSize).toBe(SIZE);
    expect(remembered).toEqual([checkpoint]);
  });

  it('finds a receipt by id (scanning level-0 tiles), proves it and checks its signature', async () => {
    const id = toHex(leaves[42]!);
    const src = memoryLog(bytes, leaves, checkpoint);
    const r = await verifyTiledLog(src, options({ target: { kind: 'id', id } }));
    expect(failed(r)).toEqual({});
    expect(r.receipts).toEqual([{ id, index: 42 }]);
    expect(r.checks.map((c) => c.name)).toEqual(['checkpoint signature', 'tree', 'consistency', 'located', 'entry', 'inclusion proof', 'receipt']);
    // Only the one entry bundle holding it is read.
    expect(src.fetched.filter((p) => p.startsWith('tile/entries/'))).toEqual(['tile/entries/000']);
  });

  it('uses a given index without scanning, and fails it when the entry there is another one', async () => {
    const id = toHex(leaves[299]!);
    const src = memoryLog(bytes, leaves, checkpoint);
    const r = await verifyTiledLog(src, options({ target: { kind: 'id', id, index: 299 } }));
    expect(r.ok).toBe(true);
    expect(src.fetched).not.toContain('tile/0/000');
    const wrong = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'id', id, index: 298 } }));
    expect(failed(wrong)).toMatchObject({ entry: 'LEAF_HASH' });
    const byIndex = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'index', index: 7 } }));
    expect(byIndex.receipts).toEqual([{ id: toHex(leaves[7]!), index: 7 }]);
    const beyond = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'index', index: SIZE } }));
    expect(failed(beyond)).toMatchObject({ located: 'NOT_FOUND_IN_LOG' });
  });

  it('proves an id absent only after reading every leaf, and bounds the scan', async () => {
    const absent = toHex(sha256(utf8.encode('never recorded')));
    const r = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'id', id: absent } }));
    expect(failed(r)).toMatchObject({ located: 'NOT_FOUND_IN_LOG', entry: undefined });
    await expect(verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'id', id: absent }, scanLimit: 100 }))).rejects.toThrow(InputError);
    // A server that hides a leaf from the level-0 tiles is caught by the root.
    const src = memoryLog(bytes, leaves, checkpoint);
    const id = toHex(leaves[3]!);
    const row = new Uint8Array(256 * 32);
    leaves.slice(0, 256).forEach((l, i) => row.set(i === 3 ? sha256(l) : l, i * 32));
    src.override.set('tile/0/000', row);
    const hidden = await verifyTiledLog(src, options({ target: { kind: 'id', id } }));
    expect(hidden.ok).toBe(false);
    expect(failed(hidden)).toMatchObject({ located: 'ROOT_MISMATCH' });
  });

  it('finds every receipt recording an artifact digest, with all entries folded into the root', async () => {
    const digest = (entries[3]!.receipt.subject as { sha256: string }).sha256;
    const r = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'artifact', sha256: digest } }));
    expect(failed(r)).toEqual({});
    expect(r.receipts).toEqual([{ id: toHex(leaves[3]!), index: 3 }]);
    const evidence = entries[4]!.receipt.evidence[0]!.sha256;
    const e = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'artifact', sha256: evidence } }));
    expect(e.receipts?.map((x) => x.index)).toEqual([4]);
    const none = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'artifact', sha256: 'ab'.repeat(32) } }));
    expect(failed(none)).toEqual({ recorded: 'NOT_FOUND_IN_LOG' });
    await expect(verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ target: { kind: 'artifact', sha256: digest }, scanLimit: 299 }))).rejects.toThrow(InputError);
  });

  it('fails a tampered tile, a tampered entry bundle and an entry swapped for another', async () => {
    const id = toHex(leaves[10]!);
    const tile = memoryLog(bytes, leaves, checkpoint);
    const row = new Uint8Array(256 * 32);
    leaves.slice(0, 256).forEach((l, i) => row.set(l, i * 32));
    row[11 * 32]! ^= 1; // a sibling on leaf 10's path
    tile.override.set('tile/0/000', row);
    expect(failed(await verifyTiledLog(tile, options({ target: { kind: 'id', id, index: 10 } })))).toMatchObject({ 'inclusion proof': 'ROOT_MISMATCH' });

    const bundle = memoryLog(bytes, leaves, checkpoint);
    const b = encodeEntryBundle(bytes.slice(0, 256));
    b[100]! ^= 1;
    bundle.override.set('tile/entries/000', b);
    expect(failed(await verifyTiledLog(bundle, options({ target: { kind: 'index', index: 0 } })))).toMatchObject({ 'inclusion proof': 'ROOT_MISMATCH' });

    const swapped = memoryLog(bytes, leaves, checkpoint);
    swapped.override.set('tile/entries/000', encodeEntryBundle(bytes.slice(0, 256).map((x, i) => (i === 10 ? bytes[11]! : x))));
    expect(failed(await verifyTiledLog(swapped, options({ target: { kind: 'id', id, index: 10 } })))).toMatchObject({ entry: 'LEAF_HASH' });

    const cut = memoryLog(bytes, leaves, checkpoint);
    cut.override.set('tile/0/001.p/44', new Uint8Array(43 * 32));
    expect(failed(await verifyTiledLog(cut, options()))).toMatchObject({ tree: 'TILE_FORMAT', consistency: undefined });
  });

  it('fails a rolled-back or forked checkpoint against the remembered one, and remembers neither', async () => {
    const remembered: string[] = [];
    const later = checkpointAt(SIZE);
    const rollback = await verifyTiledLog(
      memoryLog(bytes, leaves, checkpointAt(200)),
      options({ previous: () => later, remember: (_o, n) => remembered.push(n) }),
    );
    expect(failed(rollback)).toEqual({ consistency: 'CHECKPOINT_ROLLBACK' });
    // Same size, another root: a fork (the log signed two trees of one size).
    const forkLeaves = [...leaves.slice(0, SIZE - 1), sha256(utf8.encode('other'))];
    const fork = signCheckpoint({ origin: kit.origin, size: SIZE, root: rootFromLeafHashes(forkLeaves) }, kit.checkpointKey.signerKey);
    const forked = await verifyTiledLog(memoryLog(bytes, forkLeaves, fork), options({ previous: () => later, remember: (_o, n) => remembered.push(n) }));
    expect(failed(forked)).toEqual({ consistency: 'ROOT_MISMATCH' });
    expect(remembered).toEqual([]);
    const grown = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ previous: () => checkpointAt(120) }));
    expect(grown.ok).toBe(true);
  });

  it('fails a checkpoint signed by another key, and needs a trusted key at all', async () => {
    const other = generateCheckpointKey(kit.origin);
    const r = await verifyTiledLog(memoryLog(bytes, leaves, checkpointAt(SIZE, other.signerKey)), options({ target: { kind: 'index', index: 1 } }));
    expect(failed(r)['checkpoint signature']).toBe('CHECKPOINT_KEY');
    expect(r.checks.slice(1).every((c) => !c.ok && c.detail.startsWith('not checked'))).toBe(true);
    await expect(verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ checkpointKeys: [] }))).rejects.toThrow(InputError);
  });

  it('fails a receipt signed by an untrusted key, and an entry that is not canonical JSON', async () => {
    const r = await verifyTiledLog(memoryLog(bytes, leaves, checkpoint), options({ receiptKeys: [], target: { kind: 'index', index: 5 } }));
    expect(failed(r)).toEqual({ receipt: 'UNTRUSTED_KEY' });
    const loose = bytes.map((b, i) => (i === 5 ? utf8.encode(JSON.stringify(entries[5], null, 1)) : b));
    const looseLeaves = loose.map((b) => leafHash(b));
    const cp = signCheckpoint({ origin: kit.origin, size: SIZE, root: rootFromLeafHashes(looseLeaves) }, kit.checkpointKey.signerKey);
    const r2 = await verifyTiledLog(memoryLog(loose, looseLeaves, cp), options({ target: { kind: 'index', index: 5 } }));
    expect(failed(r2)).toEqual({ receipt: 'RECEIPT_SCHEMA' });
  });

  it('never verifies when any byte it relies on is changed, dropped or added (fast-check)', async () => {
    const index = 42;
    const id = toHex(leaves[index]!);
    const clean = memoryLog(bytes, leaves, checkpoint);
    expect((await verifyTiledLog(clean, options({ target: { kind: 'id', id } }))).ok).toBe(true);
    // Every resource the clean run read, with its bytes; for the bundle, only the target entry
    // (and its length prefix) counts: the other entries of the bundle are not vouched for.
    const served = new Map<string, Uint8Array>();
    const probe = memoryLog(bytes, leaves, checkpoint);
    for (const path of [...new Set(clean.fetched)]) {
      if (path === 'checkpoint') served.set(path, await probe.checkpoint());
      else if (path.startsWith('tile/entries/')) served.set(path, encodeEntryBundle(bytes.slice(0, 256)));
      else {
        const [, level, n] = /^tile\/(\d+)\/(\d{3})(?:\.p\/(\d+))?$/.exec(path)!;
        const width = Number(/\.p\/(\d+)$/.exec(path)?.[1] ?? 256);
        served.set(path, await probe.tile({ level: Number(level), index: Number(n), width }));
      }
    }
    const entryStart = bytes.slice(0, index).reduce((n, b) => n + 2 + b.length, 0);
    const entryEnd = entryStart + 2 + bytes[index]!.length;
    const paths = [...served.keys()];
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom('flip', 'truncate', 'extend'), async (which, at, mask, how) => {
        const path = paths[which % paths.length]!;
        const orig = served.get(path)!;
        let bad: Uint8Array;
        if (how === 'flip') {
          const pos = path.startsWith('tile/entries/') ? entryStart + (at % (entryEnd - entryStart)) : at % orig.length;
          bad = orig.slice();
          bad[pos]! ^= mask;
        } else if (how === 'truncate') {
          bad = orig.slice(0, at % orig.length);
        } else {
          if (path === 'checkpoint') return; // extra signature lines by unknown keys are ignored, as signed-note requires
          bad = Uint8Array.from([...orig, ...new Uint8Array(1 + (at % 40)).fill(mask)]);
        }
        const src = memoryLog(bytes, leaves, checkpoint);
        src.override.set(path, bad);
        try {
          const r = await verifyTiledLog(src, options({ target: { kind: 'id', id } }));
          expect(r.ok, `${how} ${path}`).toBe(false);
        } catch (e) {
          expect(e).toBeInstanceOf(RemembrancerError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
