// Structure of a TimeStampToken (RFC 3161 §2.4.2): a CMS ContentInfo (RFC 5652 §3) holding
// SignedData (§5.1) whose encapsulated content is a TSTInfo. Decoding only; no check of meaning
// beyond what the structure itself requires. Throws DerError on anything malformed.
import { decodeAlgorithmId, type AlgorithmId } from './algorithms.js';
import {
  DerError,
  TAG,
  assertDerTree,
  childrenOf,
  ctx,
  decodeBoolean,
  decodeInteger,
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

export type SignerId = { issuer: Uint8Array; serial: Uint8Array } | { keyId: Uint8Array };

export interface SignerInfo {
  sid: SignerId;
  digestAlgorithm: AlgorithmId;
  /** The signed attributes re-tagged as SET OF: the bytes the signature covers (RFC 5652 §5.4). */
  signedAttrs: Uint8Array;
  /** Attribute type OID -> its values (each attribute type appears once). */
  attributes: Map<string, Tlv[]>;
  signatureAlgorithm: AlgorithmId;
  signature: Uint8Array;
}

export interface MessageImprint {
  algorithm: AlgorithmId;
  hash: Uint8Array;
}

export interface Accuracy {
  seconds?: number;
  millis?: number;
  micros?: number;
}

export interface TstInfo {
  policy: string;
  messageImprint: MessageImprint;
  serial: bigint;
  genTime: Date;
  accuracy?: Accuracy;
  ordering: boolean;
  nonce?: bigint;
  /** GeneralName encoding of the optional `tsa` field. */
  tsa?: Uint8Array;
}

export interface DecodedToken {
  digestAlgorithms: AlgorithmId[];
  /** The TSTInfo DER, as signed. */
  eContent: Uint8Array;
  /** Every certificate the token carries, DER. */
  certificates: Uint8Array[];
  signer: SignerInfo;
  tstInfo: TstInfo;
}

/** Decodes a TimeStampToken (ContentInfo DER). */
export function decodeToken(der: Uint8Array): DecodedToken {
  const root = parseDer(der);
  assertDerTree(root);
  return decodeTokenTlv(root);
}

export function decodeTokenTlv(root: Tlv): DecodedToken {
  const [ctT, contentT, ...cx] = seq(root, 'ContentInfo');
  if (cx.length > 0) throw new DerError('ContentInfo has extra fields');
  const contentType = decodeOid(ctT, 'ContentInfo.contentType');
  if (contentType !== OID.signedData) throw new DerError(`ContentInfo.contentType is ${contentType}, want signedData`);
  const wrapped = childrenOf(expectTag(contentT, ctx(0, true), 'ContentInfo.content'));
  if (wrapped.length !== 1) throw new DerError('ContentInfo.content must hold exactly one value');

  const sd = seq(wrapped[0], 'SignedData');
  let i = 0;
  // RFC 5652 §5.1: version 3 when eContentType is not id-data.
  const version = decodeSmallInt(sd[i++], 'SignedData.version');
  if (version !== 3) throw new DerError(`SignedData.version is ${version}, want 3`);
  const digestAlgorithms = seq(sd[i++], 'SignedData.digestAlgorithms', TAG.SET).map((a) => decodeAlgorithmId(a, 'digestAlgorithm'));

  const [eTypeT, eWrapT, ...ex] = seq(sd[i++], 'EncapsulatedContentInfo');
  if (ex.length > 0) throw new DerError('EncapsulatedContentInfo has extra fields');
  const eContentType = decodeOid(eTypeT, 'eContentType');
  if (eContentType !== OID.tstInfo) throw new DerError(`eContentType is ${eContentType}, want id-ct-TSTInfo`);
  const eWrapped = childrenOf(expectTag(eWrapT, ctx(0, true), 'eContent'));
  if (eWrapped.length !== 1) throw new DerError('eContent must hold exactly one OCTET STRING');
  const eContent = valueOf(expectTag(eWrapped[0], TAG.OCTET_STRING, 'eContent'));

  const certificates: Uint8Array[] = [];
  if (sd[i]?.tag === ctx(0, true)) {
    // CertificateSet: only plain X.509 certificates (a SEQUENCE); other CHOICEs are refused.
    for (const c of childrenOf(sd[i++]!)) certificates.push(rawOf(expectTag(c, TAG.SEQUENCE, 'certificates[]')));
  }
  if (sd[i]?.tag === ctx(1, true)) i++; // crls: not used for TSA validation here
  const signerInfos = seq(sd[i++], 'SignedData.signerInfos', TAG.SET);
  if (i !== sd.length) throw new DerError('SignedData has extra fields');
  // RFC 3161 §2.4.2: the token is signed by the TSA alone.
  if (signerInfos.length !== 1) throw new DerError(`SignedData has ${signerInfos.length} signers, want exactly 1`);
  const signer = decodeSignerInfo(signerInfos[0]!);
  if (!digestAlgorithms.some((a) => a.oid === signer.digestAlgorithm.oid))
    throw new DerError(`signer digest algorithm ${signer.digestAlgorithm.oid} is not listed in SignedData.digestAlgorithms`);

  const ctValues = signer.attributes.get(OID.contentType);
  if (ctValues === undefined || ctValues.length !== 1) throw new DerError('signed attributes need exactly one content-type value');
  const signedType = decodeOid(ctValues[0], 'content-type attribute');
  // RFC 5652 §11.1: the content-type attribute must match eContentType.
  if (signedType !== eContentType) throw new DerError(`content-type attribute ${signedType} differs from eContentType`);
  const mdValues = signer.attributes.get(OID.messageDigest);
  if (mdValues === undefined || mdValues.length !== 1) throw new DerError('signed attributes need exactly one message-digest value');
  expectTag(mdValues[0], TAG.OCTET_STRING, 'message-digest attribute');

  let tstInfo: TstInfo;
  try {
    tstInfo = decodeTstInfo(eContent);
  } catch (e) {
    throw new DerError(`TSTInfo: ${(e as Error).message}`);
  }
  return { digestAlgorithms, eContent, certificates, signer, tstInfo };
}

function decodeSignerInfo(t: Tlv): SignerInfo {
  const f = seq(t, 'SignerInfo');
  let i = 0;
  const version = decodeSmallInt(f[i++], 'SignerInfo.version');
  const sidT = f[i++];
  let sid: SignerId;
  // RFC 5652 §5.3: version 1 with issuerAndSerialNumber, version 3 with subjectKeyIdentifier.
  if (sidT?.tag === TAG.SEQUENCE) {
    if (version !== 1) throw new DerError(`SignerInfo.version is ${version} with issuerAndSerialNumber, want 1`);
    const [issuerT, serialT, ...x] = childrenOf(sidT);
    if (x.length > 0) throw new DerError('IssuerAndSerialNumber has extra fields');
    sid = {
      issuer: rawOf(expectTag(issuerT, TAG.SEQUENCE, 'sid.issuer')),
      serial: valueOf(expectTag(serialT, TAG.INTEGER, 'sid.serialNumber')),
    };
  } else if (sidT?.tag === ctx(0, false)) {
    if (version !== 3) throw new DerError(`SignerInfo.version is ${version} with subjectKeyIdentifier, want 3`);
    sid = { keyId: valueOf(sidT) };
  } else {
    throw new DerError('SignerInfo.sid is neither issuerAndSerialNumber nor subjectKeyIdentifier');
  }
  const digestAlgorithm = decodeAlgorithmId(f[i++], 'SignerInfo.digestAlgorithm');
  // RFC 3161 §2.4.2 needs the ESS signing-certificate attribute, so signed attributes are mandatory.
  const attrsT = expectTag(f[i++], ctx(0, true), 'SignerInfo.signedAttrs');
  const signedAttrs = rawOf(attrsT).slice();
  signedAttrs[0] = TAG.SET;
  const attributes = new Map<string, Tlv[]>();
  for (const a of childrenOf(attrsT)) {
    const [typeT, valuesT, ...x] = seq(a, 'Attribute');
    if (x.length > 0) throw new DerError('Attribute has extra fields');
    const type = decodeOid(typeT, 'Attribute.attrType');
    const values = seq(valuesT, `Attribute ${type} values`, TAG.SET);
    if (values.length === 0) throw new DerError(`attribute ${type} has no values`);
    if (attributes.has(type)) throw new DerError(`signed attribute ${type} appears twice`);
    attributes.set(type, values);
  }
  const signatureAlgorithm = decodeAlgorithmId(f[i++], 'SignerInfo.signatureAlgorithm');
  const signature = valueOf(expectTag(f[i++], TAG.OCTET_STRING, 'SignerInfo.signature'));
  if (f[i]?.tag === ctx(1, true)) i++; // unsignedAttrs: ignored
  if (i !== f.length) throw new DerError('SignerInfo has extra fields');
  return { sid, digestAlgorithm, signedAttrs, attributes, signatureAlgorithm, signature };
}

/** TSTInfo (RFC 3161 §2.4.2) from its DER. */
export function decodeTstInfo(der: Uint8Array): TstInfo {
  const root = parseDer(der);
  assertDerTree(root);
  const f = seq(root, 'TSTInfo');
  let i = 0;
  const version = decodeSmallInt(f[i++], 'version');
  if (version !== 1) throw new DerError(`version is ${version}, want 1`);
  const policy = decodeOid(f[i++], 'policy');
  const messageImprint = decodeMessageImprint(f[i++]);
  const serial = decodeInteger(f[i++], 'serialNumber');
  const genTimeT = expectTag(f[i++], TAG.GENERALIZED_TIME, 'genTime');
  const genTime = decodeTime(genTimeT, 'genTime');
  const out: TstInfo = { policy, messageImprint, serial, genTime, ordering: false };
  if (f[i]?.tag === TAG.SEQUENCE) out.accuracy = decodeAccuracy(f[i++]!);
  if (f[i]?.tag === TAG.BOOLEAN) out.ordering = decodeBoolean(f[i++], 'ordering');
  if (f[i]?.tag === TAG.INTEGER) out.nonce = decodeInteger(f[i++], 'nonce');
  if (f[i]?.tag === ctx(0, true)) {
    const [gn, ...x] = childrenOf(f[i++]!);
    if (gn === undefined || x.length > 0) throw new DerError('tsa must hold exactly one GeneralName');
    out.tsa = rawOf(gn);
  }
  if (f[i]?.tag === ctx(1, true)) i++; // extensions: none are defined that we act on
  if (i !== f.length) throw new DerError('TSTInfo has extra or misordered fields');
  return out;
}

export function decodeMessageImprint(t: Tlv | undefined): MessageImprint {
  const [algT, hashT, ...x] = seq(t, 'messageImprint');
  if (x.length > 0) throw new DerError('messageImprint has extra fields');
  return {
    algorithm: decodeAlgorithmId(algT, 'messageImprint.hashAlgorithm'),
    hash: valueOf(expectTag(hashT, TAG.OCTET_STRING, 'messageImprint.hashedMessage')),
  };
}

function decodeAccuracy(t: Tlv): Accuracy {
  const acc: Accuracy = {};
  for (const p of childrenOf(t)) {
    if (p.tag === TAG.INTEGER) acc.seconds = decodeSmallIntLike(p, 'accuracy.seconds');
    else if (p.tag === ctx(0, false)) acc.millis = decodeSmallIntLike(p, 'accuracy.millis');
    else if (p.tag === ctx(1, false)) acc.micros = decodeSmallIntLike(p, 'accuracy.micros');
    else throw new DerError('unexpected field in accuracy');
  }
  return acc;
}

// [n] IMPLICIT INTEGER: same content rules as INTEGER.
function decodeSmallIntLike(t: Tlv, what: string): number {
  const v = valueOf(t);
  if (v.length === 0 || v.length > 4 || v[0]! >= 0x80) throw new DerError(`${what} is out of range`);
  return v.reduce((n, b) => n * 256 + b, 0);
}
