// The commander program (DESIGN.md §3). A thin adapter: parse and check arguments, call the service
// API (or the pure verifier for offline bundles), format the result.
import { Command, CommanderError, Option } from 'commander';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { printError, EXIT_USAGE } from './output.js';
import * as cmd from './commands.js';
import { parseIdArg, parseLimitArg, parseListenArg, parseTextArg } from './args.js';

export interface GlobalOptions {
  home: string;
  json: boolean;
  debug: boolean;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function defaultHome(): string {
  const env = process.env.REMEMBRANCER_HOME;
  return env && env.length > 0 ? env : resolve(homedir(), '.remembrancer');
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('remembrancer')
    .description('Signed receipts in an append-only RFC 9162 Merkle log, with RFC 3161 timestamped checkpoints.')
    .option('--home <dir>', 'home directory (env REMEMBRANCER_HOME)', defaultHome())
    .option('--json', 'machine-readable output', false)
    .option('--debug', 'print stack traces on errors', false)
    .version('0.1.0', '-V', 'print the remembrancer version')
    .showHelpAfterError(false)
    .exitOverride()
    // Set before any subcommand exists: subcommands copy these settings when created, so their
    // usage errors get the same one-line `error[USAGE]` form.
    .configureOutput({
      writeErr: (s) => {
        const m = /^error: (.*)/s.exec(s.trim());
        if (m) process.stderr.write(`error[USAGE]: ${m[1]}\nhint: run with --help for usage\n`);
        else process.stderr.write(s);
      },
    });

  const g = (): GlobalOptions => {
    const o = program.opts<{ home: string; json: boolean; debug: boolean }>();
    return { home: resolve(o.home), json: o.json, debug: o.debug };
  };
  /** Read commands accept --json after the subcommand too. */
  const withJson = (c: Command) => c.option('--json', 'machine-readable output');
  const opts = (c: Command): GlobalOptions => {
    const local = c.opts<{ json?: boolean }>();
    const base = g();
    return { ...base, json: base.json || local.json === true };
  };

  program
    .command('init')
    .description('create keys, config.toml and the log store (idempotent; never overwrites keys)')
    .option('--origin <name>', 'log origin name (C2SP checkpoint origin), e.g. example.org/log')
    .option('--import-key <file>', 'use an existing armored OpenPGP secret key (Ed25519) to sign receipts')
    .action(async (o: { origin?: string; importKey?: string }, c: Command) => {
      await cmd.init(opts(c), o);
    });

  const record = program.command('record').description('record a signed receipt (prints its id)');
  const commonRecord = (c: Command) =>
    withJson(c)
      .option('--evidence <file>', 'record this file\u2019s name and sha256 as evidence (repeatable)', collect, [])
      .option('--chain-ref <id>', 'id of an earlier receipt this one follows')
      .option('--note <text>', 'free-text note')
      .option('--idempotency-key <key>', 'a retry with the same key returns the same receipt');

  commonRecord(
    record
      .command('deploy')
      .description('a deployment of a component version')
      .requiredOption('--component <name>', 'component name')
      .requiredOption('--version <version>', 'component version')
      .option('--sha256 <hex>', 'artifact digest')
      .option('--file <path>', 'artifact file to hash (streamed)'),
  ).action(async (o: cmd.RecordDeployOptions, c: Command) => {
    await cmd.recordDeploy(opts(c), o);
  });

  commonRecord(
    record
      .command('artifact')
      .description('an artifact, by its file (streamed) or digest')
      .option('--file <path>', 'artifact file to hash')
      .option('--sha256 <hex>', 'artifact digest (with --name)')
      .option('--name <name>', 'artifact name (defaults to the file name)')
      .option('--namespace <ns>', 'namespace', 'default'),
  ).action(async (o: cmd.RecordArtifactOptions, c: Command) => {
    await cmd.recordArtifact(opts(c), o);
  });

  commonRecord(
    record
      .command('decision')
      .description('a decision and its rationale')
      .requiredOption('--title <text>', 'short title')
      .requiredOption('--body <text>', 'the decision and its reasons')
      .option('--namespace <ns>', 'namespace', 'default'),
  ).action(async (o: cmd.RecordDecisionOptions, c: Command) => {
    await cmd.recordDecision(opts(c), o);
  });

  commonRecord(
    record
      .command('memory')
      .description('a memory (free text with tags)')
      .requiredOption('--text <text>', 'the memory')
      .option('--tag <tag>', 'tag (repeatable)', collect, [])
      .option('--namespace <ns>', 'namespace', 'default')
      .option('--supersedes <id>', 'this memory replaces an earlier one (which leaves the current view)'),
  ).action(async (o: cmd.RecordMemoryOptions, c: Command) => {
    await cmd.recordMemory(opts(c), o);
  });

  withJson(
    program
      .command('get')
      .description('show one receipt')
      .argument('<id>', 'receipt id', parseIdArg)
      .option('--history', 'show its whole correction chain (supersedes, retractions, redactions) with proofs'),
  ).action(async (id: string, o: { history?: boolean }, c: Command) => {
    await cmd.get(opts(c), id, o);
  });

  program
    .command('retract')
    .description('record that a memory, decision or artifact receipt is withdrawn (it leaves the current view; the log keeps it)')
    .argument('<id>', 'receipt id', parseIdArg)
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { reason: string; json?: boolean }, c: Command) => {
      await cmd.retract(opts(c), id, o);
    });

  program
    .command('redact')
    .description('delete a memory\u2019s text from the store and record a redaction receipt (proofs stay valid)')
    .argument('<id>', 'receipt id', parseIdArg)
    .option('--reason <text>', 'why')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { reason?: string; json?: boolean }, c: Command) => {
      await cmd.redact(opts(c), id, o);
    });

  withJson(
    program
      .command('list')
      .description('list receipts, newest first (the current view of the default namespace unless told otherwise)')
      .option('--kind <kind>', 'only this kind')
      .option('--namespace <ns>', 'only this namespace')
      .option('--all-namespaces', 'every namespace')
      .option('--history', 'include superseded, retracted and redacted entries')
      .option('--limit <n>', 'page size', parseLimitArg)
      .option('--cursor <cursor>', 'continue from a previous page'),
  ).action(async (o: cmd.ListOptions, c: Command) => {
    await cmd.list(opts(c), o);
  });

  withJson(
    program
      .command('search')
      .description('full-text search over kind, subject, note and tags (SQLite FTS5)')
      .argument('<query>', 'search terms')
      .option('--kind <kind>', 'only this kind')
      .option('--namespace <ns>', 'only this namespace')
      .option('--all-namespaces', 'every namespace')
      .option('--history', 'include superseded, retracted and redacted entries')
      .option('--limit <n>', 'page size', parseLimitArg)
      .option('--cursor <cursor>', 'continue from a previous page'),
  ).action(async (query: string, o: cmd.ListOptions, c: Command) => {
    await cmd.search(opts(c), parseTextArg(query, 'QUERY', 1024), o);
  });

  withJson(program.command('proof').description('inclusion proof of a receipt in the latest checkpoint').argument('<id>', 'receipt id', parseIdArg)).action(
    async (id: string, _o: unknown, c: Command) => {
      await cmd.proof(opts(c), id);
    },
  );

  program
    .command('bundle')
    .description('write the offline bundle of a receipt (waits for a timestamped checkpoint covering it)')
    .argument('<id>', 'receipt id', parseIdArg)
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (id: string, o: { out?: string }, c: Command) => {
      await cmd.bundle(opts(c), id, o);
    });

  withJson(program.command('checkpoint').description('publish a checkpoint now, with its RFC 3161 timestamp')).action(
    async (_o: unknown, c: Command) => {
      await cmd.checkpoint(opts(c));
    },
  );

  withJson(program.command('status').description('tree size, last checkpoint and its timestamp state')).action(
    async (_o: unknown, c: Command) => {
      await cmd.status(opts(c));
    },
  );

  const keys = program.command('keys').description('key material');
  keys
    .command('export')
    .description('print the public trust material (OpenPGP public key and checkpoint verifier key)')
    .option('--tsa', 'print the TSA CA certificates instead')
    .action(async (o: { tsa?: boolean }, c: Command) => {
      await cmd.keysExport(opts(c), o);
    });

  withJson(
    program
      .command('verify')
      .description('verify bundles offline, an artifact, or (no argument) the whole local log; exit 0 only when every check passed')
      .argument('[bundle...]', 'bundle files (- for stdin); with --remote, a receipt id')
      .option('--artifact <file>', 'hash the file and verify every receipt that records it')
      .option('--remote <url>', 'verify a log served as C2SP tlog-tiles at this URL prefix (its checkpoint, tree, consistency with the last one seen, and a receipt)')
      .option('--index <n>', 'with --remote: the receipt\u2019s log index (skips scanning for its id)', (v) => cmd.parseCountArg(v, '--index'))
      .option('--scan-limit <n>', 'with --remote: most leaves read to find an id or artifact (default 1048576)', (v) => cmd.parseCountArg(v, '--scan-limit'))
      .option('--trust-key <file>', 'trusted key material: armored OpenPGP public key, checkpoint verifier key, or TSA CA certificate (repeatable)', collect, [])
      .option('--allow-missing-timestamp', 'accept a bundle without an RFC 3161 token')
      .option('--require-trusted-tsa', 'reject tokens from the embedded dev TSA'),
  ).action(async (bundles: string[], o: cmd.VerifyOptions, c: Command) => {
    setExit(await cmd.verify(opts(c), bundles, o));
  });

  const tiles = program.command('tiles').description('the log as C2SP tlog-tiles (static, cacheable reads)');
  withJson(
    tiles
      .command('export')
      .description('write the checkpoint, tiles and entry bundles into DIR for a static host; incremental, atomic, full tiles never rewritten')
      .argument('<dir>', 'output directory (the log\u2019s URL prefix on the host)')
      .option('--since <size>', 'assume DIR already holds the tree at this size (default: the size of DIR/checkpoint)', (v) => cmd.parseCountArg(v, '--since')),
  ).action(async (dir: string, o: { since?: number }, c: Command) => {
    await cmd.tilesExport(opts(c), dir, o);
  });

  program
    .command('daemon')
    .description('run the daemon in the foreground: owns the store, serves the CLI over <home>/control.sock and /metrics, /healthz, /readyz over HTTP; JSON logs on stdout; SIGTERM/SIGINT stop it gracefully')
    .option('--http-listen <host:port>', 'HTTP listener address, overrides [mcp] http_listen (port 0 picks a free port)')
    .action(async (o: { httpListen?: string }, c: Command) => {
      setExit(await cmd.daemon(opts(c), o));
    });

  const tsa = program.command('tsa').description('the embedded dev timestamp authority');
  tsa
    .command('serve')
    .description('serve the dev TSA over HTTP (RFC 3161)')
    .addOption(new Option('--listen <host:port>', 'address to listen on').default('127.0.0.1:3161'))
    .action(async (o: { listen: string }, c: Command) => {
      await cmd.tsaServe(opts(c), parseListenArg(o.listen));
    });

  program
    .command('mcp')
    .description('serve MCP (Model Context Protocol) on stdin/stdout for AI agents; uses the daemon when it runs, otherwise holds the store until it exits')
    .action(async (_o: unknown, c: Command) => {
      await cmd.mcp(opts(c));
    });

  const tokens = program.command('tokens').description('bearer tokens for the MCP HTTP endpoint (stored hashed in <home>/tokens.toml)');
  withJson(
    tokens
      .command('add')
      .description('create a token and print it (the only time it is shown)')
      .addOption(new Option('--scope <scope>', 'read, or write (implies read)').choices(['read', 'write']).makeOptionMandatory())
      .option('--expires <when>', 'expiry: a duration (30d, 12h, 90m, 2w) or a date (2027-01-31)')
      .option('--name <name>', 'name to list and revoke it by (default token-<random>)')
      .option('--namespace <ns>', 'allow only this namespace (repeatable; default: every namespace)', collect, [])
      .option('--default-namespace <ns>', 'namespace used when a call names none'),
  ).action(async (o: cmd.TokensAddOptions, c: Command) => {
    await cmd.tokensAdd(opts(c), o);
  });
  withJson(tokens.command('list').description('token names, scopes and expiry (never the tokens or their hashes)')).action(async (_o: unknown, c: Command) => {
    await cmd.tokensList(opts(c));
  });
  tokens
    .command('revoke')
    .description('delete a token; a running daemon refuses it from its next request')
    .argument('<name>', 'token name (see tokens list)')
    .action(async (name: string, _o: unknown, c: Command) => {
      await cmd.tokensRevoke(opts(c), name);
    });

  return program;
}

/** Run the CLI with `argv` (without node and script). Returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  let exit = 0;
  const program = buildProgram((code) => {
    exit = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      return EXIT_USAGE;
    }
    const debug = argv.includes('--debug');
    return printError(e, debug);
  }
}
