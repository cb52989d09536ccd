// Issue 4 figures: durable, signed, batched receipts/s through the library path (ReceiptLog.append),
// against the seeds' pipeline (one `sha256sum` + one `gpg --detach-sign` child process per
// artifact) measured in the same run; and the full-log audit rate.
import { execFileSync, execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initHome, loadIdentity, trustedReceiptKeys } from '../daemon/home.js';
import { auditLog, ReceiptLog } from '../daemon/log.js';
import { openTimestamper } from '../daemon/timestamper.js';
import type { RecordRequest } from '../daemon/service.js';
import type { Bench } from './types.js';

const run = promisify(execFile);

function hex(i: number): string {
  return i.toString(16).padStart(64, '0');
}

function artifactRequest(i: number): RecordRequest {
  return { kind: 'artifact', subject: { name: `build-${i}.tar.gz`, sha256: hex(i), size: 4096 + i }, note: `nightly build ${i}` };
}

async function seedsPipeline(dir: string, n: number): Promise<number> {
  const gnupg = join(dir, 'gnupg');
  mkdirSync(gnupg, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupg };
  execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', 'Bench <bench@example.org>', 'ed25519', 'sign', 'never'], {
    env,
    stdio: 'pipe',
  });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = join(dir, `artifact-${i}.bin`);
    writeFileSync(f, Buffer.alloc(4096, i & 0xff));
    files.push(f);
  }
  const t = performance.now();
  for (const f of files) {
    await run('sha256sum', [f]);
    await run('gpg', ['--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--armor', '--detach-sign', '--output', `${f}.asc`, f], { env });
  }
  const s = (performance.now() - t) / 1000;
  try {
    execFileSync('gpgconf', ['--kill', 'all'], { env, stdio: 'pipe' });
  } catch {
    /* best effort */
  }
  return n / s;
}

export const bench: Bench = async ({ quick, tmpDir }) => {
  const total = quick ? 5_000 : 100_000;
  const batch = 1000;
  const home = join(tmpDir, 'home');
  await initHome(home, { origin: 'bench.example/log' });
  const identity = await loadIdentity(home);
  const timestamper = await openTimestamper(home, identity.config);
  const log = ReceiptLog.open({ identity, timestamper });

  // Library path: sign + append + commit (synchronous=FULL) per batch, then one checkpoint per batch.
  let next = 0;
  const t0 = performance.now();
  while (next < total) {
    const reqs = Array.from({ length: Math.min(batch, total - next) }, (_, k) => artifactRequest(next + k));
    await log.append(reqs);
    log.publishCheckpoint();
    next += reqs.length;
  }
  await log.stampPending(1_000_000);
  const recordSecs = (performance.now() - t0) / 1000;
  const recordRate = total / recordSecs;

  // Same library path, one receipt per transaction (no batching), on a smaller count.
  const single = quick ? 300 : 2_000;
  const t1 = performance.now();
  for (let i = 0; i < single; i++) await log.append([artifactRequest(total + i)]);
  const singleRate = single / ((performance.now() - t1) / 1000);

  // Full-log audit.
  const t2 = performance.now();
  const report = await auditLog(log.store, {
    origin: identity.origin,
    checkpointKey: identity.checkpointVerifierKey,
    receiptKeys: trustedReceiptKeys(identity.paths),
    tsaAnchors: timestamper.anchors,
  });
  const auditSecs = (performance.now() - t2) / 1000;
  if (!report.ok) throw new Error(`audit failed: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`);
  const audited = log.size();
  log.close();

  const baselineN = quick ? 20 : 100;
  const baseline = await seedsPipeline(join(tmpDir, 'seeds'), baselineN);

  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  return {
    title: 'Receipts: signed, batched, durable records and the full-log audit',
    markdown: `
| measure | ours | baseline (same run) | ratio |
|---|---:|---:|---:|
| receipts/s, library path, batches of ${batch}, OpenPGP-signed, synchronous=FULL, one checkpoint per batch (${f(total)} receipts) | **${f(recordRate)}** | seeds' pipeline: \`sha256sum\` + \`gpg --detach-sign\` child processes per artifact: ${f(baseline)}/s (${baselineN} artifacts) | **${(recordRate / baseline).toFixed(0)}×** |
| receipts/s, one transaction per receipt (${f(single)} receipts) | ${f(singleRate)} | batches of ${batch}: ${f(recordRate)}/s | batching ${(recordRate / singleRate).toFixed(1)}× |
| full-log audit (every signature, fsck, checkpoints + tokens + consistency), ${f(audited)} entries, ${f(total / batch)} checkpoints | **${f(audited / auditSecs)} entries/s** (${auditSecs.toFixed(1)} s) | — | — |

Targets (issue 4): ≥ 5,000 receipts/s on 2 cores; ≥ 40× the seeds' pipeline. Signatures are made by the
node:crypto Ed25519 fast path (core/signing/native.ts); the audit verifies them with the node:crypto
fast path for simple trusted Ed25519 keys (core/signing/native-verify.ts; OpenPGP.js otherwise).
`,
  };
};
