// C2SP signed-note (c2sp.org/signed-note) with Ed25519 keys (signature type 0x01), key strings as
// golang.org/x/mod/sumdb/note writes them. Everything in a note is attacker-controlled until a
// signature by a key the caller trusts has verified.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { fromBase64, sha256, toBase64, utf8 } from '../bytes.js';
import { InputError, VerificationError } from '../errors.js';

/** Signature type byte of Ed25519 note signatures (signed-note §Signature types). */
export const ED25519_TYPE = 0x01;
/** Largest note accepted, in UTF-8 bytes. The spec asks for at least 16 signatures of up to ~5 kB. */
export const MAX_NOTE_BYTES = 1 << 20;
/** Most signature lines accepted in one note (the spec's floor is 16; Go's note package uses 100). */
export const MAX_SIGNATURES = 100;

const EM_DASH_PREFIX = '\u2014 ';
// Go's unicode.IsSpace: what a key name must not contain (signed-note §Format: "Unicode spaces").
const UNICODE_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
// Notes MUST NOT contain ASCII control characters other than newline.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const LONE_SURROGATE = /\p{Cs}/u;
const HEX8 = /^[0-9a-fA-F]{8}$/;
// DER prefixes that wrap a raw Ed25519 seed / public key for node:crypto (RFC 8410).
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_ED25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

export interface NoteVerifier {
  readonly name: string;
  /** uint32 key id (first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian). */
  readonly keyId: number;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** The verifier key string, `<name>+<hex id>+<base64(0x01 ‖ public key)>`. */
  readonly verifierKey: string;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly verifier: NoteVerifier;
  sign(message: Uint8Array): Uint8Array;
}

export interface NoteSignature {
  name: string;
  keyId: number;
  /** The signature bytes after the four key id bytes. */
  signature: Uint8Array;
  /** The whole line as it appeared, without its newline. */
  line: string;
}

export interface Note {
  /** The signed text, ending in a newline (without the separating blank line). */
  text: string;
  signatures: NoteSignature[];
}

/** Signed-note key name rule: non-empty, no Unicode spaces, no '+'. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !UNICODE_SPACE.test(name) && !name.includes('+') && !CONTROL.test(name) && !LONE_SURROGATE.test(name);
}

/** Key id of an Ed25519 note key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4] as a big-endian uint32. */
export function noteKeyId(name: string, publicKey: Uint8Array): number {
  const h = sha256(utf8.encode(name), Uint8Array.of(0x0a, ED25519_TYPE), publicKey);
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/** Split at the first n-1 '+' (the base64 key at the end may itself contain '+'). */
function chop(s: string, n: number): string[] | undefined {
  const out: string[] = [];
  let rest = s;
  for (let i = 0; i < n - 1; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

function hex8(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function badKey(what: string, why: string): InputError {
  return new InputError('BAD_INPUT', `malformed ${what}: ${why}`, {
    hint:
      what === 'signer key'
        ? 'a signer key looks like PRIVATE+KEY+<name>+<8 hex>+<base64>'
        : 'a verifier key looks like <name>+<8 hex>+<base64(0x01 ‖ 32-byte Ed25519 public key)>',
  });
}

function verifierFromPublicKey(name: string, publicKey: Uint8Array): NoteVerifier {
  const keyId = noteKeyId(name, publicKey);
  const key: KeyObject = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
  const verifierKey = `${name}+${hex8(keyId)}+${toBase64(Uint8Array.of(ED25519_TYPE, ...publicKey))}`;
  return {
    name,
    keyId,
    publicKey: publicKey.slice(),
    verifierKey,
    verify(message, signature) {
      if (signature.length !== 64) return false;
      try {
        return verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

/**
 * Parse a verifier key `<name>+<hex key id>+<base64(0x01 ‖ 32-byte Ed25519 public key)>`.
 * Throws InputError BAD_INPUT when it is malformed, of another algorithm, or its id does not
 * match its name and key. (A verifier key is configuration or policy, not evidence; a caller
 * taking one from a bundle maps the error to its own check.)
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string' || vkey.length > 1024) throw badKey('verifier key', 'not a short string');
  const parts = chop(vkey, 3);
  if (!parts) throw badKey('verifier key', 'want <name>+<hex id>+<key>');
  const [name, idHex, b64] = parts as [string, string, string];
  if (!isValidKeyName(name)) throw badKey('verifier key', 'invalid key name');
  if (!HEX8.test(idHex)) throw badKey('verifier key', 'key id is not 8 hex digits');
  const raw = fromBase64(b64);
  if (!raw || raw.length === 0) throw badKey('verifier key', 'key is not canonical base64');
  if (raw[0] !== ED25519_TYPE) throw badKey('verifier key', `signature type 0x${raw[0]!.toString(16)} is not Ed25519 (0x01)`);
  if (raw.length !== 33) throw badKey('verifier key', `Ed25519 key is ${raw.length - 1} bytes, want 32`);
  const v = verifierFromPublicKey(name, raw.subarray(1));
  if (v.keyId !== parseInt(idHex, 16)) throw badKey('verifier key', 'key id does not match the name and key');
  return v;
}

function signerFromSeed(name: string, seed: Uint8Array): NoteSigner {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const verifier = verifierFromPublicKey(name, new Uint8Array(spki.subarray(SPKI_ED25519.length)));
  return {
    name,
    keyId: verifier.keyId,
    verifier,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/**
 * Parse a signer key `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ 32-byte seed)>`.
 * Throws InputError BAD_INPUT when malformed or when the id does not match the derived public key.
 */
export function parseSignerKey(skey: string): NoteSigner {
  if (typeof skey !== 'string' || skey.length > 1024) throw badKey('signer key', 'not a short string');
  const parts = chop(skey, 5);
  if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw badKey('signer key', 'want PRIVATE+KEY+<name>+<hex id>+<key>');
  const [, , name, idHex, b64] = parts as [string, string, string, string, string];
  if (!isValidKeyName(name)) throw badKey('signer key', 'invalid key name');
  if (!HEX8.test(idHex)) throw badKey('signer key', 'key id is not 8 hex digits');
  const raw = fromBase64(b64);
  if (!raw || raw.length !== 33 || raw[0] !== ED25519_TYPE) throw badKey('signer key', 'not base64(0x01 ‖ 32-byte seed)');
  const s = signerFromSeed(name, raw.subarray(1));
  if (s.keyId !== parseInt(idHex, 16)) throw badKey('signer key', 'key id does not match the derived public key');
  return s;
}

/** A fresh Ed25519 note key pair as signer and verifier key strings. The signer key is a secret. */
export function generateNoteKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) {
    throw new InputError('BAD_INPUT', `invalid signed-note key name ${JSON.stringify(name)}`, {
      hint: 'a key name is non-empty and has no spaces or "+", e.g. example.com/log',
    });
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  const seed = new Uint8Array(der.subarray(der.length - 32));
  const signer = signerFromSeed(name, seed);
  return {
    signerKey: `PRIVATE+KEY+${name}+${hex8(signer.keyId)}+${toBase64(Uint8Array.of(ED25519_TYPE, ...seed))}`,
    verifierKey: signer.verifier.verifierKey,
  };
}

function formatError(why: string): VerificationError {
  return new VerificationError('CHECKPOINT_FORMAT', `malformed signed note: ${why}`);
}

/**
 * Split a signed note (text, or bytes that must be UTF-8) into its text and signature lines
 * (signed-note §Format), verifying nothing. Throws VerificationError CHECKPOINT_FORMAT on anything malformed: over MAX_NOTE_BYTES, control
 * characters, invalid UTF-16, no blank line, a signature block not ending in a newline, a line
 * without the em-dash prefix, an invalid key name, non-canonical base64, a signature shorter
 * than 5 bytes, or more than MAX_SIGNATURES lines.
 */
export function parseNote(input: string | Uint8Array): Note {
  let message: string;
  if (input instanceof Uint8Array) {
    if (input.length > MAX_NOTE_BYTES) throw formatError(`longer than ${MAX_NOTE_BYTES} bytes`);
    try {
      message = utf8.decode(input);
    } catch {
      throw formatError('not valid UTF-8');
    }
  } else if (typeof input === 'string') {
    message = input;
  } else {
    throw formatError('not text');
  }
  // Cheap bound first: a UTF-16 code unit is at least one UTF-8 byte.
  if (message.length > MAX_NOTE_BYTES || Buffer.byteLength(message, 'utf8') > MAX_NOTE_BYTES) {
    throw formatError(`longer than ${MAX_NOTE_BYTES} bytes`);
  }
  if (LONE_SURROGATE.test(message)) throw formatError('not valid Unicode');
  if (CONTROL.test(message)) throw formatError('contains a control character other than newline');
  // The text is separated from the signatures by the last blank line.
  const split = message.lastIndexOf('\n\n');
  if (split < 0) throw formatError('no blank line before the signatures');
  const text = message.slice(0, split + 1);
  const block = message.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw formatError('signature block is empty or does not end in a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw formatError(`${lines.length} signatures, limit ${MAX_SIGNATURES}`);
  const signatures = lines.map((line, i): NoteSignature => {
    if (!line.startsWith(EM_DASH_PREFIX)) throw formatError(`signature line ${i + 1} does not start with "— "`);
    const rest = line.slice(EM_DASH_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    if (!isValidKeyName(name)) throw formatError(`signature line ${i + 1} has an invalid key name`);
    const raw = fromBase64(b64);
    if (!raw || raw.length < 5) throw formatError(`signature line ${i + 1} is not canonical base64 of at least 5 bytes`);
    const keyId = ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0;
    return { name, keyId, signature: raw.subarray(4), line };
  });
  return { text, signatures };
}

/**
 * Check a parsed note against trusted verifiers (signed-note §Signatures): lines from unknown keys
 * (name and id not both matching) are ignored; every line from a known key must verify, else
 * CHECKPOINT_SIGNATURE; at least one must, else CHECKPOINT_KEY. Returns the verified lines.
 */
export function verifyNoteSignatures(note: Note, verifiers: readonly NoteVerifier[]): NoteSignature[] {
  const seen = new Set<string>();
  for (const v of verifiers) {
    const k = `${v.name}+${hex8(v.keyId)}`;
    if (seen.has(k)) throw new InputError('BAD_INPUT', `two trusted keys share the name and id ${k}`);
    seen.add(k);
  }
  const message = utf8.encode(note.text);
  const verified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const v = verifiers.find((x) => x.name === sig.name && x.keyId === sig.keyId);
    if (!v) continue;
    if (!v.verify(message, sig.signature)) {
      throw new VerificationError('CHECKPOINT_SIGNATURE', `signature by ${sig.name}+${hex8(sig.keyId)} does not verify`);
    }
    verified.push(sig);
  }
  if (verified.length === 0) {
    const want = verifiers.map((v) => `${v.name}+${hex8(v.keyId)}`).join(', ') || 'none given';
    throw new VerificationError('CHECKPOINT_KEY', `note has no signature by a trusted key (trusted: ${want})`, {
      hint: 'check that the checkpoint key belongs to this log',
    });
  }
  return verified;
}

/**
 * Sign `text` (which must end in a newline) with each signer, in order: text, blank line, one
 * signature line per signer. Throws InputError BAD_INPUT for text that no verifier would accept.
 */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n')) throw new InputError('BAD_INPUT', 'note text must end with a newline');
  if (CONTROL.test(text) || LONE_SURROGATE.test(text)) {
    throw new InputError('BAD_INPUT', 'note text has control characters or invalid Unicode');
  }
  if (signers.length === 0) throw new InputError('BAD_INPUT', 'a note needs at least one signer');
  const message = utf8.encode(text);
  const lines = signers.map((s) => {
    const id = Uint8Array.of(s.keyId >>> 24, (s.keyId >>> 16) & 0xff, (s.keyId >>> 8) & 0xff, s.keyId & 0xff);
    const sig = s.sign(message);
    const raw = new Uint8Array(4 + sig.length);
    raw.set(id);
    raw.set(sig, 4);
    return `${EM_DASH_PREFIX}${s.name} ${toBase64(raw)}\n`;
  });
  return `${text}\n${lines.join('')}`;
}
