// Public library API (package.json "." export; DESIGN.md §4). Each concern adds its entry points here.
export { RemembrancerError, VerificationError, InputError, isRemembrancerError } from './errors.js';
export type { ErrorCode, InputCode, VerificationCode } from './errors.js';

// Merkle log (RFC 9162): hashing, proof verification, proof planning, tiles.
export {
  EMPTY_ROOT,
  HASH_SIZE,
  leafHash,
  hashChildren,
  rootFromLeafHashes,
  rootFromInclusionProof,
  rootFromConsistencyProof,
  verifyInclusion,
  verifyConsistency,
  planInclusion,
  planConsistency,
  planRoot,
  planNodes,
  rehash,
  appendNodes,
  MerkleLog,
} from './merkle/index.js';
export type {
  InclusionProofInput,
  InclusionVerifyInput,
  ConsistencyProofInput,
  ConsistencyVerifyInput,
  NodeId,
  NodeHash,
  ProofPlan,
} from './merkle/index.js';
export type { LogReader, LogWriter, AppendResult } from './store.js';

// Canonical bytes (RFC 8785 JCS): the only bytes that are hashed or signed.
export { canonicalBytes } from './canonical.js';

// Checkpoints (C2SP tlog-checkpoint signed notes).
export { parseCheckpoint, checkpointBody, verifyCheckpoint } from './checkpoint/index.js';
export type { Checkpoint, CheckpointFields, VerifiedCheckpoint, VerifyCheckpointOptions } from './checkpoint/index.js';

// Receipts, entries and offline bundles.
export { BUNDLE_MEDIA_TYPE, parseBundle, receiptId } from './receipt.js';
export type { Bundle, Entry, Receipt } from './receipt.js';

// Offline bundle verification (DESIGN §2): named checks against an explicit trust policy.
export {
  BundleVerifier,
  verifyBundle,
  verifyBundleReport,
  parseTrustMaterial,
  mergeTrust,
  formatTrustMaterial,
  CHECK_NAMES,
} from './verify/index.js';
export type {
  BundleReport,
  CheckName,
  CheckResult,
  TrustMaterial,
  TrustPolicy,
  VerifiedBundle,
  VerifiedFacts,
  VerifyBundleOptions,
} from './verify/index.js';
