// Receipt signing and checkpoint signing throughput, against the seeds' pipeline measured in the
// same run: per artifact one `sha256sum` child process and one `gpg --detach-sign` child process.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { sha256, toHex } from '../core/bytes.js';
import { generateCheckpointKey, parseSignerKey, parseVerifierKey, signCheckpoint, verifyCheckpoint } from '../core/checkpoint/index.js';
import type { Receipt } from '../core/receipt.js';
import { generateSigningKey, mapConcurrent, ReceiptSigner, ReceiptVerifier } from '../core/signing/index.js';
import type { Bench } from './types.js';

const run = promisify(execFile);
const ARTIFACT_BYTES = 4096;

/** Our pipeline for one artifact: read, hash, build the receipt, sign it. */
async function recordArtifact(signer: ReceiptSigner, path: string): Promise<string> {
  const bytes = await readFile(path);
  const receipt: Receipt = {
    v: 1,
    kind: 'artifact',
    origin: 'bench.example/log',
    time: new Date().toISOString(),
    subject: { name: path.slice(path.lastIndexOf('/') + 1), sha256: toHex(sha256(bytes)), size: bytes.length },
    evidence: [],
  };
  return signer.sign(receipt);
}

interface WorkerJob {
  role: 'signing-bench-worker';
  armoredKey: string;
  paths: string[];
  concurrency: number;
}

// Worker side: sign its share of the artifacts with the same bounded concurrency.
if (!isMainThread && (workerData as WorkerJob | undefined)?.role === 'signing-bench-worker') {
  const job = workerData as WorkerJob;
  void (async () => {
    const signer = await ReceiptSigner.create(job.armoredKey);
    parentPort!.postMessage('ready');
    await new Promise((r) => parentPort!.once('message', r));
    await mapConcurrent(job.paths, job.concurrency, (p) => recordArtifact(signer, p));
    parentPort!.postMessage('done');
  })();
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

async function withWorkers(count: number, armoredKey: string, paths: string[]): Promise<number> {
  const per = Math.ceil(paths.length / count);
  const workers = Array.from(
    { length: count },
    (_, k) =>
      new Worker(new URL(import.meta.url), {
        workerData: { role: 'signing-bench-worker', armoredKey, paths: paths.slice(k * per, (k + 1) * per), concurrency: 16 } satisfies WorkerJob,
      }),
  );
  const next = (w: Worker) =>
    new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
  await Promise.all(workers.map(next));
  const seconds = await timed(() => Promise.all(workers.map((w) => { const done = next(w); w.postMessage('go'); return done; })));
  await Promise.all(workers.map((w) => w.terminate()));
  return paths.length / seconds;
}

const rate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

export const bench: Bench = async ({ quick, tmpDir }) => {
  const nBaseline = quick ? 40 : 300;
  const nOurs = quick ? 600 : 4000;
  const nCheckpoints = quick ? 2000 : 20000;
  const nGpgCheckpoints = quick ? 20 : 100;

  // Artifacts: nBaseline distinct 4 KiB files; our runs cycle over them.
  const dir = join(tmpDir, 'artifacts');
  mkdirSync(dir);
  const files = Array.from({ length: nBaseline }, (_, i) => {
    const p = join(dir, `artifact-${i}.bin`);
    writeFileSync(p, `artifact ${i}\n`.padEnd(ARTIFACT_BYTES, 'x'));
    return p;
  });
  const paths = Array.from({ length: nOurs }, (_, i) => files[i % files.length]!);

  // Baseline key: made by gpg itself in a private GNUPGHOME.
  const home = join(tmpDir, 'gnupg');
  mkdirSync(home);
  chmodSync(home, 0o700);
  const gpgArgs = ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];
  const env = { ...process.env, GNUPGHOME: home };
  await run('gpg', [...gpgArgs, '--quick-gen-key', 'Bench <bench@example>', 'ed25519', 'sign', 'never'], { env });

  try {
    // Baseline: the seeds' pipeline, serial, one artifact at a time.
    await run('gpg', [...gpgArgs, '--armor', '--yes', '--detach-sign', files[0]!], { env }); // warm the agent
    const baseline =
      nBaseline /
      (await timed(async () => {
        for (const f of files) {
          const { stdout } = await run('sha256sum', [f]);
          if (!/^[0-9a-f]{64} /.test(stdout)) throw new Error('sha256sum failed');
          await run('gpg', [...gpgArgs, '--armor', '--yes', '--detach-sign', f], { env });
        }
      }));

    // Ours: same work per artifact (read, SHA-256, receipt, OpenPGP signature over JCS).
    const key = await generateSigningKey({ name: 'Bench', email: 'bench@example.org' });
    const signer = await ReceiptSigner.create(key.armoredPrivateKey);
    await mapConcurrent(paths.slice(0, 200), 16, (p) => recordArtifact(signer, p)); // JIT warm-up
    const serial = nOurs / (await timed(async () => {
      for (const p of paths) await recordArtifact(signer, p);
    }));
    const bounded = nOurs / (await timed(() => mapConcurrent(paths, 16, (p) => recordArtifact(signer, p))));
    const workers2 = await withWorkers(2, key.armoredPrivateKey, paths);

    // Receipt verification: ours vs `gpg --verify` per receipt.
    const sample = await Promise.all(
      files.slice(0, nGpgCheckpoints).map(async (f) => {
        const bytes = await readFile(f);
        const receipt: Receipt = {
          v: 1,
          kind: 'artifact',
          origin: 'bench.example/log',
          time: new Date().toISOString(),
          subject: { name: 'a', sha256: toHex(sha256(bytes)) },
          evidence: [],
        };
        return { receipt, signature: await signer.sign(receipt) };
      }),
    );
    const verifier = await ReceiptVerifier.create([key.armoredPublicKey]);
    const entries = Array.from({ length: nOurs }, (_, i) => sample[i % sample.length]!);
    const verifyRate = nOurs / (await timed(() => verifier.verifyMany(entries, { concurrency: 16 })));
    const gpgVerifyRate =
      nGpgCheckpoints /
      (await timed(async () => {
        for (const f of files.slice(0, nGpgCheckpoints)) await run('gpg', [...gpgArgs, '--verify', `${f}.asc`, f], { env });
      }));

    // Checkpoints: Ed25519 signed notes vs one `gpg --detach-sign` / `gpg --verify` per checkpoint body.
    const cpKey = generateCheckpointKey('bench.example/log');
    const cpSigner = parseSignerKey(cpKey.signerKey);
    const cpVerifier = parseVerifierKey(cpKey.verifierKey);
    const roots = Array.from({ length: 64 }, (_, i) => sha256(new Uint8Array([i, 1])));
    const notes: string[] = [];
    const cpSign =
      nCheckpoints /
      (await timed(async () => {
        for (let i = 0; i < nCheckpoints; i++) notes.push(signCheckpoint({ origin: 'bench.example/log', size: i, root: roots[i % 64]! }, cpSigner));
      }));
    const cpVerify =
      nCheckpoints /
      (await timed(async () => {
        for (const n of notes) verifyCheckpoint(n, cpVerifier, { origin: 'bench.example/log' });
      }));
    const body = join(tmpDir, 'checkpoint-body');
    const gpgCpSign =
      nGpgCheckpoints /
      (await timed(async () => {
        for (let i = 0; i < nGpgCheckpoints; i++) {
          writeFileSync(body, notes[i]!.slice(0, notes[i]!.indexOf('\n\n') + 1));
          await run('gpg', [...gpgArgs, '--armor', '--yes', '--detach-sign', body], { env });
        }
      }));
    const gpgCpVerify =
      nGpgCheckpoints /
      (await timed(async () => {
        for (let i = 0; i < nGpgCheckpoints; i++) await run('gpg', [...gpgArgs, '--verify', `${body}.asc`, body], { env });
      }));

    const workerNote =
      workers2 > bounded * 1.2
        ? `Two worker threads beat one thread by ${ratio(workers2, bounded)} here; \`ReceiptSigner\` itself signs on one thread.`
        : `Two worker threads give ${ratio(workers2, bounded)} of one thread's bounded rate here (the two cores are shared with the ` +
          'file reads and hashing), so `ReceiptSigner` uses bounded concurrency on one thread and no worker pool.';
    const markdown = `
Receipts: per artifact (${ARTIFACT_BYTES} B file) read, SHA-256, build an \`artifact\` receipt, OpenPGP
(v4 Ed25519) detached signature over its JCS bytes, made by the node:crypto fast path for Ed25519 keys
(core/signing/native.ts; OpenPGP.js signs for other key types and verifies). Serial rows await each
artifact's file read. Baseline: the seeds' pipeline, one \`sha256sum\`
child process and one \`gpg --armor --detach-sign\` child process per artifact, serially, gpg-agent
warm (${nBaseline} artifacts). Ours: ${nOurs} artifacts per row.

| Receipts signed | ours (/s) | baseline: sha256sum + gpg per artifact (/s) | ratio |
|---|---:|---:|---:|
| serial (one signature awaited at a time) | ${rate(serial)} | ${rate(baseline)} | ${ratio(serial, baseline)} |
| bounded concurrency, 16 in flight (\`signMany\`) | ${rate(bounded)} | ${rate(baseline)} | ${ratio(bounded, baseline)} |
| 2 worker threads × 16 in flight | ${rate(workers2)} | ${rate(baseline)} | ${ratio(workers2, baseline)} |

| Verification and checkpoints | ours (/s) | baseline (/s) | ratio |
|---|---:|---:|---:|
| receipt signature verify, 16 in flight (\`verifyMany\`) vs \`gpg --verify\` per receipt | ${rate(verifyRate)} | ${rate(gpgVerifyRate)} | ${ratio(verifyRate, gpgVerifyRate)} |
| checkpoint sign (C2SP note, Ed25519, node:crypto) vs \`gpg --detach-sign\` per body | ${rate(cpSign)} | ${rate(gpgCpSign)} | ${ratio(cpSign, gpgCpSign)} |
| checkpoint parse + verify vs \`gpg --verify\` per body | ${rate(cpVerify)} | ${rate(gpgCpVerify)} | ${ratio(cpVerify, gpgCpVerify)} |

${workerNote} Checkpoint rows: ${nCheckpoints} notes for ours, ${nGpgCheckpoints} gpg runs each.
`;
    return { title: 'Signing: receipts (OpenPGP) and checkpoints (signed notes)', markdown };
  } finally {
    await run('gpgconf', ['--kill', 'gpg-agent'], { env }).catch(() => undefined);
  }
};
