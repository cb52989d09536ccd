// Receipts, log entries and offline bundles (DESIGN §1–§2). The zod schemas below are the single
// source of truth: the TypeScript types are inferred from them and schemas/*.schema.json is
// generated from them (scripts/gen-schemas.mjs). Schemas only check shape; they never transform,
// and the parse functions return the caller's own object, so what was signed is what is verified.
import { z } from 'zod';
import { canonicalBytes, findNonJson } from './canonical.js';
import { fromBase64, toHex, utf8 } from './bytes.js';
import { InputError, VerificationError } from './errors.js';
import { leafHash } from './merkle/hash.js';
import { MAX_NOTE_BYTES } from './checkpoint/note.js';

export const RECEIPT_VERSION = 1;
export const BUNDLE_MEDIA_TYPE = 'application/vnd.remembrancer.bundle.v1+json';

/**
 * Size limits, in UTF-16 code units for strings (what JSON Schema's maxLength counts) and in
 * items for arrays. They bound what a hostile bundle can make us hold, and are generous for the
 * intended use: a receipt is a statement about an artifact or a memory, not the artifact itself.
 */
export const LIMITS = {
  /** Log origin: also the checkpoint origin line and the log's signed-note key name. */
  origin: 255,
  /** Kind: up to four dot-separated lowercase segments. */
  kind: 128,
  /** Short labels: evidence and artifact names, component, version, tags, title. */
  label: 1024,
  /** Free text: receipt note, retract/redact reason. */
  note: 4096,
  /** Long text: decision body, inline memory text. */
  text: 65536,
  tags: 64,
  evidence: 256,
  namespace: 128,
  /** JCS(receipt) in bytes, checked after the schema (a generic subject is otherwise unbounded). */
  receiptBytes: 1 << 20,
  /** Armored OpenPGP signature; an Ed25519 or RSA-4096 signature is well under 2 KiB. */
  signature: 16384,
  /** Armored OpenPGP public key, PEM certificate, base64 timestamp token. */
  armor: 65536,
  /** Checkpoint note text: the signed-note parser's own limit. */
  checkpoint: MAX_NOTE_BYTES,
  tsaCertificates: 16,
  /** Inclusion proof length: a tree of 2^64 leaves needs 64 hashes. */
  proofHashes: 64,
} as const;

// ---------------------------------------------------------------------------------------------
// Field schemas

const HEX64 = /^[0-9a-f]{64}$/;
// Printable: no C0 control characters and no DEL (labels end up in terminals and log lines).
// eslint-disable-next-line no-control-regex
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;
// The origin doubles as a signed-note key name: non-empty, no Unicode spaces, no '+' (C2SP
// signed-note §Format), and no control characters (it is a line of the checkpoint body).
// eslint-disable-next-line no-control-regex
const ORIGIN = /^[^\s+\u0000-\u001f\u007f]+$/;
const KIND = /^[a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*){0,3}$/;
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
/** Kinds with their own subject schema; every other kind matching KIND gets a generic subject. */
export const KNOWN_KINDS = ['artifact', 'deploy', 'decision', 'memory', 'memory.retract', 'memory.redact'] as const;
export type KnownKind = (typeof KNOWN_KINDS)[number];
const OTHER_KIND = new RegExp(`^(?!(?:${KNOWN_KINDS.map((k) => k.replace('.', '\\.')).join('|')})$)${KIND.source.slice(1)}`);
// Base64 of exactly 32 bytes: 43 characters then '=', the last one with its two low bits zero.
const HASH_BASE64 = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export const Sha256Hex = z.string().regex(HEX64).meta({ description: 'SHA-256 digest, 64 lowercase hex digits' });
export const ReceiptIdSchema = z
  .string()
  .regex(HEX64)
  .meta({ description: 'receipt id: lowercase hex of the RFC 9162 leaf hash SHA-256(0x00 ‖ JCS(entry))' });
const label = (description: string) => z.string().min(1).max(LIMITS.label).regex(PRINTABLE).meta({ description });
const freeText = (max: number, description: string) => z.string().min(1).max(max).meta({ description });
const Time = z.iso
  .datetime()
  .max(40)
  .meta({ description: 'RFC 3339 timestamp in UTC ("Z"), optional fraction of a second; no leap second' });
const Origin = z.string().max(LIMITS.origin).regex(ORIGIN).meta({
  description: 'log origin (checkpoint origin line): no spaces, no "+", no control characters',
});
const Namespace = z
  .string()
  .max(LIMITS.namespace)
  .regex(NAMESPACE)
  .meta({ description: 'memory namespace; absent means "default" (never written in, so the signed bytes stay as given)' });
const Evidence = z
  .array(z.strictObject({ name: label('evidence name, e.g. a file name'), sha256: Sha256Hex }))
  .max(LIMITS.evidence)
  .meta({ description: 'hashes of supporting files; may be empty' });

// Fields every receipt carries. `v` pins the format: a new field means a new version.
const common = {
  v: z.literal(RECEIPT_VERSION),
  origin: Origin,
  time: Time,
  evidence: Evidence,
  chainRef: ReceiptIdSchema.optional().meta({ description: 'id of the receipt this one follows' }),
  note: freeText(LIMITS.note, 'free-text note').optional(),
};
// Extra fields of memory-like kinds.
const memoryLike = {
  namespace: Namespace.optional(),
};

export const DeploySubject = z.strictObject({
  component: label('deployed component'),
  version: label('deployed version'),
  sha256: Sha256Hex,
});
export const ArtifactSubject = z.strictObject({
  name: label('artifact name'),
  sha256: Sha256Hex,
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().meta({ description: 'size in bytes' }),
});
export const DecisionSubject = z.strictObject({
  title: label('decision title').max(512),
  body: freeText(LIMITS.text, 'decision text, held inline'),
});
const Tags = z.array(label('tag').max(128)).max(LIMITS.tags);
/**
 * A memory holds its text inline, or only `contentHash` = SHA-256(salt ‖ text) with the text and
 * salt stored beside the log so they can be redacted later. Exactly one of the two.
 */
export const MemorySubject = z.union(
  [
    z.strictObject({ text: freeText(LIMITS.text, 'memory text, held inline'), tags: Tags.optional() }),
    z.strictObject({
      contentHash: Sha256Hex.meta({ description: 'SHA-256(salt ‖ text); text and salt are held beside the log' }),
      tags: Tags.optional(),
    }),
  ],
  { error: 'a memory subject has exactly one of "text" and "contentHash"' },
);
export const TargetSubject = z.strictObject({
  target: ReceiptIdSchema,
  reason: freeText(LIMITS.note, 'why').optional(),
});
/** Subject of a kind without its own schema: any JSON object (checked to be JSON after parsing). */
export const GenericSubject = z.record(z.string(), z.unknown());

export const DeployReceiptSchema = z.strictObject({ ...common, kind: z.literal('deploy'), subject: DeploySubject });
export const ArtifactReceiptSchema = z.strictObject({ ...common, ...memoryLike, kind: z.literal('artifact'), subject: ArtifactSubject });
export const DecisionReceiptSchema = z.strictObject({ ...common, ...memoryLike, kind: z.literal('decision'), subject: DecisionSubject });
export const MemoryReceiptSchema = z.strictObject({
  ...common,
  ...memoryLike,
  kind: z.literal('memory'),
  supersedes: ReceiptIdSchema.optional().meta({ description: 'id of the memory this one replaces' }),
  subject: MemorySubject,
});
export const RetractReceiptSchema = z.strictObject({
  ...common,
  ...memoryLike,
  kind: z.literal('memory.retract'),
  subject: TargetSubject,
});
export const RedactReceiptSchema = z.strictObject({
  ...common,
  ...memoryLike,
  kind: z.literal('memory.redact'),
  subject: TargetSubject,
});
/** Any other kind (grid.*, federation.*, later issues): the log stays open to new statements. */
export const GenericReceiptSchema = z.strictObject({
  ...common,
  ...memoryLike,
  kind: z.string().max(LIMITS.kind).regex(OTHER_KIND).meta({ description: 'a kind without its own schema' }),
  supersedes: ReceiptIdSchema.optional(),
  subject: GenericSubject,
});

const byKind: Record<KnownKind, z.ZodType> = {
  deploy: DeployReceiptSchema,
  artifact: ArtifactReceiptSchema,
  decision: DecisionReceiptSchema,
  memory: MemoryReceiptSchema,
  'memory.retract': RetractReceiptSchema,
  'memory.redact': RedactReceiptSchema,
};

export const ReceiptSchema = z
  .union([
    DeployReceiptSchema,
    ArtifactReceiptSchema,
    DecisionReceiptSchema,
    MemoryReceiptSchema,
    RetractReceiptSchema,
    RedactReceiptSchema,
    GenericReceiptSchema,
  ])
  .meta({
    title: 'Remembrancer receipt v1',
    description:
      'The signed statement. Its RFC 8785 (JCS) bytes are what the OpenPGP signature covers. ' +
      `JCS(receipt) is at most ${LIMITS.receiptBytes} bytes.`,
  });

export const EntrySchema = z
  .strictObject({
    receipt: ReceiptSchema,
    signature: z
      .string()
      .max(LIMITS.signature)
      .startsWith('-----BEGIN PGP SIGNATURE-----')
      .meta({ description: 'ASCII-armored OpenPGP detached signature over JCS(receipt)' }),
  })
  .meta({
    title: 'Remembrancer log entry v1',
    description: 'What the log stores. Leaf hash = SHA-256(0x00 ‖ JCS(entry)); receipt id = its lowercase hex.',
  });

export const InclusionProofSchema = z.strictObject({
  logIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  treeSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  hashes: z
    .array(z.string().regex(HASH_BASE64).meta({ description: 'base64 of a 32-byte node hash' }))
    .max(LIMITS.proofHashes)
    .meta({ description: 'RFC 9162 §2.1.3 inclusion path, leaf side first' }),
});

const armored = (description: string) => z.string().max(LIMITS.armor).meta({ description });

/**
 * Every piece but mediaType is optional here so that a bundle with a missing piece still parses:
 * the verifier then reports that piece as a failed check (never as skipped). Pieces that have
 * their own decoder (signature, keys, checkpoint, token, certificates) are only length-checked
 * here, so that garbage in one of them fails that one check with its own code.
 */
export const BundleSchema = z
  .strictObject({
    mediaType: z.literal(BUNDLE_MEDIA_TYPE),
    entry: EntrySchema.optional(),
    publicKey: armored('ASCII-armored OpenPGP public key of the receipt signer').optional(),
    inclusionProof: InclusionProofSchema.optional(),
    checkpoint: z.string().max(LIMITS.checkpoint).meta({ description: 'C2SP signed note, exactly as signed' }).optional(),
    checkpointKey: z
      .string()
      .max(LIMITS.armor)
      .meta({ description: 'signed-note verifier key <name>+<hex key id>+<base64(0x01 ‖ Ed25519 public key)>' })
      .optional(),
    timestamp: armored('base64 DER RFC 3161 TimeStampToken over SHA-256(checkpoint body)').optional(),
    tsaCertificates: z
      .array(armored('PEM certificate'))
      .max(LIMITS.tsaCertificates)
      .meta({ description: 'TSA leaf certificate first, then its chain' })
      .optional(),
  })
  .meta({ title: 'Remembrancer offline bundle v1', description: 'Everything needed to verify one receipt offline.' });

export type DeployReceipt = z.infer<typeof DeployReceiptSchema>;
export type ArtifactReceipt = z.infer<typeof ArtifactReceiptSchema>;
export type DecisionReceipt = z.infer<typeof DecisionReceiptSchema>;
export type MemoryReceipt = z.infer<typeof MemoryReceiptSchema>;
export type RetractReceipt = z.infer<typeof RetractReceiptSchema>;
export type RedactReceipt = z.infer<typeof RedactReceiptSchema>;
export type GenericReceipt = z.infer<typeof GenericReceiptSchema>;
export type KnownReceipt = DeployReceipt | ArtifactReceipt | DecisionReceipt | MemoryReceipt | RetractReceipt | RedactReceipt;
export type Receipt = z.infer<typeof ReceiptSchema>;
export type Entry = z.infer<typeof EntrySchema>;
export type InclusionProofJson = z.infer<typeof InclusionProofSchema>;
export type Bundle = z.infer<typeof BundleSchema>;

/**
 * Narrow a receipt by kind. (`receipt.kind === 'deploy'` alone cannot narrow, because a generic
 * receipt's kind is typed as string.)
 */
export function isKind<K extends KnownKind>(receipt: Receipt, kind: K): receipt is Extract<KnownReceipt, { kind: K }> {
  return receipt.kind === kind;
}

// ---------------------------------------------------------------------------------------------
// Parsing: collect every bad field, then throw once.

export interface FieldIssue {
  /** Dotted path from the parsed value, e.g. "subject.sha256", "evidence[2].name"; "" for the root. */
  path: string;
  message: string;
}

/** A schema failure: a VerificationError (exit 1) that lists every bad field. */
export class SchemaError extends VerificationError {
  readonly fields: readonly FieldIssue[];
  constructor(code: 'RECEIPT_SCHEMA' | 'BUNDLE_SCHEMA', what: string, fields: FieldIssue[]) {
    const shown = fields
      .slice(0, 8)
      .map((f) => `${f.path || '(root)'}: ${f.message}`)
      .join('; ');
    const more = fields.length > 8 ? `; and ${fields.length - 8} more` : '';
    super(code, `${what} has ${fields.length} invalid field${fields.length === 1 ? '' : 's'}: ${shown}${more}`);
    this.fields = fields;
  }
}

function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let out = prefix;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out;
}

function issuesOf(error: z.ZodError, prefix: string): FieldIssue[] {
  const out: FieldIssue[] = [];
  const visit = (issues: readonly z.core.$ZodIssue[], base: string): void => {
    for (const issue of issues) {
      const path = joinPath(base, issue.path);
      if (issue.code === 'invalid_union' && issue.errors.length > 0) {
        // Report the complaints of the alternative that came closest; when no single one did,
        // the union's own message says what was expected.
        const sizes = issue.errors.map((alt) => alt.length);
        const best = Math.min(...sizes);
        const closest = issue.errors.filter((alt) => alt.length === best);
        if (closest.length === 1) visit(closest[0]!, path);
        else out.push({ path, message: issue.message });
      } else if (issue.code === 'unrecognized_keys') {
        for (const k of issue.keys) out.push({ path: joinPath(path, [k]), message: 'unknown field' });
      } else {
        out.push({ path, message: issue.message });
      }
    }
  };
  visit(error.issues, prefix);
  // Union alternatives can repeat the same complaint.
  const seen = new Set<string>();
  return out.filter((f) => {
    const key = `${f.path}\n${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function isKnownKind(kind: unknown): kind is KnownKind {
  return (KNOWN_KINDS as readonly unknown[]).includes(kind);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Issues of `value` as a receipt, paths prefixed by `prefix`. Empty when it is a valid receipt. */
function receiptIssues(value: unknown, prefix: string): FieldIssue[] {
  // Choose the schema by kind, so that a deploy receipt with a bad sha256 reports exactly that,
  // not seven union alternatives. Unknown or missing kinds go to the generic schema, which
  // reports the kind itself when it is malformed.
  const kind = isPlainObject(value) ? value.kind : undefined;
  const schema = isKnownKind(kind) ? byKind[kind] : GenericReceiptSchema;
  const r = schema.safeParse(value);
  if (!r.success) return issuesOf(r.error, prefix);
  const bad = findNonJson(value);
  if (bad) {
    const rest = bad.path.slice(1); // findNonJson paths start with "$"
    return [{ path: prefix ? prefix + rest : rest.replace(/^\./, ''), message: bad.reason }];
  }
  const size = canonicalBytes(value).length;
  if (size > LIMITS.receiptBytes) {
    return [{ path: prefix, message: `canonical receipt is ${size} bytes, limit ${LIMITS.receiptBytes}` }];
  }
  return [];
}

function entryIssues(value: unknown, prefix: string): FieldIssue[] {
  const shell = z.strictObject({ receipt: z.unknown(), signature: EntrySchema.shape.signature });
  const r = shell.safeParse(value);
  const out = r.success ? [] : issuesOf(r.error, prefix);
  if (isPlainObject(value) && 'receipt' in value) out.push(...receiptIssues(value.receipt, joinPath(prefix, ['receipt'])));
  return out;
}

/** Validate a receipt (from JSON or from code). Throws SchemaError RECEIPT_SCHEMA listing every bad field. */
export function parseReceipt(value: unknown): Receipt {
  const issues = receiptIssues(value, '');
  if (issues.length > 0) throw new SchemaError('RECEIPT_SCHEMA', 'receipt', issues);
  return value as Receipt;
}

/** Validate a log entry `{ receipt, signature }`. Throws SchemaError RECEIPT_SCHEMA. The signature is only shape-checked. */
export function parseEntry(value: unknown): Entry {
  const issues = entryIssues(value, '');
  if (issues.length > 0) throw new SchemaError('RECEIPT_SCHEMA', 'entry', issues);
  return value as Entry;
}

/**
 * Validate an offline bundle (already parsed from JSON, see canonical.parseJson).
 * Throws InputError UNKNOWN_MEDIA_TYPE when this is not a v1 bundle at all (exit 2), and
 * SchemaError BUNDLE_SCHEMA listing every bad field when it is one but malformed (exit 1).
 * Missing pieces are not errors here; the verifier reports them.
 */
export function parseBundle(value: unknown): Bundle {
  if (!isPlainObject(value)) {
    throw new InputError('UNKNOWN_MEDIA_TYPE', 'input is not a bundle: not a JSON object', {
      hint: `a bundle is a JSON object with "mediaType": "${BUNDLE_MEDIA_TYPE}"`,
    });
  }
  if (value.mediaType !== BUNDLE_MEDIA_TYPE) {
    const got = typeof value.mediaType === 'string' ? JSON.stringify(value.mediaType.slice(0, 100)) : 'none';
    throw new InputError('UNKNOWN_MEDIA_TYPE', `unknown bundle mediaType ${got}, want ${BUNDLE_MEDIA_TYPE}`, {
      hint: 'produce the bundle with `remembrancer bundle ID`',
    });
  }
  const shell = BundleSchema.extend({ entry: z.unknown().optional() });
  const r = shell.safeParse(value);
  const issues = r.success ? [] : issuesOf(r.error, '');
  if (value.entry !== undefined) issues.push(...entryIssues(value.entry, 'entry'));
  if (issues.length > 0) throw new SchemaError('BUNDLE_SCHEMA', 'bundle', issues);
  return value as Bundle;
}

// ---------------------------------------------------------------------------------------------
// Bytes and ids

/** JCS(entry): the bytes the log stores and hashes into its leaf. */
export function entryBytes(entry: Entry): Uint8Array {
  return canonicalBytes(entry);
}

const ENTRY_OPEN = utf8.encode('{"receipt":');
const ENTRY_SIG = utf8.encode(',"signature":');
const ENTRY_CLOSE = utf8.encode('}');

/**
 * JCS(entry) from JCS(receipt) and the signature, without canonicalising the receipt again: the
 * two keys sort as "receipt" < "signature", and RFC 8785 serialises strings as JSON.stringify
 * does. Equal to entryBytes({receipt, signature}) (property-tested).
 */
export function entryBytesFromParts(receiptJcs: Uint8Array, signature: string): Uint8Array {
  const sig = utf8.encode(JSON.stringify(signature));
  const out = new Uint8Array(ENTRY_OPEN.length + receiptJcs.length + ENTRY_SIG.length + sig.length + ENTRY_CLOSE.length);
  let o = 0;
  for (const part of [ENTRY_OPEN, receiptJcs, ENTRY_SIG, sig, ENTRY_CLOSE]) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** The entry's RFC 9162 leaf hash, SHA-256(0x00 ‖ JCS(entry)). */
export function entryLeafHash(entry: Entry): Uint8Array {
  return leafHash(entryBytes(entry));
}

/** Receipt id: lowercase hex of the entry's leaf hash. */
export function receiptId(entry: Entry): string {
  return toHex(entryLeafHash(entry));
}

/** The proof hashes of a parsed bundle as bytes (the schema already checked each is 32-byte base64). */
export function proofHashes(proof: InclusionProofJson): Uint8Array[] {
  return proof.hashes.map((h) => fromBase64(h)!);
}

/**
 * The checked-in schemas/*.schema.json files, generated from the zod schemas above: file name to
 * file text (JSON, two-space indent, trailing newline). Entry and bundle refer to
 * receipt.schema.json / entry.schema.json by relative $ref.
 */
export function renderJsonSchemas(): Record<string, string> {
  const registry = z.registry<{ id: string }>();
  registry.add(ReceiptSchema, { id: 'receipt' });
  registry.add(EntrySchema, { id: 'entry' });
  registry.add(BundleSchema, { id: 'bundle' });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `${id}.schema.json` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, s]) => [`${id}.schema.json`, `${JSON.stringify(s, null, 2)}\n`]),
  );
}
