// TimeStampResp (RFC 3161 §2.4.2): decoding what a TSA sent us, and encoding what our TSA sends.
import { VerificationError } from '../errors.js';
import { DerError, TAG, assertDerTree, decodeNamedBits, decodeSmallInt, enc, parseDer, rawOf, seq, valueOf } from './der.js';
import { FAIL_INFO, type FailInfoName } from './request.js';

export const PKI_STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'] as const;

export interface TimestampResponse {
  /** PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, ... */
  status: number;
  statusString: string[];
  failInfo: FailInfoName[];
  /** The TimeStampToken (ContentInfo DER) when the status grants one. */
  token?: Uint8Array;
}

/**
 * Decodes a TimeStampResp. Throws VerificationError TSA_TOKEN when it does not parse, or when a
 * granted status comes without a token. The status itself is checked by assertGranted.
 */
export function parseTimestampResponse(der: Uint8Array): TimestampResponse {
  try {
    const root = parseDer(der);
    assertDerTree(root);
    const [statusT, tokenT, ...x] = seq(root, 'TimeStampResp');
    if (x.length > 0) throw new DerError('TimeStampResp has extra fields');
    const sf = seq(statusT, 'PKIStatusInfo');
    let i = 0;
    const status = decodeSmallInt(sf[i++], 'status');
    const statusString: string[] = [];
    if (sf[i]?.tag === TAG.SEQUENCE) {
      for (const s of seq(sf[i++], 'statusString')) {
        if (s.tag !== TAG.UTF8_STRING) throw new DerError('statusString holds a non-UTF8String');
        statusString.push(new TextDecoder('utf-8').decode(valueOf(s)));
      }
    }
    const failInfo: FailInfoName[] = [];
    if (sf[i]?.tag === TAG.BIT_STRING) {
      const bits = decodeNamedBits(sf[i++], 'failInfo');
      for (const [name, bit] of Object.entries(FAIL_INFO)) if (bits.has(bit)) failInfo.push(name as FailInfoName);
    }
    if (i !== sf.length) throw new DerError('PKIStatusInfo has extra fields');
    const out: TimestampResponse = { status, statusString, failInfo };
    if (tokenT !== undefined) out.token = rawOf(tokenT).slice();
    if (status <= 1 && out.token === undefined) throw new DerError(`status ${PKI_STATUS[status]} without a timeStampToken`);
    return out;
  } catch (e) {
    if (e instanceof DerError) throw new VerificationError('TSA_TOKEN', `time-stamp response does not parse: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Throws TSA_STATUS unless the TSA granted a token (RFC 3161 §2.4.2: granted or grantedWithMods). */
export function assertGranted(resp: TimestampResponse): asserts resp is TimestampResponse & { token: Uint8Array } {
  if (resp.status <= 1 && resp.token !== undefined) return;
  const name = PKI_STATUS[resp.status] ?? `status ${resp.status}`;
  const why = [resp.failInfo.join(', '), resp.statusString.join('; ')].filter((s) => s.length > 0).join(': ');
  throw new VerificationError('TSA_STATUS', `TSA answered ${name}${why ? ` (${why})` : ''}`, {
    hint: 'check the TSA URL, the requested policy and the hash algorithm',
  });
}

/** A TimeStampResp carrying a granted token. */
export function encodeGrantedResponse(token: Uint8Array): Uint8Array {
  return enc.seq(enc.seq(enc.int(0)), token);
}

/** A rejection TimeStampResp (RFC 3161 §2.4.2), with failure reason and text. */
export function encodeRejection(failInfo: FailInfoName, text: string): Uint8Array {
  return enc.seq(enc.seq(enc.int(2), enc.seq(enc.utf8(text)), enc.namedBits([FAIL_INFO[failInfo]])));
}
