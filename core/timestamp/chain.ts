// Certificate path building from a TSA signer to a trust anchor (a subset of RFC 5280 §6 that fits
// TSA chains: name chaining, key identifiers, signatures, CA flags, key usage, path length,
// unknown critical extensions). Validity dates are not checked here: the timestamp verifier checks
// them against genTime as its own named step (TSA_TIME).
import { bytesEqual } from '../bytes.js';
import { KEY_USAGE, authorityKeyId, basicConstraints, isSignedBy, keyUsage, nameToString, subjectKeyId, type Certificate } from './cert.js';
import { OID } from './oids.js';

/** Extensions we understand well enough to accept when marked critical (RFC 5280 §4.2). */
const KNOWN_CRITICAL = new Set<string>([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.certificatePolicies,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
]);

const MAX_PATH = 6;

export class ChainError extends Error {}

function unknownCritical(cert: Certificate): string | undefined {
  for (const [id, e] of cert.extensions) if (e.critical && !KNOWN_CRITICAL.has(id)) return id;
  return undefined;
}

function label(cert: Certificate): string {
  try {
    return `"${nameToString(cert.subject)}"`;
  } catch {
    return 'a certificate with an unreadable subject';
  }
}

/**
 * Returns the path [leaf, issuer, ..., anchor]. `pool` holds candidate intermediates (the token's
 * certificates and any extra ones); `anchors` are trusted as given (their own signatures and
 * extensions are not checked). Throws ChainError naming the last reason a candidate was refused.
 */
export function buildPath(leaf: Certificate, pool: Certificate[], anchors: Certificate[]): Certificate[] {
  const bad = unknownCritical(leaf);
  if (bad !== undefined) throw new ChainError(`signer certificate has an unsupported critical extension ${bad}`);
  if (anchors.length === 0) throw new ChainError('no trusted TSA CA certificates were given');
  let reason = `no issuer of ${label(leaf)} among ${pool.length + anchors.length} candidate certificates`;

  const extend = (path: Certificate[]): Certificate[] | undefined => {
    const cur = path[path.length - 1]!;
    if (anchors.some((a) => bytesEqual(a.der, cur.der))) return path;
    if (path.length >= MAX_PATH) {
      reason = `no trusted CA within ${MAX_PATH} certificates of the signer`;
      return undefined;
    }
    const aki = safe(() => authorityKeyId(cur));
    for (const cand of [...anchors, ...pool]) {
      if (path.some((p) => bytesEqual(p.der, cand.der))) continue;
      if (!bytesEqual(cand.subject, cur.issuer)) continue;
      const ski = safe(() => subjectKeyId(cand));
      if (aki !== undefined && ski !== undefined && !bytesEqual(aki, ski)) continue;
      const isAnchor = anchors.some((a) => bytesEqual(a.der, cand.der));
      if (!isAnchor) {
        const why = refuseIssuer(cand, path.length - 1);
        if (why !== undefined) {
          reason = why;
          continue;
        }
      }
      if (!isSignedBy(cur, cand)) {
        reason = `the signature on ${label(cur)} does not verify with the key of ${label(cand)}`;
        continue;
      }
      const found = extend([...path, cand]);
      if (found) return found;
    }
    if (path.length > 1 && !anchors.some((a) => bytesEqual(a.der, cur.der)) && bytesEqual(cur.subject, cur.issuer))
      reason = `the chain ends at ${label(cur)}, which is not a trusted TSA CA`;
    return undefined;
  };

  const path = extend([leaf]);
  if (!path) throw new ChainError(reason);
  return path;
}

/** Why `cand` cannot issue certificates with `below` intermediate CAs under it, or undefined. */
function refuseIssuer(cand: Certificate, below: number): string | undefined {
  let bc: ReturnType<typeof basicConstraints>;
  let ku: Set<number> | undefined;
  try {
    bc = basicConstraints(cand);
    ku = keyUsage(cand);
  } catch (e) {
    return `${label(cand)} has a malformed extension: ${(e as Error).message}`;
  }
  if (!bc?.ca) return `${label(cand)} is not a CA (basicConstraints cA is not set)`;
  if (ku !== undefined && !ku.has(KEY_USAGE.keyCertSign)) return `${label(cand)} lacks the keyCertSign key usage`;
  if (bc.pathLen !== undefined && below > bc.pathLen) return `${label(cand)} allows ${bc.pathLen} intermediate CAs below it, found ${below}`;
  const bad = unknownCritical(cand);
  if (bad !== undefined) return `${label(cand)} has an unsupported critical extension ${bad}`;
  return undefined;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
