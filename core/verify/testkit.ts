// Test-only builder of real offline bundles: a real OpenPGP key signs real receipts, the entries
// form an RFC 9162 tree, a real Ed25519 note key signs its checkpoint, and an in-process dev TSA
// (real ECDSA certificates and RFC 3161 tokens) stamps the checkpoint body. Nothing is mocked, so
// tests that tamper with these bundles exercise the verifier end to end. Pure: no I/O.
import { webcrypto } from 'node:crypto';
import { sha256, toBase64, toHex, utf8 } from '../bytes.js';
import { checkpointBody, generateCheckpointKey, signCheckpoint } from '../checkpoint/checkpoint.js';
import { rootFromLeafHashes } from '../merkle/hash.js';
import { referenceInclusionProof } from '../merkle/reference.js';
import { BUNDLE_MEDIA_TYPE, entryLeafHash, type Entry, type Receipt } from '../receipt.js';
import { generateSigningKey, ReceiptSigner, type GeneratedSigningKey } from '../signing/index.js';
import { createDevTsaCertificates } from '../timestamp/devca.js';
import { createTsaSigner, type TsaSigner } from '../timestamp/issue.js';
import { toPemCertificate } from '../timestamp/pem.js';
import { parseTimestampResponse } from '../timestamp/response.js';
import type { TrustPolicy } from './types.js';

/** A bundle as JSON (what `remembrancer bundle ID` writes), typed loosely so tests can tamper with it. */
export interface BundleJson {
  mediaType: string;
  entry: Entry;
  publicKey: string;
  inclusionProof: { logIndex: number; treeSize: number; hashes: string[] };
  checkpoint: string;
  checkpointKey: string;
  timestamp?: string;
  tsaCertificates?: string[];
}

export const TEST_TSA_POLICY = '1.3.6.1.4.1.57264.99.1';

export interface DevTsa {
  signer: TsaSigner;
  caCert: Uint8Array;
  caPem: string;
  /** Signer certificate first, then the CA, as PEM: a bundle's tsaCertificates. */
  certificatesPem: string[];
}

let tsaSerial = 1n;

/** A fresh embedded-style dev TSA (its own CA) for `origin`. */
export async function createDevTsa(origin: string, now?: Date): Promise<DevTsa> {
  const ec = () =>
    webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;
  const [caKeys, tsaKeys] = await Promise.all([ec(), ec()]);
  const { caCert, tsaCert } = await createDevTsaCertificates({ origin, caKeys, tsaKeys, ...(now ? { now } : {}) });
  const signer = createTsaSigner({ signerKey: tsaKeys.privateKey, signerCert: tsaCert, chain: [caCert], policy: TEST_TSA_POLICY });
  return { signer, caCert, caPem: toPemCertificate(caCert), certificatesPem: signer.certificates.map(toPemCertificate) };
}

/** RFC 3161 token (ContentInfo DER) from `tsa` over SHA-256 of the checkpoint's body. */
export function stampCheckpoint(tsa: TsaSigner, checkpoint: string, genTime = new Date()): Uint8Array {
  const resp = tsa.issue({ digest: sha256(checkpointBody(checkpoint)) }, { serial: tsaSerial++, genTime });
  return parseTimestampResponse(resp).token!;
}

export interface BuildOptions {
  /** Leaves in the tree (default 7: odd, so proofs have right-edge cases). */
  size?: number;
  /** Stamp the checkpoint (default true). */
  timestamp?: boolean;
  /** Another TSA than the kit's own. */
  tsa?: DevTsa;
  genTime?: Date;
}

export interface BuiltLog {
  entries: Entry[];
  leaves: Uint8Array[];
  root: Uint8Array;
  checkpoint: string;
  token: Uint8Array | undefined;
  /** The offline bundle of entry `index`. */
  bundle(index: number): BundleJson;
}

export interface TestKit {
  origin: string;
  signingKey: GeneratedSigningKey;
  signer: ReceiptSigner;
  checkpointKey: { signerKey: string; verifierKey: string };
  tsa: DevTsa;
  /** Trusts exactly this kit's keys and TSA CA. */
  policy(extra?: Partial<TrustPolicy>): TrustPolicy;
  /** A receipt of this log (kind chosen by `i`). */
  receipt(i: number): Receipt;
  build(options?: BuildOptions): Promise<BuiltLog>;
}

/** Generating the OpenPGP key is the slow part (~100 ms): make one kit per test file. */
export async function createTestKit(origin = 'test.example/log'): Promise<TestKit> {
  const signingKey = await generateSigningKey({ name: `Test signer for ${origin}`, email: 'signer@test.example' });
  const signer = await ReceiptSigner.create(signingKey.armoredPrivateKey);
  const checkpointKey = generateCheckpointKey(origin);
  const tsa = await createDevTsa(origin);
  const time = '2026-01-02T03:04:05Z';
  const hash = (s: string) => toHex(sha256(utf8.encode(s)));
  const receipt = (i: number): Receipt => {
    switch (i % 3) {
      case 0:
        return { v: 1, kind: 'deploy', origin, time, subject: { component: 'api', version: `1.${i}.0`, sha256: hash(`build ${i}`) }, evidence: [] };
      case 1:
        return { v: 1, kind: 'memory', origin, time, subject: { text: `remember ${i}`, tags: ['t'] }, evidence: [{ name: 'notes.md', sha256: hash(`n${i}`) }] };
      default:
        return { v: 1, kind: 'artifact', origin, time, subject: { name: `a${i}.bin`, sha256: hash(`a${i}`), size: i }, evidence: [], note: `artifact ${i}` };
    }
  };
  return {
    origin,
    signingKey,
    signer,
    checkpointKey,
    tsa,
    receipt,
    policy: (extra = {}) => ({
      receiptKeys: [signingKey.armoredPublicKey],
      checkpointKeys: [checkpointKey.verifierKey],
      tsaRoots: [tsa.caPem],
      ...extra,
    }),
    async build(options = {}) {
      const size = options.size ?? 7;
      const entries = await Promise.all(
        Array.from({ length: size }, async (_, i) => {
          const r = receipt(i);
          return { receipt: r, signature: await signer.sign(r) };
        }),
      );
      const leaves = entries.map(entryLeafHash);
      const root = rootFromLeafHashes(leaves);
      const checkpoint = signCheckpoint({ origin, size, root }, checkpointKey.signerKey);
      const stampBy = options.tsa ?? tsa;
      const token = options.timestamp === false ? undefined : stampCheckpoint(stampBy.signer, checkpoint, options.genTime);
      return {
        entries,
        leaves,
        root,
        checkpoint,
        token,
        bundle(index) {
          const b: BundleJson = {
            mediaType: BUNDLE_MEDIA_TYPE,
            entry: structuredClone(entries[index]!),
            publicKey: signingKey.armoredPublicKey,
            inclusionProof: { logIndex: index, treeSize: size, hashes: referenceInclusionProof(index, leaves).map(toBase64) },
            checkpoint,
            checkpointKey: checkpointKey.verifierKey,
          };
          if (token) {
            b.timestamp = toBase64(token);
            b.tsaCertificates = [...stampBy.certificatesPem];
          }
          return b;
        },
      };
    },
  };
}
