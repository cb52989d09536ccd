// Check "receipt signature": the entry's detached OpenPGP signature over JCS(receipt) verifies under
// a key of the trust policy. The bundle's own `publicKey` is never trusted: it only explains an
// untrusted signer ("signed by <fpr>, which is not in the trust list"), and when present it must be
// the key that signed (a bundle that names another key is inconsistent, so it fails).
import * as openpgp from 'openpgp';
import { VerificationError } from '../../errors.js';
import { ReceiptVerifier, type VerifiedSignature } from '../../signing/index.js';
import type { CompleteBundle } from './schema.js';

const TRUST_HINT = 'if you trust the signer, pass its armored public key with --trust-key FILE';
/** Bundle keys remembered per verifier; the cache is dropped when it grows past this (hostile input). */
const CACHE_LIMIT = 256;

type KeyInfo = { fingerprint: string } | { error: string };

/** The trusted receipt keys, parsed once, and a cache of the keys bundles carry. */
export class ReceiptKeys {
  private readonly bundleKeys = new Map<string, Promise<KeyInfo>>();

  private constructor(
    readonly verifier: ReceiptVerifier,
    readonly count: number,
  ) {}

  /** Throws InputError BAD_INPUT for a trusted key that does not parse (policy, exit 2). */
  static async create(armoredKeys: readonly string[]): Promise<ReceiptKeys> {
    return new ReceiptKeys(await ReceiptVerifier.create(armoredKeys), armoredKeys.length);
  }

  /** Fingerprint of a bundle's armored public key, or why it is not one. Attacker-controlled input. */
  describe(armored: string): Promise<KeyInfo> {
    let info = this.bundleKeys.get(armored);
    if (info === undefined) {
      if (this.bundleKeys.size >= CACHE_LIMIT) this.bundleKeys.clear();
      info = readPublicKey(armored);
      this.bundleKeys.set(armored, info);
    }
    return info;
  }
}

async function readPublicKey(armoredKey: string): Promise<KeyInfo> {
  try {
    const key = await openpgp.readKey({ armoredKey });
    if (key.isPrivate()) return { error: 'it is a secret key block (a bundle must carry only the public key)' };
    return { fingerprint: key.getFingerprint() };
  } catch (e) {
    return { error: `it is not an armored OpenPGP public key (${e instanceof Error ? e.message.slice(0, 200) : 'unreadable'})` };
  }
}

export async function checkReceiptSignature(bundle: CompleteBundle, keys: ReceiptKeys): Promise<{ signer: VerifiedSignature; detail: string }> {
  const { receipt, signature } = bundle.entry;
  let signer: VerifiedSignature;
  try {
    signer = await keys.verifier.verify(receipt, signature);
  } catch (e) {
    if (e instanceof VerificationError && e.code === 'UNTRUSTED_KEY') throw await explainUntrusted(e, bundle, keys);
    throw e;
  }
  if (bundle.publicKey !== undefined) {
    const info = await keys.describe(bundle.publicKey);
    if ('error' in info) throw new VerificationError('RECEIPT_SIGNATURE', `the bundle's publicKey is unusable: ${info.error}`);
    if (info.fingerprint !== signer.fingerprint) {
      throw new VerificationError(
        'RECEIPT_SIGNATURE',
        `the bundle's publicKey is key ${info.fingerprint}, but the receipt was signed by trusted key ${signer.fingerprint}`,
        { hint: 'the bundle must carry the key that signed its receipt' },
      );
    }
  }
  return {
    signer,
    detail: `signed by trusted key ${signer.fingerprint}${signer.signingKeyId !== signer.fingerprint.slice(-16) ? ` (subkey ${signer.signingKeyId})` : ''}`,
  };
}

/**
 * The signer is not trusted. When the bundle's publicKey is the key that made the signature, name
 * its fingerprint so the operator can decide whether to trust it; the outcome stays a failure.
 */
async function explainUntrusted(e: VerificationError, bundle: CompleteBundle, keys: ReceiptKeys): Promise<VerificationError> {
  const none = keys.count === 0 ? ' (the trust policy has no receipt keys)' : '';
  if (bundle.publicKey !== undefined) {
    const info = await keys.describe(bundle.publicKey);
    if ('fingerprint' in info) {
      try {
        const own = await ReceiptVerifier.create([bundle.publicKey]);
        const v = await own.verify(bundle.entry.receipt, bundle.entry.signature);
        return new VerificationError(
          'UNTRUSTED_KEY',
          `receipt is signed by key ${v.fingerprint} (the bundle's publicKey), which is not in the trust list${none}`,
          { hint: TRUST_HINT, cause: e },
        );
      } catch {
        // The bundle's key is not the signer (or does not verify): say only what is known.
      }
    }
  }
  return new VerificationError('UNTRUSTED_KEY', `${e.message}${none}`, { hint: TRUST_HINT, cause: e });
}
