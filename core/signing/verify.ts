// Verifying receipt signatures against an explicit list of trusted OpenPGP public keys.
// The armored signature is attacker-controlled; the trusted keys are policy (the operator's).
import * as openpgp from 'openpgp';
import { canonicalBytes } from '../canonical.js';
import { InputError, VerificationError } from '../errors.js';
import { LIMITS, type Receipt } from '../receipt.js';
import { mapConcurrent } from './signer.js';
import { fastKeyFromEd25519, verifyDetachedNative, type FastKey } from './native-verify.js';

export interface VerifiedSignature {
  /** Primary fingerprint (40 lowercase hex) of the trusted key that made the signature. */
  fingerprint: string;
  /** Key id (16 lowercase hex) of the (sub)key that made it. */
  signingKeyId: string;
  /** Signature creation time, as claimed inside the signature. */
  created: Date;
}

function sigError(message: string, cause?: unknown): VerificationError {
  return new VerificationError('RECEIPT_SIGNATURE', message, cause === undefined ? {} : { cause });
}

/** Trusted keys parsed once; verifies any number of receipt signatures. */
export class ReceiptVerifier {
  private readonly keys: readonly openpgp.PublicKey[];
  /** Trusted keys the node:crypto fast path may accept signatures from (see native-verify.ts). */
  private readonly fast: ReadonlyMap<string, FastKey>;

  private constructor(keys: readonly openpgp.PublicKey[], fast: ReadonlyMap<string, FastKey>) {
    this.keys = keys;
    this.fast = fast;
  }

  /**
   * A trusted key qualifies for the fast path only when nothing about it needs OpenPGP.js's
   * judgement: v4 Ed25519 (EdDSA legacy) primary key that itself signs, valid now, never expiring,
   * not revoked. Signatures older than its key or its newest self-certification still go to OpenPGP.js.
   */
  private static async fastKey(key: openpgp.PublicKey): Promise<FastKey | undefined> {
    try {
      const kp = key.keyPacket as unknown as { version: number; algorithm: unknown; publicParams?: { oid?: { toHex?: () => string }; Q?: Uint8Array } };
      const q = kp.publicParams?.Q;
      if (kp.version !== 4 || kp.algorithm !== openpgp.enums.publicKey.eddsaLegacy) return undefined;
      if (kp.publicParams?.oid?.toHex?.() !== '2b06010401da470f01' || !(q instanceof Uint8Array) || q.length !== 33 || q[0] !== 0x40) return undefined;
      if ((await key.getExpirationTime()) !== Infinity || (await key.isRevoked())) return undefined;
      await key.verifyPrimaryKey();
      const signing = await key.getSigningKey();
      if (!signing.getKeyID().equals(key.getKeyID())) return undefined;
      const user = await key.getPrimaryUser();
      const certified = user.selfCertification.created ?? key.getCreationTime();
      const since = new Date(Math.max(key.getCreationTime().getTime(), certified.getTime()));
      return fastKeyFromEd25519(key.getFingerprint(), q.subarray(1), since);
    } catch {
      return undefined;
    }
  }

  /**
   * Parse the trusted armored public keys (a secret key block is reduced to its public part).
   * Throws InputError BAD_INPUT for a key that does not parse: trust input is configuration.
   */
  /** `fastPath: false` makes OpenPGP.js verify every signature (tests compare the two paths). */
  static async create(trustedArmoredKeys: readonly string[], options: { fastPath?: boolean } = {}): Promise<ReceiptVerifier> {
    const keys = await Promise.all(
      trustedArmoredKeys.map(async (armoredKey, i) => {
        try {
          const k = await openpgp.readKey({ armoredKey });
          return k.isPrivate() ? k.toPublic() : k;
        } catch (e) {
          throw new InputError('BAD_INPUT', `trusted key ${i + 1} is not an armored OpenPGP public key`, { cause: e });
        }
      }),
    );
    const fast = new Map<string, FastKey>();
    for (const k of options.fastPath === false ? [] : keys) {
      const f = await ReceiptVerifier.fastKey(k);
      if (f) fast.set(f.fingerprint, f);
    }
    return new ReceiptVerifier(keys, fast);
  }

  /**
   * Verify an armored detached signature over JCS(receipt). Throws VerificationError
   * RECEIPT_SIGNATURE when the signature does not parse, is not exactly one binary/text signature,
   * or does not verify (including a signing key expired or revoked at signing time), and
   * UNTRUSTED_KEY when it names a key that is not in the trusted list (never verified then).
   */
  async verify(receipt: Receipt, armoredSignature: string): Promise<VerifiedSignature> {
    if (typeof armoredSignature !== 'string' || armoredSignature.length > LIMITS.signature) {
      throw sigError(`signature is not an armored string of at most ${LIMITS.signature} characters`);
    }
    if (this.fast.size > 0) {
      const quick = verifyDetachedNative(this.fast, canonicalBytes(receipt), armoredSignature);
      if (quick) return quick;
    }
    let signature: openpgp.Signature;
    try {
      signature = await openpgp.readSignature({ armoredSignature });
    } catch (e) {
      throw sigError('signature does not parse as an armored OpenPGP signature', e);
    }
    const packets = signature.packets.filterByTag(openpgp.enums.packet.signature);
    if (packets.length !== 1 || signature.packets.length !== 1) {
      throw sigError(`signature block holds ${signature.packets.length} packets, want exactly one signature`);
    }
    const packet = packets[0]!;
    if (packet.signatureType !== openpgp.enums.signature.binary && packet.signatureType !== openpgp.enums.signature.text) {
      throw sigError(`signature type 0x${(packet.signatureType ?? 0).toString(16)} is not a document signature`);
    }
    const issuer = packet.issuerKeyID;
    // An all-zero key id is the "wildcard" of RFC 4880 §5.1: no issuer named.
    if (!issuer || !/^[0-9a-f]{16}$/.test(issuer.toHex()) || /^0+$/.test(issuer.toHex())) {
      throw sigError('signature does not name its issuer key');
    }
    const key = this.keys.find((k) => k.getKeys(issuer).length > 0);
    if (!key) {
      throw new VerificationError('UNTRUSTED_KEY', `receipt is signed by key ${issuer.toHex()}, which is not trusted`, {
        hint: 'pass the signer public key with --trust-key if you trust it',
      });
    }
    try {
      const message = await openpgp.createMessage({ binary: canonicalBytes(receipt) });
      const result = await openpgp.verify({ message, signature, verificationKeys: [key], expectSigned: true, format: 'binary' });
      await result.signatures[0]!.verified;
    } catch (e) {
      if (e instanceof InputError) throw e; // the receipt itself is not JSON
      const why = e instanceof Error ? e.message : String(e);
      throw sigError(`signature by ${issuer.toHex()} does not verify: ${why}`, e);
    }
    return { fingerprint: key.getFingerprint(), signingKeyId: issuer.toHex(), created: packet.created ?? new Date(0) };
  }

  /** Verify many, `concurrency` at a time (default 16); each result is the outcome or its VerificationError. */
  async verifyMany(
    entries: readonly { receipt: Receipt; signature: string }[],
    options: { concurrency?: number } = {},
  ): Promise<(VerifiedSignature | VerificationError)[]> {
    return mapConcurrent(entries, options.concurrency ?? 16, async (e) => {
      try {
        return await this.verify(e.receipt, e.signature);
      } catch (err) {
        if (err instanceof VerificationError) return err;
        throw err;
      }
    });
  }
}

/** One-shot form of ReceiptVerifier: parses the trusted keys, then verifies. */
export async function verifyReceiptSignature(
  receipt: Receipt,
  armoredSignature: string,
  trustedPublicKeys: readonly string[],
): Promise<VerifiedSignature> {
  return (await ReceiptVerifier.create(trustedPublicKeys)).verify(receipt, armoredSignature);
}
