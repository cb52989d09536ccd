// Atomic file replacement: write a temp file in the same directory, fsync it, rename it over the
// final name. A reader (or a static web server) sees the old file or the new one, never a part of
// either, and a crash or SIGKILL leaves at most a stray `.<name>.tmp-…` file.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Marks temp files of writeFileAtomic (and lets a cleanup recognise them). */
export const TEMP_MARK = '.tmp-';

export function writeFileAtomic(path: string, bytes: Uint8Array, options: { fsync?: boolean } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
    if (options.fsync !== false) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
