// Check "checkpoint signature": the bundle's checkpoint is a C2SP tlog-checkpoint signed by a
// checkpoint key of the trust policy, for the log named in the receipt (origin line = receipt
// origin). The bundle's own `checkpointKey` is never trusted: it only explains an untrusted signer,
// and when present it must be the trusted key that verified (else the bundle is inconsistent).
import { toBase64 } from '../../bytes.js';
import { InputError, VerificationError } from '../../errors.js';
import { verifyCheckpoint, type VerifiedCheckpoint } from '../../checkpoint/checkpoint.js';
import { parseVerifierKey, type NoteVerifier } from '../../checkpoint/note.js';
import { bytesEqual } from '../../bytes.js';
import type { CompleteBundle } from './schema.js';

const TRUST_HINT = "if you trust this log, pass its checkpoint verifier key with --trust-key FILE (`remembrancer keys export` prints it)";

const keyLabel = (name: string, keyId: number): string => `${name}+${keyId.toString(16).padStart(8, '0')}`;

/** Bundle keys remembered per verifier; the cache is dropped when it grows past this (hostile input). */
const CACHE_LIMIT = 256;

/** The trusted checkpoint keys, parsed once, and a cache of the keys bundles carry. */
export class CheckpointKeys {
  private readonly bundleKeys = new Map<string, NoteVerifier | { error: string }>();

  private constructor(readonly trusted: readonly NoteVerifier[]) {}

  /**
   * Parse the trusted verifier keys, dropping exact duplicates (a key given in two trust files).
   * Throws InputError BAD_INPUT naming the key for a malformed one, or for two different keys with
   * the same name and id (policy, exit 2).
   */
  static create(vkeys: readonly string[]): CheckpointKeys {
    const out: NoteVerifier[] = [];
    vkeys.forEach((vkey, i) => {
      let v: NoteVerifier;
      try {
        v = parseVerifierKey(vkey);
      } catch (e) {
        if (e instanceof InputError) throw new InputError('BAD_INPUT', `trusted checkpoint key ${i + 1}: ${e.message}`, { cause: e });
        throw e;
      }
      const same = out.find((o) => o.name === v.name && o.keyId === v.keyId);
      if (same === undefined) out.push(v);
      else if (!bytesEqual(same.publicKey, v.publicKey)) {
        throw new InputError('BAD_INPUT', `trusted checkpoint keys share the name and id ${keyLabel(v.name, v.keyId)} but differ`);
      }
    });
    return new CheckpointKeys(out);
  }

  /** A bundle's checkpointKey (attacker-controlled): a malformed one fails the check, not the run. */
  bundleKey(vkey: string): NoteVerifier {
    let v = this.bundleKeys.get(vkey);
    if (v === undefined) {
      try {
        v = parseVerifierKey(vkey);
        // The bundle carries the key's canonical text (lowercase hex id), so that any change to the
        // bytes of a bundle is a change the verifier notices, never a silent equivalent spelling.
        if (v.verifierKey !== vkey) v = { error: 'not in canonical form (the key id is lowercase hex)' };
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        v = { error: e.message };
      }
      if (this.bundleKeys.size >= CACHE_LIMIT) this.bundleKeys.clear();
      this.bundleKeys.set(vkey, v);
    }
    if ('error' in v) throw new VerificationError('CHECKPOINT_KEY', `the bundle's checkpointKey does not parse: ${v.error}`);
    return v;
  }
}

export function checkCheckpointSignature(
  bundle: CompleteBundle,
  keys: CheckpointKeys,
): { checkpoint: VerifiedCheckpoint; keyName: string; detail: string } {
  const { trusted } = keys;
  const origin = bundle.entry.receipt.origin;
  let cp: VerifiedCheckpoint;
  try {
    cp = verifyCheckpoint(bundle.checkpoint, trusted, { origin });
  } catch (e) {
    if (e instanceof VerificationError && e.code === 'CHECKPOINT_KEY') throw explainUntrusted(e, bundle, keys);
    throw e;
  }
  // verifyNoteSignatures matched every verified line to a trusted key by name and id.
  const used = cp.verifiedBy.map((s) => trusted.find((v) => v.name === s.name && v.keyId === s.keyId)!);
  if (bundle.checkpointKey !== undefined) {
    const own = keys.bundleKey(bundle.checkpointKey);
    if (!used.some((v) => v.name === own.name && v.keyId === own.keyId && bytesEqual(v.publicKey, own.publicKey))) {
      throw new VerificationError(
        'CHECKPOINT_KEY',
        `the bundle's checkpointKey is ${keyLabel(own.name, own.keyId)}, but the checkpoint was verified with trusted key ${used.map((v) => keyLabel(v.name, v.keyId)).join(', ')}`,
        { hint: 'the bundle must carry the key that signed its checkpoint' },
      );
    }
  }
  const keyName = keyLabel(used[0]!.name, used[0]!.keyId);
  return {
    checkpoint: cp,
    keyName,
    detail: `origin ${JSON.stringify(cp.origin)}, size ${cp.size}, root ${toBase64(cp.root)}, signed by trusted key ${used.map((v) => keyLabel(v.name, v.keyId)).join(', ')}`,
  };
}

function explainUntrusted(e: VerificationError, bundle: CompleteBundle, keys: CheckpointKeys): VerificationError {
  const none = keys.trusted.length === 0 ? ' (the trust policy has no checkpoint keys)' : '';
  if (bundle.checkpointKey !== undefined) {
    try {
      const own = keys.bundleKey(bundle.checkpointKey);
      verifyCheckpoint(bundle.checkpoint, own);
      return new VerificationError(
        'CHECKPOINT_KEY',
        `checkpoint is signed by ${keyLabel(own.name, own.keyId)} (the bundle's checkpointKey), which is not in the trust list${none}`,
        { hint: TRUST_HINT, cause: e },
      );
    } catch {
      // Not the signer, or malformed: say only what is known.
    }
  }
  return new VerificationError('CHECKPOINT_KEY', e.message, { hint: TRUST_HINT, cause: e });
}
