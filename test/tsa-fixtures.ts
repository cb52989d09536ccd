// Shared material for RFC 3161 tests: the committed test PKI (fixtures/tsa, made by
// scripts/gen-tsa-fixtures.sh with openssl), signers built from it, and a CMS forger for
// negative tests (re-signing a token with edited signed attributes).
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256, utf8 } from '../core/bytes.js';
import { childrenOf, enc, parseDer, rawOf, valueOf } from '../core/timestamp/der.js';
import { createTsaSigner, type TsaSigner } from '../core/timestamp/issue.js';
import { parseTimestampResponse } from '../core/timestamp/response.js';
import { fixture } from './openssl-tsa.js';

export { fixture };
export const TEST_POLICY = '1.2.3.4.1';

export const pem = (name: string): string => readFileSync(fixture(name), 'utf8');
export const key = (name: string): KeyObject => createPrivateKey(pem(`${name}.key`));

/** A checkpoint body (DESIGN §1: origin, size, root) and its SHA-256. */
export function checkpoint(size: number, origin = 'example.com/log'): { body: Uint8Array; digest: Uint8Array } {
  const root = Buffer.from(sha256(utf8.encode(`root ${size}`))).toString('base64');
  const body = utf8.encode(`${origin}\n${size}\n${root}\n`);
  return { body, digest: sha256(body) };
}

/** Our issuer with a fixture signer ('tsa', 'tsa-noeku', ...) under `issuerChain` (default ca.pem). */
export function fixtureSigner(name = 'tsa', opts: { chain?: string[]; includeChain?: boolean } = {}): TsaSigner {
  return createTsaSigner({
    signerKey: pem(`${name}.key`),
    signerCert: pem(`${name}.pem`),
    chain: (opts.chain ?? ['ca.pem']).map(pem),
    policy: TEST_POLICY,
    ...(opts.includeChain ? { includeChain: true } : {}),
  });
}

let serial = 1000n;
/** A token (ContentInfo DER) from a fixture signer. */
export function fixtureToken(
  digest: Uint8Array,
  opts: { signer?: TsaSigner; nonce?: bigint; genTime?: Date; certReq?: boolean } = {},
): Uint8Array {
  const s = opts.signer ?? fixtureSigner();
  const resp = s.issue(
    { digest, ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}), ...(opts.certReq !== undefined ? { certReq: opts.certReq } : {}) },
    { serial: serial++, genTime: opts.genTime ?? new Date() },
  );
  return parseTimestampResponse(resp).token!;
}

/**
 * Rebuilds `token` with its signed attributes passed through `edit` (each attribute's DER).
 * With `resignWith`, the new attributes are signed again (ECDSA, SHA-256): a structurally valid
 * token whose signature verifies, for testing the checks after TSA_SIGNATURE. Without it, the old
 * signature is kept (a tampered token).
 */
export function forgeSignedAttributes(token: Uint8Array, edit: (attrs: Uint8Array[]) => Uint8Array[], resignWith?: KeyObject): Uint8Array {
  const [ct, wrap] = childrenOf(parseDer(token));
  const sd = childrenOf(childrenOf(wrap!)[0]!);
  const si = childrenOf(childrenOf(sd[sd.length - 1]!)[0]!);
  const attrs = edit(childrenOf(si[3]!).map((a) => rawOf(a)));
  const signed = enc.setOf(...attrs);
  const signature = resignWith ? new Uint8Array(sign('sha256', signed, { key: resignWith, dsaEncoding: 'der' })) : valueOf(si[5]!);
  const newSi = enc.seq(rawOf(si[0]!), rawOf(si[1]!), rawOf(si[2]!), enc.implicit(0, signed), rawOf(si[4]!), enc.octets(signature));
  const newSd = enc.seq(...sd.slice(0, -1).map((t) => rawOf(t)), enc.setOf(newSi));
  return enc.seq(rawOf(ct!), enc.ctx(0, newSd));
}

/** Attribute DER whose type OID is `oid` (dotted)? */
export function isAttribute(attr: Uint8Array, oid: string): boolean {
  const [type] = childrenOf(parseDer(attr));
  return Buffer.from(rawOf(type!)).equals(Buffer.from(enc.oid(oid)));
}

/** Runs `f` and returns what it threw (undefined if it did not throw). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}
