// Correcting memories without editing the log (README "Memory semantics"): each tool appends a
// receipt that points at the one it corrects, in that receipt's namespace. The target leaves the
// current view (list/search), stays in the history view (`history: true`), and every proof of it
// still verifies. Only redaction removes anything: a memory's text held beside the log.
import { z } from 'zod';
import { scopeNamespace } from './caller.js';
import {
  common,
  CORRECT,
  defineTool,
  Id,
  IdempotencyKey,
  InNamespace,
  MemoryText,
  ok,
  RecordOut,
  recordAndDescribe,
  recordRequest,
  Tags,
  visibleReceipt,
  type ToolEnv,
} from './toolkit.js';

const Reason = z.string().min(1).max(4096);

const CorrectionOut = RecordOut.extend({
  target: z.string().describe('the receipt corrected (it stays in the log and in history: true views)'),
});

/** The target, visible to the caller, and the namespace the correction goes in (the target's). */
async function targetOf(env: ToolEnv, id: string, asserted: string | undefined): Promise<{ id: string; namespace: string }> {
  const target = id.toLowerCase();
  const { namespace } = await visibleReceipt(env, target, asserted);
  const ns = namespace ?? 'default';
  scopeNamespace(env.caller, ns); // may write there (seeing it already implies so today)
  return { id: target, namespace: ns };
}

export const supersedeMemory = defineTool({
  name: 'supersede_memory',
  title: 'Supersede a memory',
  description:
    'Replace a memory with a corrected one: records a new memory (text, tags) that points at the old one, which then leaves ' +
    'list_receipts and search_memories (history: true still shows it, and its proofs still verify). Only the current memory of a ' +
    'chain can be superseded. Returns the new receipt.',
  input: z
    .object({
      id: Id.describe('the memory to replace'),
      text: MemoryText,
      tags: Tags.optional(),
      namespace: InNamespace.optional(),
      idempotencyKey: IdempotencyKey.optional(),
      evidence: common.evidence,
    })
    .strict(),
  output: CorrectionOut,
  annotations: CORRECT,
  writes: true,
  storedData: false,
  async run(a, env) {
    const t = await targetOf(env, a.id, a.namespace);
    const r = await recordAndDescribe(
      env,
      recordRequest(
        { kind: 'memory', subject: { text: a.text, ...(a.tags && a.tags.length > 0 ? { tags: a.tags } : {}) }, namespace: t.namespace, supersedes: t.id },
        a,
      ),
    );
    return ok({ ...r, target: t.id });
  },
});

export const retractMemory = defineTool({
  name: 'retract_memory',
  title: 'Retract a memory',
  description:
    'Withdraw a memory, decision or artifact receipt that is wrong or obsolete: records a signed retraction with your reason. The ' +
    'target leaves list_receipts and search_memories (history: true still shows both), and stays provable. It cannot be undone; ' +
    'record a new memory instead.',
  input: z
    .object({
      id: Id.describe('the receipt to retract'),
      reason: Reason.describe('why (signed, kept in the log, searchable)'),
      namespace: InNamespace.optional(),
      idempotencyKey: IdempotencyKey.optional(),
    })
    .strict(),
  output: CorrectionOut,
  annotations: CORRECT,
  writes: true,
  storedData: false,
  async run(a, env) {
    const t = await targetOf(env, a.id, a.namespace);
    const r = await recordAndDescribe(env, recordRequest({ kind: 'memory.retract', subject: { target: t.id, reason: a.reason }, namespace: t.namespace }, a));
    return ok({ ...r, target: t.id });
  },
});

export const redactMemory = defineTool({
  name: 'redact_memory',
  title: 'Redact a memory (forget its text)',
  description:
    'Right to be forgotten: permanently deletes a memory\'s text (held beside the log) and records a signed redaction receipt. ' +
    'The memory\'s receipt, its content hash and every proof stay valid; its text can no longer be read or searched by anyone. ' +
    'Irreversible. The reason is kept in the log: do not repeat the text you are removing in it.',
  input: z
    .object({
      id: Id.describe('the memory whose text to delete'),
      reason: Reason.optional().describe('why (signed and kept: never the redacted text itself)'),
      namespace: InNamespace.optional(),
      idempotencyKey: IdempotencyKey.optional(),
    })
    .strict(),
  output: CorrectionOut.extend({ textDeleted: z.boolean().describe('the text and its salt are gone from the store') }),
  annotations: CORRECT,
  writes: true,
  storedData: false,
  async run(a, env) {
    const t = await targetOf(env, a.id, a.namespace);
    const r = await recordAndDescribe(
      env,
      recordRequest({ kind: 'memory.redact', subject: { target: t.id, ...(a.reason !== undefined ? { reason: a.reason } : {}) }, namespace: t.namespace }, a),
    );
    // Read back, not assumed: the store deleted the text in the redaction's own transaction.
    const after = await env.service.get(t.id);
    return ok({ ...r, target: t.id, textDeleted: after.content?.state !== 'present' });
  },
});

export const CORRECTION_TOOLS = [supersedeMemory, retractMemory, redactMemory] as const;
