// Verifying an RFC 3161 TimeStampToken over a checkpoint digest.
//
// The checks run in this order, each a small function that throws a VerificationError with its own
// code: TSA_TOKEN (structure), TSA_IMPRINT, TSA_NONCE, TSA_SIGNATURE, TSA_CHAIN, TSA_EKU, TSA_ESS,
// TSA_TIME, TSA_POLICY. (TSA_STATUS comes first, from verifyTimestampResponse.)
// Everything in the token, and the extra certificates that travel with it, is attacker-controlled.
// pkijs's SignedData.verify is not used: for a TSTInfo it wants the time-stamped data itself (we hold
// only its digest) and it checks neither nonce, EKU nor ESS. The token is decoded with the strict DER
// reader and the CMS signature (RFC 5652 §5.4) is checked directly with node:crypto.
import { bytesEqual, toHex } from '../bytes.js';
import { InputError, VerificationError } from '../errors.js';
import { UnsupportedAlgorithmError, digest, hashFromAlgorithm, verifySignature, type AlgorithmId } from './algorithms.js';
import { ChainError, buildPath } from './chain.js';
import {
  KEY_USAGE,
  extKeyUsage,
  keyUsage,
  nameToString,
  parseCertificate,
  subjectKeyId,
  type Certificate,
} from './cert.js';
import { DerError, TAG, childrenOf, ctx, decodeOid, expectTag, rawOf, seq, valueOf, type Tlv } from './der.js';
import { isDevTsaChain } from './dev.js';
import { OID } from './oids.js';
import { parsePemCertificates } from './pem.js';
import { assertGranted, parseTimestampResponse } from './response.js';
import { decodeToken, type Accuracy, type DecodedToken, type SignerInfo } from './token.js';

/** Certificates as PEM text (one or more blocks) or DER. */
export type CertificateInput = string | Uint8Array;

export interface VerifyTimestampOptions {
  /** SHA-256 of the checkpoint body: the expected message imprint. */
  digest: Uint8Array;
  /** The nonce we sent, when checking a fresh response; omit for stored tokens. */
  nonce?: bigint;
  /** Trust anchors: the TSA's CA certificates (policy/config). */
  trustedCAs: CertificateInput[];
  /** Further certificates that may complete the chain (e.g. a bundle's tsaCertificates). */
  extraCerts?: CertificateInput[];
  /** Pinned TSA policy OID. */
  policy?: string;
  /** Reference clock: genTime may not be later than now + 5 minutes. Default: the current time. */
  now?: Date;
}

export interface TimestampVerification {
  genTime: Date;
  policy: string;
  serial: bigint;
  nonce?: bigint;
  accuracy?: Accuracy;
  /** The TSA signer certificate, DER. */
  signerCert: Uint8Array;
  /** The signer's subject, e.g. "O=Example, CN=Example TSA". */
  tsaName: string;
  /** Verified path, leaf first, ending at the trusted CA (DER): the bundle's tsaCertificates. */
  chain: Uint8Array[];
  /** The chain ends in an embedded dev TSA CA (see dev.ts). */
  devTsa: boolean;
}

const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Verifies a TimeStampToken (ContentInfo DER). Returns what it proves, or throws VerificationError. */
export function verifyTimestampToken(token: Uint8Array, opts: VerifyTimestampOptions): TimestampVerification {
  const anchors = loadTrusted(opts.trustedCAs);
  const decoded = decodeOrThrow(token);
  const tokenCerts = parseTokenCertificates(decoded);
  const extra = loadExtra(opts.extraCerts ?? []);
  const tst = decoded.tstInfo;

  checkImprint(tst.messageImprint, opts.digest);
  checkNonce(tst.nonce, opts.nonce);
  const signer = checkSignature(decoded, tokenCerts, extra);
  const path = checkChain(signer, [...tokenCerts, ...extra], anchors);
  checkEku(signer);
  checkEss(decoded.signer, signer);
  checkTime(tst.genTime, path, opts.now ?? new Date());
  checkPolicy(tst.policy, opts.policy);

  const chain = path.map((c) => c.der);
  const out: TimestampVerification = {
    genTime: tst.genTime,
    policy: tst.policy,
    serial: tst.serial,
    signerCert: signer.der,
    tsaName: safeName(signer.subject),
    chain,
    devTsa: isDevTsaChain(chain),
  };
  if (tst.nonce !== undefined) out.nonce = tst.nonce;
  if (tst.accuracy !== undefined) out.accuracy = tst.accuracy;
  return out;
}

/** Parses a TimeStampResp, requires a granted status (TSA_STATUS), then verifies its token. */
export function verifyTimestampResponse(
  response: Uint8Array,
  opts: VerifyTimestampOptions,
): TimestampVerification & { token: Uint8Array } {
  const resp = parseTimestampResponse(response);
  assertGranted(resp);
  return { ...verifyTimestampToken(resp.token, opts), token: resp.token };
}

// --- TSA_TOKEN -------------------------------------------------------------------------------

function decodeOrThrow(token: Uint8Array): DecodedToken {
  try {
    return decodeToken(token);
  } catch (e) {
    if (e instanceof DerError) throw new VerificationError('TSA_TOKEN', `time-stamp token does not parse: ${e.message}`, { cause: e });
    throw e;
  }
}

function parseTokenCertificates(d: DecodedToken): Certificate[] {
  return d.certificates.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (e) {
      throw new VerificationError('TSA_TOKEN', `token certificate ${i} does not parse: ${(e as Error).message}`, { cause: e });
    }
  });
}

function loadTrusted(list: CertificateInput[]): Certificate[] {
  return loadCerts(list, (i, why) => new InputError('BAD_INPUT', `trusted TSA CA ${i} is not a certificate: ${why}`));
}

function loadExtra(list: CertificateInput[]): Certificate[] {
  return loadCerts(list, (i, why) => new VerificationError('TSA_CHAIN', `TSA certificate ${i} does not parse: ${why}`));
}

function loadCerts(list: CertificateInput[], fail: (i: number, why: string) => Error): Certificate[] {
  const out: Certificate[] = [];
  list.forEach((item, i) => {
    const ders = typeof item === 'string' ? parsePemCertificates(item) : [item];
    if (ders === undefined || ders.length === 0) throw fail(i, 'no valid PEM CERTIFICATE block');
    for (const der of ders) {
      try {
        out.push(parseCertificate(der));
      } catch (e) {
        throw fail(i, (e as Error).message);
      }
    }
  });
  return out;
}

// --- TSA_IMPRINT, TSA_NONCE ------------------------------------------------------------------

function checkImprint(imprint: { algorithm: AlgorithmId; hash: Uint8Array }, want: Uint8Array): void {
  const h = hashFromAlgorithm(imprint.algorithm);
  if (h?.name !== 'sha256')
    throw new VerificationError('TSA_IMPRINT', `message imprint uses hash ${imprint.algorithm.oid}, want SHA-256 (${OID.sha256})`);
  if (!bytesEqual(imprint.hash, want))
    throw new VerificationError('TSA_IMPRINT', `token time-stamps ${toHex(imprint.hash)}, want ${toHex(want)}`, {
      hint: 'the token belongs to a different checkpoint',
    });
}

function checkNonce(got: bigint | undefined, want: bigint | undefined): void {
  if (want === undefined) return;
  // RFC 3161 §2.4.2: the nonce MUST be present and equal when the request carried one.
  if (got === undefined) throw new VerificationError('TSA_NONCE', `token has no nonce, want ${want}`);
  if (got !== want) throw new VerificationError('TSA_NONCE', `token nonce is ${got}, want ${want}`);
}

// --- TSA_SIGNATURE ---------------------------------------------------------------------------

function checkSignature(d: DecodedToken, tokenCerts: Certificate[], extra: Certificate[]): Certificate {
  const si = d.signer;
  // RFC 3161 §2.4.1: with certReq the signer's certificate MUST be in the token; we only look
  // elsewhere for tokens that carry no certificates at all.
  const candidates = tokenCerts.length > 0 ? tokenCerts : extra;
  const cert = candidates.find((c) => matchesSid(c, si));
  if (cert === undefined)
    throw new VerificationError('TSA_SIGNATURE', `no ${tokenCerts.length > 0 ? 'token' : 'supplied'} certificate matches the signer identifier ${describeSid(si)}`);
  const h = hashFromAlgorithm(si.digestAlgorithm);
  if (h === undefined || h.name === 'sha1')
    throw new VerificationError('TSA_SIGNATURE', `signer digest algorithm ${si.digestAlgorithm.oid} is not accepted`);
  const md = valueOf(si.attributes.get(OID.messageDigest)![0]!);
  const computed = digest(h.name, d.eContent);
  if (!bytesEqual(md, computed))
    throw new VerificationError('TSA_SIGNATURE', `message-digest attribute is ${toHex(md)}, TSTInfo hashes to ${toHex(computed)}`);
  let ok: boolean;
  try {
    ok = verifySignature(si.signatureAlgorithm, cert.spki, si.signedAttrs, si.signature, h.name);
  } catch (e) {
    if (e instanceof UnsupportedAlgorithmError) throw new VerificationError('TSA_SIGNATURE', `cannot check the signature: ${e.message}`);
    throw e;
  }
  if (!ok) throw new VerificationError('TSA_SIGNATURE', `signature by "${safeName(cert.subject)}" over the signed attributes does not verify`);
  return cert;
}

function matchesSid(c: Certificate, si: SignerInfo): boolean {
  if ('issuer' in si.sid) return bytesEqual(c.issuer, si.sid.issuer) && bytesEqual(c.serial, si.sid.serial);
  let ski: Uint8Array | undefined;
  try {
    ski = subjectKeyId(c);
  } catch {
    return false;
  }
  // RFC 5652 §5.3 / RFC 5280 §4.2.1.2: the key identifier, by default SHA-1 of the public key bits.
  return bytesEqual(ski ?? digest('sha1', c.publicKeyBits), si.sid.keyId);
}

function describeSid(si: SignerInfo): string {
  if ('keyId' in si.sid) return `(key id ${toHex(si.sid.keyId)})`;
  return `(issuer "${safeName(si.sid.issuer)}", serial ${toHex(si.sid.serial)})`;
}

// --- TSA_CHAIN -------------------------------------------------------------------------------

function checkChain(signer: Certificate, pool: Certificate[], anchors: Certificate[]): Certificate[] {
  try {
    return buildPath(signer, pool, anchors);
  } catch (e) {
    if (e instanceof ChainError)
      throw new VerificationError('TSA_CHAIN', `TSA certificate does not chain to a trusted CA: ${e.message}`, {
        hint: 'check the [[tsa]] ca file, or the trusted TSA CAs given to verify',
      });
    throw e;
  }
}

// --- TSA_EKU ---------------------------------------------------------------------------------

function checkEku(cert: Certificate): void {
  // RFC 3161 §2.3: exactly one extended key usage, id-kp-timeStamping, and the extension MUST be critical.
  const ext = cert.extensions.get(OID.extKeyUsage);
  if (ext === undefined) throw new VerificationError('TSA_EKU', 'TSA certificate has no extended key usage; want critical id-kp-timeStamping');
  if (!ext.critical) throw new VerificationError('TSA_EKU', 'TSA certificate extended key usage is not marked critical');
  let purposes: string[] | undefined;
  let ku: Set<number> | undefined;
  try {
    purposes = extKeyUsage(cert);
    ku = keyUsage(cert);
  } catch (e) {
    throw new VerificationError('TSA_EKU', `TSA certificate usage extension does not parse: ${(e as Error).message}`);
  }
  if (purposes === undefined || purposes.length !== 1 || purposes[0] !== OID.kpTimeStamping)
    throw new VerificationError('TSA_EKU', `TSA certificate key purposes are [${purposes?.join(', ')}], want only ${OID.kpTimeStamping}`);
  // A key usage, when present, must allow signing and nothing beyond (as openssl's timestamp purpose).
  if (ku !== undefined) {
    const allowed = [KEY_USAGE.digitalSignature, KEY_USAGE.nonRepudiation] as number[];
    const bits = [...ku];
    if (bits.length === 0 || bits.some((b) => !allowed.includes(b)))
      throw new VerificationError('TSA_EKU', `TSA certificate key usage bits [${bits.join(', ')}] are not digitalSignature/nonRepudiation only`);
  }
}

// --- TSA_ESS ---------------------------------------------------------------------------------

function checkEss(si: SignerInfo, cert: Certificate): void {
  const v1 = si.attributes.get(OID.signingCertificate);
  const v2 = si.attributes.get(OID.signingCertificateV2);
  // RFC 3161 §2.4.2 (and RFC 5816): the SigningCertificate attribute identifies the TSA certificate.
  if (v1 === undefined && v2 === undefined)
    throw new VerificationError('TSA_ESS', 'token has neither a SigningCertificate nor a SigningCertificateV2 attribute');
  try {
    if (v1 !== undefined) checkEssCertId(v1, cert, false);
    if (v2 !== undefined) checkEssCertId(v2, cert, true);
  } catch (e) {
    if (e instanceof DerError) throw new VerificationError('TSA_ESS', `signing-certificate attribute does not parse: ${e.message}`);
    throw e;
  }
}

function checkEssCertId(values: Tlv[], cert: Certificate, v2: boolean): void {
  const name = v2 ? 'SigningCertificateV2' : 'SigningCertificate';
  if (values.length !== 1) throw new VerificationError('TSA_ESS', `${name} has ${values.length} values, want 1`);
  const [certsT] = seq(values[0], name);
  const first = seq(certsT, `${name}.certs`)[0];
  if (first === undefined) throw new VerificationError('TSA_ESS', `${name} lists no certificate`);
  const f = seq(first, v2 ? 'ESSCertIDv2' : 'ESSCertID');
  let i = 0;
  let hashName: 'sha1' | 'sha256' | 'sha384' | 'sha512' = 'sha1';
  if (v2) {
    hashName = 'sha256'; // RFC 5035 §4: hashAlgorithm DEFAULT id-sha256
    if (f[i]?.tag === TAG.SEQUENCE) {
      const [oidT, ...params] = childrenOf(f[i++]!);
      const h = hashFromAlgorithm({ oid: decodeOid(oidT, 'hashAlgorithm'), ...(params[0] ? { params: rawOf(params[0]) } : {}) });
      if (h === undefined) throw new VerificationError('TSA_ESS', `${name} uses an unsupported hash algorithm`);
      hashName = h.name;
    }
  }
  const certHash = valueOf(expectTag(f[i++], TAG.OCTET_STRING, 'certHash'));
  const computed = digest(hashName, cert.der);
  if (!bytesEqual(certHash, computed))
    throw new VerificationError('TSA_ESS', `${name} names certificate ${hashName} ${toHex(certHash)}, the signer is ${toHex(computed)}`);
  if (f[i] !== undefined) {
    // IssuerSerial (RFC 5035 §4): must name the signer's issuer and serial number.
    const [gnsT, serialT] = seq(f[i++], 'IssuerSerial');
    const serial = valueOf(expectTag(serialT, TAG.INTEGER, 'IssuerSerial.serialNumber'));
    const dirNames = seq(gnsT, 'GeneralNames')
      .filter((g) => g.tag === ctx(4, true))
      .map((g) => rawOf(expectTag(childrenOf(g)[0], TAG.SEQUENCE, 'directoryName')));
    if (!dirNames.some((n) => bytesEqual(n, cert.issuer)) || !bytesEqual(serial, cert.serial))
      throw new VerificationError('TSA_ESS', `${name} issuer/serial does not match the signer certificate`);
  }
  if (i !== f.length) throw new DerError(`${name} ESSCertID has extra fields`);
}

// --- TSA_TIME --------------------------------------------------------------------------------

function checkTime(genTime: Date, path: Certificate[], now: Date): void {
  path.forEach((c, i) => {
    if (genTime < c.notBefore || genTime > c.notAfter) {
      const who = i === 0 ? 'TSA signer certificate' : `issuing CA "${safeName(c.subject)}"`;
      throw new VerificationError(
        'TSA_TIME',
        `genTime ${genTime.toISOString()} is outside the ${who} validity ${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()}`,
      );
    }
  });
  if (genTime.getTime() > now.getTime() + CLOCK_SKEW_MS)
    throw new VerificationError('TSA_TIME', `genTime ${genTime.toISOString()} is in the future (now ${now.toISOString()})`);
}

// --- TSA_POLICY ------------------------------------------------------------------------------

function checkPolicy(got: string, want: string | undefined): void {
  if (want !== undefined && got !== want) throw new VerificationError('TSA_POLICY', `token policy is ${got}, want ${want}`);
}

function safeName(name: Uint8Array): string {
  try {
    return nameToString(name);
  } catch {
    return '<unreadable name>';
  }
}
