// The home directory: keys, config and store of one log. `init` creates what is missing and never
// overwrites a key; `loadIdentity` reads what a writer needs to sign receipts and checkpoints.
//
//   <home>/                     0700
//     config.toml               [remembrancer] origin = …  (DESIGN.md §5)
//     remembrancer.db           the log store (path configurable)
//     keys/signing.asc          0600 armored OpenPGP secret key (receipt signer)
//     keys/signing.pub.asc      its public key
//     keys/checkpoint.key       0600 signed-note signer key (checkpoint signer)
//     keys/checkpoint.vkey      its verifier key
//     keys/trusted/*.asc        extra receipt keys the full-log audit accepts (e.g. a rotated key)
//     tsa/                      the embedded dev TSA (only when no [[tsa]] is configured)
//     control.sock              the daemon's control socket, 0600, while it runs
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../core/errors.js';
import { generateSigningKey, importSigningKey, ReceiptSigner } from '../core/signing/index.js';
import { generateCheckpointKey, parseVerifierKey } from '../core/checkpoint/index.js';
import { homePath, loadConfig, originName, type Config } from './config.js';
import { ensureDevTsa } from './tsa/index.js';

export interface HomePaths {
  home: string;
  config: string;
  db: string;
  keys: string;
  signingKey: string;
  signingPub: string;
  checkpointKey: string;
  checkpointVkey: string;
  trustedDir: string;
  socket: string;
}

export function homePaths(home: string, config?: Config): HomePaths {
  const keys = join(home, 'keys');
  return {
    home,
    config: join(home, 'config.toml'),
    db: homePath(home, config?.remembrancer.db ?? 'remembrancer.db'),
    keys,
    signingKey: join(keys, 'signing.asc'),
    signingPub: join(keys, 'signing.pub.asc'),
    checkpointKey: join(keys, 'checkpoint.key'),
    checkpointVkey: join(keys, 'checkpoint.vkey'),
    trustedDir: join(keys, 'trusted'),
    socket: join(home, 'control.sock'),
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new InputError('NOT_INITIALISED', `${what} is missing (${path})`, { hint: 'run `remembrancer init` first' });
    }
    throw new InputError('IO', `cannot read ${what} ${path}: ${code ?? (e as Error).message}`, { cause: e });
  }
}

/** Write a new file with `mode`; never overwrite (flag wx). */
function writeNew(path: string, text: string, mode: number): void {
  writeFileSync(path, text, { mode, flag: 'wx' });
  chmodSync(path, mode); // umask may have narrowed or widened it
}

function defaultOrigin(): string {
  const host = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-') || 'localhost';
  return `${host}/remembrancer-${randomBytes(4).toString('hex')}`;
}

const CONFIG_TEMPLATE = (origin: string) => `# Remembrancer configuration (DESIGN.md §5). Every key is optional; defaults shown in comments.
[remembrancer]
origin = ${JSON.stringify(origin)}
# db = "remembrancer.db"
# checkpoint_interval = "1s"
# batch_max = 1000

# Without a [[tsa]] section, checkpoints are timestamped by the embedded dev TSA (labelled "dev TSA").
# [[tsa]]
# url = "https://tsa.example/tsr"
# ca = "tsa-ca.pem"
`;

export interface InitOptions {
  origin?: string;
  importKey?: string;
}

export interface InitResult {
  home: string;
  origin: string;
  created: string[];
  fingerprint: string;
  checkpointKey: string;
  devTsa: boolean;
}

/** Create whatever is missing in `home`. Idempotent; refuses to change the origin of an existing log. */
export async function initHome(home: string, opts: InitOptions = {}): Promise<InitResult> {
  if (opts.origin !== undefined) {
    const r = originName.safeParse(opts.origin);
    if (!r.success) throw new InputError('USAGE', `--origin ${JSON.stringify(opts.origin)}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  }
  const created: string[] = [];
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const p0 = homePaths(home);
  if (!existsSync(p0.config)) {
    writeNew(p0.config, CONFIG_TEMPLATE(opts.origin ?? defaultOrigin()), 0o644);
    created.push('config.toml');
  }
  const config = loadConfig(home);
  const origin = config.remembrancer.origin;
  if (!origin) {
    throw new InputError('CONFIG', `${p0.config} has no [remembrancer] origin`, { hint: 'add origin = "example.org/log" to config.toml' });
  }
  if (opts.origin !== undefined && opts.origin !== origin) {
    throw new InputError('CONFIG', `this home is already initialised with origin ${JSON.stringify(origin)}`, {
      hint: 'a log never changes its origin; use another --home for a new log',
    });
  }
  const p = homePaths(home, config);
  mkdirSync(p.keys, { recursive: true, mode: 0o700 });
  mkdirSync(p.trustedDir, { recursive: true, mode: 0o700 });

  if (!existsSync(p.signingKey)) {
    let armoredPrivate: string;
    let armoredPublic: string;
    if (opts.importKey) {
      const imported = await importSigningKey(readText(opts.importKey, 'the key to import'));
      armoredPrivate = imported.armoredPrivateKey;
      armoredPublic = imported.armoredPublicKey;
    } else {
      const g = await generateSigningKey({ name: `Remembrancer ${origin}` });
      armoredPrivate = g.armoredPrivateKey;
      armoredPublic = g.armoredPublicKey;
    }
    writeNew(p.signingKey, armoredPrivate, 0o600);
    writeNew(p.signingPub, armoredPublic, 0o644);
    created.push('keys/signing.asc', 'keys/signing.pub.asc');
  } else if (opts.importKey) {
    throw new InputError('USAGE', `a signing key already exists at ${p.signingKey}; init never overwrites keys`, {
      hint: 'use a new --home to start a log with the imported key',
    });
  }
  if (!existsSync(p.checkpointKey)) {
    const k = generateCheckpointKey(origin);
    writeNew(p.checkpointKey, `${k.signerKey}\n`, 0o600);
    writeNew(p.checkpointVkey, `${k.verifierKey}\n`, 0o644);
    created.push('keys/checkpoint.key', 'keys/checkpoint.vkey');
  }
  const devTsa = config.tsa.length === 0;
  if (devTsa) {
    const r = await ensureDevTsa(home, origin);
    created.push(...r.created.map((f) => `tsa/${f}`));
  }
  const signer = await ReceiptSigner.create(readText(p.signingKey, 'the signing key'));
  return {
    home,
    origin,
    created,
    fingerprint: signer.fingerprint,
    checkpointKey: readText(p.checkpointVkey, 'the checkpoint verifier key').trim(),
    devTsa,
  };
}

export interface Identity {
  config: Config;
  paths: HomePaths;
  origin: string;
  signer: ReceiptSigner;
  publicKey: string;
  checkpointSignerKey: string;
  checkpointVerifierKey: string;
}

/** Warn-level check: a private key readable by others is refused (fail closed). */
function assertPrivate(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new InputError('CONFIG', `private key ${path} has mode ${mode.toString(8)}; it must not be readable by others`, {
      hint: `chmod 600 ${path}`,
    });
  }
}

export function loadConfigFor(home: string): { config: Config; paths: HomePaths; origin: string } {
  if (!existsSync(home) || !existsSync(join(home, 'config.toml'))) {
    throw new InputError('NOT_INITIALISED', `no remembrancer home at ${home}`, { hint: 'run `remembrancer init` (or pass --home DIR)' });
  }
  const config = loadConfig(home);
  const origin = config.remembrancer.origin;
  if (!origin) throw new InputError('CONFIG', `${join(home, 'config.toml')} has no [remembrancer] origin`);
  return { config, paths: homePaths(home, config), origin };
}

export async function loadIdentity(home: string): Promise<Identity> {
  const { config, paths, origin } = loadConfigFor(home);
  const secret = readText(paths.signingKey, 'the signing key');
  assertPrivate(paths.signingKey);
  const checkpointSignerKey = readText(paths.checkpointKey, 'the checkpoint key').trim();
  assertPrivate(paths.checkpointKey);
  const checkpointVerifierKey = readText(paths.checkpointVkey, 'the checkpoint verifier key').trim();
  parseVerifierKey(checkpointVerifierKey);
  const signer = await ReceiptSigner.create(secret);
  return { config, paths, origin, signer, publicKey: signer.armoredPublicKey, checkpointSignerKey, checkpointVerifierKey };
}

/** The receipt keys a full-log audit trusts: the log's own key plus keys/trusted/*.asc. */
export function trustedReceiptKeys(paths: HomePaths): string[] {
  const keys = [readText(paths.signingPub, 'the signing public key')];
  if (existsSync(paths.trustedDir)) {
    for (const f of readdirSync(paths.trustedDir).sort()) {
      if (f.endsWith('.asc')) keys.push(readText(join(paths.trustedDir, f), 'a trusted key'));
    }
  }
  return keys;
}

/** TSA CA certificates (PEM) this home trusts: every configured [[tsa]] ca, plus its dev CA if it has one. */
export function homeTsaAnchors(home: string, config: Config): string[] {
  const out: string[] = [];
  for (const t of config.tsa) out.push(readText(homePath(home, t.ca), `the TSA CA of ${t.url}`));
  const dev = join(home, 'tsa', 'ca.pem');
  if (existsSync(dev)) out.push(readText(dev, 'the dev TSA CA'));
  return out;
}

/** The trust policy material of a home (public parts only; no private key is read). */
export function homeTrust(home: string): { receiptKeys: string[]; checkpointKeys: string[]; tsaRoots: string[] } {
  const { config, paths } = loadConfigFor(home);
  return {
    receiptKeys: trustedReceiptKeys(paths),
    checkpointKeys: [readText(paths.checkpointVkey, 'the checkpoint verifier key').trim()],
    tsaRoots: homeTsaAnchors(home, config),
  };
}
