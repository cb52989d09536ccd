// Where checkpoint timestamps come from: the configured [[tsa]] list (RFC 3161 over HTTP), or, when
// none is configured, the embedded dev TSA under the home. One interface for the log to call.
import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { homePath, type Config } from './config.js';
import { homeTsaAnchors } from './home.js';
import { loadDevTsa, timestampDigest, type TsaEndpoint } from './tsa/index.js';

export interface Stamp {
  token: Uint8Array;
  /** PEM, leaf first: the bundle's tsaCertificates. */
  certificates: string[];
  genTime: Date;
  tsa: string;
  dev: boolean;
}

export interface Timestamper {
  readonly dev: boolean;
  /** Timestamp a SHA-256 digest (of a checkpoint body). Throws InputError TSA_UNAVAILABLE when no TSA answers. */
  stamp(digest: Uint8Array): Promise<Stamp>;
  /** CA certificates (PEM) that this node's own tokens chain to: the audit's trust anchors. */
  readonly anchors: string[];
}

function readCa(home: string, path: string): string {
  const full = homePath(home, path);
  try {
    return readFileSync(full, 'utf8');
  } catch (e) {
    throw new InputError('CONFIG', `cannot read TSA ca ${full}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'set [[tsa]] ca to the PEM file of the TSA\u2019s CA certificate',
      cause: e,
    });
  }
}

export async function openTimestamper(home: string, config: Config): Promise<Timestamper> {
  if (config.tsa.length === 0) {
    const dev = await loadDevTsa(home);
    return {
      dev: true,
      anchors: [dev.caCertificate],
      async stamp(digest) {
        const s = await dev.timestamp(digest);
        return { token: s.token, certificates: s.certificates, genTime: s.genTime, tsa: 'dev TSA', dev: true };
      },
    };
  }
  const endpoints: TsaEndpoint[] = config.tsa.map((t) => ({
    url: t.url,
    ca: readCa(home, t.ca),
    ...(t.policy ? { policy: t.policy } : {}),
  }));
  const t = config.timestamp;
  return {
    dev: false,
    anchors: homeTsaAnchors(home, config),
    async stamp(digest) {
      const results = await timestampDigest(digest, endpoints, {
        require: t.require,
        timeoutMs: t.timeout,
        retries: t.retries,
        maxResponseBytes: t.max_response_bytes,
      });
      const r = results[0]!;
      return { token: r.token, certificates: r.certificates, genTime: r.genTime, tsa: r.tsaName || r.url, dev: r.devTsa };
    },
  };
}
