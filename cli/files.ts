// Streaming file hashing for `record --file` / `--evidence` / `verify --artifact`: constant memory,
// so multi-GB artifacts are fine.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../core/errors.js';

export interface FileDigest {
  name: string;
  sha256: string;
  size: number;
}

export async function sha256File(path: string): Promise<FileDigest> {
  const h = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer;
      size += b.length;
      h.update(b);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError('IO', `cannot read ${path}: ${err.code ?? err.message}`, {
      hint: err.code === 'ENOENT' ? 'check the file path' : 'check the file permissions',
      cause: e,
    });
  }
  return { name: basename(path), sha256: h.digest('hex'), size };
}
