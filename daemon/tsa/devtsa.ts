// The embedded dev TSA: a per-home CA and TSA signer under <home>/tsa/, created once, used when no
// [[tsa]] is configured. Its tokens are real RFC 3161 tokens (openssl ts -verify accepts them), but
// the CA is the node's own, so verifiers label them "dev TSA" (core/timestamp/dev.ts).
//
//   <home>/tsa/ca.key   ECDSA P-256 PKCS#8 PEM, 0600     <home>/tsa/ca.pem   dev CA certificate
//   <home>/tsa/tsa.key  ECDSA P-256 PKCS#8 PEM, 0600     <home>/tsa/tsa.pem  TSA signer certificate
//
// Files are only ever created, never overwritten: a missing certificate is re-issued from its
// existing key; a missing CA key next to an existing CA certificate is an error.
import { createPrivateKey, createPublicKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256, toHex } from '../../core/bytes.js';
import { InputError } from '../../core/errors.js';
import { parseCertificate } from '../../core/timestamp/cert.js';
import { createDevCaCertificate, createDevTsaSignerCertificate } from '../../core/timestamp/devca.js';
import { createTsaSigner, type TsaSigner } from '../../core/timestamp/issue.js';
import { parsePemCertificates, toPemCertificate } from '../../core/timestamp/pem.js';
import type { FailInfoName } from '../../core/timestamp/request.js';
import { parseTimestampResponse } from '../../core/timestamp/response.js';

/**
 * Policy OID written into dev TSA tokens: a UUID-based OID (ITU-T X.667, arc 2.25), so no
 * registration is needed and no real TSA policy can collide with it.
 */
export const DEV_TSA_POLICY = '2.25.72231170545309422107755053405636251351';

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

export interface DevTsaPaths {
  dir: string;
  caKey: string;
  caCert: string;
  tsaKey: string;
  tsaCert: string;
}

export function devTsaPaths(homeDir: string): DevTsaPaths {
  const dir = join(homeDir, 'tsa');
  return { dir, caKey: join(dir, 'ca.key'), caCert: join(dir, 'ca.pem'), tsaKey: join(dir, 'tsa.key'), tsaCert: join(dir, 'tsa.pem') };
}

export interface EnsureDevTsaResult {
  paths: DevTsaPaths;
  /** Names of the files this call created (empty when everything existed). */
  created: string[];
  /** SHA-256 (hex) of the dev CA certificate DER. */
  caFingerprint: string;
}

/** Creates whatever part of the dev TSA is missing under <home>/tsa/. Idempotent; never overwrites. */
export async function ensureDevTsa(homeDir: string, origin: string): Promise<EnsureDevTsaResult> {
  const p = devTsaPaths(homeDir);
  await mkdir(p.dir, { recursive: true, mode: 0o700 });
  const created: string[] = [];

  if (!(await exists(p.caKey))) {
    if (await exists(p.caCert))
      throw new InputError('CONFIG', `${p.caCert} exists without its key ${p.caKey}`, {
        hint: `remove ${p.dir} to create a new dev TSA (tokens it issued stay verifiable with the old ca.pem)`,
      });
    if (await writeOnce(p.caKey, await newKeyPem(), 0o600)) created.push('ca.key');
  }
  const caKey = await readKey(p.caKey);
  if (!(await exists(p.caCert))) {
    const der = await createDevCaCertificate(origin, await toWebCryptoPair(caKey));
    if (await writeOnce(p.caCert, toPemCertificate(der), 0o644)) created.push('ca.pem');
  }
  if (!(await exists(p.tsaKey))) {
    if (await writeOnce(p.tsaKey, await newKeyPem(), 0o600)) created.push('tsa.key');
  }
  if (!(await exists(p.tsaCert))) {
    const tsaKey = await readKey(p.tsaKey);
    const der = await createDevTsaSignerCertificate({
      origin,
      caCert: await readOneCert(p.caCert),
      caPrivateKey: (await toWebCryptoPair(caKey)).privateKey,
      tsaPublicKey: (await toWebCryptoPair(tsaKey)).publicKey,
    });
    if (await writeOnce(p.tsaCert, toPemCertificate(der), 0o644)) created.push('tsa.pem');
  }
  return { paths: p, created, caFingerprint: toHex(sha256(await readOneCert(p.caCert))) };
}

export interface DevTsaStamp {
  /** TimeStampToken DER. */
  token: Uint8Array;
  /** [tsa.pem, ca.pem] as PEM: the bundle's tsaCertificates. */
  certificates: string[];
  genTime: Date;
  serial: bigint;
}

export interface TsaResponder {
  /** Answers one TimeStampReq with a TimeStampResp (granted or rejection). */
  respond(requestDer: Uint8Array): Promise<{ der: Uint8Array; granted: boolean; failInfo?: FailInfoName; message?: string }>;
}

export interface DevTsa extends TsaResponder {
  readonly policy: string;
  /** [signer, CA] PEM. */
  readonly certificates: string[];
  /** The dev CA certificate PEM: the trust anchor for this node's dev tokens. */
  readonly caCertificate: string;
  timestamp(digest: Uint8Array, nonce?: bigint): Promise<DevTsaStamp>;
}

export interface LoadDevTsaOptions {
  /** Clock for genTime (tests). */
  now?: () => Date;
}

/** Loads the dev TSA created by ensureDevTsa. Throws NOT_INITIALISED when it is missing. */
export async function loadDevTsa(homeDir: string, opts: LoadDevTsaOptions = {}): Promise<DevTsa> {
  const p = devTsaPaths(homeDir);
  for (const f of [p.tsaKey, p.tsaCert, p.caCert])
    if (!(await exists(f))) throw new InputError('NOT_INITIALISED', `dev TSA file ${f} is missing`, { hint: 'run `remembrancer init`' });
  const signerCert = await readOneCert(p.tsaCert);
  const caCert = await readOneCert(p.caCert);
  const signer: TsaSigner = createTsaSigner({
    signerKey: await readKey(p.tsaKey),
    signerCert,
    chain: [caCert],
    policy: DEV_TSA_POLICY,
  });
  const certificates = [toPemCertificate(signerCert), toPemCertificate(caCert)];
  const now = opts.now ?? ((): Date => new Date());
  const params = (): { serial: bigint; genTime: Date } => ({ serial: randomSerial(), genTime: now() });
  return {
    policy: DEV_TSA_POLICY,
    certificates,
    caCertificate: certificates[1]!,
    async timestamp(digest, nonce) {
      const ps = params();
      const resp = signer.issue({ digest, ...(nonce !== undefined ? { nonce } : {}) }, ps);
      const token = parseTimestampResponse(resp).token!;
      return { token, certificates, genTime: ps.genTime, serial: ps.serial };
    },
    async respond(requestDer) {
      return signer.answer(requestDer, params());
    },
  };
}

/** Random positive 127-bit serial: unique per token without any state on disk. */
function randomSerial(): bigint {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  const n = BigInt(`0x${b.toString('hex')}`);
  return n === 0n ? 1n : n;
}

async function newKeyPem(): Promise<string> {
  const pair = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey));
  const b64 = pkcs8.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function readKey(path: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InputError('IO', `cannot read dev TSA key ${path}: ${(e as Error).message}`, { cause: e });
  }
}

async function readOneCert(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError('IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const ders = parsePemCertificates(text);
  if (ders === undefined || ders.length !== 1) throw new InputError('CONFIG', `${path} must hold exactly one PEM certificate`);
  try {
    parseCertificate(ders[0]!);
  } catch (e) {
    throw new InputError('CONFIG', `${path} does not parse: ${(e as Error).message}`);
  }
  return ders[0]!;
}

async function toWebCryptoPair(key: KeyObject): Promise<webcrypto.CryptoKeyPair> {
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, EC, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, EC, true, ['verify']),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `path` only if it does not exist: the content goes to a private temp file that is then
 * hard-linked into place (link fails if the name is taken, so a concurrent writer's file wins and
 * is never overwritten or seen half-written). Returns whether this call created it.
 */
async function writeOnce(path: string, content: string, mode: number): Promise<boolean> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, content, { mode, flag: 'wx' });
  await chmod(tmp, mode);
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new InputError('IO', `cannot create ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    await rm(tmp, { force: true });
  }
}
