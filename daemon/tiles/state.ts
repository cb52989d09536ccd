// The last checkpoint `verify --remote` verified for each log origin, kept under the home so the
// next run can demand consistency with it (a rolled-back or forked log then fails):
//   <home>/remote-checkpoints/<hex sha256(origin)>.json   { origin, url, note, verifiedAt }
// The file name hashes the origin because an origin is attacker-chosen text, not a safe name.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, toHex, utf8 } from '../../core/bytes.js';
import { InputError } from '../../core/errors.js';
import { writeFileAtomic } from './files.js';

export function remoteCheckpointPath(home: string, origin: string): string {
  return join(home, 'remote-checkpoints', `${toHex(sha256(utf8.encode(origin)))}.json`);
}

/** The remembered checkpoint note for `origin`, or undefined when none was verified yet. */
export function loadRemoteCheckpoint(home: string, origin: string): string | undefined {
  const path = remoteCheckpointPath(home, origin);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError('IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError('BAD_INPUT', `${path} is not JSON`, { cause: e, hint: 'delete it to trust the next checkpoint afresh (you lose rollback detection once)' });
  }
  const v = value as { origin?: unknown; note?: unknown };
  if (typeof v !== 'object' || v === null || v.origin !== origin || typeof v.note !== 'string') {
    throw new InputError('BAD_INPUT', `${path} does not hold a checkpoint for ${JSON.stringify(origin)}`, {
      hint: 'delete it to trust the next checkpoint afresh (you lose rollback detection once)',
    });
  }
  return v.note;
}

/** Remember `note` (already verified) as the latest checkpoint of `origin`. */
export function saveRemoteCheckpoint(home: string, origin: string, note: string, url: string): void {
  const path = remoteCheckpointPath(home, origin);
  mkdirSync(join(home, 'remote-checkpoints'), { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify({ origin, url, note, verifiedAt: new Date().toISOString() }, null, 2)}\n`;
  writeFileAtomic(path, utf8.encode(text));
}

/**
 * Keep two signed checkpoints of `origin` that are not consistent with each other (a rollback or a
 * fork seen by `verify --remote`): proof that the log equivocated. Returns the evidence file path.
 */
export function saveConflictEvidence(home: string, origin: string, previous: string, conflicting: string, url: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = remoteCheckpointPath(home, origin).replace(/\.json$/, `.conflict-${stamp}.json`);
  mkdirSync(join(home, 'remote-checkpoints'), { recursive: true, mode: 0o700 });
  const text = `${JSON.stringify({ origin, url, previous, conflicting, detectedAt: new Date().toISOString() }, null, 2)}\n`;
  writeFileAtomic(path, utf8.encode(text));
  return path;
}
