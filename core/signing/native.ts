// A fast path for the common key: OpenPGP v4 signatures (RFC 4880 §5.2.3, RFC 9580 §5.2.3) made
// with an EdDSA-legacy Ed25519 key, built here and signed by node:crypto. OpenPGP.js spends most of
// a signature's time in WebCrypto round trips (~0.4-0.9 ms each); node:crypto's Ed25519 takes
// ~50 µs. The packet is the same one OpenPGP.js makes (SHA-512, hashed creation time, issuer key
// id and issuer fingerprint subpackets), so gpg 2.2 and OpenPGP.js verify it; the signing tests run
// both. Any other key type keeps using OpenPGP.js.
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type * as openpgp from 'openpgp';

const ALGO_EDDSA_LEGACY = 22;
const HASH_SHA512 = 10;
const SIG_BINARY = 0x00;
const ED25519_OID_HEX = '2b06010401da470f01'; // 1.3.6.1.4.1.11591.15.1
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface NativeSigningKey {
  key: KeyObject;
  /** v4 fingerprint of the signing (sub)key, 20 bytes. */
  fingerprint: Uint8Array;
  /** Its key id: the fingerprint's last 8 bytes. */
  keyId: Uint8Array;
}

/**
 * The node:crypto form of a decrypted signing (sub)key packet, or undefined when it is not a v4
 * EdDSA-legacy Ed25519 key with its seed at hand (then OpenPGP.js signs).
 */
export function nativeSigningKey(packet: openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket): NativeSigningKey | undefined {
  const p = packet as unknown as {
    version: number;
    algorithm: unknown;
    publicParams?: { oid?: { toHex?: () => string } };
    privateParams?: { seed?: Uint8Array };
    getFingerprintBytes?: () => Uint8Array | null;
  };
  const algo = typeof p.algorithm === 'number' ? p.algorithm : undefined;
  const seed = p.privateParams?.seed;
  const fpr = p.getFingerprintBytes?.();
  if (p.version !== 4 || algo !== ALGO_EDDSA_LEGACY || p.publicParams?.oid?.toHex?.() !== ED25519_OID_HEX) return undefined;
  if (!(seed instanceof Uint8Array) || seed.length !== 32 || !(fpr instanceof Uint8Array) || fpr.length !== 20) return undefined;
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { key, fingerprint: fpr, keyId: fpr.subarray(12) };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** MPI: 2-byte bit length, then the big-endian bytes without leading zeros (RFC 4880 §3.2). */
function mpi(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  const bits = v[0] === 0 ? 0 : (v.length - 1) * 8 + (32 - Math.clz32(v[0]!));
  const head = Buffer.alloc(2);
  head.writeUInt16BE(bits);
  return Buffer.concat([head, v]);
}

/** New-format packet header (RFC 4880 §4.2.2) for tag 2, signature. */
function packetHeader(len: number): Buffer {
  if (len < 192) return Buffer.from([0xc2, len]);
  if (len < 8384) return Buffer.from([0xc2, ((len - 192) >> 8) + 192, (len - 192) & 0xff]);
  return Buffer.concat([Buffer.from([0xc2, 0xff]), u32(len)]);
}

/** CRC-24 of RFC 4880 §6.1, for the armor checksum GnuPG 2.2 expects. */
export function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const byte of data) {
    crc ^= byte << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

function armor(packet: Uint8Array): string {
  const b64 = Buffer.from(packet).toString('base64');
  const lines = b64.match(/.{1,60}/g) ?? [];
  const crc = crc24(packet);
  const sum = Buffer.from([(crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
  return `-----BEGIN PGP SIGNATURE-----\n\n${lines.join('\n')}\n=${sum}\n-----END PGP SIGNATURE-----\n`;
}

/** Armored detached v4 binary-document signature over `data`, made at `created`. */
export function signDetachedNative(k: NativeSigningKey, data: Uint8Array, created: Date = new Date()): string {
  const hashed = Buffer.concat([
    Buffer.from([5, 2]), // signature creation time
    u32(Math.floor(created.getTime() / 1000)),
    Buffer.from([9, 16]), // issuer key id
    k.keyId,
    Buffer.from([22, 33, 4]), // issuer fingerprint, v4
    k.fingerprint,
  ]);
  const hashedLen = Buffer.alloc(2);
  hashedLen.writeUInt16BE(hashed.length);
  const signedPart = Buffer.concat([Buffer.from([4, SIG_BINARY, ALGO_EDDSA_LEGACY, HASH_SHA512]), hashedLen, hashed]);
  const trailer = Buffer.concat([Buffer.from([4, 0xff]), u32(signedPart.length)]);
  const digest = createHash('sha512').update(data).update(signedPart).update(trailer).digest();
  // EdDSA legacy signs the hash value itself (RFC 9580 §5.2.3.3); r and s are the two halves.
  const sig = sign(null, digest, k.key);
  const body = Buffer.concat([signedPart, Buffer.from([0, 0]), digest.subarray(0, 2), mpi(sig.subarray(0, 32)), mpi(sig.subarray(32))]);
  return armor(Buffer.concat([packetHeader(body.length), body]));
}
