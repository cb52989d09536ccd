// One writer per log, across processes. The lock is a separate SQLite file, `<db>.lock`, written
// once under `PRAGMA locking_mode=EXCLUSIVE`: SQLite then keeps its OS file lock (POSIX fcntl)
// until the connection closes, and the kernel drops it when the process dies, so a SIGKILLed
// writer never leaves a stale lock. SQLite also arbitrates between connections of one process.
// The log database itself stays in WAL mode, so read-only opens work while a writer holds this.
import Database from 'better-sqlite3';
import { InputError } from '../../core/errors.js';

export class WriteLock {
  readonly path: string;
  #db: Database.Database | undefined;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
  }

  /** Takes the write lock of the log at `dbPath`, or throws InputError STORE_LOCKED at once. */
  static acquire(dbPath: string): WriteLock {
    const path = `${dbPath}.lock`;
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (e) {
      throw new InputError('IO', `cannot open the lock file ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // BEGIN EXCLUSIVE takes the OS lock now; the write makes SQLite keep it after COMMIT.
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, new Date().toISOString());
      db.exec('COMMIT');
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code === 'SQLITE_BUSY' || (e as { code?: string }).code === 'SQLITE_LOCKED') {
        throw new InputError('STORE_LOCKED', `another process is writing to the log ${dbPath}`, {
          hint: 'stop the other remembrancer process (e.g. the daemon) or send the command through it; a crashed writer releases the lock by itself',
          cause: e,
        });
      }
      throw new InputError('IO', `cannot take the write lock ${path}: ${(e as Error).message}`, { cause: e });
    }
    return new WriteLock(path, db);
  }

  get held(): boolean {
    return this.#db !== undefined;
  }

  release(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}
