// Command implementations: parse what the user gave, call the service (or the pure verifier),
// print. No byte format is known here; core/ and daemon/ own them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseJson } from '../core/canonical.js';
import { InputError } from '../core/errors.js';
import type { Receipt } from '../core/receipt.js';
import { verifyBundleReport, parseTrustMaterial, mergeTrust, type TrustPolicy } from '../core/verify/index.js';
import { homeTrust, initHome, loadConfigFor } from '../daemon/home.js';
import { auditStore } from '../daemon/log.js';
import { openService } from '../daemon/local.js';
import { rpcClient, socketAlive } from '../daemon/rpc.js';
import type { CheckResult, RecordRequest, Service, VerifyReport } from '../daemon/service.js';
import { loadDevTsa, serveTsa } from '../daemon/tsa/index.js';
import { verifyTiledLog, type RemoteTarget } from '../core/tiles/remote.js';
import { openLogStoreReadOnly } from '../daemon/store/index.js';
import { exportTiles, HttpTileSource, loadRemoteCheckpoint, saveConflictEvidence, saveRemoteCheckpoint, storeTilesSource, type ExportResult } from '../daemon/tiles/index.js';
import { resolve as resolvePath } from 'node:path';
import { parseIdArg, parseListenArg, parseSha256Arg, parseTextArg } from './args.js';
import { sha256File } from './files.js';
import { EXIT_OK, EXIT_VERIFY_FAILED, printFields, printJson, printTable, progressBar } from './output.js';
import type { GlobalOptions } from './program.js';

async function withService<T>(g: GlobalOptions, fn: (s: Service) => Promise<T>): Promise<T> {
  const s = await openService(g.home);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

// ---------------------------------------------------------------------------------------------
// init

export async function init(g: GlobalOptions, o: { origin?: string; importKey?: string }): Promise<void> {
  const r = await initHome(g.home, o);
  if (g.json) return printJson(r);
  printFields([
    ['home', r.home],
    ['origin', r.origin],
    ['signing key', r.fingerprint],
    ['checkpoint key', r.checkpointKey],
    ['timestamps', r.devTsa ? 'embedded dev TSA (configure [[tsa]] in config.toml for production)' : 'configured [[tsa]]'],
    ['created', r.created.length > 0 ? r.created.join(', ') : 'nothing (already initialised)'],
  ]);
}

// ---------------------------------------------------------------------------------------------
// record

interface CommonRecordOptions {
  evidence: string[];
  chainRef?: string;
  note?: string;
  idempotencyKey?: string;
  json?: boolean;
}
export interface RecordDeployOptions extends CommonRecordOptions {
  component: string;
  version: string;
  sha256?: string;
  file?: string;
}
export interface RecordArtifactOptions extends CommonRecordOptions {
  file?: string;
  sha256?: string;
  name?: string;
  namespace: string;
}
export interface RecordDecisionOptions extends CommonRecordOptions {
  title: string;
  body: string;
  namespace: string;
}
export interface RecordMemoryOptions extends CommonRecordOptions {
  text: string;
  tag: string[];
  namespace: string;
  supersedes?: string;
}
export interface ListOptions {
  kind?: string;
  limit?: number;
  cursor?: string;
  namespace?: string;
  allNamespaces?: boolean;
  history?: boolean;
}

async function common(o: CommonRecordOptions): Promise<Pick<RecordRequest, 'evidence' | 'chainRef' | 'note' | 'idempotencyKey'>> {
  const evidence = [];
  for (const path of o.evidence) {
    const d = await sha256File(path);
    evidence.push({ name: d.name, sha256: d.sha256 });
  }
  return {
    evidence,
    ...(o.chainRef !== undefined ? { chainRef: parseIdArg(o.chainRef) } : {}),
    ...(o.note !== undefined ? { note: parseTextArg(o.note, '--note') } : {}),
    ...(o.idempotencyKey !== undefined ? { idempotencyKey: parseTextArg(o.idempotencyKey, '--idempotency-key', 256) } : {}),
  };
}

/** Exactly one of --sha256 and --file. */
async function digestOf(o: { sha256?: string; file?: string }): Promise<{ sha256: string; name?: string; size?: number }> {
  if ((o.sha256 === undefined) === (o.file === undefined)) {
    throw new InputError('USAGE', 'give exactly one of --sha256 HEX and --file PATH');
  }
  if (o.sha256 !== undefined) return { sha256: parseSha256Arg(o.sha256) };
  const d = await sha256File(o.file!);
  return { sha256: d.sha256, name: d.name, size: d.size };
}

async function doRecord(g: GlobalOptions, req: RecordRequest): Promise<void> {
  const r = await withService(g, (s) => s.record(req));
  if (g.json) return printJson(r);
  process.stdout.write(`${r.id}\n`);
}

export async function recordDeploy(g: GlobalOptions, o: RecordDeployOptions): Promise<void> {
  const d = await digestOf(o);
  await doRecord(g, {
    kind: 'deploy',
    subject: { component: parseTextArg(o.component, '--component', 1024), version: parseTextArg(o.version, '--version', 1024), sha256: d.sha256 },
    ...(await common(o)),
  });
}

export async function recordArtifact(g: GlobalOptions, o: RecordArtifactOptions): Promise<void> {
  const d = await digestOf(o);
  const name = o.name ?? d.name;
  if (name === undefined) throw new InputError('USAGE', '--name is required with --sha256');
  await doRecord(g, {
    kind: 'artifact',
    subject: { name: parseTextArg(name, '--name', 1024), sha256: d.sha256, ...(d.size !== undefined ? { size: d.size } : {}) },
    namespace: o.namespace,
    ...(await common(o)),
  });
}

export async function recordDecision(g: GlobalOptions, o: RecordDecisionOptions): Promise<void> {
  await doRecord(g, {
    kind: 'decision',
    subject: { title: parseTextArg(o.title, '--title', 512), body: parseTextArg(o.body, '--body') },
    namespace: o.namespace,
    ...(await common(o)),
  });
}

export async function recordMemory(g: GlobalOptions, o: RecordMemoryOptions): Promise<void> {
  await doRecord(g, {
    kind: 'memory',
    subject: { text: parseTextArg(o.text, '--text'), ...(o.tag.length > 0 ? { tags: o.tag.map((t) => parseTextArg(t, '--tag', 128)) } : {}) },
    namespace: o.namespace,
    ...(o.supersedes !== undefined ? { supersedes: parseIdArg(o.supersedes) } : {}),
    ...(await common(o)),
  });
}

/** The namespace of the receipt being corrected: a correction lives beside its target. */
async function targetNamespace(s: Service, id: string): Promise<string> {
  const r = await s.get(id);
  return (r.entry.receipt as { namespace?: string }).namespace ?? 'default';
}

export async function retract(g: GlobalOptions, id: string, o: { reason: string }): Promise<void> {
  const r = await withService(g, async (s) =>
    s.record({ kind: 'memory.retract', subject: { target: id, reason: parseTextArg(o.reason, '--reason', 4096) }, namespace: await targetNamespace(s, id) }),
  );
  if (g.json) return printJson(r);
  process.stdout.write(`${r.id}\n`);
}

export async function redact(g: GlobalOptions, id: string, o: { reason?: string }): Promise<void> {
  const r = await withService(g, async (s) =>
    s.record({
      kind: 'memory.redact',
      subject: { target: id, ...(o.reason !== undefined ? { reason: parseTextArg(o.reason, '--reason', 4096) } : {}) },
      namespace: await targetNamespace(s, id),
    }),
  );
  if (g.json) return printJson(r);
  process.stdout.write(`${r.id}\n`);
}

// ---------------------------------------------------------------------------------------------
// reads

function subjectFields(receipt: Receipt): [string, string][] {
  return Object.entries(receipt.subject as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

export async function get(g: GlobalOptions, id: string, o: { history?: boolean } = {}): Promise<void> {
  if (o.history) {
    const h = await withService(g, (s) => s.history(id));
    if (g.json) return printJson(h);
    printTable(
      ['INDEX', 'ID', 'KIND', 'ROLE', 'TREE', 'SUMMARY'],
      h.items.map((i) => [String(i.index), short(i.id), i.kind, i.role, `${i.proof.logIndex}/${i.proof.treeSize}`, i.summary]),
    );
    return;
  }
  const r = await withService(g, (s) => s.get(id));
  if (g.json) return printJson(r);
  const rc = r.entry.receipt;
  printFields([
    ['id', r.id],
    ['index', r.index],
    ['kind', rc.kind],
    ['time', rc.time],
    ['origin', rc.origin],
    ['namespace', (rc as { namespace?: string }).namespace],
    ...subjectFields(rc),
    ['text', r.content?.state === 'present' ? `${r.content.text}${r.content.verified ? '' : '  (DOES NOT MATCH contentHash)'}` : r.content?.state === 'redacted' ? `(redacted by ${r.content.by})` : undefined],
    ['superseded by', r.supersededBy],
    ['retracted by', r.retractedBy],
    ['note', rc.note],
    ['chainRef', rc.chainRef],
    ...rc.evidence.map((e): [string, string] => ['evidence', `${e.sha256}  ${e.name}`]),
  ]);
}

function short(id: string): string {
  return id.slice(0, 16);
}

/** Only the request fields (commander adds others, e.g. json). */
function listRequest(o: ListOptions): ListOptions {
  const { kind, limit, cursor, namespace, allNamespaces, history } = o;
  return Object.fromEntries(Object.entries({ kind, limit, cursor, namespace, allNamespaces, history }).filter(([, v]) => v !== undefined));
}

export async function list(g: GlobalOptions, o: ListOptions): Promise<void> {
  const page = await withService(g, (s) => s.list(listRequest(o)));
  if (g.json) return printJson(page);
  printTable(
    ['INDEX', 'ID', 'KIND', 'TIME', ...(o.history ? ['STATE'] : []), 'SUMMARY'],
    page.items.map((i) => [String(i.index), short(i.id), i.kind, i.time.slice(0, 19), ...(o.history ? [i.state ?? 'current'] : []), i.summary]),
  );
  if (page.nextCursor) process.stdout.write(`more: remembrancer list --cursor ${page.nextCursor}\n`);
}

export async function search(g: GlobalOptions, query: string, o: ListOptions): Promise<void> {
  const page = await withService(g, (s) => s.search({ query, ...listRequest(o) }));
  if (g.json) return printJson(page);
  printTable(
    ['INDEX', 'ID', 'KIND', 'SNIPPET'],
    page.items.map((i) => [String(i.index), short(i.id), i.kind, i.snippet.replace(/\s+/g, ' ')]),
  );
  if (page.nextCursor) process.stdout.write(`more: remembrancer search ${JSON.stringify(query)} --cursor ${page.nextCursor}\n`);
}

export async function proof(g: GlobalOptions, id: string): Promise<void> {
  const p = await withService(g, (s) => s.proof(id));
  if (g.json) return printJson(p);
  printFields([
    ['id', p.id],
    ['log index', p.logIndex],
    ['tree size', p.treeSize],
    ...p.hashes.map((h, i): [string, string] => [`hash ${i}`, h]),
  ]);
  process.stdout.write(`\n${p.checkpoint}`);
}

export async function bundle(g: GlobalOptions, id: string, o: { out?: string }): Promise<void> {
  const b = await withService(g, (s) => s.bundle(id));
  const text = `${JSON.stringify(b, null, 2)}\n`;
  if (o.out) {
    writeFileSync(o.out, text);
    process.stderr.write(`wrote ${o.out}\n`);
  } else process.stdout.write(text);
}

export async function checkpoint(g: GlobalOptions): Promise<void> {
  const c = await withService(g, (s) => s.checkpoint());
  if (g.json) return printJson(c);
  printFields([
    ['size', c.size],
    ['root', c.root],
    ['timestamp', c.timestamp.state === 'stamped' ? `${c.timestamp.genTime} by ${c.timestamp.dev && c.timestamp.tsa !== 'dev TSA' ? `${c.timestamp.tsa} (dev TSA)` : c.timestamp.tsa}` : `${c.timestamp.state}${c.timestamp.error ? `: ${c.timestamp.error}` : ''}`],
  ]);
  process.stdout.write(`\n${c.note}`);
}

export async function status(g: GlobalOptions): Promise<void> {
  const s = await withService(g, (svc) => svc.status());
  if (g.json) return printJson(s);
  const c = s.lastCheckpoint;
  printFields([
    ['origin', s.origin],
    ['mode', s.mode === 'daemon' ? 'daemon running' : 'direct (no daemon)'],
    ['tree size', s.treeSize],
    ['last checkpoint', c ? `size ${c.size} at ${c.createdAt}` : 'none'],
    ['timestamp', c ? (c.timestamp.state === 'stamped' ? `${c.timestamp.genTime}${c.timestamp.dev ? ' (dev TSA)' : ''}` : c.timestamp.state) : undefined],
    ['queue depth', s.queueDepth],
    ['peers', s.peers],
  ]);
}

export async function keysExport(g: GlobalOptions, o: { tsa?: boolean }): Promise<void> {
  const t = homeTrust(g.home);
  if (o.tsa) {
    if (t.tsaRoots.length === 0) throw new InputError('NOT_FOUND', 'this home has no TSA CA certificate');
    process.stdout.write(t.tsaRoots.map((p) => p.trimEnd()).join('\n') + '\n');
    return;
  }
  process.stdout.write(`${t.receiptKeys[0]!.trimEnd()}\n${t.checkpointKeys.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// verify

export interface VerifyOptions {
  artifact?: string;
  trustKey: string[];
  allowMissingTimestamp?: boolean;
  requireTrustedTsa?: boolean;
  json?: boolean;
  /** verify --remote URL: a C2SP tlog-tiles log. */
  remote?: string;
  index?: number;
  scanLimit?: number;
}

function readInput(path: string): string {
  try {
    return path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

/** Trust: the --trust-key files when given, otherwise the home's own keys (if it has any). */
function trustPolicy(g: GlobalOptions, o: VerifyOptions): TrustPolicy {
  let material;
  if (o.trustKey.length > 0) material = mergeTrust(...o.trustKey.map((f) => parseTrustMaterial(readInput(f), f)));
  else if (existsSync(g.home) && existsSync(`${g.home}/config.toml`)) material = homeTrust(g.home);
  else material = { receiptKeys: [], checkpointKeys: [], tsaRoots: [] };
  return {
    ...material,
    ...(o.allowMissingTimestamp ? { allowMissingTimestamp: true } : {}),
    ...(o.requireTrustedTsa ? { requireTrustedTsa: true } : {}),
  };
}

function printReport(r: VerifyReport): void {
  const w = Math.max(...r.checks.map((c) => c.name.length));
  for (const c of r.checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(w)}  ${c.detail}\n`);
  process.stdout.write(r.ok ? 'verified\n' : 'NOT verified\n');
}

function finish<T extends VerifyReport>(g: GlobalOptions, r: T): number {
  if (g.json) printJson(r);
  else printReport(r);
  return r.ok ? EXIT_OK : EXIT_VERIFY_FAILED;
}

export async function verify(g: GlobalOptions, files: string[], o: VerifyOptions): Promise<number> {
  if (o.remote !== undefined) return verifyRemote(g, files, o);
  if (o.index !== undefined || o.scanLimit !== undefined) throw new InputError('USAGE', '--index and --scan-limit go with --remote URL');
  if (o.artifact !== undefined && files.length > 0) throw new InputError('USAGE', 'give bundle files or --artifact, not both');
  if (o.artifact !== undefined) return verifyArtifact(g, o.artifact, o);
  if (files.length > 0) return verifyBundles(g, files, o);
  return verifyWholeLog(g);
}

async function verifyBundles(g: GlobalOptions, files: string[], o: VerifyOptions): Promise<number> {
  const policy = trustPolicy(g, o);
  // Read everything first: an unreadable or non-bundle input is exit 2 before any check runs.
  const inputs = files.map((f) => ({ file: f, value: parseJson(readInput(f)) }));
  const checks: CheckResult[] = [];
  const bundles = [];
  for (const { file, value } of inputs) {
    const r = await verifyBundleReport(value, policy);
    bundles.push({ file, ...r });
    for (const c of r.checks) checks.push({ ...c, name: files.length > 1 ? `${file}: ${c.name}` : c.name });
  }
  const ok = bundles.every((b) => b.ok);
  return finish(g, files.length === 1 ? { ...bundles[0]!, ok, checks } : { ok, checks, bundles });
}

async function verifyArtifact(g: GlobalOptions, path: string, o: VerifyOptions): Promise<number> {
  const d = await sha256File(path);
  const policy = trustPolicy(g, o);
  const found = await withService(g, async (s) => {
    const ids = await s.findBySha256(d.sha256);
    const out = [];
    for (const id of ids) out.push({ id, bundle: await s.bundle(id) });
    return out;
  });
  const checks: CheckResult[] = [
    { name: 'recorded', ok: found.length > 0, detail: found.length > 0 ? `${found.length} receipt(s) record sha256 ${d.sha256}` : `no receipt records sha256 ${d.sha256}` },
  ];
  for (const f of found) {
    const r = await verifyBundleReport(f.bundle, policy, { expectedId: f.id });
    for (const c of r.checks) checks.push({ ...c, name: `${short(f.id)}: ${c.name}` });
  }
  return finish(g, { ok: checks.every((c) => c.ok), checks, sha256: d.sha256, receipts: found.map((f) => f.id) });
}

async function verifyWholeLog(g: GlobalOptions): Promise<number> {
  const { config, paths, origin } = loadConfigFor(g.home);
  const bar = progressBar('verify');
  let report: VerifyReport;
  try {
    if (existsSync(paths.socket) && (await socketAlive(paths.socket))) {
      report = await rpcClient(paths.socket).verifyLog();
    } else {
      const t = homeTrust(g.home);
      void config;
      report = await auditStore(paths.db, {
        origin,
        checkpointKey: t.checkpointKeys[0]!,
        receiptKeys: t.receiptKeys,
        tsaAnchors: t.tsaRoots,
        onProgress: bar,
      });
    }
  } finally {
    bar.end();
  }
  return finish(g, report);
}

// ---------------------------------------------------------------------------------------------
// tsa serve

export async function tsaServe(g: GlobalOptions, listen: { host: string; port: number }): Promise<void> {
  const dev = await loadDevTsa(g.home);
  const running = await serveTsa({ host: listen.host, port: listen.port, signer: dev });
  process.stderr.write(`dev TSA listening on http://${running.host}:${running.port}/ (RFC 3161 over HTTP)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      void running.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

// ---------------------------------------------------------------------------------------------
// daemon

/** Run the daemon in the foreground until SIGTERM/SIGINT; returns its exit code. */
export async function daemon(g: GlobalOptions, o: { httpListen?: string }): Promise<number> {
  // Loaded lazily: pino and prom-client are only needed by the long-running process.
  const { runDaemon } = await import('../daemon/daemon.js');
  if (o.httpListen !== undefined) parseListenArg(o.httpListen);
  return runDaemon(g.home, o.httpListen !== undefined ? { httpListen: o.httpListen } : {});
}

// ---------------------------------------------------------------------------------------------
// tlog-tiles: export, verify --remote

/** A non-negative integer option (sizes, indices, limits). */
export function parseCountArg(value: string, flag: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InputError('USAGE', `${flag} must be a non-negative integer, got ${JSON.stringify(value.slice(0, 80))}`);
  }
  return Number(value);
}

export async function tilesExport(g: GlobalOptions, dir: string, o: { since?: number }): Promise<void> {
  const { paths } = loadConfigFor(g.home);
  // Read-only: works while a daemon holds the write lock.
  const reader = openLogStoreReadOnly(paths.db);
  const bar = progressBar('export');
  let r: ExportResult;
  try {
    r = exportTiles(resolvePath(dir), storeTilesSource(reader), { ...(o.since !== undefined ? { since: o.since } : {}), onProgress: bar });
  } finally {
    bar.end();
    reader.close();
  }
  for (const s of r.skippedBundles) process.stderr.write(`warning: entry bundle ${s.index} not written: ${s.reason}\n`);
  if (g.json) return printJson(r);
  printFields([
    ['directory', r.dir],
    ['tree size', r.from === r.size ? `${r.size} (unchanged)` : `${r.size} (from ${r.from})`],
    ['written', `${r.tiles} tiles, ${r.bundles} entry bundles${r.checkpoint ? ', checkpoint' : ''} (${r.bytes} bytes)`],
    ['unchanged', r.unchanged],
    ['removed', r.removed > 0 ? `${r.removed} obsolete partial tile directories` : undefined],
  ]);
}

async function verifyRemote(g: GlobalOptions, args: string[], o: VerifyOptions): Promise<number> {
  if (args.length > 1) throw new InputError('USAGE', 'verify --remote takes at most one receipt id');
  if (args.length === 1 && o.artifact !== undefined) throw new InputError('USAGE', 'give a receipt id or --artifact, not both');
  if (o.artifact !== undefined && o.index !== undefined) throw new InputError('USAGE', '--index goes with a receipt id, not --artifact');
  const source = new HttpTileSource(o.remote!);
  let target: RemoteTarget | undefined;
  if (o.artifact !== undefined) target = { kind: 'artifact', sha256: (await sha256File(o.artifact)).sha256 };
  else if (args.length === 1) target = { kind: 'id', id: parseIdArg(args[0]!), ...(o.index !== undefined ? { index: o.index } : {}) };
  else if (o.index !== undefined) target = { kind: 'index', index: o.index };
  const trust = trustPolicy(g, o);
  const report = await verifyTiledLog(source, {
    checkpointKeys: trust.checkpointKeys,
    receiptKeys: trust.receiptKeys,
    previous: (origin) => loadRemoteCheckpoint(g.home, origin),
    remember: (origin, note) => saveRemoteCheckpoint(g.home, origin, note, source.base.href),
    conflict: (origin, previous, conflicting) => {
      const path = saveConflictEvidence(g.home, origin, previous, conflicting, source.base.href);
      process.stderr.write(`evidence: both signed checkpoints saved to ${path}\n`);
    },
    ...(target !== undefined ? { target } : {}),
    ...(o.scanLimit !== undefined ? { scanLimit: o.scanLimit } : {}),
  });
  return finish(g, { ...report, remote: source.base.href, fetched: { ...source.stats } });
}

// ---------------------------------------------------------------------------------------------
// mcp, tokens (the MCP modules are loaded only by these commands)

export async function mcp(g: GlobalOptions): Promise<void> {
  const { serveStdio } = await import('../mcp/stdio.js');
  await serveStdio(g.home);
}

export interface TokensAddOptions {
  scope: 'read' | 'write';
  expires?: string;
  name?: string;
  namespace: string[];
  defaultNamespace?: string;
  json?: boolean;
}

export async function tokensAdd(g: GlobalOptions, o: TokensAddOptions): Promise<void> {
  const t = await import('../mcp/tokens.js');
  const path = t.tokensFilePath(g.home);
  const { token, record } = t.addToken(path, {
    scopes: [o.scope],
    ...(o.expires !== undefined ? { expires: t.parseExpiry(o.expires) } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.namespace.length > 0 ? { namespaces: o.namespace } : {}),
    ...(o.defaultNamespace !== undefined ? { defaultNamespace: o.defaultNamespace } : {}),
  });
  if (g.json) return printJson({ name: record.name, token, scopes: record.scopes, expires: record.expires ?? null, namespaces: record.namespaces ?? null });
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `token ${record.name} (${record.scopes.join(', ')}${record.expires ? `; expires ${record.expires}` : ''}) saved to ${path}\n` +
      'it is shown only this once: send it as "Authorization: Bearer <token>" to the /mcp endpoint\n',
  );
}

export async function tokensList(g: GlobalOptions): Promise<void> {
  const t = await import('../mcp/tokens.js');
  const list = t.listTokens(t.tokensFilePath(g.home));
  if (g.json) return printJson(list);
  printTable(
    ['NAME', 'SCOPES', 'CREATED', 'EXPIRES', 'NAMESPACES'],
    list.map((i) => [i.name, i.scopes.join(','), i.created.slice(0, 19), i.expires ? `${i.expires.slice(0, 19)}${i.expired ? ' (expired)' : ''}` : 'never', i.namespaces ? i.namespaces.join(',') : 'all']),
  );
}

export async function tokensRevoke(g: GlobalOptions, name: string): Promise<void> {
  const t = await import('../mcp/tokens.js');
  t.revokeToken(t.tokensFilePath(g.home), name);
  process.stdout.write(`revoked ${name}\n`);
}
