// TimeStampReq (RFC 3161 §2.4.1): built by our client, parsed by our dev TSA.
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';
import { hashFromAlgorithm, type AlgorithmId } from './algorithms.js';
import {
  DerError,
  TAG,
  assertDerTree,
  ctx,
  decodeBoolean,
  decodeInteger,
  decodeOid,
  decodeSmallInt,
  enc,
  parseDer,
  rawOf,
  seq,
} from './der.js';
import { OID } from './oids.js';
import { decodeMessageImprint } from './token.js';

export interface TimestampRequestOptions {
  /** SHA-256 of the checkpoint body (DESIGN §1): the value to be time-stamped. */
  digest: Uint8Array;
  /** Replay protection (RFC 3161 §2.4.1); a random positive 64-bit value when omitted. */
  nonce?: bigint;
  /** Ask the TSA to include its certificate (default true; our verifier needs it or extraCerts). */
  certReq?: boolean;
  /** TSA policy OID to request. */
  policy?: string;
}

export interface TimestampRequest {
  der: Uint8Array;
  nonce: bigint;
}

/** Random positive 64-bit nonce. */
export function randomNonce(): bigint {
  let n = 0n;
  for (const b of randomBytes(8)) n = (n << 8n) | BigInt(b);
  return n === 0n ? 1n : n;
}

export function createTimestampRequest(opts: TimestampRequestOptions): TimestampRequest {
  if (opts.digest.length !== 32) throw new InputError('BAD_INPUT', `digest is ${opts.digest.length} bytes, want a 32-byte SHA-256`);
  const nonce = opts.nonce ?? randomNonce();
  if (nonce < 0n) throw new InputError('BAD_INPUT', 'nonce must be non-negative');
  const parts = [enc.int(1), enc.seq(enc.seq(enc.oid(OID.sha256)), enc.octets(opts.digest))];
  if (opts.policy !== undefined) parts.push(oidOrThrow(opts.policy));
  parts.push(enc.int(nonce));
  // certReq is BOOLEAN DEFAULT FALSE: DER omits it when false.
  if (opts.certReq ?? true) parts.push(enc.bool(true));
  return { der: enc.seq(...parts), nonce };
}

function oidOrThrow(policy: string): Uint8Array {
  try {
    return enc.oid(policy);
  } catch {
    throw new InputError('BAD_INPUT', `policy ${JSON.stringify(policy)} is not a dotted OID`);
  }
}

export interface ParsedTimestampRequest {
  /** The messageImprint as sent; a TSA copies it into TSTInfo unchanged. */
  hashAlgorithm: AlgorithmId;
  hashedMessage: Uint8Array;
  /** Encoded messageImprint, byte for byte. */
  messageImprint: Uint8Array;
  policy?: string;
  nonce?: bigint;
  certReq: boolean;
  hasExtensions: boolean;
}

/** RFC 3161 §2.4.2 PKIFailureInfo bit numbers. */
export const FAIL_INFO = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
export type FailInfoName = keyof typeof FAIL_INFO;

/** A request we refuse, with the RFC 3161 failure reason to answer with. */
export class TimestampRequestError extends InputError {
  readonly failInfo: FailInfoName;
  constructor(failInfo: FailInfoName, message: string) {
    super('BAD_INPUT', message);
    this.failInfo = failInfo;
  }
}

/**
 * Decodes a TimeStampReq sent to our TSA (hostile input). Throws TimestampRequestError with
 * failInfo badDataFormat when it does not parse, badAlg for a hash we do not accept.
 */
export function parseTimestampRequest(der: Uint8Array): ParsedTimestampRequest {
  try {
    const root = parseDer(der);
    assertDerTree(root);
    const f = seq(root, 'TimeStampReq');
    let i = 0;
    const version = decodeSmallInt(f[i++], 'version');
    if (version !== 1) throw new DerError(`version is ${version}, want 1`);
    const imprintT = f[i++];
    const imprint = decodeMessageImprint(imprintT);
    const out: ParsedTimestampRequest = {
      hashAlgorithm: imprint.algorithm,
      hashedMessage: imprint.hash,
      messageImprint: rawOf(imprintT!),
      certReq: false,
      hasExtensions: false,
    };
    if (f[i]?.tag === TAG.OID) out.policy = decodeOid(f[i++], 'reqPolicy');
    if (f[i]?.tag === TAG.INTEGER) out.nonce = decodeInteger(f[i++], 'nonce');
    if (f[i]?.tag === TAG.BOOLEAN) out.certReq = decodeBoolean(f[i++], 'certReq');
    if (f[i]?.tag === ctx(0, true)) {
      out.hasExtensions = true;
      i++;
    }
    if (i !== f.length) throw new DerError('TimeStampReq has extra or misordered fields');
    const h = hashFromAlgorithm(out.hashAlgorithm);
    if (h === undefined || h.name === 'sha1')
      throw new TimestampRequestError('badAlg', `hash algorithm ${out.hashAlgorithm.oid} is not accepted (use SHA-256, SHA-384 or SHA-512)`);
    if (out.hashedMessage.length !== h.size)
      throw new TimestampRequestError('badDataFormat', `hashed message is ${out.hashedMessage.length} bytes, want ${h.size} for ${h.name}`);
    return out;
  } catch (e) {
    if (e instanceof TimestampRequestError) throw e;
    if (e instanceof DerError) throw new TimestampRequestError('badDataFormat', `TimeStampReq does not parse: ${e.message}`);
    throw e;
  }
}
