// Check "timestamp": the bundle's RFC 3161 token time-stamps SHA-256 of the verified checkpoint's
// body (DESIGN §1) and chains to a TSA CA of the trust policy. The bundle's tsaCertificates only
// help complete the chain (they are never anchors), and when present the first must be the TSA
// signer (DESIGN §2: leaf first). Tokens from an embedded dev TSA pass, labelled "dev TSA", unless
// the policy requires a trusted TSA (TSA_UNTRUSTED).
import { bytesEqual, fromBase64, sha256 } from '../../bytes.js';
import { InputError, VerificationError } from '../../errors.js';
import { parseCertificate } from '../../timestamp/cert.js';
import { assertNotDevTsa, findDevTsaCa } from '../../timestamp/dev.js';
import { parsePemCertificates, toPemCertificate } from '../../timestamp/pem.js';
import { verifyTimestampToken, type TimestampVerification } from '../../timestamp/verify.js';

const PEM_BLOCK = /^\s*-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*-----END CERTIFICATE-----\s*$/;
const OID_TEXT = /^[0-2](?:\.(?:0|[1-9][0-9]*))+$/;

export interface TsaTrust {
  /** Trusted CA certificates, DER. */
  roots: readonly Uint8Array[];
  policy: string | undefined;
  requireTrusted: boolean;
  now: Date | undefined;
}

/** Policy TSA anchors (PEM, one or more blocks each) as DER. Throws InputError BAD_INPUT (exit 2). */
export function parseTsaRoots(pems: readonly string[]): Uint8Array[] {
  return pems.flatMap((pem, i) => {
    const ders = typeof pem === 'string' ? parsePemCertificates(pem) : undefined;
    if (ders === undefined || ders.length === 0) throw new InputError('BAD_INPUT', `trusted TSA CA ${i + 1} is not a PEM certificate`);
    for (const der of ders) {
      try {
        parseCertificate(der);
      } catch (e) {
        throw new InputError('BAD_INPUT', `trusted TSA CA ${i + 1} does not parse: ${(e as Error).message}`, { cause: e });
      }
    }
    return ders;
  });
}

/** Throws InputError BAD_INPUT for a policy OID that is not dotted decimal. */
export function checkPolicyOid(oid: string | undefined): string | undefined {
  if (oid !== undefined && !OID_TEXT.test(oid)) throw new InputError('BAD_INPUT', `TSA policy ${JSON.stringify(oid.slice(0, 80))} is not a dotted OID`);
  return oid;
}

/** No token in the bundle: a failure (TSA_MISSING) unless the policy allows it. */
export function checkMissingTimestamp(allowMissing: boolean): { detail: string } {
  if (!allowMissing) {
    throw new VerificationError('TSA_MISSING', 'bundle has no RFC 3161 timestamp for its checkpoint', {
      hint: 'produce the bundle from a log with a TSA, or pass --allow-missing-timestamp to accept it without one',
    });
  }
  return { detail: 'absent (allowed by --allow-missing-timestamp)' };
}

export function checkTimestamp(
  timestamp: string,
  tsaCertificates: readonly string[] | undefined,
  checkpointBody: Uint8Array,
  trust: TsaTrust,
): { verification: TimestampVerification; detail: string } {
  // Attacker-controlled: the token and every certificate beside it.
  const token = fromBase64(timestamp);
  if (token === undefined || token.length === 0) throw new VerificationError('TSA_TOKEN', 'timestamp is not canonical base64 DER');
  const extra = (tsaCertificates ?? []).map((pem, i) => {
    const ders = PEM_BLOCK.test(pem) ? parsePemCertificates(pem) : undefined;
    if (ders === undefined || ders.length !== 1) throw new VerificationError('TSA_CHAIN', `tsaCertificates[${i}] is not exactly one PEM certificate`);
    // Canonical text only (64-column base64, one trailing newline), as our TSA client and dev TSA
    // write it: a differently spelled copy of the same certificate is still a changed bundle.
    if (pem !== toPemCertificate(ders[0]!)) throw new VerificationError('TSA_CHAIN', `tsaCertificates[${i}] is not in canonical PEM form`);
    return ders[0]!;
  });
  let v: TimestampVerification;
  try {
    v = verifyTimestampToken(token, {
      digest: sha256(checkpointBody),
      trustedCAs: [...trust.roots],
      extraCerts: extra,
      ...(trust.policy !== undefined ? { policy: trust.policy } : {}),
      ...(trust.now !== undefined ? { now: trust.now } : {}),
    });
  } catch (e) {
    if (e instanceof VerificationError && e.code === 'TSA_CHAIN') throw explainChain(e, extra, trust);
    throw e;
  }
  if (extra.length > 0 && !bytesEqual(extra[0]!, v.signerCert)) {
    throw new VerificationError('TSA_CHAIN', "tsaCertificates[0] is not the token's TSA signer certificate", {
      hint: 'a bundle lists the TSA signer certificate first, then its chain',
    });
  }
  if (trust.requireTrusted) assertNotDevTsa(v.chain);
  const by = v.devTsa ? `dev TSA "${v.tsaName}" (embedded in the log's node)` : `TSA "${v.tsaName}"`;
  return { verification: v, detail: `genTime ${v.genTime.toISOString()} by ${by}, policy ${v.policy}` };
}

function explainChain(e: VerificationError, extra: Uint8Array[], trust: TsaTrust): VerificationError {
  let hint: string;
  if (trust.roots.length === 0) hint = "no TSA CA is trusted: pass the TSA's CA certificate with --trust-key FILE";
  else if (findDevTsaCa(extra) !== undefined)
    hint = "the token is from a log's embedded dev TSA: if you trust that log, pass its CA with --trust-key FILE (`remembrancer keys export --tsa` prints it)";
  else hint = "pass the TSA's CA certificate with --trust-key FILE if you trust it";
  return new VerificationError('TSA_CHAIN', e.message, { hint, cause: e });
}
