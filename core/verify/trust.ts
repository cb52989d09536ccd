// Trust files (`verify --trust-key FILE`, repeatable): any mix of armored OpenPGP public key blocks
// (receipt signers), signed-note verifier key lines (checkpoint keys) and PEM certificates (TSA
// CAs), with blank lines and `#` comments. The text comes from outside: anything else is an
// InputError BAD_INPUT naming the line (never its content, in case a secret file was passed).
import { fromBase64 } from '../bytes.js';
import { InputError } from '../errors.js';
import { parseVerifierKey } from '../checkpoint/note.js';
import { parseCertificate } from '../timestamp/cert.js';
import { toPemCertificate } from '../timestamp/pem.js';

/** The trust lists of a TrustPolicy. */
export interface TrustMaterial {
  /** Armored OpenPGP public key blocks, each ending in a newline. */
  receiptKeys: string[];
  /** Signed-note verifier keys, `name+hexid+base64`. */
  checkpointKeys: string[];
  /** PEM CA certificates, one block each (RFC 7468, 64-column lines). */
  tsaRoots: string[];
}

/** Largest trust file accepted, in UTF-16 code units. */
export const MAX_TRUST_TEXT = 4 << 20;

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/;
const ARMOR_HEADER = /^[A-Za-z][A-Za-z0-9-]*: .*$/;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const CRC_LINE = /^=[A-Za-z0-9+/]{4}$/;
const PGP_KEY = 'PGP PUBLIC KEY BLOCK';
const CERTIFICATE = 'CERTIFICATE';

/**
 * Split a trust file into its trust lists. Structure is checked here (armor framing and base64 of
 * key blocks, certificates parse, verifier keys parse and match their id); whether an OpenPGP key
 * block holds a usable key is checked when the policy is loaded (BundleVerifier.create).
 * Throws InputError BAD_INPUT `<source>:<line>: …` for anything else.
 */
export function parseTrustMaterial(text: string, source = 'trust file'): TrustMaterial {
  if (typeof text !== 'string') throw new InputError('BAD_INPUT', `${source}: not text`);
  if (text.length > MAX_TRUST_TEXT) throw new InputError('BAD_INPUT', `${source}: larger than ${MAX_TRUST_TEXT} characters`);
  const out: TrustMaterial = { receiptKeys: [], checkpointKeys: [], tsaRoots: [] };
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const fail: Fail = (n, why, hint) => {
    throw new InputError('BAD_INPUT', `${source}:${n + 1}: ${why}`, {
      hint: hint ?? 'a trust file holds armored OpenPGP public keys, checkpoint verifier keys (name+hexid+base64) and PEM CA certificates',
    });
  };
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (t.startsWith('-----END ')) fail(i, 'END line without a BEGIN line');
    if (t.startsWith('-----BEGIN ')) {
      const label = BEGIN.exec(t)?.[1];
      if (label === undefined) fail(i, 'malformed BEGIN line');
      if (label === 'PGP PRIVATE KEY BLOCK') fail(i, 'an OpenPGP secret key block', 'trust the public key instead: gpg --export --armor KEYID');
      if (label !== PGP_KEY && label !== CERTIFICATE) fail(i, `unsupported block "-----BEGIN ${label}-----"`);
      const end = lines.findIndex((l, j) => j > i && l.trim() === `-----END ${label}-----`);
      if (end < 0) fail(i, `"-----BEGIN ${label}-----" has no matching END line`);
      const body = lines.slice(i + 1, end).map((l) => l.trim());
      if (label === CERTIFICATE) out.tsaRoots.push(certificate(body, i, fail));
      else out.receiptKeys.push(pgpKeyBlock(body, i, fail));
      i = end;
      continue;
    }
    if (t.startsWith('PRIVATE+KEY+')) fail(i, 'a checkpoint signer (secret) key', 'trust the verifier key instead (`remembrancer keys export`)');
    try {
      out.checkpointKeys.push(parseVerifierKey(t).verifierKey);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      fail(i, `not an OpenPGP public key block, PEM certificate or checkpoint verifier key (${e.message.slice(0, 160)})`);
    }
  }
  return out;
}

type Fail = (n: number, why: string, hint?: string) => never;

function certificate(body: string[], begin: number, fail: Fail): string {
  const der = fromBase64(body.join(''));
  if (der === undefined || der.length === 0) fail(begin, 'certificate body is not base64');
  try {
    parseCertificate(der);
  } catch (e) {
    fail(begin, `certificate does not parse (${(e as Error).message.slice(0, 160)})`);
  }
  return toPemCertificate(der);
}

/** RFC 4880 §6.2 armor: optional headers, a blank line, base64 lines, an optional "=CRC24" line. */
function pgpKeyBlock(body: string[], begin: number, fail: Fail): string {
  let k = 0;
  while (k < body.length && ARMOR_HEADER.test(body[k]!)) k++;
  if (k < body.length && body[k] === '') k++;
  const data: string[] = [];
  for (; k < body.length; k++) {
    const l = body[k]!;
    if (l === '') continue;
    if (CRC_LINE.test(l) && body.slice(k + 1).every((x) => x === '')) break;
    if (!BASE64_LINE.test(l)) fail(begin + 1 + k, 'not base64 inside an OpenPGP key block');
    data.push(l);
  }
  const bytes = fromBase64(data.join(''));
  if (bytes === undefined || bytes.length === 0) fail(begin, 'OpenPGP key block has no valid base64 body');
  return [`-----BEGIN ${PGP_KEY}-----`, ...body, `-----END ${PGP_KEY}-----`].join('\n') + '\n';
}

/** Concatenate trust lists, dropping exact duplicates (the same key from two files), keeping order. */
export function mergeTrust(...parts: Partial<TrustMaterial>[]): TrustMaterial {
  const uniq = (lists: (string[] | undefined)[]): string[] => [...new Set(lists.flatMap((l) => l ?? []))];
  return {
    receiptKeys: uniq(parts.map((p) => p.receiptKeys)),
    checkpointKeys: uniq(parts.map((p) => p.checkpointKeys)),
    tsaRoots: uniq(parts.map((p) => p.tsaRoots)),
  };
}

/** A trust file holding `material` (what `keys export` can print); parseTrustMaterial reads it back. */
export function formatTrustMaterial(material: TrustMaterial): string {
  const blocks = [
    ...material.receiptKeys.map((k) => (k.endsWith('\n') ? k : `${k}\n`)),
    ...material.checkpointKeys.map((k) => `${k}\n`),
    ...material.tsaRoots.map((c) => (c.endsWith('\n') ? c : `${c}\n`)),
  ];
  return blocks.join('');
}
