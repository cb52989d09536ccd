import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateNoteKey, MAX_SIGNATURES, noteKeyId, parseNote, parseSignerKey, parseVerifierKey, signNote, verifyNoteSignatures } from './note.js';
import { InputError, VerificationError } from '../errors.js';
import { fromBase64 } from '../bytes.js';

// Vectors from golang.org/x/mod/sumdb/note (note.go package doc and note_test.go).
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// From transparency-dev/formats log/note_test.go: a signer/verifier pair of another name.
const LOG_VKEY = 'Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs';
const LOG_SKEY = 'PRIVATE+KEY+Log+2271c621+AdEIq9FLRQni54Wg68T96VJO+iayOaulswav2DUMKgvQ';

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof VerificationError || e instanceof InputError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('note keys', () => {
  it('derives the published verifier key and key id from the published signer key', () => {
    expect(parseSignerKey(PETER_SKEY).verifier.verifierKey).toBe(PETER_VKEY);
    expect(parseSignerKey(LOG_SKEY).verifier.verifierKey).toBe(LOG_VKEY);
    const v = parseVerifierKey(PETER_VKEY);
    expect(v.keyId).toBe(0xc74f20a3);
    expect(noteKeyId('PeterNeumann', v.publicKey)).toBe(0xc74f20a3);
  });

  it('rejects every truncation and every one-character change of a verifier key', () => {
    // As note_test.go TestNewVerifier does.
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(code(() => parseVerifierKey(PETER_VKEY.slice(i, j)))).toBe('BAD_INPUT');
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const c = String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1);
      expect(code(() => parseVerifierKey(PETER_VKEY.slice(0, i) + c + PETER_VKEY.slice(i + 1)))).toBe('BAD_INPUT');
    }
    // Wrong key length and unknown algorithm, each with a key id adjusted to match (note_test.go).
    expect(code(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='))).toBe('BAD_INPUT');
    expect(code(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).toBe('BAD_INPUT');
  });

  it('rejects every one-character change of a signer key', () => {
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const c = String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1);
      expect(code(() => parseSignerKey(PETER_SKEY.slice(0, i) + c + PETER_SKEY.slice(i + 1)))).toBe('BAD_INPUT');
    }
  });

  it('generates key pairs that sign and verify, and refuses invalid names', () => {
    const { signerKey, verifierKey } = generateNoteKey('example.com/log');
    expect(signerKey).toMatch(/^PRIVATE\+KEY\+example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const s = parseSignerKey(signerKey);
    expect(s.verifier.verifierKey).toBe(verifierKey);
    const msg = new TextEncoder().encode('hi');
    const sig = s.sign(msg);
    const v = parseVerifierKey(verifierKey);
    expect(v.verify(msg, sig)).toBe(true);
    sig[0]! ^= 1;
    expect(v.verify(msg, sig)).toBe(false);
    for (const bad of ['', 'a b', 'a+b', 'a\u00a0b', 'a\u2028b']) expect(code(() => generateNoteKey(bad))).toBe('BAD_INPUT');
  });

  it('only throws BAD_INPUT on random key strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(['BAD_INPUT']).toContain(code(() => parseVerifierKey(s)));
        expect(['BAD_INPUT']).toContain(code(() => parseSignerKey(`PRIVATE+KEY+${s}`)));
      }),
    );
  });
});

describe('signed notes', () => {
  const peter = parseVerifierKey(PETER_VKEY);
  const enoch = parseVerifierKey(ENOCH_VKEY);

  it('signs the Go package example byte for byte (Ed25519 is deterministic)', () => {
    expect(signNote(TEXT, [parseSignerKey(PETER_SKEY)])).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('verifies the known signature and ignores the unknown one', () => {
    const note = parseNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`);
    expect(note.text).toBe(TEXT);
    expect(note.signatures.map((s) => [s.name, s.keyId])).toEqual([
      ['PeterNeumann', 0xc74f20a3],
      ['EnochRoot', 0xaf0cfe78],
    ]);
    expect(verifyNoteSignatures(note, [peter]).map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(verifyNoteSignatures(note, [peter, enoch]).map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    expect(code(() => verifyNoteSignatures(note, []))).toBe('CHECKPOINT_KEY');
  });

  it('rejects a note whose known-key signature was altered', () => {
    const bad = `${TEXT}\n${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(code(() => verifyNoteSignatures(parseNote(bad), [peter]))).toBe('CHECKPOINT_SIGNATURE');
  });

  it('rejects a good signature followed by a bad one from the same key', () => {
    const bad = `${TEXT}\n${PETER_SIG}${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`;
    expect(code(() => verifyNoteSignatures(parseNote(bad), [peter]))).toBe('CHECKPOINT_SIGNATURE');
  });

  it('treats a signature whose name matches but id does not as unknown', () => {
    const otherId = PETER_SIG.replace('x08g', 'xxxx');
    expect(code(() => verifyNoteSignatures(parseNote(`${TEXT}\n${otherId}`), [peter]))).toBe('CHECKPOINT_KEY');
  });

  it(`rejects more than ${MAX_SIGNATURES} signatures`, () => {
    expect(parseNote(`${TEXT}\n${PETER_SIG.repeat(MAX_SIGNATURES)}`).signatures).toHaveLength(MAX_SIGNATURES);
    expect(code(() => parseNote(`${TEXT}\n${PETER_SIG.repeat(MAX_SIGNATURES + 1)}`))).toBe('CHECKPOINT_FORMAT');
  });

  it('rejects the malformed messages of note_test.go and more', () => {
    const bad = [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\u0001${TEXT}\n${PETER_SIG}`,
      `\ud800${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
      `${TEXT}\n${PETER_SIG.replace('— ', '-- ')}`,
      `${TEXT}\n${PETER_SIG.replace('AM=', 'AN=')}`, // non-canonical base64 (padding bits)
      `${TEXT}\n— PeterNeumann AAAAAA==\n`, // 4 bytes: a key id and no signature
      `${TEXT}\n— PeterNeumann\n`,
      `${TEXT.replace('\n', '\r\n')}\n${PETER_SIG}`,
    ];
    for (const m of bad) expect(code(() => parseNote(m))).toBe('CHECKPOINT_FORMAT');
  });

  it('takes UTF-8 bytes as well as text, and rejects invalid UTF-8', () => {
    const bytes = new TextEncoder().encode(`${TEXT}\n${PETER_SIG}`);
    expect(verifyNoteSignatures(parseNote(bytes), [peter])).toHaveLength(1);
    const bad = Uint8Array.from([...bytes.subarray(0, 5), 0xff, ...bytes.subarray(6)]);
    expect(code(() => parseNote(bad))).toBe('CHECKPOINT_FORMAT');
  });

  it('only throws CHECKPOINT_FORMAT on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(['OK', 'CHECKPOINT_FORMAT']).toContain(code(() => parseNote(Uint8Array.from([...b, 0x0a, 0x0a, ...new TextEncoder().encode(PETER_SIG)]))));
      }),
    );
  });

  it('only throws CHECKPOINT_FORMAT on random text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(['OK', 'CHECKPOINT_FORMAT']).toContain(code(() => parseNote(`${a}\n\n${b}`)));
        expect(['OK', 'CHECKPOINT_FORMAT']).toContain(code(() => parseNote(a)));
      }),
    );
  });

  it('refuses to sign text that cannot form a valid note', () => {
    const s = parseSignerKey(PETER_SKEY);
    expect(code(() => signNote('no newline', [s]))).toBe('BAD_INPUT');
    expect(code(() => signNote('tab\there\n', [s]))).toBe('BAD_INPUT');
    expect(code(() => signNote(TEXT, []))).toBe('BAD_INPUT');
  });

  it('keeps the signature bytes apart from the key id', () => {
    const [sig] = parseNote(`${TEXT}\n${PETER_SIG}`).signatures;
    const raw = fromBase64(PETER_SIG.slice('— PeterNeumann '.length, -1))!;
    expect(sig!.signature).toEqual(raw.subarray(4));
    expect(sig!.signature).toHaveLength(64);
  });
});
