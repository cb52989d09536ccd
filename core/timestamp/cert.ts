// X.509 certificates (RFC 5280 §4.1), decoded with the strict DER reader: only the fields a TSA
// chain check needs. Certificates come from tokens and bundles, so everything here is hostile.
import { bytesEqual, sha256, toHex } from '../bytes.js';
import { decodeAlgorithmId, verifySignature, type AlgorithmId } from './algorithms.js';
import {
  DerError,
  TAG,
  childrenOf,
  ctx,
  decodeBitStringBytes,
  decodeBoolean,
  decodeNamedBits,
  decodeOid,
  decodeSmallInt,
  decodeTime,
  expectTag,
  parseDer,
  rawOf,
  seq,
  valueOf,
  type Tlv,
} from './der.js';
import { OID } from './oids.js';

export interface CertExtension {
  critical: boolean;
  /** extnValue content: the DER of the extension's own structure. */
  value: Uint8Array;
}

export interface Certificate {
  der: Uint8Array;
  /** TBSCertificate encoding, the signed bytes. */
  tbs: Uint8Array;
  /** Serial number INTEGER content octets. */
  serial: Uint8Array;
  /** Name encodings, compared byte for byte when chaining. */
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo encoding. */
  spki: Uint8Array;
  /** subjectPublicKey BIT STRING content, for the RFC 5280 §4.2.1.2 key identifier. */
  publicKeyBits: Uint8Array;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
  extensions: Map<string, CertExtension>;
}

/** Decodes one DER certificate. Throws DerError on anything malformed. */
export function parseCertificate(der: Uint8Array): Certificate {
  const [tbsT, sigAlgT, sigT, ...rest] = seq(parseDer(der), 'Certificate');
  if (rest.length > 0) throw new DerError('Certificate has extra fields');
  const tbsFields = seq(tbsT, 'TBSCertificate');
  let i = 0;
  if (tbsFields[0]?.tag === ctx(0, true)) {
    const [v] = childrenOf(tbsFields[0]);
    const version = decodeSmallInt(v, 'version');
    if (version !== 2) throw new DerError(`certificate version ${version + 1} is not supported (want v3)`);
    i++;
  } else {
    throw new DerError('certificate is not X.509 v3');
  }
  const serial = valueOf(expectTag(tbsFields[i++], TAG.INTEGER, 'serialNumber'));
  const innerSigAlg = expectTag(tbsFields[i++], TAG.SEQUENCE, 'TBSCertificate.signature');
  const issuer = rawOf(expectTag(tbsFields[i++], TAG.SEQUENCE, 'issuer'));
  const [nb, na, ...vx] = seq(tbsFields[i++], 'validity');
  if (vx.length > 0) throw new DerError('validity has extra fields');
  const notBefore = decodeTime(nb, 'notBefore');
  const notAfter = decodeTime(na, 'notAfter');
  const subject = rawOf(expectTag(tbsFields[i++], TAG.SEQUENCE, 'subject'));
  const spkiT = expectTag(tbsFields[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const [spkiAlg, spkiKey, ...sx] = childrenOf(spkiT);
  decodeAlgorithmId(spkiAlg, 'subjectPublicKeyInfo.algorithm');
  if (sx.length > 0) throw new DerError('subjectPublicKeyInfo has extra fields');
  const publicKeyBits = decodeBitStringBytes(spkiKey, 'subjectPublicKey');
  // issuerUniqueID [1] and subjectUniqueID [2] are skipped; extensions are [3].
  while (tbsFields[i] !== undefined && (tbsFields[i]!.tag === ctx(1, false) || tbsFields[i]!.tag === ctx(2, false))) i++;
  const extensions = new Map<string, CertExtension>();
  if (tbsFields[i] !== undefined) {
    const [extsT, ...ex] = childrenOf(expectTag(tbsFields[i++], ctx(3, true), 'extensions'));
    if (ex.length > 0) throw new DerError('extensions wrapper has extra fields');
    for (const e of seq(extsT, 'Extensions')) {
      const parts = seq(e, 'Extension');
      const id = decodeOid(parts[0], 'extnID');
      let critical = false;
      let k = 1;
      if (parts[k]?.tag === TAG.BOOLEAN) critical = decodeBoolean(parts[k++], 'critical');
      const value = valueOf(expectTag(parts[k++], TAG.OCTET_STRING, 'extnValue'));
      if (parts.length !== k) throw new DerError(`extension ${id} has extra fields`);
      // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
      if (extensions.has(id)) throw new DerError(`extension ${id} appears twice`);
      extensions.set(id, { critical, value });
    }
  }
  if (i !== tbsFields.length) throw new DerError('TBSCertificate has extra fields');
  const signatureAlgorithm = decodeAlgorithmId(sigAlgT, 'signatureAlgorithm');
  // RFC 5280 §4.1.1.2: signatureAlgorithm MUST equal TBSCertificate.signature.
  if (!bytesEqual(rawOf(sigAlgT!), rawOf(innerSigAlg))) throw new DerError('signatureAlgorithm differs from TBSCertificate.signature');
  const signature = decodeBitStringBytes(sigT, 'signatureValue');
  return {
    der,
    tbs: rawOf(tbsT!),
    serial,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: rawOf(spkiT),
    publicKeyBits,
    signatureAlgorithm,
    signature,
    extensions,
  };
}

function extensionTlv(cert: Certificate, oid: string): Tlv | undefined {
  const e = cert.extensions.get(oid);
  return e === undefined ? undefined : parseDer(e.value);
}

/** RFC 5280 §4.2.1.9. Undefined when absent. */
export function basicConstraints(cert: Certificate): { ca: boolean; pathLen?: number } | undefined {
  const t = extensionTlv(cert, OID.basicConstraints);
  if (t === undefined) return undefined;
  const parts = seq(t, 'BasicConstraints');
  let k = 0;
  let ca = false;
  if (parts[k]?.tag === TAG.BOOLEAN) ca = decodeBoolean(parts[k++], 'cA');
  const pathLen = parts[k] !== undefined ? decodeSmallInt(parts[k++], 'pathLenConstraint') : undefined;
  if (k !== parts.length) throw new DerError('BasicConstraints has extra fields');
  return pathLen === undefined ? { ca } : { ca, pathLen };
}

/** RFC 5280 §4.2.1.3 bits (0 digitalSignature, 1 nonRepudiation, 5 keyCertSign, 6 cRLSign...). */
export function keyUsage(cert: Certificate): Set<number> | undefined {
  const t = extensionTlv(cert, OID.keyUsage);
  return t === undefined ? undefined : decodeNamedBits(t, 'KeyUsage');
}

export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5, cRLSign: 6 } as const;

/** RFC 5280 §4.2.1.12 key purposes, in order. */
export function extKeyUsage(cert: Certificate): string[] | undefined {
  const t = extensionTlv(cert, OID.extKeyUsage);
  if (t === undefined) return undefined;
  const oids = seq(t, 'ExtKeyUsageSyntax').map((o) => decodeOid(o, 'KeyPurposeId'));
  if (oids.length === 0) throw new DerError('ExtKeyUsageSyntax is empty');
  return oids;
}

export function subjectKeyId(cert: Certificate): Uint8Array | undefined {
  const t = extensionTlv(cert, OID.subjectKeyIdentifier);
  return t === undefined ? undefined : valueOf(expectTag(t, TAG.OCTET_STRING, 'SubjectKeyIdentifier'));
}

export function authorityKeyId(cert: Certificate): Uint8Array | undefined {
  const t = extensionTlv(cert, OID.authorityKeyIdentifier);
  if (t === undefined) return undefined;
  const keyId = seq(t, 'AuthorityKeyIdentifier').find((p) => p.tag === ctx(0, false));
  return keyId === undefined ? undefined : valueOf(keyId);
}

// Successful certificate signature checks, keyed by SHA-256 of (certificate, issuer key): the same
// TSA certificate under the same CA comes with every token. Bounded; only positive results are kept.
const SIGNED_CACHE_MAX = 256;
const signedCache = new Set<string>();

/** Did `issuer`'s key sign `cert`? False on a bad signature or an unsupported algorithm. */
export function isSignedBy(cert: Certificate, issuer: Certificate): boolean {
  const id = toHex(sha256(cert.der, Uint8Array.of(0), issuer.spki));
  if (signedCache.has(id)) return true;
  let ok: boolean;
  try {
    ok = verifySignature(cert.signatureAlgorithm, issuer.spki, cert.tbs, cert.signature);
  } catch {
    return false;
  }
  if (ok) {
    if (signedCache.size >= SIGNED_CACHE_MAX) signedCache.delete(signedCache.values().next().value!);
    signedCache.add(id);
  }
  return ok;
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** Attribute values of a Name, in encoded order: [[type OID, text], ...]. */
export function nameAttributes(name: Uint8Array): [string, string][] {
  const out: [string, string][] = [];
  for (const rdn of seq(parseDer(name), 'Name')) {
    for (const atv of seq(rdn, 'RelativeDistinguishedName', TAG.SET)) {
      const [typeT, valueT, ...x] = seq(atv, 'AttributeTypeAndValue');
      if (x.length > 0 || valueT === undefined) throw new DerError('malformed AttributeTypeAndValue');
      out.push([decodeOid(typeT, 'AttributeType'), decodeDirectoryString(valueT)]);
    }
  }
  return out;
}

/** "O=Example, CN=Example TSA" in encoded order (as openssl prints it); for messages and labels only. */
export function nameToString(name: Uint8Array): string {
  return nameAttributes(name)
    .map(([t, v]) => `${SHORT_NAMES[t] ?? t}=${v}`)
    .join(', ');
}

export function commonName(name: Uint8Array): string | undefined {
  return nameAttributes(name).find(([t]) => t === OID.commonName)?.[1];
}

function decodeDirectoryString(t: Tlv): string {
  const v = valueOf(t);
  switch (t.tag) {
    case TAG.UTF8_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.IA5_STRING:
      return new TextDecoder('utf-8').decode(v);
    case TAG.T61_STRING:
      return new TextDecoder('latin1').decode(v);
    case TAG.BMP_STRING:
    case TAG.UNIVERSAL_STRING: {
      // UCS-2 / UCS-4 big-endian; anything out of range becomes U+FFFD rather than throwing.
      const w = t.tag === TAG.BMP_STRING ? 2 : 4;
      let s = '';
      for (let i = 0; i + w <= v.length; i += w) {
        let cp = 0;
        for (let j = 0; j < w; j++) cp = cp * 256 + v[i + j]!;
        s += cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
      }
      return s;
    }
    default:
      return `#${Buffer.from(v).toString('hex')}`;
  }
}
