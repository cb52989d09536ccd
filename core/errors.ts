// One error shape, many codes (modelled on sigstore-js verify/error.ts).
// VerificationError means "the evidence is wrong" and maps to exit 1; every other
// RemembrancerError means "we could not read / use the input" and maps to exit 2.
// The mapping to exit codes and wire errors happens once, at the edges (cli/, mcp/).

export type VerificationCode =
  // Merkle proofs (core/merkle), named after the transparency-dev/merkle checks.
  | 'INCLUSION_PROOF' // malformed inclusion proof (index >= size, wrong length, hash sizes)
  | 'CONSISTENCY_PROOF' // malformed consistency proof (size1 > size2, non-empty where empty required, wrong length)
  | 'ROOT_MISMATCH' // a proof was well-formed but computed a different root
  | 'LEAF_HASH' // the entry does not hash to the claimed leaf / receipt id
  // Signatures and notes
  | 'RECEIPT_SIGNATURE'
  | 'UNTRUSTED_KEY'
  | 'CHECKPOINT_FORMAT'
  | 'CHECKPOINT_SIGNATURE'
  | 'CHECKPOINT_KEY'
  | 'CHECKPOINT_ORIGIN'
  // RFC 3161
  | 'TSA_TOKEN' // token does not parse / structurally invalid
  | 'TSA_STATUS'
  | 'TSA_IMPRINT'
  | 'TSA_NONCE'
  | 'TSA_SIGNATURE'
  | 'TSA_CHAIN'
  | 'TSA_EKU'
  | 'TSA_ESS'
  | 'TSA_TIME'
  | 'TSA_POLICY'
  | 'TSA_UNTRUSTED' // e.g. a dev-TSA token under --require-trusted-tsa
  | 'TSA_MISSING'
  // Bundles and whole-log audit
  | 'BUNDLE_SCHEMA'
  | 'RECEIPT_SCHEMA'
  | 'LOG_FSCK'
  | 'LOG_GAP'
  | 'NOT_FOUND_IN_LOG'
  // Tiled logs (C2SP tlog-tiles, core/tiles)
  | 'TILE_FORMAT' // a tile or entry bundle does not have the shape its path and the checkpoint imply
  | 'CHECKPOINT_ROLLBACK'; // a checkpoint is smaller than one already verified for the same origin

export type InputCode =
  | 'USAGE'
  | 'BAD_INPUT'
  | 'NOT_JSON' // canonicalBytes got a value JSON cannot represent, or text that is not JSON
  | 'UNKNOWN_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'IO'
  | 'STORE_LOCKED'
  | 'STORE_CORRUPT'
  | 'STORE_VERSION'
  | 'NOT_INITIALISED'
  | 'CONFIG'
  | 'BUSY'
  | 'TSA_UNAVAILABLE'
  | 'INTERNAL';

export type ErrorCode = VerificationCode | InputCode;

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class RemembrancerError<C extends string = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string | undefined;

  constructor(code: C, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** The evidence failed a check. Exit 1. */
export class VerificationError extends RemembrancerError<VerificationCode> {}

/** The input could not be read or used (usage, I/O, not JSON, locked store...). Exit 2. */
export class InputError extends RemembrancerError<InputCode> {}

export function isRemembrancerError(e: unknown): e is RemembrancerError<string> {
  return e instanceof RemembrancerError;
}
