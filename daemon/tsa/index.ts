// TSA I/O: the HTTP client for configured TSAs, the embedded dev TSA on disk, and `tsa serve`.
export { timestampDigest, TsaUnavailableError } from './client.js';
export type { TsaEndpoint, TimestampClientOptions, TimestampedDigest, TsaFailure, TsaFailureReason } from './client.js';
export { ensureDevTsa, loadDevTsa, devTsaPaths, DEV_TSA_POLICY } from './devtsa.js';
export type { DevTsa, DevTsaPaths, DevTsaStamp, EnsureDevTsaResult, LoadDevTsaOptions, TsaResponder } from './devtsa.js';
export { serveTsa } from './server.js';
export type { ServeTsaOptions, RunningTsa } from './server.js';
