// Algorithm identifiers (RFC 5280 §4.1.1.2) and the signatures we check and make, via node:crypto.
// Supported: ECDSA with SHA-2 (RFC 5758 §3.2) and RSA PKCS#1 v1.5 with SHA-2 (RFC 4055, RFC 5754 §3.2).
// RSA-PSS and EdDSA TSAs are not supported and fail as an unsupported algorithm.
import { createHash, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { DerError, decodeOid, enc, rawOf, seq, type Tlv } from './der.js';
import { HASHES, OID } from './oids.js';

export interface AlgorithmId {
  oid: string;
  /** Raw parameters TLV, when present. */
  params?: Uint8Array;
}

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export function decodeAlgorithmId(t: Tlv | undefined, what: string): AlgorithmId {
  const parts = seq(t, what);
  if (parts.length < 1 || parts.length > 2) throw new DerError(`${what} has ${parts.length} fields, want 1 or 2`);
  const oid = decodeOid(parts[0], `${what}.algorithm`);
  return parts[1] === undefined ? { oid } : { oid, params: rawOf(parts[1]) };
}

function paramsAbsentOrNull(a: AlgorithmId): boolean {
  return a.params === undefined || (a.params.length === 2 && a.params[0] === 0x05 && a.params[1] === 0);
}

/** A hash AlgorithmIdentifier we accept (parameters absent or NULL, RFC 5754 §2); undefined otherwise. */
export function hashFromAlgorithm(a: AlgorithmId): { name: HashName; size: number } | undefined {
  const h = HASHES[a.oid];
  return h !== undefined && paramsAbsentOrNull(a) ? h : undefined;
}

export function digest(name: HashName, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(name);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export class UnsupportedAlgorithmError extends Error {}

const ECDSA: Record<string, HashName> = {
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
};
const RSA: Record<string, HashName> = {
  [OID.sha256WithRSA]: 'sha256',
  [OID.sha384WithRSA]: 'sha384',
  [OID.sha512WithRSA]: 'sha512',
};

/**
 * Verifies `signature` over `data` with the key in `spki` (SubjectPublicKeyInfo DER).
 * `cmsDigest` is the SignerInfo digest algorithm: CMS allows plain rsaEncryption as the signature
 * algorithm, with the hash taken from there (RFC 3370 §3.2). Returns false on a bad signature;
 * throws UnsupportedAlgorithmError for algorithms or key types we do not handle.
 */
export function verifySignature(
  alg: AlgorithmId,
  spki: Uint8Array | KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
  cmsDigest?: HashName,
): boolean {
  const key = spki instanceof Uint8Array ? publicKeyFromSpki(spki) : spki;
  const ecdsaHash = ECDSA[alg.oid];
  if (ecdsaHash !== undefined) {
    // RFC 5758 §3.2: the parameters field MUST be absent.
    if (alg.params !== undefined) throw new UnsupportedAlgorithmError(`${alg.oid} with parameters`);
    if (key.asymmetricKeyType !== 'ec') throw new UnsupportedAlgorithmError(`ECDSA signature with a ${key.asymmetricKeyType} key`);
    return nodeVerify(ecdsaHash, data, { key, dsaEncoding: 'der' }, signature);
  }
  let rsaHash = RSA[alg.oid];
  if (rsaHash === undefined && alg.oid === OID.rsaEncryption && cmsDigest !== undefined && cmsDigest !== 'sha1') rsaHash = cmsDigest;
  if (rsaHash !== undefined) {
    if (!paramsAbsentOrNull(alg)) throw new UnsupportedAlgorithmError(`${alg.oid} with non-NULL parameters`);
    if (key.asymmetricKeyType !== 'rsa') throw new UnsupportedAlgorithmError(`RSA signature with a ${key.asymmetricKeyType} key`);
    return nodeVerify(rsaHash, data, key, signature);
  }
  throw new UnsupportedAlgorithmError(`signature algorithm ${alg.oid} is not supported`);
}

// createPublicKey costs more than an ECDSA verification, and the same few TSA and CA keys come back
// for every token: keep a small cache keyed by the SPKI bytes (bounded, since keys in tokens are
// attacker-chosen).
const KEY_CACHE_MAX = 128;
const keyCache = new Map<string, KeyObject>();

export function publicKeyFromSpki(spki: Uint8Array): KeyObject {
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('base64');
  const hit = keyCache.get(id);
  if (hit !== undefined) return hit;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new UnsupportedAlgorithmError(`public key does not load: ${(e as Error).message}`);
  }
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(id, key);
  return key;
}

/** How we sign with a given private key: the CMS digest and signature AlgorithmIdentifiers. */
export interface SigningScheme {
  hash: HashName;
  digestAlgorithm: Uint8Array;
  signatureAlgorithm: Uint8Array;
}

export function signingSchemeFor(key: KeyObject): SigningScheme {
  if (key.type !== 'private') throw new UnsupportedAlgorithmError('a private key is required to sign');
  const hashAlg = (h: HashName): Uint8Array => enc.seq(enc.oid(hashOid(h)));
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const hash: HashName | undefined = curve === 'prime256v1' ? 'sha256' : curve === 'secp384r1' ? 'sha384' : undefined;
    if (hash === undefined) throw new UnsupportedAlgorithmError(`EC curve ${curve} is not supported (use P-256 or P-384)`);
    const sigOid = hash === 'sha256' ? OID.ecdsaWithSha256 : OID.ecdsaWithSha384;
    return { hash, digestAlgorithm: hashAlg(hash), signatureAlgorithm: enc.seq(enc.oid(sigOid)) };
  }
  if (key.asymmetricKeyType === 'rsa') {
    return { hash: 'sha256', digestAlgorithm: hashAlg('sha256'), signatureAlgorithm: enc.seq(enc.oid(OID.sha256WithRSA), enc.null()) };
  }
  throw new UnsupportedAlgorithmError(`${key.asymmetricKeyType} keys are not supported (use ECDSA P-256 or RSA)`);
}

export function signWith(key: KeyObject, scheme: SigningScheme, data: Uint8Array): Uint8Array {
  const opts = key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' as const } : key;
  return new Uint8Array(nodeSign(scheme.hash, data, opts));
}

export function hashOid(h: HashName): string {
  return { sha1: OID.sha1, sha256: OID.sha256, sha384: OID.sha384, sha512: OID.sha512 }[h];
}
