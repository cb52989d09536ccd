// OpenPGP receipt-signing keys. We make and accept v4 keys only: GnuPG 2.2, which DESIGN §2
// promises can check a bundle's signature, does not understand v6 keys or the v4 "ed25519"
// algorithm (27); v4 EdDSA ("ed25519Legacy", algorithm 22) is what both sides share.
import * as openpgp from 'openpgp';
import { InputError } from '../errors.js';

/** Public-key algorithms a v4 signing key may use: those GnuPG 2.2 verifies. */
const GPG22_SIGNING_ALGORITHMS: ReadonlySet<openpgp.enums.publicKey> = new Set([
  openpgp.enums.publicKey.eddsaLegacy,
  openpgp.enums.publicKey.ecdsa,
  openpgp.enums.publicKey.rsaEncryptSign,
  openpgp.enums.publicKey.rsaSign,
]);

export interface GeneratedSigningKey {
  /** Unencrypted armored secret key; the caller stores it with mode 0600. */
  armoredPrivateKey: string;
  armoredPublicKey: string;
  /** v4 fingerprint, 40 lowercase hex digits. */
  fingerprint: string;
}

export interface SigningKeyInfo {
  /** Primary key fingerprint, 40 lowercase hex digits: the identity receipts are trusted under. */
  fingerprint: string;
  /** Key id (16 lowercase hex) of the key or subkey that makes signatures. */
  signingKeyId: string;
  userIds: string[];
  /** e.g. "eddsaLegacy/ed25519Legacy", "rsaEncryptSign/4096". */
  algorithm: string;
}

export interface ImportedSigningKey extends SigningKeyInfo {
  /** The decrypted key object, ready to sign. */
  key: openpgp.PrivateKey;
  /** Armored secret key without passphrase protection (what the caller stores, 0600). */
  armoredPrivateKey: string;
  armoredPublicKey: string;
}

/**
 * A new v4 Ed25519 (legacy EdDSA) signing key with one user id and no encryption subkey.
 * `date` fixes the creation time (tests); default now.
 */
export async function generateSigningKey(options: { name: string; email?: string; date?: Date }): Promise<GeneratedSigningKey> {
  if (!options.name || /[\r\n<>]/.test(options.name) || (options.email !== undefined && /[\s<>]/.test(options.email))) {
    throw new InputError('BAD_INPUT', 'a signing key needs a one-line name and an email without spaces or angle brackets');
  }
  const userID = options.email === undefined ? { name: options.name } : { name: options.name, email: options.email };
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [userID],
    subkeys: [],
    format: 'object',
    ...(options.date ? { date: options.date } : {}),
    config: { v6Keys: false },
  });
  return {
    armoredPrivateKey: privateKey.armor(),
    armoredPublicKey: publicKey.armor(),
    fingerprint: privateKey.getFingerprint(),
  };
}

function badKey(message: string, hint: string, cause?: unknown): InputError {
  return new InputError('BAD_INPUT', message, { hint, cause });
}

/**
 * Read an armored secret key (ours, or `gpg --export-secret-keys --armor`) and check that it can
 * sign receipts that GnuPG 2.2 verifies: a v4 key, not revoked or expired, with a usable
 * signing (sub)key of a GnuPG 2.2 algorithm. A passphrase-protected key needs `passphrase`.
 * Throws InputError BAD_INPUT with a hint otherwise.
 */
export async function importSigningKey(armoredSecretKey: string, options: { passphrase?: string } = {}): Promise<ImportedSigningKey> {
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: armoredSecretKey });
  } catch (e) {
    throw badKey('not an armored OpenPGP secret key', 'export one with `gpg --export-secret-keys --armor KEYID`', e);
  }
  if (key.keyPacket.version !== 4) {
    throw badKey(`v${key.keyPacket.version} keys are not supported`, 'use a v4 key (GnuPG 2.2 cannot verify v6 signatures)');
  }
  if (!key.isDecrypted()) {
    if (options.passphrase === undefined) {
      throw badKey('the secret key is protected by a passphrase', 'give its passphrase, or export it unprotected (gpg --passwd, empty passphrase)');
    }
    try {
      key = await openpgp.decryptKey({ privateKey: key, passphrase: options.passphrase });
    } catch (e) {
      throw badKey('cannot unlock the secret key with that passphrase', 'check the passphrase', e);
    }
  }
  let signing: openpgp.PrivateKey | openpgp.Subkey;
  try {
    signing = await key.getSigningKey();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw badKey(`the key cannot sign now: ${why}`, 'use a key with a valid, unexpired signing (sub)key', e);
  }
  if (!GPG22_SIGNING_ALGORITHMS.has(signing.keyPacket.algorithm)) {
    const name = signing.getAlgorithmInfo().algorithm;
    throw badKey(`signing algorithm ${name} is not verifiable by GnuPG 2.2`, 'use an Ed25519 (EdDSA legacy), ECDSA or RSA key');
  }
  const packet = signing.keyPacket;
  const hasSecret = (packet instanceof openpgp.SecretKeyPacket || packet instanceof openpgp.SecretSubkeyPacket) && !packet.isDummy();
  if (!hasSecret) {
    throw badKey('the signing key has no secret material (a gpg stub)', 'export the secret key from the machine that holds it');
  }
  const info = signing.getAlgorithmInfo();
  return {
    key,
    fingerprint: key.getFingerprint(),
    signingKeyId: signing.getKeyID().toHex(),
    userIds: key.getUserIDs(),
    algorithm: `${info.algorithm}/${info.curve ?? info.bits ?? '?'}`,
    armoredPrivateKey: key.armor(),
    armoredPublicKey: key.toPublic().armor(),
  };
}
