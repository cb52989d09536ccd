// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): a signed note whose text is
//   <origin>\n<tree size>\n<base64 root hash>\n[extension lines\n]
// signed by the log's Ed25519 note key (DESIGN §1). Cosignatures by witnesses are further
// signature lines; they are ignored here unless the caller trusts their keys.
import { fromBase64, toBase64, utf8 } from '../bytes.js';
import { InputError, VerificationError } from '../errors.js';
import {
  generateNoteKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifyNoteSignatures,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
} from './note.js';

/** Root hashes are SHA-256 (RFC 9162 §2.1.1). */
const ROOT_SIZE = 32;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;

export interface CheckpointFields {
  origin: string;
  /** Number of leaves; a safe integer (at most 2^53 - 1). */
  size: number;
  root: Uint8Array;
}

export interface Checkpoint extends CheckpointFields {
  /** Lines after the root hash (tlog-checkpoint §Note text 4), each non-empty. */
  extensions: string[];
  /** The first three lines with their newlines: what the RFC 3161 token covers (DESIGN §1). */
  body: Uint8Array;
  /** The whole signed note text (body plus extension lines). */
  text: string;
  /** Every signature line, verified or not. */
  signatures: NoteSignature[];
}

export interface VerifiedCheckpoint extends Checkpoint {
  /** The signature lines that verified under the trusted key(s). */
  verifiedBy: NoteSignature[];
}

function formatError(why: string): VerificationError {
  return new VerificationError('CHECKPOINT_FORMAT', `malformed checkpoint: ${why}`);
}

/**
 * Parse a checkpoint note without verifying it. Throws VerificationError CHECKPOINT_FORMAT for a
 * malformed note (see parseNote) or body: fewer than three lines, an empty line, a size that is
 * not canonical decimal or exceeds 2^53 - 1, or a root that is not canonical base64 of 32 bytes.
 * The values are attacker-controlled until verifyCheckpoint has passed.
 */
export function parseCheckpoint(noteText: string | Uint8Array): Checkpoint {
  const note = parseNote(noteText);
  // parseNote guarantees the text ends with a newline.
  const lines = note.text.slice(0, -1).split('\n');
  if (lines.length < 3) throw formatError(`${lines.length} body lines, want at least 3`);
  const empty = lines.findIndex((l) => l.length === 0);
  if (empty >= 0) throw formatError(`body line ${empty + 1} is empty`);
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!DECIMAL.test(sizeText)) throw formatError('tree size is not a decimal number without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw formatError(`tree size ${sizeText.slice(0, 30)} exceeds 2^53 - 1`);
  const root = fromBase64(rootText);
  if (!root || root.length !== ROOT_SIZE) throw formatError(`root hash is not canonical base64 of ${ROOT_SIZE} bytes`);
  return {
    origin,
    size,
    root,
    extensions: lines.slice(3),
    body: utf8.encode(`${origin}\n${sizeText}\n${rootText}\n`),
    text: note.text,
    signatures: note.signatures,
  };
}

/** SHA-256 input of the checkpoint's RFC 3161 token: its first three lines (DESIGN §1). */
export function checkpointBody(noteText: string | Uint8Array): Uint8Array {
  return parseCheckpoint(noteText).body;
}

export interface VerifyCheckpointOptions {
  /** Required origin line; mismatch throws CHECKPOINT_ORIGIN. */
  origin?: string;
}

/**
 * Parse and verify a checkpoint against the log's key (a verifier key string or parsed key; a
 * list trusts each). Order of checks: format (CHECKPOINT_FORMAT), then signatures — lines by
 * other keys are ignored, a line by a trusted key that fails is CHECKPOINT_SIGNATURE, no line by
 * a trusted key is CHECKPOINT_KEY — then origin (CHECKPOINT_ORIGIN).
 * A malformed verifier key string throws InputError BAD_INPUT (it is configuration, not evidence).
 */
export function verifyCheckpoint(
  noteText: string | Uint8Array,
  key: string | NoteVerifier | readonly (string | NoteVerifier)[],
  options: VerifyCheckpointOptions = {},
): VerifiedCheckpoint {
  const keys = (Array.isArray(key) ? key : [key]) as (string | NoteVerifier)[];
  const verifiers = keys.map((k) => (typeof k === 'string' ? parseVerifierKey(k) : k));
  const cp = parseCheckpoint(noteText);
  const verifiedBy = verifyNoteSignatures({ text: cp.text, signatures: cp.signatures }, verifiers);
  if (options.origin !== undefined && cp.origin !== options.origin) {
    throw new VerificationError(
      'CHECKPOINT_ORIGIN',
      `checkpoint origin ${JSON.stringify(cp.origin.slice(0, 200))}, want ${JSON.stringify(options.origin)}`,
    );
  }
  return { ...cp, verifiedBy };
}

/** A fresh checkpoint key pair; by convention (tlog-checkpoint §Signatures) name = the log origin. */
export function generateCheckpointKey(name: string): { signerKey: string; verifierKey: string } {
  return generateNoteKey(name);
}

/**
 * Sign a checkpoint. Throws InputError BAD_INPUT when the origin is empty or has a newline or
 * control character, the size is not a safe non-negative integer, the root is not 32 bytes, or an
 * extension line is empty or has a newline.
 */
export function signCheckpoint(
  fields: CheckpointFields,
  signerKey: string | NoteSigner,
  options: { extensions?: readonly string[] } = {},
): string {
  const { origin, size, root } = fields;
  const extensions = options.extensions ?? [];
  for (const [what, line] of [['origin', origin], ...extensions.map((e) => ['extension line', e] as const)] as const) {
    if (typeof line !== 'string' || line.length === 0 || line.includes('\n')) {
      throw new InputError('BAD_INPUT', `checkpoint ${what} must be a non-empty single line`);
    }
  }
  if (!Number.isSafeInteger(size) || size < 0) throw new InputError('BAD_INPUT', `checkpoint size ${size} is not a safe non-negative integer`);
  if (!(root instanceof Uint8Array) || root.length !== ROOT_SIZE) {
    throw new InputError('BAD_INPUT', `checkpoint root must be ${ROOT_SIZE} bytes`);
  }
  const signer = typeof signerKey === 'string' ? parseSignerKey(signerKey) : signerKey;
  const text = [origin, String(size), toBase64(root), ...extensions].join('\n') + '\n';
  return signNote(text, [signer]);
}
