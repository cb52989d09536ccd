export { openLogStore, openLogStoreReadOnly, SqliteLogReader, SqliteLogStore } from './sqlite.js';
export type { FsckResult, LogStoreOptions, StoreStats } from './sqlite.js';
export { MIGRATIONS, migrate, checkSchema, type Migration } from './migrations.js';
export { WriteLock } from './lock.js';
