// Signing receipts: an armored OpenPGP detached signature over JCS(receipt) (DESIGN §1).
import * as openpgp from 'openpgp';
import { canonicalBytes } from '../canonical.js';
import { InputError, VerificationError } from '../errors.js';
import { parseReceipt, type Entry, type Receipt } from '../receipt.js';
import { importSigningKey, type SigningKeyInfo } from './keys.js';
import { nativeSigningKey, signDetachedNative, type NativeSigningKey } from './native.js';

// Deterministic signatures: no random salt notation (OpenPGP.js adds one by default for v4), so
// the signature packet holds only what GnuPG itself would write.
const SIGN_CONFIG: openpgp.PartialConfig = { nonDeterministicSignaturesViaNotation: false };

/**
 * Run `fn` over `items` with at most `concurrency` calls in flight; results in input order.
 * Stops taking new items after the first failure and rejects with it.
 */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InputError('BAD_INPUT', `concurrency ${concurrency} must be a positive integer`);
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

export interface SignManyOptions {
  /**
   * Signatures in flight at once. Each OpenPGP.js signature waits on WebCrypto, so one at a time
   * leaves the thread idle; ~16 keeps it busy (about 2-3x the serial rate, see BENCHMARKS.md).
   * Higher values add memory, not speed. Default 16.
   */
  concurrency?: number;
}

/** Holds one decrypted signing key and signs receipts with it. */
export class ReceiptSigner {
  readonly info: SigningKeyInfo;
  readonly armoredPublicKey: string;
  private readonly key: openpgp.PrivateKey;
  /** Set when the signing key is v4 EdDSA-legacy Ed25519: signatures are then made by node:crypto. */
  private readonly native: NativeSigningKey | undefined;

  private constructor(key: openpgp.PrivateKey, info: SigningKeyInfo, armoredPublicKey: string, native: NativeSigningKey | undefined) {
    this.native = native;
    this.key = key;
    this.info = info;
    this.armoredPublicKey = armoredPublicKey;
  }

  /** Import (and, with `passphrase`, unlock) an armored secret key; see importSigningKey for what is refused. */
  /**
   * `useOpenPgpJs` forces OpenPGP.js for every signature (tests compare both paths; the default
   * uses the node:crypto fast path for Ed25519 keys, see native.ts).
   */
  static async create(armoredSecretKey: string, options: { passphrase?: string; useOpenPgpJs?: boolean } = {}): Promise<ReceiptSigner> {
    const imported = await importSigningKey(armoredSecretKey, options);
    const { key, armoredPrivateKey: _secret, armoredPublicKey, ...info } = imported;
    const signing = await key.getSigningKey();
    const native = options.useOpenPgpJs ? undefined : nativeSigningKey(signing.keyPacket as openpgp.SecretKeyPacket);
    return new ReceiptSigner(key, info, armoredPublicKey, native);
  }

  /** Primary key fingerprint (40 lowercase hex). */
  get fingerprint(): string {
    return this.info.fingerprint;
  }

  /**
   * Armored detached signature over JCS(receipt). The receipt is schema-checked first: an invalid
   * receipt would make a log entry that can never verify, so it is refused (InputError BAD_INPUT).
   */
  async sign(receipt: Receipt): Promise<string> {
    try {
      parseReceipt(receipt);
    } catch (e) {
      if (e instanceof VerificationError) {
        throw new InputError('BAD_INPUT', `refusing to sign an invalid receipt: ${e.message}`, { cause: e });
      }
      throw e;
    }
    return this.signCanonical(canonicalBytes(receipt));
  }

  /**
   * Armored detached signature over bytes the caller already produced as JCS of a receipt it has
   * validated (the log's write path does both once per receipt). Signs exactly these bytes.
   */
  async signCanonical(jcs: Uint8Array): Promise<string> {
    if (this.native) return signDetachedNative(this.native, jcs);
    const message = await openpgp.createMessage({ binary: jcs });
    return openpgp.sign({ message, signingKeys: this.key, detached: true, format: 'armored', config: SIGN_CONFIG });
  }

  /** The log entry `{ receipt, signature }` for a receipt. */
  async signEntry(receipt: Receipt): Promise<Entry> {
    return { receipt, signature: await this.sign(receipt) };
  }

  /** Sign many receipts with bounded concurrency; signatures in input order. */
  async signMany(receipts: readonly Receipt[], options: SignManyOptions = {}): Promise<string[]> {
    return mapConcurrent(receipts, options.concurrency ?? 16, (r) => this.sign(r));
  }

  /** signCanonical over many JCS byte strings, bounded concurrency, signatures in input order. */
  async signManyCanonical(jcs: readonly Uint8Array[], options: SignManyOptions = {}): Promise<string[]> {
    if (this.native) {
      const native = this.native;
      return jcs.map((b) => signDetachedNative(native, b));
    }
    return mapConcurrent(jcs, options.concurrency ?? 16, (b) => this.signCanonical(b));
  }
}
