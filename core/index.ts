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
