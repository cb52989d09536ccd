// Issuing RFC 3161 tokens from given key material: the embedded "dev TSA" and `tsa serve`.
// Pure: the caller supplies key, certificates, serial number and time.
//
// The token is SignedData (RFC 5652 §5) over TSTInfo (RFC 3161 §2.4.2), signed attributes
// content-type, message-digest and SigningCertificateV2 (RFC 5035, ESSCertIDv2 with SHA-256 and
// issuerSerial), signed with ECDSA P-256/SHA-256 (or P-384/SHA-384, or RSA PKCS#1 v1.5/SHA-256).
import { KeyObject, createPrivateKey, createPublicKey, type webcrypto } from 'node:crypto';
import { bytesEqual } from '../bytes.js';
import { InputError } from '../errors.js';
import { digest, signWith, signingSchemeFor, type SigningScheme } from './algorithms.js';
import { parseCertificate, type Certificate } from './cert.js';
import { enc } from './der.js';
import { OID } from './oids.js';
import { parsePemCertificates } from './pem.js';
import { TimestampRequestError, parseTimestampRequest, type FailInfoName, type ParsedTimestampRequest } from './request.js';
import { encodeGrantedResponse, encodeRejection } from './response.js';
import type { CertificateInput } from './verify.js';

/** A private key: node KeyObject, WebCrypto CryptoKey, PKCS#8 DER, or PKCS#8/SEC1/PKCS#1 PEM text. */
export type PrivateKeyInput = KeyObject | webcrypto.CryptoKey | Uint8Array | string;

export interface TsaSigningMaterial {
  signerKey: PrivateKeyInput;
  /** The TSA certificate (critical EKU id-kp-timeStamping), PEM or DER. */
  signerCert: CertificateInput;
  /** CA certificates above the signer, leaf-most first (returned with tokens; in the token only with includeChain). */
  chain?: CertificateInput[];
  /** TSA policy OID written into every TSTInfo. */
  policy: string;
  /**
   * Also put the chain into the token's certificate set. Default false: the token carries just the
   * signer certificate, which RFC 3161 §2.4.1 requires for certReq, and the chain travels beside it
   * (the bundle's tsaCertificates).
   */
  includeChain?: boolean;
}

export interface IssueParams {
  /** Unique per token (RFC 3161 §2.4.2), positive, at most 160 bits. */
  serial: bigint;
  genTime: Date;
}

/** What to stamp: a request as received, or a SHA-256 digest (and nonce) directly. */
export type StampInput =
  | { request: Uint8Array | ParsedTimestampRequest }
  | { digest: Uint8Array; nonce?: bigint; certReq?: boolean };

export interface TsaSigner {
  readonly policy: string;
  /** The signer certificate then the chain, DER: what a bundle's tsaCertificates holds. */
  readonly certificates: Uint8Array[];
  /** A granted TimeStampResp (DER). Throws TimestampRequestError for a request we refuse. */
  issue(input: StampInput, params: IssueParams): Uint8Array;
  /** Always a TimeStampResp: granted, or a rejection with its RFC 3161 failure reason. */
  answer(requestDer: Uint8Array, params: IssueParams): { der: Uint8Array; granted: boolean; failInfo?: FailInfoName; message?: string };
}

/** Validates the material once (key matches certificate, algorithms supported) and returns a signer. */
export function createTsaSigner(material: TsaSigningMaterial): TsaSigner {
  const key = toPrivateKey(material.signerKey);
  const certDer = oneCert(material.signerCert, 'signerCert');
  let cert: Certificate;
  try {
    cert = parseCertificate(certDer);
  } catch (e) {
    throw new InputError('BAD_INPUT', `signerCert does not parse: ${(e as Error).message}`);
  }
  const pub = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }));
  if (!bytesEqual(pub, cert.spki)) throw new InputError('BAD_INPUT', 'signerKey does not match the public key of signerCert');
  let scheme: SigningScheme;
  try {
    scheme = signingSchemeFor(key);
  } catch (e) {
    throw new InputError('BAD_INPUT', (e as Error).message);
  }
  try {
    enc.oid(material.policy);
  } catch {
    throw new InputError('BAD_INPUT', `policy ${JSON.stringify(material.policy)} is not a dotted OID`);
  }
  const chain = (material.chain ?? []).map((c, i) => oneCert(c, `chain[${i}]`));
  const tokenCerts = material.includeChain ? [certDer, ...chain] : [certDer];

  // SigningCertificateV2 (RFC 5035 §3): ESSCertIDv2 { certHash SHA-256 (the DEFAULT, so omitted), issuerSerial }.
  const issuerSerial = enc.seq(enc.seq(enc.ctx(4, cert.issuer)), enc.intRaw(cert.serial));
  const essAttr = enc.seq(
    enc.oid(OID.signingCertificateV2),
    enc.setOf(enc.seq(enc.seq(enc.seq(enc.octets(digest('sha256', certDer)), issuerSerial)))),
  );
  const sid = enc.seq(cert.issuer, enc.intRaw(cert.serial));

  const issue = (input: StampInput, params: IssueParams): Uint8Array => {
    if (params.serial <= 0n || params.serial >= 1n << 160n) throw new InputError('BAD_INPUT', 'serial must be positive and at most 160 bits');
    let imprint: Uint8Array;
    let nonce: bigint | undefined;
    let certReq: boolean;
    if ('request' in input) {
      const req = input.request instanceof Uint8Array ? parseTimestampRequest(input.request) : input.request;
      if (req.policy !== undefined && req.policy !== material.policy)
        throw new TimestampRequestError('unacceptedPolicy', `policy ${req.policy} is not offered (this TSA uses ${material.policy})`);
      if (req.hasExtensions) throw new TimestampRequestError('unacceptedExtension', 'request extensions are not supported');
      imprint = req.messageImprint;
      nonce = req.nonce;
      certReq = req.certReq;
    } else {
      if (input.digest.length !== 32) throw new InputError('BAD_INPUT', `digest is ${input.digest.length} bytes, want 32 (SHA-256)`);
      imprint = enc.seq(enc.seq(enc.oid(OID.sha256)), enc.octets(input.digest));
      nonce = input.nonce;
      certReq = input.certReq ?? true;
    }
    const tst = enc.seq(
      enc.int(1),
      enc.oid(material.policy),
      imprint,
      enc.int(params.serial),
      enc.genTime(params.genTime),
      ...(nonce !== undefined ? [enc.int(nonce)] : []),
    );
    const signedAttrs = enc.setOf(
      enc.seq(enc.oid(OID.contentType), enc.setOf(enc.oid(OID.tstInfo))),
      enc.seq(enc.oid(OID.messageDigest), enc.setOf(enc.octets(digest(scheme.hash, tst)))),
      essAttr,
    );
    const signature = signWith(key, scheme, signedAttrs);
    const signerInfo = enc.seq(enc.int(1), sid, scheme.digestAlgorithm, enc.implicit(0, signedAttrs), scheme.signatureAlgorithm, enc.octets(signature));
    const signedData = enc.seq(
      enc.int(3),
      enc.setOf(scheme.digestAlgorithm),
      enc.seq(enc.oid(OID.tstInfo), enc.ctx(0, enc.octets(tst))),
      // RFC 3161 §2.4.1: certificates present only when the request asked for them.
      ...(certReq ? [enc.ctx(0, ...tokenCerts)] : []),
      enc.setOf(signerInfo),
    );
    return encodeGrantedResponse(enc.seq(enc.oid(OID.signedData), enc.ctx(0, signedData)));
  };

  return {
    policy: material.policy,
    certificates: [certDer, ...chain],
    issue,
    answer(requestDer, params) {
      try {
        return { der: issue({ request: requestDer }, params), granted: true };
      } catch (e) {
        if (e instanceof TimestampRequestError) return { der: encodeRejection(e.failInfo, e.message), granted: false, failInfo: e.failInfo, message: e.message };
        throw e;
      }
    },
  };
}

/** One-shot form of createTsaSigner(...).issue(...): a granted TimeStampResp (DER). */
export function issueTimestampToken(opts: TsaSigningMaterial & IssueParams & StampInput): Uint8Array {
  return createTsaSigner(opts).issue(opts, { serial: opts.serial, genTime: opts.genTime });
}

function toPrivateKey(k: PrivateKeyInput): KeyObject {
  try {
    if (k instanceof KeyObject) return k;
    if (typeof k === 'string') return createPrivateKey(k);
    if (k instanceof Uint8Array) return createPrivateKey({ key: Buffer.from(k), format: 'der', type: 'pkcs8' });
    return KeyObject.from(k);
  } catch (e) {
    throw new InputError('BAD_INPUT', `signerKey is not a usable private key: ${(e as Error).message}`);
  }
}

function oneCert(c: CertificateInput, what: string): Uint8Array {
  if (c instanceof Uint8Array) return c;
  const ders = parsePemCertificates(c);
  if (ders === undefined || ders.length !== 1) throw new InputError('BAD_INPUT', `${what} must be exactly one PEM certificate`);
  return ders[0]!;
}
