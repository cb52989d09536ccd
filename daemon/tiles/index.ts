// The log as C2SP tlog-tiles: served over HTTP, exported as files, verified remotely.
export { createTilesHandler, type TilesHandler, type TilesHandlerOptions } from './handler.js';
export { exportTiles, type ExportOptions, type ExportResult } from './export.js';
export { HttpTileSource, type FetchStats, type HttpTileSourceOptions } from './client.js';
export { storeTilesSource, type TilesSource } from './source.js';
export { loadRemoteCheckpoint, remoteCheckpointPath, saveConflictEvidence, saveRemoteCheckpoint } from './state.js';
export { writeFileAtomic } from './files.js';
