// PEM (RFC 7468) for certificates: the bundle's `tsaCertificates` and the config's `ca` files.
import { fromBase64, toBase64 } from '../bytes.js';

const BLOCK_RE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/**
 * Every CERTIFICATE block in `text`, as DER. Returns undefined when a block's body is not strict base64.
 * Text outside the blocks (openssl's "subject=" lines) is ignored, as RFC 7468 §2 allows.
 */
export function parsePemCertificates(text: string): Uint8Array[] | undefined {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(BLOCK_RE)) {
    const der = fromBase64(m[1]!.replace(/\s+/g, ''));
    if (der === undefined || der.length === 0) return undefined;
    out.push(der);
  }
  return out;
}

/** DER certificate as PEM text with 64-column lines and a final newline. */
export function toPemCertificate(der: Uint8Array): string {
  const b64 = toBase64(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
