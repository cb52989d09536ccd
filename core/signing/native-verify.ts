// A fast path for verifying the common receipt signature: an OpenPGP v4 binary-document signature
// by a trusted EdDSA-legacy Ed25519 primary key that has no expiry and is not revoked (checked once
// with OpenPGP.js when the trust list is built). It only ever ACCEPTS: any armor, packet or
// subpacket it does not recognise exactly, and any signature that does not verify here, returns
// undefined and the caller asks OpenPGP.js, whose answer is authoritative. A differential property
// test checks that it never accepts what OpenPGP.js rejects.
// Attacker-controlled: the whole armored signature.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { fromBase64 } from '../bytes.js';
import { crc24 } from './native.js';

const ALGO_EDDSA_LEGACY = 22;
const SIG_BINARY = 0x00;
const HASHES: Record<number, string> = { 8: 'sha256', 10: 'sha512' };
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export interface FastKey {
  /** Primary key fingerprint, 40 lowercase hex. */
  fingerprint: string;
  keyId: string;
  publicKey: KeyObject;
  /** Key creation time, seconds. */
  created: number;
}

export function fastKeyFromEd25519(fingerprint: string, rawPublicKey: Uint8Array, created: Date): FastKey {
  return {
    fingerprint,
    keyId: fingerprint.slice(24),
    publicKey: createPublicKey({ key: Buffer.concat([SPKI_ED25519, rawPublicKey]), format: 'der', type: 'spki' }),
    created: Math.floor(created.getTime() / 1000),
  };
}

/** The packet bytes of a plain armored signature block, or undefined for anything unusual. */
function dearmor(text: string): Uint8Array | undefined {
  if (text.length > 8192) return undefined;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== '-----BEGIN PGP SIGNATURE-----' || lines[1] !== '' || lines[lines.length - 1] !== '-----END PGP SIGNATURE-----') return undefined;
  let body = lines.slice(2, -1);
  let crc: string | undefined;
  if (body.length > 0 && body[body.length - 1]!.startsWith('=')) {
    crc = body[body.length - 1]!.slice(1);
    body = body.slice(0, -1);
  }
  if (body.length === 0 || body.some((l) => l.length === 0 || l.length > 76 || !/^[A-Za-z0-9+/=]+$/.test(l))) return undefined;
  const bytes = fromBase64(body.join(''));
  if (!bytes || bytes.length === 0) return undefined;
  if (crc !== undefined) {
    const sum = fromBase64(crc);
    if (!sum || sum.length !== 3 || ((sum[0]! << 16) | (sum[1]! << 8) | sum[2]!) !== crc24(bytes)) return undefined;
  }
  return bytes;
}

/** The body of exactly one signature packet (tag 2) filling `b`, or undefined. */
function signaturePacketBody(b: Uint8Array): Uint8Array | undefined {
  const ctb = b[0]!;
  let len: number;
  let at: number;
  if (ctb === 0xc2) {
    const l0 = b[1];
    if (l0 === undefined) return undefined;
    if (l0 < 192) [len, at] = [l0, 2];
    else if (l0 < 224) [len, at] = [((l0 - 192) << 8) + (b[2] ?? 0) + 192, 3];
    else if (l0 === 255) [len, at] = [((b[2]! << 24) | (b[3]! << 16) | (b[4]! << 8) | b[5]!) >>> 0, 6];
    else return undefined; // partial lengths
  } else if ((ctb & 0xfc) === 0x88) {
    const type = ctb & 3;
    if (type === 0) [len, at] = [b[1] ?? -1, 2];
    else if (type === 1) [len, at] = [((b[1] ?? 0) << 8) | (b[2] ?? 0), 3];
    else return undefined;
  } else return undefined;
  if (at + len !== b.length) return undefined;
  return b.subarray(at);
}

interface Subpackets {
  created?: number;
  keyId?: string;
  fingerprint?: string;
}

/** Parse a subpacket area holding only the subpackets we know; undefined on anything else. */
function subpackets(area: Uint8Array, allowed: ReadonlySet<number>, into: Subpackets): boolean {
  let i = 0;
  while (i < area.length) {
    const l0 = area[i]!;
    let len: number;
    if (l0 < 192) [len, i] = [l0, i + 1];
    else if (l0 < 255) [len, i] = [((l0 - 192) << 8) + (area[i + 1] ?? 0) + 192, i + 2];
    else return false;
    if (len < 1 || i + len > area.length) return false;
    // The critical bit (0x80) only says "must be understood"; these three types are.
    const type = area[i]! & 0x7f;
    const data = area.subarray(i + 1, i + len);
    i += len;
    if (!allowed.has(type)) return false;
    if (type === 2) {
      if (into.created !== undefined || data.length !== 4) return false;
      into.created = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
    } else if (type === 16) {
      if (into.keyId !== undefined || data.length !== 8) return false;
      into.keyId = Buffer.from(data).toString('hex');
    } else if (type === 33) {
      if (into.fingerprint !== undefined || data.length !== 21 || data[0] !== 4) return false;
      into.fingerprint = Buffer.from(data.subarray(1)).toString('hex');
    }
  }
  return true;
}

const HASHED = new Set([2, 16, 33]);
const UNHASHED = new Set([16]);

function mpi32(b: Uint8Array, at: number): { value: Uint8Array; next: number } | undefined {
  if (at + 2 > b.length) return undefined;
  const bits = (b[at]! << 8) | b[at + 1]!;
  const n = (bits + 7) >> 3;
  if (n === 0 || n > 32 || at + 2 + n > b.length) return undefined;
  const value = new Uint8Array(32);
  value.set(b.subarray(at + 2, at + 2 + n), 32 - n);
  return { value, next: at + 2 + n };
}

/**
 * Verify `armored` over `data` with one of `keys` (by issuer). Returns the verified facts, or
 * undefined when this path does not recognise the signature exactly or it does not verify.
 */
export function verifyDetachedNative(
  keys: ReadonlyMap<string, FastKey>,
  data: Uint8Array,
  armored: string,
  now: Date = new Date(),
): { fingerprint: string; signingKeyId: string; created: Date } | undefined {
  const bytes = dearmor(armored);
  if (!bytes) return undefined;
  const p = signaturePacketBody(bytes);
  if (!p || p.length < 6) return undefined;
  if (p[0] !== 4 || p[1] !== SIG_BINARY || p[2] !== ALGO_EDDSA_LEGACY) return undefined;
  const hash = HASHES[p[3]!];
  if (!hash) return undefined;
  const hashedLen = (p[4]! << 8) | p[5]!;
  const signedEnd = 6 + hashedLen;
  if (signedEnd + 2 > p.length) return undefined;
  const facts: Subpackets = {};
  if (!subpackets(p.subarray(6, signedEnd), HASHED, facts)) return undefined;
  const unhashedLen = (p[signedEnd]! << 8) | p[signedEnd + 1]!;
  const unhashedEnd = signedEnd + 2 + unhashedLen;
  if (unhashedEnd + 2 > p.length) return undefined;
  const unhashed: Subpackets = {};
  if (!subpackets(p.subarray(signedEnd + 2, unhashedEnd), UNHASHED, unhashed)) return undefined;
  if (facts.created === undefined) return undefined;
  const keyId = facts.keyId ?? unhashed.keyId;
  if (facts.keyId !== undefined && unhashed.keyId !== undefined && facts.keyId !== unhashed.keyId) return undefined;
  const key = facts.fingerprint !== undefined ? keys.get(facts.fingerprint) : undefined;
  if (!key || (keyId !== undefined && keyId !== key.keyId)) return undefined;
  if (facts.created < key.created || facts.created * 1000 > now.getTime()) return undefined;
  const left = p.subarray(unhashedEnd, unhashedEnd + 2);
  const r = mpi32(p, unhashedEnd + 2);
  const s = r && mpi32(p, r.next);
  if (!s || s.next !== p.length) return undefined;
  const signedPart = p.subarray(0, signedEnd);
  const trailer = Buffer.from([4, 0xff, (signedEnd >>> 24) & 0xff, (signedEnd >>> 16) & 0xff, (signedEnd >>> 8) & 0xff, signedEnd & 0xff]);
  const digest = createHash(hash).update(data).update(signedPart).update(trailer).digest();
  if (digest[0] !== left[0] || digest[1] !== left[1]) return undefined;
  if (!verify(null, digest, key.publicKey, Buffer.concat([r!.value, s.value]))) return undefined;
  return { fingerprint: key.fingerprint, signingKeyId: key.keyId, created: new Date(facts.created * 1000) };
}
