// Shapes shared by the bundle verifier, its checks and its callers (cli/, mcp/, embedders).
import type { ErrorCode } from '../errors.js';

/**
 * What the verifier trusts. Trust always comes from here, never from the bundle: a bundle's
 * `publicKey`, `checkpointKey` and `tsaCertificates` can explain a failure or complete a chain,
 * but never make anything trusted.
 */
export interface TrustPolicy {
  /** Armored OpenPGP public keys whose receipt signatures are accepted. */
  receiptKeys: readonly string[];
  /** Signed-note verifier keys (`name+hexid+base64`) of the logs whose checkpoints are accepted. */
  checkpointKeys: readonly string[];
  /** PEM CA certificates: the only trust anchors for RFC 3161 tokens. */
  tsaRoots: readonly string[];
  /** Pinned TSA policy OID (dotted); tokens under another policy fail TSA_POLICY. */
  tsaPolicy?: string;
  /** Accept a bundle without a token (the timestamp check then passes, saying so). Default false. */
  allowMissingTimestamp?: boolean;
  /** Refuse tokens whose chain ends in an embedded dev TSA CA (TSA_UNTRUSTED). Default false. */
  requireTrustedTsa?: boolean;
  /** Reference clock for the token's genTime (not later than now + 5 min). Default: the current time. */
  now?: Date;
}

/** The checks, in the order they run and appear in every report. */
export const CHECK_NAMES = ['schema', 'receipt signature', 'leaf hash', 'checkpoint signature', 'inclusion proof', 'timestamp'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One named check's outcome. A check that could not run is `ok: false` ("not checked: …"), never absent. */
export interface CheckResult {
  name: CheckName;
  ok: boolean;
  /** What was verified (ids, sizes, keys, genTime), or why it failed. */
  detail: string;
  /** The failure's error code (a VerificationCode, or INTERNAL for a bug). */
  code?: ErrorCode;
  /** How to fix the failure, when there is an obvious fix (e.g. "pass --trust-key"). */
  hint?: string;
}

export interface VerifyBundleOptions {
  /** The receipt id the caller expects (64 hex); a different id fails the "leaf hash" check with LEAF_HASH. */
  expectedId?: string;
}

/** Facts established by the checks that passed; each is present only once verified. */
export interface VerifiedFacts {
  /** Receipt id: lowercase hex of the entry's leaf hash. */
  id?: string;
  /** Position of the entry in the log. */
  index?: number;
  /** Size of the signed checkpoint that the inclusion proof is verified against. */
  treeSize?: number;
  /** Log origin (checkpoint origin line = receipt origin). */
  origin?: string;
  /** Primary fingerprint of the trusted OpenPGP key that signed the receipt. */
  signer?: string;
  /** `name+hexid` of the trusted checkpoint key whose signature verified. */
  checkpointKey?: string;
  /** The token's genTime (RFC 3339). */
  genTime?: string;
  /** The TSA signer's subject name. */
  tsaName?: string;
  /** The token chains to an embedded dev TSA CA. */
  devTsa?: boolean;
}

/** The report form: every check, in CHECK_NAMES order, and `ok` only when all of them passed. */
export interface BundleReport extends VerifiedFacts {
  ok: boolean;
  checks: CheckResult[];
}

/** What verifyBundle returns when every check passed. */
export interface VerifiedBundle extends Required<Omit<VerifiedFacts, 'genTime' | 'tsaName' | 'devTsa'>> {
  /** Absent only when the token was missing and the policy allowed that. */
  genTime?: string;
  tsaName?: string;
  devTsa?: boolean;
  checks: CheckResult[];
}
