// Certificates for a node's embedded dev TSA, built in-process with pkijs from given WebCrypto key
// pairs (no openssl at runtime). Pure: keys, origin, time and serials come from the caller.
//
//   CA:     CN = Remembrancer dev TSA CA (<origin>); cA, keyCertSign + cRLSign (both critical)
//   signer: CN = Remembrancer dev TSA (<origin>); critical EKU id-kp-timeStamping only (RFC 3161 §2.3),
//           critical keyUsage digitalSignature, not a CA
import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { devTsaCaCommonName, devTsaSignerCommonName } from './dev.js';
import { enc } from './der.js';
import { ensurePkijsEngine } from './engine.js';
import { OID } from './oids.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export interface DevTsaCertificateOptions {
  origin: string;
  caKeys: CryptoKeyPair;
  tsaKeys: CryptoKeyPair;
  /** Start of validity (default: now); certificates start an hour earlier to absorb clock skew. */
  now?: Date;
  caYears?: number;
  tsaYears?: number;
  /** Positive serial numbers; random when omitted. */
  caSerial?: Uint8Array;
  tsaSerial?: Uint8Array;
}

export interface DevTsaCertificates {
  caCert: Uint8Array;
  tsaCert: Uint8Array;
}

/** Builds the dev CA (self-signed) and the TSA signer certificate it issues. */
export async function createDevTsaCertificates(opts: DevTsaCertificateOptions): Promise<DevTsaCertificates> {
  const caCert = await createDevCaCertificate(opts.origin, opts.caKeys, opts.now, opts.caYears ?? 30, opts.caSerial);
  const tsaCert = await createDevTsaSignerCertificate({
    origin: opts.origin,
    caCert,
    caPrivateKey: opts.caKeys.privateKey,
    tsaPublicKey: opts.tsaKeys.publicKey,
    ...(opts.now ? { now: opts.now } : {}),
    years: opts.tsaYears ?? 20,
    ...(opts.tsaSerial ? { serial: opts.tsaSerial } : {}),
  });
  return { caCert, tsaCert };
}

export async function createDevCaCertificate(
  origin: string,
  keys: CryptoKeyPair,
  now = new Date(),
  years = 30,
  serial?: Uint8Array,
): Promise<Uint8Array> {
  ensurePkijsEngine();
  const cert = await baseCertificate(devTsaCaCommonName(origin), keys.publicKey, now, years, serial);
  cert.issuer = devName(devTsaCaCommonName(origin));
  const ski = keyId(cert);
  cert.extensions = [
    ext(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true }).toSchema()),
    ext(OID.keyUsage, true, keyUsageBits([5, 6])), // keyCertSign, cRLSign
    ext(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: ski })),
  ];
  await cert.sign(keys.privateKey, 'SHA-256');
  return new Uint8Array(cert.toSchema(true).toBER(false));
}

export interface DevTsaSignerOptions {
  origin: string;
  caCert: Uint8Array;
  caPrivateKey: webcrypto.CryptoKey;
  tsaPublicKey: webcrypto.CryptoKey;
  now?: Date;
  years?: number;
  serial?: Uint8Array;
}

/** A TSA signer certificate issued by an existing dev CA (also used to re-issue an expired one). */
export async function createDevTsaSignerCertificate(o: DevTsaSignerOptions): Promise<Uint8Array> {
  ensurePkijsEngine();
  const ca = pkijs.Certificate.fromBER(o.caCert);
  const cert = await baseCertificate(devTsaSignerCommonName(o.origin), o.tsaPublicKey, o.now ?? new Date(), o.years ?? 20, o.serial);
  cert.issuer = ca.subject;
  const caKeyId = keyId(ca);
  cert.extensions = [
    ext(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    ext(OID.keyUsage, true, keyUsageBits([0])), // digitalSignature
    ext(OID.extKeyUsage, true, new pkijs.ExtKeyUsage({ keyPurposes: [OID.kpTimeStamping] }).toSchema()),
    ext(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyId(cert) })),
    ext(
      OID.authorityKeyIdentifier,
      false,
      new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: caKeyId }) }).toSchema(),
    ),
  ];
  await cert.sign(o.caPrivateKey, 'SHA-256');
  return new Uint8Array(cert.toSchema(true).toBER(false));
}

async function baseCertificate(cn: string, publicKey: webcrypto.CryptoKey, now: Date, years: number, serial?: Uint8Array): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const sn = serial ?? randomSerial();
  cert.serialNumber = new asn1js.Integer({ valueHex: sn });
  cert.subject = devName(cn);
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime after; whole seconds.
  const start = new Date(Math.floor(now.getTime() / 1000) * 1000 - 3600_000);
  const end = new Date(start);
  end.setUTCFullYear(end.getUTCFullYear() + years);
  cert.notBefore = time(start);
  cert.notAfter = time(end);
  await cert.subjectPublicKeyInfo.importKey(publicKey as unknown as Parameters<pkijs.PublicKeyInfo['importKey']>[0]);
  return cert;
}

function time(d: Date): pkijs.Time {
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });
}

/** O=Remembrancer dev TSA, CN=<cn>: one attribute per RDN (pkijs would put both into one SET). */
function devName(cn: string): pkijs.RelativeDistinguishedNames {
  const rdn = (oid: string, v: string): Uint8Array => enc.setOf(enc.seq(enc.oid(oid), enc.utf8(v)));
  return pkijs.RelativeDistinguishedNames.fromBER(enc.seq(rdn('2.5.4.10', 'Remembrancer dev TSA'), rdn(OID.commonName, cn)));
}

function ext(id: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID: id, critical, extnValue: value.toBER(false) });
}

/** Named-bit KeyUsage BIT STRING (DER: trailing zero bits dropped). */
function keyUsageBits(bits: number[]): asn1js.BitString {
  const max = Math.max(...bits);
  const bytes = new Uint8Array((max >> 3) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (max & 7) });
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
function keyId(cert: pkijs.Certificate): ArrayBuffer {
  const bits = cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  const h = createHash('sha1').update(bits).digest();
  return h.buffer.slice(h.byteOffset, h.byteOffset + h.byteLength);
}

function randomSerial(): Uint8Array {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0]! & 0x7f) | 0x01; // positive, and no leading zero octet
  return b;
}
