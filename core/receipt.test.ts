import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BUNDLE_MEDIA_TYPE,
  LIMITS,
  SchemaError,
  entryBytes,
  isKind,
  parseBundle,
  parseEntry,
  parseReceipt,
  proofHashes,
  receiptId,
  type Entry,
  type Receipt,
} from './receipt.js';
import { InputError, VerificationError } from './errors.js';

const H1 = 'a'.repeat(64);
const H2 = '0123456789abcdef'.repeat(4);
const SIG = '-----BEGIN PGP SIGNATURE-----\n\nwnUEABYKAB0WIQ\n-----END PGP SIGNATURE-----\n';

function base(kind: string, subject: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: 1, kind, origin: 'example.org/log', time: '2025-01-02T03:04:05Z', subject, evidence: [], ...extra };
}

const valid: [string, Record<string, unknown>][] = [
  ['deploy', base('deploy', { component: 'api', version: '1.2.3', sha256: H1 }, { evidence: [{ name: 'build.log', sha256: H2 }], chainRef: H2, note: 'rolled out' })],
  ['artifact', base('artifact', { name: 'app.tar.gz', sha256: H1, size: 1234 })],
  ['artifact without size', base('artifact', { name: 'app.tar.gz', sha256: H1 })],
  ['decision', base('decision', { title: 'Use SQLite', body: 'Because\nit is one file.' })],
  ['inline memory', base('memory', { text: 'the sky is blue', tags: ['sky'] }, { namespace: 'work', supersedes: H1 })],
  ['hashed memory', base('memory', { contentHash: H2 })],
  ['retract', base('memory.retract', { target: H1, reason: 'wrong' })],
  ['redact', base('memory.redact', { target: H1 })],
  ['grid.event (generic)', base('grid.event', { anything: [1, { nested: true }], n: null })],
  ['federation.merge (generic)', base('federation.merge', {}, { namespace: 'peers' })],
  ['fractional seconds', base('artifact', { name: 'x', sha256: H1 }, { time: '2024-02-29T23:59:59.123456Z' })],
];

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof VerificationError || e instanceof InputError) return e.code;
    throw e;
  }
  return 'OK';
}

function fieldsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SchemaError);
    return (e as SchemaError).fields.map((x) => x.path);
  }
  throw new Error('expected a SchemaError');
}

describe('parseReceipt', () => {
  for (const [desc, r] of valid) {
    it(`accepts a ${desc} receipt and returns the same object`, () => {
      expect(parseReceipt(r)).toBe(r);
    });
  }

  it('narrows known kinds with isKind', () => {
    const r = parseReceipt(valid[0]![1]);
    expect(isKind(r, 'deploy') && r.subject.component).toBe('api');
    expect(isKind(r, 'memory')).toBe(false);
  });

  describe('when fields are wrong', () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['v is 2', base('artifact', { name: 'x', sha256: H1 }, { v: 2 }), ['v']],
      ['sha256 is uppercase', base('deploy', { component: 'a', version: '1', sha256: H1.toUpperCase() }), ['subject.sha256']],
      ['the time has an offset', base('artifact', { name: 'x', sha256: H1 }, { time: '2025-01-02T03:04:05+01:00' }), ['time']],
      ['the time is a leap second', base('artifact', { name: 'x', sha256: H1 }, { time: '2016-12-31T23:59:60Z' }), ['time']],
      ['the date does not exist', base('artifact', { name: 'x', sha256: H1 }, { time: '2025-02-29T00:00:00Z' }), ['time']],
      ['an unknown top-level field', base('artifact', { name: 'x', sha256: H1 }, { extra: 1 }), ['extra']],
      ['namespace on a deploy', base('deploy', { component: 'a', version: '1', sha256: H1 }, { namespace: 'x' }), ['namespace']],
      ['supersedes on a retract', base('memory.retract', { target: H1 }, { supersedes: H1 }), ['supersedes']],
      ['an unknown subject field', base('artifact', { name: 'x', sha256: H1, mode: 'x' }), ['subject.mode']],
      ['a bad evidence item', base('artifact', { name: 'x', sha256: H1 }, { evidence: [{ name: 'ok', sha256: H1 }, { name: '', sha256: 'zz' }] }), ['evidence[1].name', 'evidence[1].sha256']],
      ['a control character in a label', base('deploy', { component: 'a\u001b[31m', version: '1', sha256: H1 }), ['subject.component']],
      ['an origin with a space', base('artifact', { name: 'x', sha256: H1 }, { origin: 'my log' }), ['origin']],
      ['an origin with a plus', base('artifact', { name: 'x', sha256: H1 }, { origin: 'a+b' }), ['origin']],
      ['a short chainRef', base('artifact', { name: 'x', sha256: H1 }, { chainRef: 'abc' }), ['chainRef']],
      ['a negative size', base('artifact', { name: 'x', sha256: H1, size: -1 }), ['subject.size']],
      ['a malformed kind', base('Deploy!', {}), ['kind']],
      ['no kind', (() => { const r = base('x', {}); delete r.kind; return r; })(), ['kind']],
      ['a generic subject that is an array', base('grid.event', [1]), ['subject']],
      ['an undefined value in a generic subject', base('grid.event', { a: { b: undefined } }), ['subject.a.b']],
      ['NaN in a generic subject', base('grid.event', { n: NaN }), ['subject.n']],
      ['a retract target that is not an id', base('memory.retract', { target: 'x' }), ['subject.target']],
    ];
    for (const [desc, r, paths] of cases) {
      it(`throws RECEIPT_SCHEMA naming ${paths.join(', ')} when ${desc}`, () => {
        expect(codeOf(() => parseReceipt(r))).toBe('RECEIPT_SCHEMA');
        expect(fieldsOf(() => parseReceipt(r))).toEqual(expect.arrayContaining(paths));
      });
    }

    it('collects every bad field into one error', () => {
      const r = base('deploy', { component: '', version: '1', sha256: 'nope' }, { time: 'yesterday', v: 0, bogus: true });
      expect(fieldsOf(() => parseReceipt(r)).sort()).toEqual(['bogus', 'subject.component', 'subject.sha256', 'time', 'v']);
    });

    it('requires exactly one of text and contentHash in a memory', () => {
      expect(fieldsOf(() => parseReceipt(base('memory', { text: 'x', contentHash: H1 })))).toEqual(['subject']);
      expect(fieldsOf(() => parseReceipt(base('memory', { tags: ['a'] })))).toEqual(['subject']);
      // When one form is clearly meant, its own complaint is reported.
      expect(fieldsOf(() => parseReceipt(base('memory', { contentHash: 'x', tags: ['a'] })))).toEqual(['subject.contentHash']);
    });

    it('rejects a known kind carrying a generic subject', () => {
      expect(fieldsOf(() => parseReceipt(base('deploy', { anything: 1 })))).toEqual(
        expect.arrayContaining(['subject.component', 'subject.anything']),
      );
    });

    it(`rejects a receipt whose canonical form exceeds ${LIMITS.receiptBytes} bytes`, () => {
      const big = base('grid.event', { blob: 'x'.repeat(LIMITS.receiptBytes) });
      expect(fieldsOf(() => parseReceipt(big))).toEqual(['']);
    });

    it('rejects values that are not objects', () => {
      for (const v of [null, 1, 'receipt', [], undefined]) expect(codeOf(() => parseReceipt(v))).toBe('RECEIPT_SCHEMA');
    });
  });

  it('only ever throws RECEIPT_SCHEMA on random JSON and on random edits of a valid receipt', () => {
    const receipts = valid.map(([, r]) => r);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.tuple(fc.constantFrom(...receipts), fc.constantFrom('v', 'kind', 'origin', 'time', 'subject', 'evidence', 'note', 'chainRef', 'zz'), fc.jsonValue()).map(
            ([r, k, v]) => ({ ...r, [k]: v }),
          ),
        ),
        (v) => {
          const code = codeOf(() => parseReceipt(v));
          expect(['OK', 'RECEIPT_SCHEMA']).toContain(code);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('entries and receipt ids', () => {
  const receipt = parseReceipt(base('artifact', { name: 'a', sha256: H1 }));
  const entry: Entry = { receipt, signature: SIG };

  it('entryBytes is JCS(entry) and receiptId is hex SHA-256(0x00 ‖ JCS(entry))', () => {
    // Written out by hand in RFC 8785 order (keys sorted by UTF-16 code units).
    const jcs =
      '{"receipt":{"evidence":[],"kind":"artifact","origin":"example.org/log",' +
      `"subject":{"name":"a","sha256":"${H1}"},"time":"2025-01-02T03:04:05Z","v":1},` +
      `"signature":${JSON.stringify(SIG)}}`;
    expect(Buffer.from(entryBytes(entry)).toString('utf8')).toBe(jcs);
    const want = createHash('sha256').update(Buffer.from([0])).update(jcs, 'utf8').digest('hex');
    expect(receiptId(entry)).toBe(want);
  });

  it('parseEntry reports receipt fields under receipt.', () => {
    const bad = { receipt: { ...receipt, time: 'now' }, signature: 'not armored', more: 1 };
    expect(codeOf(() => parseEntry(bad))).toBe('RECEIPT_SCHEMA');
    expect(fieldsOf(() => parseEntry(bad)).sort()).toEqual(['more', 'receipt.time', 'signature']);
    expect(fieldsOf(() => parseEntry({ signature: SIG }))).toEqual(['receipt']);
    expect(parseEntry(entry)).toBe(entry);
  });

  it('gives different ids to entries that differ anywhere', () => {
    const other: Entry = { receipt: { ...receipt, note: 'x' } as Receipt, signature: SIG };
    expect(receiptId(other)).not.toBe(receiptId(entry));
    expect(receiptId({ ...entry, signature: SIG.replace('wnU', 'wnV') })).not.toBe(receiptId(entry));
  });
});

describe('parseBundle', () => {
  const entry = { receipt: base('artifact', { name: 'a', sha256: H1 }), signature: SIG };
  const hash = Buffer.alloc(32, 7).toString('base64');
  const full = {
    mediaType: BUNDLE_MEDIA_TYPE,
    entry,
    publicKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n...',
    inclusionProof: { logIndex: 3, treeSize: 8, hashes: [hash, hash] },
    checkpoint: 'example.org/log\n8\nAAAA\n\n— example.org/log abc=\n',
    checkpointKey: 'example.org/log+01234567+AQ==',
    timestamp: 'MIIB',
    tsaCertificates: ['-----BEGIN CERTIFICATE-----\n...'],
  };

  it('accepts a complete bundle and decodes the proof hashes', () => {
    const b = parseBundle(full);
    expect(b).toBe(full);
    expect(proofHashes(b.inclusionProof!).map((h) => h.length)).toEqual([32, 32]);
  });

  it('accepts a bundle with missing pieces so the verifier can report them', () => {
    expect(parseBundle({ mediaType: BUNDLE_MEDIA_TYPE })).toEqual({ mediaType: BUNDLE_MEDIA_TYPE });
    const { timestamp: _t, tsaCertificates: _c, ...noToken } = full;
    expect(parseBundle(noToken)).toBe(noToken);
  });

  it('throws UNKNOWN_MEDIA_TYPE (InputError, exit 2) for something that is not a v1 bundle', () => {
    for (const v of [null, [], 'x', {}, { mediaType: 'application/json' }, { ...full, mediaType: 3 }]) {
      expect(() => parseBundle(v)).toThrow(InputError);
      expect(codeOf(() => parseBundle(v))).toBe('UNKNOWN_MEDIA_TYPE');
    }
  });

  it('throws BUNDLE_SCHEMA naming every bad field', () => {
    const bad = {
      ...full,
      entry: { ...entry, receipt: { ...entry.receipt, time: 'x' } },
      inclusionProof: { logIndex: -1, treeSize: 8, hashes: [hash, 'AAAA', Buffer.alloc(32).toString('base64url')] },
      extra: true,
    };
    expect(codeOf(() => parseBundle(bad))).toBe('BUNDLE_SCHEMA');
    expect(fieldsOf(() => parseBundle(bad)).sort()).toEqual([
      'entry.receipt.time',
      'extra',
      'inclusionProof.hashes[1]',
      'inclusionProof.hashes[2]',
      'inclusionProof.logIndex',
    ]);
  });

  it('rejects non-canonical base64 in proof hashes', () => {
    // 32 bytes whose last character carries non-zero padding bits.
    const nonCanonical = hash.slice(0, 42) + 'B=';
    const b = { ...full, inclusionProof: { ...full.inclusionProof, hashes: [nonCanonical] } };
    expect(fieldsOf(() => parseBundle(b))).toEqual(['inclusionProof.hashes[0]']);
  });

  it('only ever throws UNKNOWN_MEDIA_TYPE or BUNDLE_SCHEMA on random input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.tuple(fc.constantFrom(...Object.keys(full), 'zz'), fc.jsonValue()).map(([k, v]) => ({ ...full, [k]: v })),
        ),
        (v) => {
          expect(['OK', 'UNKNOWN_MEDIA_TYPE', 'BUNDLE_SCHEMA']).toContain(codeOf(() => parseBundle(v)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
