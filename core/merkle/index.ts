export { EMPTY_ROOT, HASH_SIZE, LEAF_HASH_PREFIX, NODE_HASH_PREFIX, hashChildren, leafHash, rootFromLeafHashes } from './hash.js';
export {
  rootFromConsistencyProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type ConsistencyProofInput,
  type ConsistencyVerifyInput,
  type InclusionProofInput,
  type InclusionVerifyInput,
} from './verify.js';
export {
  appendNodes,
  planConsistency,
  planInclusion,
  planNodes,
  planRoot,
  rangeNodes,
  rehash,
  type NodeHash,
  type NodeId,
  type ProofPlan,
} from './plan.js';
export {
  SLAB_BYTES,
  SLAB_OFFSETS,
  SLAB_SLOTS,
  TILE_HEIGHT,
  TILE_WIDTH,
  nodesByTile,
  rowLength,
  slabFromRow,
  slabPosition,
  tileKey,
  type SlabPosition,
  type TileId,
} from './tile.js';
export { MerkleLog } from './log.js';
