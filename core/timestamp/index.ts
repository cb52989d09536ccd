// RFC 3161 time-stamps for checkpoints: request, response, token verification, dev TSA issuance.
// Pure (node:crypto only); HTTP and files live in daemon/tsa.
export { createTimestampRequest, parseTimestampRequest, randomNonce, TimestampRequestError, FAIL_INFO } from './request.js';
export type { TimestampRequest, TimestampRequestOptions, ParsedTimestampRequest, FailInfoName } from './request.js';
export { parseTimestampResponse, assertGranted, encodeRejection, PKI_STATUS } from './response.js';
export type { TimestampResponse } from './response.js';
export { verifyTimestampToken, verifyTimestampResponse } from './verify.js';
export type { VerifyTimestampOptions, TimestampVerification, CertificateInput } from './verify.js';
export { createTsaSigner, issueTimestampToken } from './issue.js';
export type { TsaSigner, TsaSigningMaterial, IssueParams, StampInput, PrivateKeyInput } from './issue.js';
export { createDevTsaCertificates, createDevCaCertificate, createDevTsaSignerCertificate } from './devca.js';
export type { DevTsaCertificateOptions, DevTsaCertificates, DevTsaSignerOptions } from './devca.js';
export {
  DEV_TSA_CA_CN_PREFIX,
  devTsaCaCommonName,
  devTsaSignerCommonName,
  isDevTsaCertificate,
  isDevTsaChain,
  findDevTsaCa,
  assertNotDevTsa,
} from './dev.js';
export { parsePemCertificates, toPemCertificate } from './pem.js';
export { parseCertificate, nameToString } from './cert.js';
