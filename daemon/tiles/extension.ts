// The daemon extension that serves the log as C2SP tlog-tiles on the HTTP listener:
// GET /checkpoint and GET /tile/… (read-only; only what the latest published checkpoint covers).
import type { DaemonContext, DaemonExtension } from '../daemon.js';
import { sendText } from '../http.js';
import { createTilesHandler } from './handler.js';
import { storeTilesSource } from './source.js';

export const tilesDaemonExtension: DaemonExtension = (ctx: DaemonContext) => {
  const tiles = createTilesHandler(storeTilesSource(ctx.service.log.store));
  const handler = async (req: Parameters<typeof tiles>[0], res: Parameters<typeof tiles>[1]) => {
    if (!(await tiles(req, res))) sendText(res, 404, 'not found\n');
  };
  ctx.router.mount('/checkpoint', handler);
  ctx.router.mount('/tile/', handler);
};
