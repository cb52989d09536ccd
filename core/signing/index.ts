// Receipt signatures: OpenPGP (v4 keys, GnuPG 2.2 compatible) over JCS(receipt).
export {
  generateSigningKey,
  importSigningKey,
  type GeneratedSigningKey,
  type ImportedSigningKey,
  type SigningKeyInfo,
} from './keys.js';
export { ReceiptSigner, mapConcurrent, type SignManyOptions } from './signer.js';
export { ReceiptVerifier, verifyReceiptSignature, type VerifiedSignature } from './verify.js';
