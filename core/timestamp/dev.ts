// The "dev TSA" label. With no [[tsa]] configured, a node stamps its checkpoints with its own
// embedded TSA, whose CA says so in its subject. Verifiers accept such tokens by default and label
// them "dev TSA"; `verify --require-trusted-tsa` refuses them (TSA_UNTRUSTED).
// The label is a name, not a trust decision: which CAs are trusted is the caller's policy.
import { VerificationError } from '../errors.js';
import { commonName, parseCertificate } from './cert.js';

export const DEV_TSA_CA_CN_PREFIX = 'Remembrancer dev TSA CA';

/** Subject CN of a node's dev TSA CA: `Remembrancer dev TSA CA (<origin>)`. */
export function devTsaCaCommonName(origin: string): string {
  return `${DEV_TSA_CA_CN_PREFIX} (${origin})`;
}

/** Subject CN of a node's dev TSA signer. */
export function devTsaSignerCommonName(origin: string): string {
  return `Remembrancer dev TSA (${origin})`;
}

/** Is this certificate (DER) a dev TSA CA, by its subject marker? False for anything unreadable. */
export function isDevTsaCertificate(der: Uint8Array): boolean {
  try {
    const cn = commonName(parseCertificate(der).subject);
    return cn !== undefined && cn.startsWith(`${DEV_TSA_CA_CN_PREFIX} (`) && cn.endsWith(')');
  } catch {
    return false;
  }
}

/** Does a verified chain (leaf first) end in a dev TSA CA? */
export function isDevTsaChain(chain: Uint8Array[]): boolean {
  const root = chain[chain.length - 1];
  return root !== undefined && isDevTsaCertificate(root);
}

/**
 * The dev TSA CA among `certs` (e.g. a bundle's tsaCertificates), if any: what a verifier passes as
 * the trust anchor when it accepts dev TSA tokens.
 */
export function findDevTsaCa(certs: Uint8Array[]): Uint8Array | undefined {
  return certs.find(isDevTsaCertificate);
}

/** `--require-trusted-tsa`: throws TSA_UNTRUSTED when the verified chain ends in a dev TSA CA. */
export function assertNotDevTsa(chain: Uint8Array[]): void {
  if (isDevTsaChain(chain))
    throw new VerificationError('TSA_UNTRUSTED', 'the checkpoint was time-stamped by an embedded dev TSA, not a trusted TSA', {
      hint: 'configure a [[tsa]] in config.toml and re-stamp, or verify without --require-trusted-tsa',
    });
}
