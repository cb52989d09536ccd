// RFC 3161 over HTTP (§3.4): POST application/timestamp-query, read application/timestamp-reply.
// Every answer is hostile: the body is size-limited while it streams, and each token is fully
// verified (imprint, nonce, signature, chain, EKU, ESS, time, policy) before it is accepted.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { InputError, RemembrancerError } from '../../core/errors.js';
import { parseCertificate } from '../../core/timestamp/cert.js';
import { createTimestampRequest } from '../../core/timestamp/request.js';
import { parsePemCertificates, toPemCertificate } from '../../core/timestamp/pem.js';
import { verifyTimestampResponse } from '../../core/timestamp/verify.js';

export interface TsaEndpoint {
  url: string;
  /** The TSA's CA certificate(s), PEM text (the caller resolves config paths). */
  ca: string;
  /** Pinned policy OID: requested, and required in the token. */
  policy?: string;
}

export interface TimestampClientOptions {
  /** 'first': the first TSA (in order) that yields a valid token; 'all': every TSA must. Default 'first'. */
  require?: 'first' | 'all';
  /** Per attempt, connect to last byte. Default 10 s. */
  timeoutMs?: number;
  /** Extra attempts after a transient failure (network, timeout, 5xx, 429). Default 2. */
  retries?: number;
  /** First retry delay; doubles each time. Default 250 ms. */
  backoffMs?: number;
  /** Reading stops and the attempt fails past this many bytes. Default 256 KiB. */
  maxResponseBytes?: number;
}

export interface TimestampedDigest {
  url: string;
  /** TimeStampToken (ContentInfo DER): the bundle's `timestamp`, base64. */
  token: Uint8Array;
  /** Verified chain as PEM, leaf first: the bundle's `tsaCertificates`. */
  certificates: string[];
  genTime: Date;
  policy: string;
  serial: bigint;
  tsaName: string;
  devTsa: boolean;
}

export type TsaFailureReason = 'timeout' | 'network' | 'http-status' | 'content-type' | 'oversize' | 'verification';

export interface TsaFailure {
  url: string;
  reason: TsaFailureReason;
  /** The last error for this TSA (a VerificationError for 'verification'). */
  error: Error;
  attempts: number;
}

/** No TSA produced an acceptable token (or, with require 'all', one of them did not). */
export class TsaUnavailableError extends InputError {
  readonly failures: TsaFailure[];
  constructor(message: string, failures: TsaFailure[]) {
    super('TSA_UNAVAILABLE', message, {
      cause: failures[failures.length - 1]?.error,
      hint: 'check the [[tsa]] url and ca in config.toml and that the TSA is reachable; remove [[tsa]] to use the embedded dev TSA',
    });
    this.failures = failures;
  }
}

class AttemptError extends Error {
  constructor(
    readonly reason: TsaFailureReason,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULTS = { require: 'first', timeoutMs: 10_000, retries: 2, backoffMs: 250, maxResponseBytes: 256 * 1024 } as const;

/** Time-stamps `digest` (SHA-256 of a checkpoint body) with the configured TSAs. */
export async function timestampDigest(
  digest: Uint8Array,
  tsas: TsaEndpoint[],
  options: TimestampClientOptions = {},
): Promise<TimestampedDigest[]> {
  const opts = { ...DEFAULTS, ...options };
  if (tsas.length === 0) throw new InputError('CONFIG', 'no TSA configured');
  if (digest.length !== 32) throw new InputError('BAD_INPUT', `digest is ${digest.length} bytes, want 32 (SHA-256)`);
  for (const t of tsas) {
    const cas = parsePemCertificates(t.ca);
    if (cas === undefined || cas.length === 0) throw new InputError('CONFIG', `TSA ${t.url}: ca holds no PEM certificate`);
    for (const der of cas) {
      try {
        parseCertificate(der);
      } catch (e) {
        throw new InputError('CONFIG', `TSA ${t.url}: ca certificate does not parse: ${(e as Error).message}`);
      }
    }
  }

  if (opts.require === 'all') {
    const results = await Promise.all(tsas.map((t) => stampWithRetries(digest, t, opts)));
    const failures = results.filter((r): r is TsaFailure => 'reason' in r);
    if (failures.length > 0) throw new TsaUnavailableError(summary(`${failures.length} of ${tsas.length} TSAs failed`, failures), failures);
    return results as TimestampedDigest[];
  }
  const failures: TsaFailure[] = [];
  for (const t of tsas) {
    const r = await stampWithRetries(digest, t, opts);
    if (!('reason' in r)) return [r];
    failures.push(r);
  }
  throw new TsaUnavailableError(summary('no TSA returned a valid token', failures), failures);
}

function summary(head: string, failures: TsaFailure[]): string {
  return `${head}: ${failures.map((f) => `${f.url}: ${f.error.message}`).join('; ')}`;
}

type Resolved = Required<Omit<TimestampClientOptions, 'require'>>;

async function stampWithRetries(digest: Uint8Array, tsa: TsaEndpoint, opts: Resolved): Promise<TimestampedDigest | TsaFailure> {
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return await stampOnce(digest, tsa, opts);
    } catch (e) {
      if (e instanceof AttemptError) {
        if (e.retryable && attempts <= opts.retries) {
          await sleep(opts.backoffMs * 2 ** (attempts - 1));
          continue;
        }
        return { url: tsa.url, reason: e.reason, error: e, attempts };
      }
      if (e instanceof RemembrancerError) return { url: tsa.url, reason: 'verification', error: e, attempts };
      throw e;
    }
  }
}

async function stampOnce(digest: Uint8Array, tsa: TsaEndpoint, opts: Resolved): Promise<TimestampedDigest> {
  const req = createTimestampRequest({ digest, certReq: true, ...(tsa.policy !== undefined ? { policy: tsa.policy } : {}) });
  const body = await post(tsa.url, req.der, opts);
  // Verification failures are not transient: they are thrown as VerificationError, not retried.
  const v = verifyTimestampResponse(body, {
    digest,
    nonce: req.nonce,
    trustedCAs: [tsa.ca],
    ...(tsa.policy !== undefined ? { policy: tsa.policy } : {}),
  });
  return {
    url: tsa.url,
    token: v.token,
    certificates: v.chain.map(toPemCertificate),
    genTime: v.genTime,
    policy: v.policy,
    serial: v.serial,
    tsaName: v.tsaName,
    devTsa: v.devTsa,
  };
}

const REPLY_TYPES = new Set(['application/timestamp-reply', 'application/timestamp-response']);

/** One POST; resolves with the reply body or rejects with an AttemptError. */
function post(url: string, body: Uint8Array, opts: Resolved): Promise<Uint8Array> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new AttemptError('network', `TSA url ${JSON.stringify(url)} is not a URL`, false));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return Promise.reject(new AttemptError('network', `TSA url must be http(s), got ${u.protocol}`, false));
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const fail = (e: AttemptError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new AttemptError('timeout', `no complete answer within ${opts.timeoutMs} ms`, true)), opts.timeoutMs);
    const req = send(u, {
      method: 'POST',
      headers: {
        'content-type': 'application/timestamp-query',
        accept: 'application/timestamp-reply',
        'content-length': body.length,
      },
    });
    req.on('error', (e) => fail(new AttemptError('network', `request failed: ${e.message}`, true, { cause: e })));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        const transient = status >= 500 || status === 429;
        return fail(new AttemptError('http-status', `HTTP ${status}`, transient));
      }
      const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!REPLY_TYPES.has(type)) {
        res.resume();
        return fail(new AttemptError('content-type', `content-type ${JSON.stringify(type)}, want application/timestamp-reply`, false));
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > opts.maxResponseBytes)
        return fail(new AttemptError('oversize', `response of ${declared} bytes exceeds the ${opts.maxResponseBytes}-byte limit`, false));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxResponseBytes)
          return fail(new AttemptError('oversize', `response exceeds the ${opts.maxResponseBytes}-byte limit`, false));
        chunks.push(c);
      });
      res.on('error', (e) => fail(new AttemptError('network', `response failed: ${e.message}`, true, { cause: e })));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new Uint8Array(Buffer.concat(chunks)));
      });
    });
    req.end(body);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
