// C2SP tlog-tiles (c2sp.org/tlog-tiles): resource paths, entry bundles, which tiles a tree or a
// proof needs, proofs rebuilt from tile bytes, and the verifier of a remotely served log.
export { MAX_TILE_LEVEL, encodeTileIndex, entriesPath, parseLogPath, tilePath, type BundleRef, type LogResource, type TileRef } from './path.js';
export { MAX_BUNDLE_BYTES, MAX_BUNDLE_ENTRY, encodeEntryBundle, parseEntryBundle } from './bundle.js';
export { bundlesBetween, tileLevels, tilesBetween, tileWidth } from './layout.js';
export {
  TileTree,
  consistencyTiles,
  inclusionTiles,
  locateNode,
  planTiles,
  rootTiles,
  verifyConsistencyByTiles,
  verifyInclusionByTiles,
  verifyRootByTiles,
  type TileFetch,
} from './proof.js';
export { CompactRange } from './range.js';
export {
  DEFAULT_SCAN_LIMIT,
  verifyTiledLog,
  type RemoteCheck,
  type RemoteReport,
  type RemoteTarget,
  type RemoteVerifyOptions,
  type TiledLogSource,
} from './remote.js';
