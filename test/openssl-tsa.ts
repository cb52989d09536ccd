// An independent RFC 3161 TSA for tests: a node:http server on 127.0.0.1 that answers each
// timestamp query by running `openssl ts -reply` with the fixtures' CA and TSA certificate.
// Nothing of ours is involved in producing its tokens.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'tsa');
export const fixture = (name: string): string => join(FIXTURES, name);

export interface OpensslTsaOptions {
  /** Fixture base name of the signer, e.g. 'tsa' for fixtures/tsa/tsa.pem + tsa.key. */
  signer?: string;
  /** Fixture PEM files to include in the token's certificates (openssl `certs`). */
  certs?: string[];
  policy?: string;
  otherPolicies?: string[];
  /** ESSCertID hash: sha1 gives SigningCertificate (v1), sha256 SigningCertificateV2. Default sha256. */
  essCertIdAlg?: 'sha1' | 'sha256';
}

export interface OpensslTsa {
  url: string;
  policy: string;
  /** Queries answered so far. */
  readonly served: number;
  close(): Promise<void>;
}

export const OPENSSL_TSA_POLICY = '1.2.3.4.1';

/** Writes an openssl TSA config into `dir` and returns its path. */
export async function writeOpensslTsaConfig(dir: string, opts: OpensslTsaOptions = {}): Promise<string> {
  const signer = opts.signer ?? 'tsa';
  const certsFile = join(dir, 'chain.pem');
  const certs = opts.certs ?? ['ca.pem'];
  await writeFile(certsFile, (await Promise.all(certs.map((c) => readFile(fixture(c), 'utf8')))).join(''));
  await writeFile(join(dir, 'serial'), '01\n');
  const other = opts.otherPolicies ?? [];
  const cfg = [
    '[tsa]',
    'default_tsa = tsa_config',
    '[tsa_config]',
    `serial = ${join(dir, 'serial')}`,
    'crypto_device = builtin',
    `signer_cert = ${fixture(`${signer}.pem`)}`,
    `signer_key = ${fixture(`${signer}.key`)}`,
    `certs = ${certsFile}`,
    'signer_digest = sha256',
    `default_policy = ${opts.policy ?? OPENSSL_TSA_POLICY}`,
    ...(other.length > 0 ? [`other_policies = ${other.join(', ')}`] : []),
    'digests = sha256, sha384, sha512',
    'accuracy = secs:1, millisecs:500',
    'ordering = yes',
    'tsa_name = yes',
    'ess_cert_id_chain = no',
    `ess_cert_id_alg = ${opts.essCertIdAlg ?? 'sha256'}`,
    '',
  ].join('\n');
  const path = join(dir, 'tsa.cnf');
  await writeFile(path, cfg);
  return path;
}

/** Runs `openssl ts -reply` once for `query`, returning the TimeStampResp DER. */
export async function opensslReply(dir: string, config: string, query: Uint8Array, tag: string): Promise<Uint8Array> {
  const q = join(dir, `${tag}.tsq`);
  const r = join(dir, `${tag}.tsr`);
  await writeFile(q, query);
  await run('openssl', ['ts', '-reply', '-queryfile', q, '-config', config, '-out', r]);
  const out = new Uint8Array(await readFile(r));
  await rm(q, { force: true });
  await rm(r, { force: true });
  return out;
}

export async function startOpensslTsa(opts: OpensslTsaOptions = {}): Promise<OpensslTsa> {
  const dir = await mkdtemp(join(tmpdir(), 'openssl-tsa-'));
  const config = await writeOpensslTsaConfig(dir, opts);
  let served = 0;
  let seq = 0;
  // openssl increments the serial file in place: one query at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const tag = `q${seq++}`;
      const job = queue.then(() => opensslReply(dir, config, Buffer.concat(chunks), tag));
      queue = job.catch(() => undefined);
      job.then(
        (der) => {
          served++;
          res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': der.length });
          res.end(der);
        },
        (e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    policy: opts.policy ?? OPENSSL_TSA_POLICY,
    get served() {
      return served;
    },
    async close() {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
