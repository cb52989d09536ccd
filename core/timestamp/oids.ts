// Object identifiers used by RFC 3161 tokens, CMS (RFC 5652), ESS (RFC 2634, RFC 5035) and X.509 (RFC 5280).
export const OID = {
  // CMS content types
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4', // id-ct-TSTInfo, RFC 3161 §2.4.2
  // CMS signed attributes
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12', // RFC 2634 §5.4 (ESSCertID, SHA-1)
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47', // RFC 5035 §3 (ESSCertIDv2)
  // hashes
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // signatures
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  // X.509 extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8', // id-kp-timeStamping, RFC 3161 §2.3
  // names
  commonName: '2.5.4.3',
} as const;

/** Hash OIDs we accept, with node:crypto names and output sizes. SHA-1 only where a spec forces it (ESSCertID). */
export const HASHES: Record<string, { name: 'sha1' | 'sha256' | 'sha384' | 'sha512'; size: number }> = {
  [OID.sha1]: { name: 'sha1', size: 20 },
  [OID.sha256]: { name: 'sha256', size: 32 },
  [OID.sha384]: { name: 'sha384', size: 48 },
  [OID.sha512]: { name: 'sha512', size: 64 },
};
