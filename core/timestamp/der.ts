// A strict DER reader and a small DER writer (X.690 §8, §10, §11).
//
// Tokens, responses and certificates reach us from TSAs and bundles: every byte is attacker-controlled.
// The reader accepts DER only (definite, minimal lengths; low tag numbers; canonical BOOLEAN,
// INTEGER, NULL, OID, BIT STRING) so one value has exactly one encoding and a mutated token cannot
// re-encode the same content differently. It throws DerError; callers turn that into a coded
// VerificationError naming the structure being read.

export class DerError extends Error {}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag [n], constructed or primitive. */
export function ctx(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** One decoded TLV: offsets into `buf`, which is shared by the whole tree. */
export interface Tlv {
  readonly buf: Uint8Array;
  /** Identifier octet (class, constructed bit, tag number < 31). */
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

export function isConstructed(t: Tlv): boolean {
  return (t.tag & 0x20) !== 0;
}

/** Content octets (no header); a view, not a copy. */
export function valueOf(t: Tlv): Uint8Array {
  return t.buf.subarray(t.valueStart, t.end);
}

/** The whole encoding, header included; a view, not a copy. */
export function rawOf(t: Tlv): Uint8Array {
  return t.buf.subarray(t.start, t.end);
}

/** Reads the TLV at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Uint8Array, offset: number, limit: number): Tlv {
  if (offset >= limit) throw new DerError(`expected a value at offset ${offset}, found end of data`);
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError(`high tag number form at offset ${offset} is not used here`);
  let p = offset + 1;
  if (p >= limit) throw new DerError(`truncated length at offset ${p}`);
  const first = buf[p++]!;
  let len: number;
  if (first < 0x80) {
    len = first;
  } else {
    const n = first & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at offset ${offset} is not DER`);
    if (n > 4) throw new DerError(`length of ${n} octets at offset ${offset} is too large`);
    if (p + n > limit) throw new DerError(`truncated length at offset ${p}`);
    if (buf[p] === 0) throw new DerError(`non-minimal length at offset ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
    if (len < 0x80) throw new DerError(`non-minimal length at offset ${offset}`);
  }
  const end = p + len;
  if (end > limit) throw new DerError(`value at offset ${offset} runs past its container (${end} > ${limit})`);
  const t: Tlv = { buf, tag, start: offset, valueStart: p, end };
  checkUniversal(t);
  return t;
}

// X.690 §10/§11 canonical forms for the universal types we meet.
function checkUniversal(t: Tlv): void {
  if ((t.tag & 0xc0) !== 0) return; // not universal class
  const num = t.tag & 0x1f;
  const constructed = isConstructed(t);
  const v = valueOf(t);
  if (num === 16 || num === 17) {
    if (!constructed) throw new DerError(`primitive SEQUENCE/SET at offset ${t.start}`);
    return;
  }
  if (constructed) throw new DerError(`constructed encoding of universal tag ${num} at offset ${t.start} is not DER`);
  switch (num) {
    case 0:
      throw new DerError(`end-of-contents at offset ${t.start} is not DER`);
    case 1:
      if (v.length !== 1 || (v[0] !== 0 && v[0] !== 0xff)) throw new DerError(`non-DER BOOLEAN at offset ${t.start}`);
      return;
    case 2:
      if (v.length === 0) throw new DerError(`empty INTEGER at offset ${t.start}`);
      if (v.length > 1 && ((v[0] === 0 && v[1]! < 0x80) || (v[0] === 0xff && v[1]! >= 0x80)))
        throw new DerError(`non-minimal INTEGER at offset ${t.start}`);
      return;
    case 3:
      if (v.length === 0 || v[0]! > 7 || (v.length === 1 && v[0] !== 0))
        throw new DerError(`malformed BIT STRING at offset ${t.start}`);
      return;
    case 5:
      if (v.length !== 0) throw new DerError(`NULL with content at offset ${t.start}`);
      return;
    case 6:
      if (v.length === 0 || v[v.length - 1]! >= 0x80) throw new DerError(`malformed OID at offset ${t.start}`);
      for (let i = 0; i < v.length; i++) {
        if (v[i] === 0x80 && (i === 0 || v[i - 1]! < 0x80)) throw new DerError(`non-minimal OID at offset ${t.start}`);
      }
      return;
    default:
      return;
  }
}

/** Parses a complete DER value: exactly one TLV covering all of `buf`. */
export function parseDer(buf: Uint8Array): Tlv {
  const t = readTlv(buf, 0, buf.length);
  if (t.end !== buf.length) throw new DerError(`${buf.length - t.end} trailing bytes after the value`);
  return t;
}

/** Children of a constructed value, in order. */
export function childrenOf(t: Tlv): Tlv[] {
  if (!isConstructed(t)) throw new DerError(`expected a constructed value at offset ${t.start}`);
  const out: Tlv[] = [];
  let p = t.valueStart;
  while (p < t.end) {
    const c = readTlv(t.buf, p, t.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** Walks a whole tree so every nested value is checked, not just the ones a decoder reads. */
export function assertDerTree(t: Tlv, depth = 0): void {
  if (depth > 64) throw new DerError('nesting deeper than 64 levels');
  if (isConstructed(t)) for (const c of childrenOf(t)) assertDerTree(c, depth + 1);
}

export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t === undefined) throw new DerError(`missing ${what}`);
  if (t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)}`);
  return t;
}

/** Children of a SEQUENCE (or other constructed `tag`), checked for tag. */
export function seq(t: Tlv | undefined, what: string, tag: number = TAG.SEQUENCE): Tlv[] {
  return childrenOf(expectTag(t, tag, what));
}

export function decodeOid(t: Tlv | undefined, what: string): string {
  const v = valueOf(expectTag(t, TAG.OID, what));
  const arcs: bigint[] = [];
  let acc = 0n;
  for (const b of v) {
    acc = (acc << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0n;
    }
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Two's-complement INTEGER as a bigint. */
export function decodeInteger(t: Tlv | undefined, what: string): bigint {
  const v = valueOf(expectTag(t, TAG.INTEGER, what));
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  if (v[0]! >= 0x80) n -= 1n << BigInt(v.length * 8);
  return n;
}

/** A small non-negative INTEGER (versions, statuses). */
export function decodeSmallInt(t: Tlv | undefined, what: string): number {
  const n = decodeInteger(t, what);
  if (n < 0n || n > 0xffffn) throw new DerError(`${what} ${n} is out of range`);
  return Number(n);
}

export function decodeBoolean(t: Tlv | undefined, what: string): boolean {
  return valueOf(expectTag(t, TAG.BOOLEAN, what))[0] === 0xff;
}

/** BIT STRING with no unused bits (keys, signatures). */
export function decodeBitStringBytes(t: Tlv | undefined, what: string): Uint8Array {
  const v = valueOf(expectTag(t, TAG.BIT_STRING, what));
  if (v[0] !== 0) throw new DerError(`${what} has ${v[0]} unused bits`);
  return v.subarray(1);
}

/** Named-bit BIT STRING as the set of bit indices that are 1 (bit 0 = MSB of the first octet). */
export function decodeNamedBits(t: Tlv | undefined, what: string): Set<number> {
  const v = valueOf(expectTag(t, TAG.BIT_STRING, what));
  const bits = new Set<number>();
  const total = (v.length - 1) * 8 - v[0]!;
  for (let i = 0; i < total; i++) if ((v[1 + (i >> 3)]! >> (7 - (i & 7))) & 1) bits.add(i);
  return bits;
}

const TIME_RE = {
  generalized: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/,
  utc: /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/,
};

/** GeneralizedTime (DER: UTC, no trailing fraction zeros) or UTCTime (RFC 5280 §4.1.2.5.1: YY < 50 is 20YY). */
export function decodeTime(t: Tlv | undefined, what: string): Date {
  if (t === undefined) throw new DerError(`missing ${what}`);
  const s = latin1(valueOf(t));
  let m: RegExpExecArray | null;
  let year: number;
  let frac = 0;
  if (t.tag === TAG.GENERALIZED_TIME && (m = TIME_RE.generalized.exec(s))) {
    year = Number(m[1]);
    if (m[7] !== undefined) frac = Math.floor(Number(`0.${m[7]}`) * 1000);
  } else if (t.tag === TAG.UTC_TIME && (m = TIME_RE.utc.exec(s))) {
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else {
    throw new DerError(`${what} is not a DER UTCTime or GeneralizedTime`);
  }
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(year, mo - 1, d, h, mi, se, frac);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== se
  )
    throw new DerError(`${what} ${s} is not a valid date`);
  return back;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Writer. Inputs are our own values; the output is DER.

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const len = content.length;
  let header: number[];
  if (len < 0x80) header = [tag, len];
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  const out = new Uint8Array(header.length + len);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const enc = {
  seq: (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SEQUENCE, concat(parts)),
  /** SET OF: X.690 §11.6 orders the encodings ascending. */
  setOf: (...parts: Uint8Array[]): Uint8Array => tlv(TAG.SET, concat([...parts].sort(compareDer))),
  ctx: (n: number, ...parts: Uint8Array[]): Uint8Array => tlv(ctx(n, true), concat(parts)),
  /** [n] IMPLICIT over a constructed value: replaces its tag. */
  implicit: (n: number, encoded: Uint8Array): Uint8Array => {
    const out = encoded.slice();
    out[0] = ctx(n, (encoded[0]! & 0x20) !== 0);
    return out;
  },
  int: (n: bigint | number): Uint8Array => tlv(TAG.INTEGER, intBytes(BigInt(n))),
  /** INTEGER from already-encoded content octets (e.g. a certificate serial copied as is). */
  intRaw: (content: Uint8Array): Uint8Array => tlv(TAG.INTEGER, content),
  oid: (dotted: string): Uint8Array => tlv(TAG.OID, oidBytes(dotted)),
  octets: (b: Uint8Array): Uint8Array => tlv(TAG.OCTET_STRING, b),
  bool: (v: boolean): Uint8Array => tlv(TAG.BOOLEAN, Uint8Array.of(v ? 0xff : 0)),
  null: (): Uint8Array => Uint8Array.of(TAG.NULL, 0),
  utf8: (s: string): Uint8Array => tlv(TAG.UTF8_STRING, new TextEncoder().encode(s)),
  /** GeneralizedTime, DER form: UTC, fraction only when non-zero, without trailing zeros. */
  genTime: (d: Date): Uint8Array => {
    const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    const ms = iso.slice(20, 23).replace(/0+$/, '');
    const s = iso.slice(0, 19).replace(/[-:T]/g, '') + (ms ? `.${ms}` : '') + 'Z';
    return tlv(TAG.GENERALIZED_TIME, new TextEncoder().encode(s));
  },
  /** Named-bit BIT STRING with the given bits set (X.690 §11.2.2: no trailing zero bits). */
  namedBits: (bits: number[]): Uint8Array => {
    if (bits.length === 0) return tlv(TAG.BIT_STRING, Uint8Array.of(0));
    const max = Math.max(...bits);
    const body = new Uint8Array((max >> 3) + 1);
    for (const b of bits) body[b >> 3]! |= 0x80 >> (b & 7);
    return tlv(TAG.BIT_STRING, concat([Uint8Array.of(7 - (max & 7)), body]));
  },
};

function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Minimal two's-complement content octets of n. */
export function intBytes(n: bigint): Uint8Array {
  const out: number[] = [];
  let v = n;
  for (;;) {
    const byte = Number(v & 0xffn);
    out.unshift(byte);
    v >>= 8n;
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}

function oidBytes(dotted: string): Uint8Array {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new RangeError(`not a dotted OID: ${dotted}`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const out: number[] = [];
  const push = (arc: bigint): void => {
    const chunk = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const a of arcs.slice(2)) push(a);
  return Uint8Array.from(out);
}
