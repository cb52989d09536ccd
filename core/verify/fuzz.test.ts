// Property tests: random mutations of real, valid bundles (testkit.ts) never verify unless the
// mutation is semantically a no-op, and never make the verifier throw anything but InputError
// UNKNOWN_MEDIA_TYPE (for a mutation that touched the mediaType or replaced the whole bundle).
//
// "No-op" is defined from the verifier's contract, not from its code: the verifier binds the
// mediaType, the entry, the inclusion proof, the checkpoint and the token exactly (compared as
// canonical JSON), and the bundle's publicKey, checkpointKey and first TSA certificate when they
// are present; it may ignore their absence and any certificate after the first (extra chain
// candidates, never anchors). Every other change must fail some check. To keep the property from
// passing vacuously, each run also checks that the original bundle verifies, and the suite counts
// that most mutations were real changes.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalString } from '../canonical.js';
import { BUNDLE_MEDIA_TYPE } from '../receipt.js';
import { InputError, type VerificationCode } from '../errors.js';
import { CHECK_NAMES, type BundleReport } from './types.js';
import { BundleVerifier } from './verifier.js';
import { createTestKit, type BundleJson } from './testkit.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const VERIFICATION_CODES: readonly VerificationCode[] = [
  'INCLUSION_PROOF', 'CONSISTENCY_PROOF', 'ROOT_MISMATCH', 'LEAF_HASH', 'RECEIPT_SIGNATURE', 'UNTRUSTED_KEY',
  'CHECKPOINT_FORMAT', 'CHECKPOINT_SIGNATURE', 'CHECKPOINT_KEY', 'CHECKPOINT_ORIGIN', 'TSA_TOKEN', 'TSA_STATUS',
  'TSA_IMPRINT', 'TSA_NONCE', 'TSA_SIGNATURE', 'TSA_CHAIN', 'TSA_EKU', 'TSA_ESS', 'TSA_TIME', 'TSA_POLICY',
  'TSA_UNTRUSTED', 'TSA_MISSING', 'BUNDLE_SCHEMA', 'RECEIPT_SCHEMA',
];

let verifier: BundleVerifier;
let originals: BundleJson[];
const tally = { runs: 0, changed: 0, rejectedAsNotBundle: 0 };
/** FUZZ_RUNS=5000 for a longer local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

beforeAll(async () => {
  const kit = await createTestKit('fuzz.example/log');
  const log = await kit.build({ size: 7 });
  originals = [0, 3, 6].map((i) => log.bundle(i));
  verifier = await BundleVerifier.create(kit.policy());
  for (const b of originals) expect((await verifier.report(b)).ok).toBe(true);
});

/** Not vacuous: most generated mutations changed what the verifier binds, and each was checked. */
function expectMostlyRealChanges(before: typeof tally, runs: number): void {
  const done = tally.runs - before.runs;
  const changed = tally.changed - before.changed;
  if (process.env.FUZZ_TALLY) console.log({ runs: done, changed, rejectedAsNotBundle: tally.rejectedAsNotBundle - before.rejectedAsNotBundle });
  expect(done).toBeGreaterThanOrEqual(runs);
  expect(changed / done).toBeGreaterThan(0.7);
}

/** Does the verifier's contract allow `m` to verify, given that `o` does? */
function isNoOp(o: BundleJson, m: unknown): boolean {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const b = m as Record<string, unknown>;
  const same = (a: unknown, c: unknown): boolean => {
    try {
      return a !== undefined && c !== undefined && canonicalString(a) === canonicalString(c);
    } catch {
      return false; // not JSON (e.g. a lone surrogate): certainly not the original
    }
  };
  const keys = Object.keys(b);
  const allowed = new Set(['mediaType', 'entry', 'inclusionProof', 'checkpoint', 'timestamp', 'publicKey', 'checkpointKey', 'tsaCertificates']);
  if (keys.some((k) => !allowed.has(k))) return false;
  for (const k of ['mediaType', 'entry', 'inclusionProof', 'checkpoint', 'timestamp'] as const) if (!same(b[k], o[k])) return false;
  if (b.publicKey !== undefined && b.publicKey !== o.publicKey) return false;
  if (b.checkpointKey !== undefined && b.checkpointKey !== o.checkpointKey) return false;
  const certs = b.tsaCertificates;
  if (certs !== undefined) {
    if (!Array.isArray(certs) || certs.length > 16 || certs.some((c) => typeof c !== 'string' || c.length > 65536)) return false;
    if (certs.length > 0 && certs[0] !== o.tsaCertificates![0]) return false;
    // Later entries must still be exactly one PEM certificate each (the schema and chain rules).
    if (certs.slice(1).some((c) => !o.tsaCertificates!.includes(c as string))) return false;
  }
  return true;
}

function pathsOf(v: Json, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...prefix, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...prefix, k]));
  return out;
}

/** Set an own property the way JSON.parse does (no __proto__ setter). */
function setOwn(obj: Record<string, Json>, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

type JsonOp = { op: 'replace'; value: Json } | { op: 'delete' } | { op: 'insert'; key: string; at: number; value: Json };

function applyJsonOp(root: Json, path: Path, op: JsonOp): Json {
  if (path.length === 0) return op.op === 'replace' ? op.value : root;
  let parent = root as Record<string | number, Json>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  const target = parent[last] as Json;
  if (op.op === 'replace') {
    if (Array.isArray(parent)) parent[last as number] = op.value;
    else setOwn(parent as Record<string, Json>, last as string, op.value);
  } else if (op.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (Array.isArray(target)) {
    target.splice(op.at % (target.length + 1), 0, op.value);
  } else if (target !== null && typeof target === 'object') {
    setOwn(target, op.key, op.value);
  } else {
    return applyJsonOp(root, path, { op: 'replace', value: op.value });
  }
  return root;
}

function assertWellFormed(r: BundleReport): void {
  expect(r.checks.map((c) => c.name)).toEqual([...CHECK_NAMES]);
  for (const c of r.checks) {
    if (c.ok) continue;
    if (c.code === undefined) expect(c.detail).toMatch(/^not checked: depends on /);
    else expect(VERIFICATION_CODES).toContain(c.code);
  }
  expect(r.ok).toBe(r.checks.every((c) => c.ok));
}

/** Is this no bundle at all (the one case the verifier throws for)? */
function notABundle(v: unknown): boolean {
  return typeof v !== 'object' || v === null || Array.isArray(v) || (v as { mediaType?: unknown }).mediaType !== BUNDLE_MEDIA_TYPE;
}

/** Verify a mutated bundle and check the property. */
async function checkMutation(original: BundleJson, mutated: unknown): Promise<void> {
  tally.runs++;
  const noOp = isNoOp(original, mutated);
  if (!noOp) tally.changed++;
  let r: BundleReport;
  try {
    r = await verifier.report(mutated);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('UNKNOWN_MEDIA_TYPE');
    expect(notABundle(mutated)).toBe(true);
    tally.rejectedAsNotBundle++;
    return;
  }
  expect(notABundle(mutated)).toBe(false);
  assertWellFormed(r);
  if (r.ok && !noOp) {
    throw new Error(`a real change verified: ${JSON.stringify(mutated).slice(0, 2000)}`);
  }
}

const jsonValue = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
const nearby = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -1, 2 ** 31, Number.MAX_SAFE_INTEGER + 2, 0.5));

describe('random JSON-level mutations of a valid bundle', () => {
  it('never verify unless semantically a no-op, and only throw UNKNOWN_MEDIA_TYPE', async () => {
    const before = { ...tally };
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 }),
        fc.nat(),
        fc.oneof(
          fc.record({ op: fc.constant('replace' as const), value: jsonValue }),
          fc.record({ op: fc.constant('replace' as const), value: nearby }),
          fc.record({ op: fc.constant('delete' as const) }),
          fc.record({
            op: fc.constant('insert' as const),
            key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'note', 'chainRef', 'tsaCertificates')),
            at: fc.nat(),
            value: jsonValue,
          }),
        ),
        async (which, pick, op) => {
          const original = originals[which]!;
          const mutated = structuredClone(original) as unknown as Json;
          const paths = pathsOf(mutated);
          const path = paths[pick % paths.length]!;
          // Numbers get nudged relative to their value as often as replaced outright.
          let value = op;
          if (op.op === 'replace' && typeof op.value === 'number') {
            const cur = path.reduce<unknown>((v, s) => (v as Record<string | number, unknown>)[s], mutated);
            if (typeof cur === 'number') value = { op: 'replace', value: cur + op.value };
          }
          const out = applyJsonOp(mutated, path, value);
          await checkMutation(original, out);
        },
      ),
      { numRuns: RUNS },
    );
    expectMostlyRealChanges(before, RUNS);
  });
});

describe('character flips in the signed and bound strings of a valid bundle', () => {
  const targets: ((b: BundleJson) => [get: () => string, set: (s: string) => void])[] = [
    (b) => [() => b.entry.signature, (s) => (b.entry.signature = s)],
    (b) => [() => b.checkpoint, (s) => (b.checkpoint = s)],
    (b) => [() => b.timestamp!, (s) => (b.timestamp = s)],
    (b) => [() => b.inclusionProof.hashes[0]!, (s) => (b.inclusionProof.hashes[0] = s)],
    (b) => [() => b.inclusionProof.hashes[b.inclusionProof.hashes.length - 1]!, (s) => (b.inclusionProof.hashes[b.inclusionProof.hashes.length - 1] = s)],
    (b) => [() => b.checkpointKey, (s) => (b.checkpointKey = s)],
    (b) => [() => b.tsaCertificates![0]!, (s) => (b.tsaCertificates![0] = s)],
    (b) => [() => (b.entry.receipt as { time: string }).time, (s) => ((b.entry.receipt as { time: string }).time = s)],
  ];
  const chars = fc.oneof(
    fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-\n .:—'),
    fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  );

  it('never verify unless the string is unchanged', async () => {
    const before = { ...tally };
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 2 }),
        fc.nat({ max: targets.length - 1 }),
        fc.array(fc.tuple(fc.nat(), chars), { minLength: 1, maxLength: 3 }),
        async (which, t, flips) => {
          const original = originals[which]!;
          const mutated = structuredClone(original);
          const [get, set] = targets[t]!(mutated);
          let s = get();
          for (const [at, c] of flips) {
            const i = at % s.length;
            s = s.slice(0, i) + c + s.slice(i + 1);
          }
          set(s);
          await checkMutation(original, mutated);
        },
      ),
      { numRuns: RUNS },
    );
    expectMostlyRealChanges(before, RUNS);
  });
});
