// Offline bundle verification throughput (DESIGN §2), against the "piece by piece without our
// code" path measured in the same run: per bundle one `gpg --verify` child process (receipt
// signature) and one `openssl ts -verify` child process (RFC 3161 token over the checkpoint body).
// That baseline does strictly less work: it checks neither the checkpoint signature nor the
// inclusion proof, for which no standard command-line tool exists.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fromBase64, sha256 } from '../core/bytes.js';
import { canonicalBytes, parseJson } from '../core/canonical.js';
import { checkpointBody, parseVerifierKey, verifyCheckpoint } from '../core/checkpoint/index.js';
import { verifyInclusion } from '../core/merkle/index.js';
import { entryLeafHash, proofHashes, type Entry } from '../core/receipt.js';
import { mapConcurrent, ReceiptVerifier } from '../core/signing/index.js';
import { parsePemCertificates, verifyTimestampToken } from '../core/timestamp/index.js';
import { createTestKit, type BundleJson } from '../core/verify/testkit.js';
import { BundleVerifier, verifyBundleReport } from '../core/verify/index.js';
import type { Bench } from './types.js';

const run = promisify(execFile);

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

const rate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
const us = (seconds: number, n: number) => `${((seconds / n) * 1e6).toFixed(0)} µs`;

export const bench: Bench = async ({ quick, tmpDir }) => {
  const leaves = 64;
  const nOurs = quick ? 300 : 3000;
  const nOneShot = quick ? 100 : 500;
  const nBaseline = quick ? 12 : 48;
  const nParts = quick ? 300 : 2000;
  const load = loadavg()[0]!.toFixed(1);

  // A 64-leaf log with a dev-TSA token on its checkpoint; one bundle (as JSON text) per leaf.
  const kit = await createTestKit('bench.example/log');
  const log = await kit.build({ size: leaves });
  const bundles: BundleJson[] = Array.from({ length: leaves }, (_, i) => log.bundle(i));
  const texts = bundles.map((b) => JSON.stringify(b, null, 2));
  const policy = kit.policy();
  const verifier = await BundleVerifier.create(policy);
  const check = async (text: string) => {
    const r = await verifier.report(parseJson(text));
    if (!r.ok) throw new Error(`bundle did not verify: ${JSON.stringify(r.checks)}`);
  };

  // Ours: JSON text in, full report out (all six checks), a dev-TSA token in every bundle.
  await mapConcurrent(texts, 16, check); // warm-up
  const items = Array.from({ length: nOurs }, (_, i) => texts[i % leaves]!);
  const serial = nOurs / (await timed(async () => {
    for (const t of items) await check(t);
  }));
  const bounded = nOurs / (await timed(() => mapConcurrent(items, 16, check)));
  const oneShot = nOneShot / (await timed(async () => {
    for (let i = 0; i < nOneShot; i++) {
      const r = await verifyBundleReport(parseJson(texts[i % leaves]!), policy);
      if (!r.ok) throw new Error('bundle did not verify');
    }
  }));

  // Where the time goes: each piece on its own, same bundles.
  const receiptVerifier = await ReceiptVerifier.create(policy.receiptKeys);
  const vkey = parseVerifierKey(policy.checkpointKeys[0]!);
  const caDer = parsePemCertificates(policy.tsaRoots[0]!)!;
  const token = fromBase64(bundles[0]!.timestamp!)!;
  const digest = sha256(checkpointBody(log.checkpoint));
  const extra = bundles[0]!.tsaCertificates!;
  const part = async (f: (b: BundleJson) => unknown) => timed(async () => {
    for (let i = 0; i < nParts; i++) await f(bundles[i % leaves]!);
  });
  const tSig = await part((b) => receiptVerifier.verify(b.entry.receipt, b.entry.signature));
  const tCp = await part((b) => verifyCheckpoint(b.checkpoint, vkey, { origin: b.entry.receipt.origin }));
  const tIncl = await part((b) => {
    const cp = { size: log.leaves.length, root: log.root };
    verifyInclusion({ leafHash: entryLeafHash(b.entry as Entry), index: b.inclusionProof.logIndex, treeSize: cp.size, proof: proofHashes(b.inclusionProof), root: cp.root });
  });
  const tTsa = await part(() => verifyTimestampToken(token, { digest, trustedCAs: caDer, extraCerts: extra }));
  const tJson = await part((b) => parseJson(texts[b.inclusionProof.logIndex]!));

  // Baseline: the pieces of each bundle written out (not timed), then per bundle one gpg and one
  // openssl child process, serially; the key imported into a private GNUPGHOME first.
  const home = join(tmpDir, 'gnupg');
  mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  const gpgArgs = ['--homedir', home, '--batch', '--no-tty'];
  const dir = join(tmpDir, 'pieces');
  mkdirSync(dir);
  writeFileSync(join(dir, 'pub.asc'), kit.signingKey.armoredPublicKey);
  writeFileSync(join(dir, 'ca.pem'), kit.tsa.caPem);
  writeFileSync(join(dir, 'tsa.pem'), extra[0]!);
  writeFileSync(join(dir, 'body'), checkpointBody(log.checkpoint));
  const files = bundles.map((b, i) => {
    const f = { receipt: join(dir, `r${i}.json`), sig: join(dir, `r${i}.sig`), token: join(dir, `t${i}.der`) };
    writeFileSync(f.receipt, canonicalBytes(b.entry.receipt));
    writeFileSync(f.sig, b.entry.signature);
    writeFileSync(f.token, fromBase64(b.timestamp!)!);
    return f;
  });
  await run('gpg', [...gpgArgs, '--import', join(dir, 'pub.asc')], { env });
  try {
    const one = async (i: number) => {
      const f = files[i % leaves]!;
      await run('gpg', [...gpgArgs, '--verify', f.sig, f.receipt], { env });
      const { stdout } = await run('openssl', ['ts', '-verify', '-data', join(dir, 'body'), '-in', f.token, '-token_in', '-CAfile', join(dir, 'ca.pem'), '-untrusted', join(dir, 'tsa.pem')]);
      if (!stdout.includes('Verification: OK')) throw new Error('openssl ts -verify failed');
    };
    await one(0); // warm the page cache
    const baseline = nBaseline / (await timed(async () => {
      for (let i = 0; i < nBaseline; i++) await one(i);
    }));
    const baseline16 = nBaseline / (await timed(() => mapConcurrent(Array.from({ length: nBaseline }, (_, i) => i), 16, one)));

    const markdown = `
Bundles of a ${leaves}-leaf log, each with an OpenPGP (v4 Ed25519) receipt signature, a ${Math.ceil(Math.log2(leaves))}-hash
inclusion proof, an Ed25519 checkpoint and a dev-TSA RFC 3161 token (ECDSA P-256, chain to the
dev CA). Ours: JSON text in, \`parseJson\` + \`BundleVerifier.report\` (all six checks) out, ${nOurs} bundles per row.
Baseline: "piece by piece without our code" (DESIGN §2), per bundle one \`gpg --verify\` of the
receipt signature and one \`openssl ts -verify\` of the token, ${nBaseline} bundles, pieces already
extracted to files (untimed). The baseline checks neither the checkpoint signature nor the
inclusion proof, so it does less work than ours.

| Bundles verified | ours (/s) | baseline: gpg + openssl per bundle (/s) | ratio |
|---|---:|---:|---:|
| serial | ${rate(serial)} | ${rate(baseline)} | ${ratio(serial, baseline)} |
| 16 in flight (ours: one \`BundleVerifier\`; baseline: 16 child pipelines) | ${rate(bounded)} | ${rate(baseline16)} | ${ratio(bounded, baseline16)} |
| one-shot \`verifyBundleReport\` (trust policy parsed per bundle), serial | ${rate(oneShot)} | ${rate(baseline)} | ${ratio(oneShot, baseline)} |

Time per piece (ours, serial, ${nParts} each): receipt signature ${us(tSig, nParts)}, checkpoint parse + verify
${us(tCp, nParts)}, inclusion proof ${us(tIncl, nParts)}, RFC 3161 token ${us(tTsa, nParts)}, JSON parse ${us(tJson, nParts)}.
A one-shot call also parses the trust policy (OpenPGP key, verifier key, CA certificate) for each bundle; \`BundleVerifier\` parses it once.
One-minute load average when the run started: ${load} (the 2 cores may be shared with other jobs).
`;
    return { title: 'Offline bundle verification', markdown };
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'all'], { env }).catch(() => undefined);
  }
};
