// Offline bundle verification (DESIGN §2, §4): named checks against an explicit trust policy.
export { BundleVerifier, verifyBundle, verifyBundleReport } from './verifier.js';
export { parseTrustMaterial, mergeTrust, formatTrustMaterial, MAX_TRUST_TEXT, type TrustMaterial } from './trust.js';
export {
  CHECK_NAMES,
  type BundleReport,
  type CheckName,
  type CheckResult,
  type TrustPolicy,
  type VerifiedBundle,
  type VerifiedFacts,
  type VerifyBundleOptions,
} from './types.js';
