import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkpointBody, generateCheckpointKey, parseCheckpoint, signCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { MAX_NOTE_BYTES, parseSignerKey, signNote } from './note.js';
import { InputError, VerificationError } from '../errors.js';

// A real checkpoint of the Go checksum database and its published key, as used in
// transparency-dev/formats log/note_test.go (TestSumDBNoteParsing). Its origin has spaces and
// differs from the key name: both allowed by tlog-checkpoint.
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const SUMDB_NOTE =
  'go.sum database tree\n6476701\nmb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=\n\n' +
  '— sum.golang.org Az3grsLX85Gz+s1SiTbgkuqxgItqFq7gsMUEyVnrsa9LM7Us9S+1xbFIGu95949rj4nPRYfvimWEPWL+o3GeoWwOoAw=\n';

const ORIGIN = 'example.org/log';
const keys = generateCheckpointKey(ORIGIN);
const witness = generateCheckpointKey('witness.example');
const root = createHash('sha256').update('root').digest();
const note = signCheckpoint({ origin: ORIGIN, size: 1000, root }, keys.signerKey);

const CHECKPOINT_CODES = ['CHECKPOINT_FORMAT', 'CHECKPOINT_SIGNATURE', 'CHECKPOINT_KEY', 'CHECKPOINT_ORIGIN'];

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof VerificationError || e instanceof InputError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('the sum.golang.org vector', () => {
  it('verifies with its published key and yields size and origin', () => {
    const cp = verifyCheckpoint(SUMDB_NOTE, SUMDB_VKEY, { origin: 'go.sum database tree' });
    expect(cp.size).toBe(6476701);
    expect(cp.origin).toBe('go.sum database tree');
    expect(Buffer.from(cp.root).toString('base64')).toBe('mb8QLQIs0Z0yP5Cstq6guj87oXWeC9gEM8oVikmm9Wk=');
    expect(cp.verifiedBy.map((s) => s.name)).toEqual(['sum.golang.org']);
  });

  it('fails CHECKPOINT_ORIGIN for the wrong origin', () => {
    expect(code(() => verifyCheckpoint(SUMDB_NOTE, SUMDB_VKEY, { origin: 'Go rocks' }))).toBe('CHECKPOINT_ORIGIN');
  });
});

describe('signCheckpoint / verifyCheckpoint', () => {
  it('round-trips origin, size and root, log signature first', () => {
    expect(note.split('\n').slice(0, 4)).toEqual([ORIGIN, '1000', root.toString('base64'), '']);
    expect(note).toMatch(new RegExp(`\\n\\n— ${ORIGIN.replace('.', '\\.')} [A-Za-z0-9+/]{91}=\\n$`)); // base64 of 4 + 64 bytes
    const cp = verifyCheckpoint(note, keys.verifierKey, { origin: ORIGIN });
    expect([cp.origin, cp.size, Buffer.from(cp.root).equals(root), cp.extensions]).toEqual([ORIGIN, 1000, true, []]);
  });

  it('signs the empty tree', () => {
    const empty = createHash('sha256').digest();
    const cp = verifyCheckpoint(signCheckpoint({ origin: ORIGIN, size: 0, root: empty }, keys.signerKey), keys.verifierKey);
    expect(cp.size).toBe(0);
  });

  it('keeps extension lines in the signed text but not in the timestamped body', () => {
    const n = signCheckpoint({ origin: ORIGIN, size: 5, root }, keys.signerKey, { extensions: ['ext one', 'ext two'] });
    const cp = verifyCheckpoint(n, keys.verifierKey);
    expect(cp.extensions).toEqual(['ext one', 'ext two']);
    expect(cp.text.endsWith('ext two\n')).toBe(true);
    expect(Buffer.from(cp.body).toString()).toBe(`${ORIGIN}\n5\n${root.toString('base64')}\n`);
  });

  it('gives the body (first three lines) for the RFC 3161 digest', () => {
    expect(Buffer.from(checkpointBody(note)).toString()).toBe(`${ORIGIN}\n1000\n${root.toString('base64')}\n`);
  });

  it('ignores cosignatures by unknown keys and verifies those it is given', () => {
    const witnessSigner = parseSignerKey(witness.signerKey);
    const cp = parseCheckpoint(note);
    const cosigned = signNote(cp.text, [parseSignerKey(keys.signerKey), witnessSigner]);
    expect(verifyCheckpoint(cosigned, keys.verifierKey).verifiedBy).toHaveLength(1);
    expect(verifyCheckpoint(cosigned, [keys.verifierKey, witness.verifierKey]).verifiedBy).toHaveLength(2);
    // The witness alone is not the log.
    expect(code(() => verifyCheckpoint(note, witness.verifierKey))).toBe('CHECKPOINT_KEY');
  });

  it('refuses to sign what no verifier would accept', () => {
    const cases: [string, () => unknown][] = [
      ['empty origin', () => signCheckpoint({ origin: '', size: 1, root }, keys.signerKey)],
      ['origin with a newline', () => signCheckpoint({ origin: 'a\nb', size: 1, root }, keys.signerKey)],
      ['negative size', () => signCheckpoint({ origin: ORIGIN, size: -1, root }, keys.signerKey)],
      ['fractional size', () => signCheckpoint({ origin: ORIGIN, size: 1.5, root }, keys.signerKey)],
      ['unsafe size', () => signCheckpoint({ origin: ORIGIN, size: 2 ** 53, root }, keys.signerKey)],
      ['short root', () => signCheckpoint({ origin: ORIGIN, size: 1, root: root.subarray(1) }, keys.signerKey)],
      ['empty extension', () => signCheckpoint({ origin: ORIGIN, size: 1, root }, keys.signerKey, { extensions: [''] })],
      ['bad signer key', () => signCheckpoint({ origin: ORIGIN, size: 1, root }, 'PRIVATE+KEY+x')],
    ];
    for (const [, f] of cases) expect(code(f)).toBe('BAD_INPUT');
  });

  it('throws BAD_INPUT for a malformed verifier key (configuration, not evidence)', () => {
    expect(code(() => verifyCheckpoint(note, 'nonsense'))).toBe('BAD_INPUT');
  });
});

describe('when the checkpoint is wrong', () => {
  const [origin, size, rootLine, blank, sigLine] = note.split('\n') as [string, string, string, string, string];
  const sig = `${sigLine}\n`;
  const other = generateCheckpointKey(ORIGIN); // same name, different key: a different key id
  const body = (o: string, s: string, r: string, ...ext: string[]) => [o, s, r, ...ext].join('\n') + '\n';
  const resign = (text: string) => signNote(text, [parseSignerKey(keys.signerKey)]);
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const swapChar = (line: string, i: number) => line.slice(0, i) + (line[i] === 'A' ? 'B' : 'A') + line.slice(i + 1);
  // 68 bytes end in one '='; the character before it carries two padding bits that must be zero.
  const nonCanonical = (line: string) => {
    const i = line.length - 2;
    return line.slice(0, i) + B64[(B64.indexOf(line[i]!) & ~3) | 1] + line.slice(i + 1);
  };
  const cases: [string, string, string][] = [
    ['the size was changed after signing', `${body(origin, '1001', rootLine)}\n${sig}`, 'CHECKPOINT_SIGNATURE'],
    ['the root was changed after signing', `${body(origin, size, Buffer.alloc(32).toString('base64'))}\n${sig}`, 'CHECKPOINT_SIGNATURE'],
    ['an extension line was added after signing', `${body(origin, size, rootLine, 'x')}\n${sig}`, 'CHECKPOINT_SIGNATURE'],
    ['it is signed only by another key', signCheckpoint({ origin: ORIGIN, size: 1000, root }, other.signerKey), 'CHECKPOINT_KEY'],
    ['it has no signature lines', `${body(origin, size, rootLine)}\n`, 'CHECKPOINT_FORMAT'],
    ['a signature byte is changed', `${body(origin, size, rootLine)}\n${swapChar(sigLine, sigLine.length - 20)}\n`, 'CHECKPOINT_SIGNATURE'],
    ['trailing garbage follows the signatures', `${note}garbage`, 'CHECKPOINT_FORMAT'],
    ['a trailing unsigned line follows', `${note}garbage\n`, 'CHECKPOINT_FORMAT'],
    ['the note has a carriage return', note.replace('\n', '\r\n'), 'CHECKPOINT_FORMAT'],
    ['the root is not canonical base64', `${body(origin, size, rootLine.slice(0, 42) + 'B=')}\n${sig}`, 'CHECKPOINT_FORMAT'],
    ['the root is 31 bytes', resign(body(origin, size, Buffer.alloc(31).toString('base64'))), 'CHECKPOINT_FORMAT'],
    ['the size has a leading zero', resign(body(origin, '01000', rootLine)), 'CHECKPOINT_FORMAT'],
    ['the size is negative', resign(body(origin, '-1', rootLine)), 'CHECKPOINT_FORMAT'],
    ['the size is past 2^53 - 1', resign(body(origin, '9007199254740992', rootLine)), 'CHECKPOINT_FORMAT'],
    ['the size is hexadecimal', resign(body(origin, '0x10', rootLine)), 'CHECKPOINT_FORMAT'],
    ['the body has two lines', resign(`${origin}\n${size}\n`), 'CHECKPOINT_FORMAT'],
    ['the body has an empty extension line', resign(`${body(origin, size, rootLine)}\nx\n`), 'CHECKPOINT_FORMAT'],
    ['the signature base64 is not canonical', `${body(origin, size, rootLine)}\n${nonCanonical(sigLine)}\n`, 'CHECKPOINT_FORMAT'],
    ['the origin differs', resign(body('example.org/other', size, rootLine)), 'CHECKPOINT_ORIGIN'],
    ['the note is too large', `${body(origin, size, rootLine, 'x'.repeat(MAX_NOTE_BYTES))}\n${sig}`, 'CHECKPOINT_FORMAT'],
  ];
  expect(blank).toBe('');
  for (const [desc, text, want] of cases) {
    it(`throws ${want} when ${desc}`, () => {
      expect(text).not.toBe(note);
      expect(code(() => verifyCheckpoint(text, keys.verifierKey, { origin: ORIGIN }))).toBe(want);
    });
  }

  it('never verifies a mutated note with a different meaning, and throws only checkpoint codes', () => {
    const chars = fc.constantFrom('\n', ' ', '—', '+', '/', '=', 'A', 'a', '0', '1', '\u00a0', '\r', '\u0000', 'é');
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('replace' as const), at: fc.nat(), c: chars }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), c: chars }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), c: fc.constant('') }),
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), c: fc.constant('') }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        let t = note;
        for (const { op, at, c } of ms) {
          const i = at % (t.length + 1);
          if (op === 'replace') t = t.slice(0, i) + c + t.slice(i + 1);
          else if (op === 'insert') t = t.slice(0, i) + c + t.slice(i);
          else if (op === 'delete') t = t.slice(0, i) + t.slice(i + 1);
          else t = t.slice(0, i) + String.fromCharCode((t.charCodeAt(i) || 0) ^ 1) + t.slice(i + 1);
        }
        try {
          const cp = verifyCheckpoint(t, keys.verifierKey, { origin: ORIGIN });
          // Anything that still verifies must say exactly what the log signed.
          expect(cp.text).toBe(parseCheckpoint(note).text);
          expect([cp.origin, cp.size, Buffer.from(cp.root).equals(root)]).toEqual([ORIGIN, 1000, true]);
        } catch (e) {
          expect(e).toBeInstanceOf(VerificationError);
          expect(CHECKPOINT_CODES).toContain((e as VerificationError).code);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('parseCheckpoint throws only CHECKPOINT_FORMAT on random input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), (a, b) => {
        for (const t of [a, `${a}\n\n${b}`, `${a}\n${b}\n\n— k AAAAAAA=\n`]) {
          expect(['OK', 'CHECKPOINT_FORMAT']).toContain(code(() => parseCheckpoint(t)));
        }
      }),
    );
  });
});
