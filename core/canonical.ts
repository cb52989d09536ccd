// Canonical bytes: RFC 8785 JSON Canonicalization Scheme (JCS), the only bytes we hash or sign
// (DESIGN §1). The `canonicalize` package does the serialisation; this module first checks that
// the value is JSON, because `canonicalize` (like JSON.stringify) silently drops or rewrites what
// JSON cannot hold (undefined properties, toJSON() results), and two different in-memory values must
// never sign as the same bytes.
import canonicalize from 'canonicalize';
import { InputError } from './errors.js';
import { utf8 } from './bytes.js';

/** Deepest nesting accepted (arrays + objects). Bounds recursion on hostile input. */
export const MAX_JSON_DEPTH = 128;

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// In `u` mode a surrogate pair is one code point, so only unpaired halves match \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;

/** A value that JSON (I-JSON, RFC 7493) can represent. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Where `value` stops being JSON, or undefined when it is JSON all the way down.
 *
 * Accepted: null, booleans, finite numbers, well-formed Unicode strings, dense arrays, and plain
 * objects (prototype Object.prototype or null) with string keys. Rejected: undefined anywhere
 * (including as a property value), NaN, ±Infinity, BigInt, functions, symbols (as values or keys),
 * strings with lone surrogates (RFC 8785 §3.2.2.2 requires I-JSON), sparse arrays, cycles, nesting
 * deeper than MAX_JSON_DEPTH, and every non-plain object (Map, Set, Date, Buffer, typed arrays,
 * boxed primitives, class instances): JSON.stringify would turn these into something else, which
 * the caller did not ask to sign. -0 is accepted and canonicalises as 0 (ECMAScript Number
 * serialisation, RFC 8785 §3.2.2.3). Shared (non-cyclic) references are fine.
 */
export function findNonJson(value: unknown): { path: string; reason: string } | undefined {
  const ancestors = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): { path: string; reason: string } | undefined => {
    switch (typeof v) {
      case 'string':
        return LONE_SURROGATE.test(v) ? { path, reason: 'string has a lone surrogate' } : undefined;
      case 'boolean':
        return undefined;
      case 'number':
        return Number.isFinite(v) ? undefined : { path, reason: `${v} is not a JSON number` };
      case 'object':
        break;
      default:
        return { path, reason: `${typeof v} is not a JSON value` };
    }
    if (v === null) return undefined;
    if (depth >= MAX_JSON_DEPTH) return { path, reason: `nesting deeper than ${MAX_JSON_DEPTH}` };
    if (ancestors.has(v)) return { path, reason: 'cycle' };
    if (Object.getOwnPropertySymbols(v).length > 0) return { path, reason: 'object has symbol keys' };
    ancestors.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!(i in v)) return { path: `${path}[${i}]`, reason: 'sparse array hole' };
          const bad = walk(v[i], `${path}[${i}]`, depth + 1);
          if (bad) return bad;
        }
        return undefined;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
        return { path, reason: `${typeof name === 'string' ? name : 'non-plain object'} is not a plain JSON object` };
      }
      for (const key of Object.keys(v)) {
        const child = pathOf(path, key);
        if (LONE_SURROGATE.test(key)) return { path: child, reason: 'key has a lone surrogate' };
        const bad = walk((v as Record<string, unknown>)[key], child, depth + 1);
        if (bad) return bad;
      }
      return undefined;
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value, '$', 0);
}

/** True when `value` is JSON (see findNonJson). */
export function isJsonValue(value: unknown): value is JsonValue {
  return findNonJson(value) === undefined;
}

/**
 * RFC 8785 canonical UTF-8 bytes of a JSON value.
 * Throws InputError NOT_JSON naming the first offending path when the value is not JSON.
 */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalString(value));
}

/** RFC 8785 canonical text of a JSON value (see canonicalBytes). */
export function canonicalString(value: unknown): string {
  const bad = findNonJson(value);
  if (bad) {
    throw new InputError('NOT_JSON', `value is not JSON at ${bad.path}: ${bad.reason}`, {
      hint: 'only null, booleans, finite numbers, strings, arrays and plain objects can be canonicalised',
    });
  }
  const out = canonicalize(value);
  // Unreachable after findNonJson, kept so a library change cannot hand us undefined bytes.
  if (typeof out !== 'string') throw new InputError('NOT_JSON', 'value has no JSON form');
  return out;
}

/**
 * Parse JSON text (or UTF-8 bytes) from outside. Garbage becomes InputError NOT_JSON, never a
 * SyntaxError. Bytes must be valid UTF-8 (a leading BOM is dropped by the decoder). Duplicate
 * object keys keep the last value, as JSON.parse does; what is signed is the canonical form of the
 * parsed value, so a duplicate cannot smuggle a second meaning past the signature check.
 */
export function parseJson(input: string | Uint8Array): unknown {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = utf8.decode(input);
    } catch (e) {
      throw new InputError('NOT_JSON', 'input is not valid UTF-8', { cause: e });
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new InputError('NOT_JSON', `input is not JSON: ${detail}`, { cause: e });
  }
  const bad = findNonJson(value);
  if (bad) throw new InputError('NOT_JSON', `input is not I-JSON at ${bad.path}: ${bad.reason}`);
  return value;
}

function pathOf(parent: string, key: string): string {
  return IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
