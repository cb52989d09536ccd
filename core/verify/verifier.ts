// The offline bundle verifier (DESIGN §2): six named checks in a fixed order, each a small function
// in checks/ that throws a coded VerificationError. The report form runs every check and collects
// { name, ok, detail }; a check whose input did not verify still appears, as "not checked", so a
// report never has fewer checks. verify() runs the same checks and throws the first failure.
import { InputError, RemembrancerError, VerificationError } from '../errors.js';
import type { TimestampVerification } from '../timestamp/verify.js';
import { CheckpointKeys, checkCheckpointSignature } from './checks/checkpoint.js';
import { checkInclusion } from './checks/inclusion.js';
import { checkLeafHash } from './checks/leaf.js';
import { checkSchema } from './checks/schema.js';
import { ReceiptKeys, checkReceiptSignature } from './checks/signature.js';
import { checkMissingTimestamp, checkPolicyOid, checkTimestamp, parseTsaRoots, type TsaTrust } from './checks/timestamp.js';
import type { BundleReport, CheckName, CheckResult, TrustPolicy, VerifiedBundle, VerifyBundleOptions } from './types.js';

interface Outcome {
  report: BundleReport;
  /** The error behind each failed check, by position; undefined for passed and "not checked" ones. */
  errors: (Error | undefined)[];
}

/** Collects check results; runs a check only when the checks it needs produced their output. */
class Checklist {
  readonly results: CheckResult[] = [];
  readonly errors: (Error | undefined)[] = [];

  async run<N extends Partial<Record<CheckName, unknown>>, T extends { detail: string }>(
    name: CheckName,
    needs: N,
    check: (inputs: { [K in keyof N]-?: NonNullable<N[K]> }) => T | Promise<T>,
  ): Promise<T | undefined> {
    const blocked = (Object.keys(needs) as CheckName[]).find((k) => needs[k] === undefined);
    if (blocked !== undefined) {
      this.push({ name, ok: false, detail: `not checked: depends on ${blocked}` });
      return undefined;
    }
    try {
      const out = await check(needs as { [K in keyof N]-?: NonNullable<N[K]> });
      this.push({ name, ok: true, detail: out.detail });
      return out;
    } catch (e) {
      // Not a bundle at all: the one thing the report cannot hold (exit 2).
      if (e instanceof InputError && e.code === 'UNKNOWN_MEDIA_TYPE') throw e;
      if (e instanceof RemembrancerError) {
        const r: CheckResult = { name, ok: false, detail: e.message, code: e.code as CheckResult['code'] };
        if (e.hint !== undefined) r.hint = e.hint;
        this.push(r, e);
      } else {
        // A bug, not evidence: still a failure (fail closed); verify() rethrows the original.
        const err = e instanceof Error ? e : new Error(String(e));
        this.push({ name, ok: false, detail: `internal error: ${err.message}`, code: 'INTERNAL' }, err);
      }
      return undefined;
    }
  }

  private push(result: CheckResult, error?: Error): void {
    this.results.push(result);
    this.errors.push(error);
  }
}

/**
 * Verifies bundles against one trust policy, parsed once (reuse it for many bundles).
 *
 * @example
 *   const verifier = await BundleVerifier.create({ receiptKeys, checkpointKeys, tsaRoots });
 *   const report = await verifier.report(parseJson(text)); // { ok, id, checks: [...] }
 */
export class BundleVerifier {
  private constructor(
    private readonly receiptKeys: ReceiptKeys,
    private readonly checkpointKeys: CheckpointKeys,
    private readonly tsa: TsaTrust,
    private readonly allowMissingTimestamp: boolean,
  ) {}

  /**
   * Parse the policy's keys and certificates. Throws InputError BAD_INPUT (exit 2: configuration)
   * for a trusted key, verifier key or CA certificate that does not parse, a malformed tsaPolicy
   * OID or an invalid `now`.
   */
  static async create(policy: TrustPolicy): Promise<BundleVerifier> {
    if (typeof policy !== 'object' || policy === null) throw new InputError('BAD_INPUT', 'trust policy is not an object');
    for (const k of ['receiptKeys', 'checkpointKeys', 'tsaRoots'] as const) {
      if (!Array.isArray(policy[k]) || policy[k].some((x) => typeof x !== 'string')) {
        throw new InputError('BAD_INPUT', `trust policy ${k} is not a list of strings`);
      }
    }
    if (policy.now !== undefined && !(policy.now instanceof Date && Number.isFinite(policy.now.getTime()))) {
      throw new InputError('BAD_INPUT', 'trust policy `now` is not a valid Date');
    }
    const checkpointKeys = CheckpointKeys.create(policy.checkpointKeys);
    const tsa: TsaTrust = {
      roots: parseTsaRoots(policy.tsaRoots),
      policy: checkPolicyOid(policy.tsaPolicy),
      requireTrusted: policy.requireTrustedTsa === true,
      now: policy.now,
    };
    const receiptKeys = await ReceiptKeys.create(policy.receiptKeys);
    return new BundleVerifier(receiptKeys, checkpointKeys, tsa, policy.allowMissingTimestamp === true);
  }

  /**
   * Run every check on an already JSON-parsed bundle. Throws only InputError UNKNOWN_MEDIA_TYPE
   * (not a bundle at all, exit 2); everything readable that fails is a failed check in the report.
   */
  async report(input: unknown, options: VerifyBundleOptions = {}): Promise<BundleReport> {
    return (await this.run(input, options)).report;
  }

  /**
   * Run the same checks and throw the first failing check's error (a VerificationError, or
   * InputError UNKNOWN_MEDIA_TYPE); return the verified facts when every check passed.
   */
  async verify(input: unknown, options: VerifyBundleOptions = {}): Promise<VerifiedBundle> {
    const { report, errors } = await this.run(input, options);
    const failed = report.checks.findIndex((c) => !c.ok);
    if (failed >= 0) {
      // A failed check always comes before the checks it blocked, so the first one has its error.
      throw errors[failed] ?? new VerificationError('BUNDLE_SCHEMA', `${report.checks[failed]!.name}: ${report.checks[failed]!.detail}`);
    }
    const { ok: _ok, ...facts } = report;
    return facts as VerifiedBundle;
  }

  private async run(input: unknown, options: VerifyBundleOptions): Promise<Outcome> {
    const list = new Checklist();
    const parsed = await list.run('schema', {}, () => checkSchema(input));
    const bundle = parsed?.bundle;
    const signature = await list.run('receipt signature', { schema: bundle }, ({ schema }) => checkReceiptSignature(schema, this.receiptKeys));
    const leaf = await list.run('leaf hash', { schema: bundle }, ({ schema }) => checkLeafHash(schema.entry, options.expectedId));
    const checkpoint = await list.run('checkpoint signature', { schema: bundle }, ({ schema }) =>
      checkCheckpointSignature(schema, this.checkpointKeys),
    );
    const inclusion = await list.run('inclusion proof', { schema: bundle, 'leaf hash': leaf, 'checkpoint signature': checkpoint }, (d) =>
      checkInclusion(d.schema.inclusionProof, d['leaf hash'].leafHash, d['checkpoint signature'].checkpoint),
    );
    // A missing token is its own finding, whatever else failed; a present one is checked against
    // the verified checkpoint only.
    let stamp: TimestampVerification | undefined;
    if (bundle !== undefined && bundle.timestamp === undefined) {
      await list.run('timestamp', {}, () => checkMissingTimestamp(this.allowMissingTimestamp));
    } else {
      const out = await list.run('timestamp', { schema: bundle, 'checkpoint signature': checkpoint }, (d) =>
        checkTimestamp(d.schema.timestamp!, d.schema.tsaCertificates, d['checkpoint signature'].checkpoint.body, this.tsa),
      );
      stamp = out?.verification;
    }

    const report: BundleReport = { ok: list.results.every((c) => c.ok), checks: list.results };
    if (leaf) report.id = leaf.id;
    if (inclusion && bundle) {
      report.index = bundle.inclusionProof.logIndex;
      report.treeSize = bundle.inclusionProof.treeSize;
    }
    if (checkpoint) {
      report.origin = checkpoint.checkpoint.origin;
      report.checkpointKey = checkpoint.keyName;
    }
    if (signature) report.signer = signature.signer.fingerprint;
    if (stamp) {
      report.genTime = stamp.genTime.toISOString();
      report.tsaName = stamp.tsaName;
      report.devTsa = stamp.devTsa;
    }
    return { report, errors: list.errors };
  }
}

/** Report form (see BundleVerifier.report), parsing the policy for this one call. */
export async function verifyBundleReport(input: unknown, policy: TrustPolicy, options: VerifyBundleOptions = {}): Promise<BundleReport> {
  return (await BundleVerifier.create(policy)).report(input, options);
}

/**
 * DESIGN §4: verify an offline bundle (already JSON-parsed) against a trust policy. Returns the
 * verified facts, or throws the first failing check's VerificationError (InputError for a policy
 * that does not parse or an input that is not a bundle at all).
 */
export async function verifyBundle(input: unknown, policy: TrustPolicy, options: VerifyBundleOptions = {}): Promise<VerifiedBundle> {
  return (await BundleVerifier.create(policy)).verify(input, options);
}
