// RFC 3161 time-stamping: the embedded dev TSA's tokens/s and our verifier's tokens/s, against
// openssl (`ts -reply` / `ts -verify`, one child process per token, same key and certificates)
// measured in the same run; and the time-stamping cost per receipt when one token covers a
// checkpoint of 1,000 receipts versus one token per receipt.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256, utf8 } from '../core/bytes.js';
import { createTimestampRequest } from '../core/timestamp/request.js';
import { verifyTimestampToken } from '../core/timestamp/verify.js';
import { ensureDevTsa, loadDevTsa } from '../daemon/tsa/devtsa.js';
import type { Bench } from './types.js';

const run = promisify(execFile);
const RECEIPTS_PER_CHECKPOINT = 1000;

function body(size: number): Uint8Array {
  return utf8.encode(`bench.example/log\n${size}\n${Buffer.from(sha256(utf8.encode(String(size)))).toString('base64')}\n`);
}

async function seconds(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
}

const rate = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const us = (s: number): string => (s * 1e6 >= 10 ? Math.round(s * 1e6).toLocaleString('en-US') : (s * 1e6).toFixed(2));
const ratio = (a: number, b: number): string => `${(a / b).toFixed(a / b >= 100 ? 0 : 1)}×`;

export const bench: Bench = async ({ quick, tmpDir }) => {
  const nTokens = quick ? 500 : 5000;
  const nOpenssl = quick ? 20 : 200;
  const nCheckpoints = quick ? 50 : 500;
  const nPerReceipt = quick ? 500 : 5000;

  const home = join(tmpDir, 'home');
  const { paths } = await ensureDevTsa(home, 'bench.example/log');
  const tsa = await loadDevTsa(home);
  const trust = { trustedCAs: [tsa.caCertificate] };

  // Warm-up (JIT, key objects).
  for (let i = 0; i < 200; i++) {
    const d = sha256(body(i));
    verifyTimestampToken((await tsa.timestamp(d)).token, { digest: d, ...trust });
  }

  // 1. Dev TSA tokens/s, in-process.
  const digests = Array.from({ length: nTokens }, (_, i) => sha256(body(i)));
  const tokens: Uint8Array[] = [];
  const issueS = await seconds(async () => {
    for (const d of digests) tokens.push((await tsa.timestamp(d)).token);
  });

  // 2. Verifications/s (full check: imprint, signature, chain, EKU, ESS, time).
  const verifyS = await seconds(async () => {
    for (let i = 0; i < nTokens; i++) verifyTimestampToken(tokens[i]!, { digest: digests[i]!, ...trust });
  });

  // Baselines: openssl with the same dev TSA key and certificates, one child process per token.
  const cfg = join(tmpDir, 'tsa.cnf');
  await writeFile(join(tmpDir, 'serial'), '01\n');
  await writeFile(
    cfg,
    [
      '[tsa]',
      'default_tsa = t',
      '[t]',
      `serial = ${join(tmpDir, 'serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${paths.tsaCert}`,
      `signer_key = ${paths.tsaKey}`,
      `certs = ${paths.caCert}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  const q = join(tmpDir, 'q.tsq');
  const r = join(tmpDir, 'r.tsr');
  const data = join(tmpDir, 'body');
  await writeFile(data, body(0));
  await run('openssl', ['ts', '-reply', '-queryfile', await query(q, 0), '-config', cfg, '-out', r]); // warm the page cache
  const opensslIssueS = await seconds(async () => {
    for (let i = 0; i < nOpenssl; i++) {
      await writeFile(q, createTimestampRequest({ digest: digests[i]! }).der);
      await run('openssl', ['ts', '-reply', '-queryfile', q, '-config', cfg, '-out', r]);
    }
  });
  // openssl verifies one of our dev TSA tokens (for body(0)), the same work as ours per token.
  const tok = join(tmpDir, 'token.der');
  await writeFile(tok, tokens[0]!);
  const opensslVerifyS = await seconds(async () => {
    for (let i = 0; i < nOpenssl; i++) {
      await run('openssl', ['ts', '-verify', '-data', data, '-in', tok, '-token_in', '-CAfile', paths.caCert, '-untrusted', paths.tsaCert]);
    }
  });

  async function query(path: string, i: number): Promise<string> {
    await writeFile(path, createTimestampRequest({ digest: sha256(body(i)) }).der);
    return path;
  }

  // 3. Cost per receipt: hash the checkpoint body, stamp it, verify the token.
  const stampAndCheck = async (i: number): Promise<void> => {
    const d = sha256(body(i));
    verifyTimestampToken((await tsa.timestamp(d)).token, { digest: d, ...trust });
  };
  const batchedS = await seconds(async () => {
    for (let c = 0; c < nCheckpoints; c++) await stampAndCheck((c + 1) * RECEIPTS_PER_CHECKPOINT);
  });
  const perReceiptS = await seconds(async () => {
    for (let i = 0; i < nPerReceipt; i++) await stampAndCheck(i);
  });
  const batchedCost = batchedS / (nCheckpoints * RECEIPTS_PER_CHECKPOINT);
  const perReceiptCost = perReceiptS / nPerReceipt;

  const ours = { issue: nTokens / issueS, verify: nTokens / verifyS };
  const openssl = { issue: nOpenssl / opensslIssueS, verify: nOpenssl / opensslVerifyS };

  return {
    title: 'RFC 3161 time-stamps',
    markdown: `
Tokens are ECDSA P-256 / SHA-256 with a SigningCertificateV2 attribute, over SHA-256 of a checkpoint
body; the dev TSA key and certificates are used by both sides. Verification is the full check
(imprint, CMS signature, chain to the dev CA, critical timeStamping EKU, ESS certificate hash, validity).
The openssl baselines start one process per token, as a shell pipeline around \`openssl ts\` would.

| measure | ours | baseline (same run) | ratio |
|---|---:|---:|---:|
| tokens issued / s | ${rate(ours.issue)} (dev TSA, in-process, ${nTokens.toLocaleString('en-US')} tokens) | ${rate(openssl.issue)} (\`openssl ts -reply\` per token, ${nOpenssl}) | ${ratio(ours.issue, openssl.issue)} |
| tokens verified / s | ${rate(ours.verify)} (\`verifyTimestampToken\`, ${nTokens.toLocaleString('en-US')} tokens) | ${rate(openssl.verify)} (\`openssl ts -verify\` per token, ${nOpenssl}) | ${ratio(ours.verify, openssl.verify)} |
| time-stamping cost per receipt (stamp + verify) | ${us(batchedCost)} µs (one token per checkpoint of ${RECEIPTS_PER_CHECKPOINT.toLocaleString('en-US')} receipts, ${nCheckpoints} checkpoints) | ${us(perReceiptCost)} µs (one token per receipt, ${nPerReceipt.toLocaleString('en-US')} receipts) | ${ratio(perReceiptCost, batchedCost)} cheaper |

With an external TSA the per-token cost is a network round trip (typically tens to hundreds of
milliseconds) instead of ${us(1 / ours.issue)} µs, so batching receipts into checkpoints is what makes
real time-stamping affordable: one request per checkpoint interval, whatever the receipt rate.
`,
  };
};
