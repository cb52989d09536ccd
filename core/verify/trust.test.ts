// Trust files: real key material from the testkit, round trips, junk rejected with its line
// number, and fast-check that any text gives either trust lists or InputError BAD_INPUT.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { generateNoteKey } from '../checkpoint/note.js';
import { pem } from '../../test/tsa-fixtures.js';
import { createTestKit, type TestKit } from './testkit.js';
import { formatTrustMaterial, mergeTrust, parseTrustMaterial, type TrustMaterial } from './trust.js';
import { verifyBundleReport } from './verifier.js';

let kit: TestKit;
let material: TrustMaterial;

beforeAll(async () => {
  kit = await createTestKit('trust.example/log');
  material = {
    receiptKeys: [kit.signingKey.armoredPublicKey],
    checkpointKeys: [kit.checkpointKey.verifierKey, generateNoteKey('witness.example').verifierKey],
    tsaRoots: [kit.tsa.caPem, pem('ca.pem')],
  };
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function badInput(f: () => unknown): InputError {
  const e = thrown(f);
  expect(e).toBeInstanceOf(InputError);
  expect((e as InputError).code).toBe('BAD_INPUT');
  return e as InputError;
}

describe('parseTrustMaterial', () => {
  it('reads back what formatTrustMaterial writes', () => {
    const parsed = parseTrustMaterial(formatTrustMaterial(material));
    expect(parsed.checkpointKeys).toEqual(material.checkpointKeys);
    expect(parsed.tsaRoots).toEqual(material.tsaRoots.map((p) => p.replace(/\r/g, '')));
    expect(parsed.receiptKeys).toHaveLength(1);
    expect(parseTrustMaterial(formatTrustMaterial(parsed))).toEqual(parsed);
  });

  it('takes comments, blank lines, CRLF line ends and indentation', () => {
    const text = ['# receipts', kit.signingKey.armoredPublicKey, '', '   # the log', `  ${kit.checkpointKey.verifierKey}  `, '', kit.tsa.caPem]
      .join('\n')
      .replace(/\n/g, '\r\n');
    const t = parseTrustMaterial(text);
    expect(t.checkpointKeys).toEqual([kit.checkpointKey.verifierKey]);
    expect(t.tsaRoots).toEqual([kit.tsa.caPem]);
    expect(t.receiptKeys).toHaveLength(1);
  });

  it('gives a policy that verifies a real bundle', async () => {
    const log = await kit.build({ size: 3 });
    const trust = parseTrustMaterial(formatTrustMaterial(material));
    expect((await verifyBundleReport(log.bundle(1), trust)).ok).toBe(true);
  });

  it('rejects a junk line with its line number, without echoing it', () => {
    const text = `# trust\n${kit.checkpointKey.verifierKey}\n\nsecret-looking junk\n`;
    const e = badInput(() => parseTrustMaterial(text, 'keys.txt'));
    expect(e.message).toMatch(/^keys\.txt:4: /);
    expect(e.message).not.toContain('secret-looking');
  });

  it('rejects secret keys, unknown blocks and broken framing', () => {
    const cases: [string, number][] = [
      [`${kit.signingKey.armoredPrivateKey}`, 1],
      [`\n${generateNoteKey('x.example').signerKey}\n`, 2],
      ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 1],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n', 1],
      ['-----END CERTIFICATE-----\n', 1],
      ['-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n', 1],
      ['-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n', 1],
      ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!\n-----END PGP PUBLIC KEY BLOCK-----\n', 3],
      ['-----BEGIN PGP PUBLIC KEY BLOCK-----\n-----END PGP PUBLIC KEY BLOCK-----\n', 1],
      ['-----BEGIN  CERTIFICATE-----\n', 1],
      [`${kit.checkpointKey.verifierKey.slice(0, -2)}AA\n`, 1],
    ];
    for (const [text, line] of cases) {
      const e = badInput(() => parseTrustMaterial(text, 'f'));
      expect([text.slice(0, 40), e.message.split(' ')[0]]).toEqual([text.slice(0, 40), `f:${line}:`]);
    }
    // Secret material is never echoed.
    expect(badInput(() => parseTrustMaterial(generateNoteKey('y.example').signerKey)).message).not.toContain('PRIVATE+KEY+y');
  });

  it('rejects non-text and oversized input', () => {
    badInput(() => parseTrustMaterial(42 as unknown as string));
    badInput(() => parseTrustMaterial('#'.repeat((4 << 20) + 1)));
  });
});

describe('mergeTrust', () => {
  it('concatenates in order and drops exact duplicates', () => {
    const a = parseTrustMaterial(formatTrustMaterial(material));
    const b = parseTrustMaterial(`${kit.checkpointKey.verifierKey}\n${pem('ca.pem')}`);
    const m = mergeTrust(a, b, { checkpointKeys: ['z'] });
    expect(m.checkpointKeys).toEqual([...material.checkpointKeys, 'z']);
    expect(m.tsaRoots).toEqual(a.tsaRoots);
    expect(m.receiptKeys).toEqual(a.receiptKeys);
    expect(mergeTrust()).toEqual({ receiptKeys: [], checkpointKeys: [], tsaRoots: [] });
  });
});

describe('parseTrustMaterial on hostile text', () => {
  const pieces = (): string[] => [
    kit.signingKey.armoredPublicKey.trimEnd(),
    ...material.checkpointKeys,
    ...material.tsaRoots.map((p) => p.trimEnd()),
  ];

  it('any text gives trust lists or InputError BAD_INPUT, nothing else', () => {
    const block = fc.constantFrom(...pieces(), '# comment', '', '-----BEGIN CERTIFICATE-----', '-----END PGP PUBLIC KEY BLOCK-----', '=AbCd');
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.oneof(block, fc.string({ maxLength: 40 })), { maxLength: 8 }).map((ls) => ls.join('\n')),
      // Valid files with a few characters replaced anywhere.
      fc
        .tuple(fc.shuffledSubarray(pieces()), fc.array(fc.tuple(fc.nat(), fc.string({ unit: 'binary', minLength: 1, maxLength: 2 })), { maxLength: 3 }))
        .map(([ps, edits]) => {
          let s = ps.join('\n');
          for (const [at, c] of edits) if (s.length > 0) s = s.slice(0, at % s.length) + c + s.slice((at % s.length) + 1);
          return s;
        }),
    );
    fc.assert(
      fc.property(text, (t) => {
        let out: TrustMaterial;
        try {
          out = parseTrustMaterial(t);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          expect((e as InputError).code).toBe('BAD_INPUT');
          return;
        }
        for (const k of out.checkpointKeys) expect(k).toMatch(/^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
        for (const c of out.tsaRoots) expect(c).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
        for (const k of out.receiptKeys) expect(k).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----\n[\s\S]+\n-----END PGP PUBLIC KEY BLOCK-----\n$/);
      }),
      { numRuns: 400 },
    );
  });

  it('a shuffled file of valid pieces, comments and blank lines parses to exactly those pieces', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(pieces()), fc.array(fc.constantFrom('', '# note', '  ', '#'), { maxLength: 4 }), fc.nat(), (ps, fillers, at) => {
        const lines = [...ps];
        for (const f of fillers) lines.splice(at % (lines.length + 1), 0, f);
        const t = parseTrustMaterial(lines.join('\n'));
        expect(t.checkpointKeys.length + t.tsaRoots.length + t.receiptKeys.length).toBe(ps.length);
        expect(t.checkpointKeys).toEqual(ps.filter((p) => material.checkpointKeys.includes(p)));
      }),
      { numRuns: 200 },
    );
  });

  it('a junk line between valid pieces is rejected with its own line number', () => {
    const junk = fc
      .string({ minLength: 1, maxLength: 30 })
      .filter((s) => !s.includes('\n') && !s.includes('\r') && s.trim() !== '' && !s.trim().startsWith('#'));
    fc.assert(
      fc.property(fc.shuffledSubarray(pieces(), { minLength: 1 }), junk, fc.nat(), (ps, j, at) => {
        const k = at % (ps.length + 1);
        const before = ps.slice(0, k).join('\n');
        const line = before === '' ? 1 : before.split('\n').length + 1;
        const text = [...ps.slice(0, k), j, ...ps.slice(k)].join('\n');
        const e = badInput(() => parseTrustMaterial(text, 'f'));
        expect(e.message.startsWith(`f:${line}: `)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
