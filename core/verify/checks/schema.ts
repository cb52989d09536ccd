// Check "schema": the input is a v1 bundle (else InputError UNKNOWN_MEDIA_TYPE, exit 2), every field
// is well-formed (SchemaError BUNDLE_SCHEMA listing each bad field), and the pieces every
// verification needs are present. A missing piece fails here; it is never skipped.
import { findNonJson } from '../../canonical.js';
import { VerificationError } from '../../errors.js';
import { parseBundle, type Bundle, type Entry, type InclusionProofJson } from '../../receipt.js';

/** A bundle with the pieces that every verification needs. The timestamp may still be absent (policy). */
export interface CompleteBundle extends Bundle {
  entry: Entry;
  inclusionProof: InclusionProofJson;
  checkpoint: string;
}

const REQUIRED = ['entry', 'inclusionProof', 'checkpoint'] as const;

export function checkSchema(input: unknown): { bundle: CompleteBundle; detail: string } {
  const bundle = parseBundle(input);
  // parseJson already refuses non-I-JSON text; an embedder may hand us any value. A lone surrogate
  // in, say, the signature would otherwise surface later as a canonicalisation error.
  const bad = findNonJson(input);
  if (bad) throw new VerificationError('BUNDLE_SCHEMA', `bundle is not I-JSON at ${bad.path}: ${bad.reason}`);
  const missing = REQUIRED.filter((k) => bundle[k] === undefined);
  if (missing.length > 0) {
    throw new VerificationError('BUNDLE_SCHEMA', `bundle has no ${missing.join(', ')}`, {
      hint: 'produce the bundle with `remembrancer bundle ID`, which waits for a checkpoint covering the receipt',
    });
  }
  const optional = (['publicKey', 'checkpointKey', 'timestamp', 'tsaCertificates'] as const).filter((k) => bundle[k] !== undefined);
  return {
    bundle: bundle as CompleteBundle,
    detail: `v1 bundle with entry, inclusionProof, checkpoint${optional.length > 0 ? `, ${optional.join(', ')}` : ''}`,
  };
}
