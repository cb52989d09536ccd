// Provenance: what every MCP result says about each receipt in it, so an agent can cite a memory
// and anyone can check the citation. Who signed it (the log key's fingerprint), when (the signed
// receipt time, and the RFC 3161 time of a timestamped checkpoint covering it), which log, and how
// to verify. The MCP client's name is known only for writes made in the current session and is
// reported beside, never inside, the signed receipt (README "MCP: agents").
import { z } from 'zod';
import type { CheckpointView, Service } from '../daemon/service.js';
import type { RecordedVia } from './caller.js';

export const VERIFY_HINT = 'prove_inclusion(receiptId), then verify_bundle or `remembrancer verify bundle.json`';

export const ProvenanceOut = z
  .object({
    receiptId: z.string().describe('cite this id'),
    log: z.string().describe('origin of the log that holds the receipt'),
    recordedBy: z.object({
      keyFingerprint: z.string().nullable().describe('primary fingerprint of the OpenPGP key that signs this log\'s receipts'),
    }),
    recordedVia: z
      .object({
        transport: z.enum(['stdio', 'http']),
        client: z.string().optional().describe('the MCP client name this session reported (unauthenticated)'),
        token: z.string().optional().describe('over HTTP, the name of the bearer token used'),
      })
      .optional()
      .describe('only on results of writes made in this session; not part of the signed receipt'),
    time: z.object({
      recorded: z.string().describe('receipt time, as signed by the log key'),
      timestamped: z
        .object({
          genTime: z.string().describe('RFC 3161 genTime: the receipt was in the log by then'),
          checkpointSize: z.number().int(),
          devTsa: z.boolean().optional().describe('true: stamped by the embedded development TSA, not an independent one'),
        })
        .nullable()
        .describe('the latest checkpoint, when it covers the receipt and is timestamped; else null (prove_inclusion publishes one)'),
    }),
    verify: z.string(),
  })
  .describe('who signed this receipt, when, and how to verify it');

export type Provenance = z.output<typeof ProvenanceOut>;

/** What provenance needs from the service, fetched once per tool call. */
export interface ProvenanceContext {
  origin: string;
  signer: string | null;
  checkpoint: CheckpointView | null;
}

/** The log's origin and key per service: they do not change while it runs. */
const STATIC = new WeakMap<Service, Promise<{ origin: string; signer: string | null }>>();

export async function provenanceContext(service: Service): Promise<ProvenanceContext> {
  let fixed = STATIC.get(service);
  if (!fixed) {
    fixed = service.status().then((s) => ({ origin: s.origin, signer: s.signer ?? null }));
    STATIC.set(service, fixed);
    fixed.catch(() => STATIC.delete(service));
  }
  const [f, checkpoint] = await Promise.all([fixed, service.latestCheckpoint()]);
  return { ...f, checkpoint };
}

export function provenanceOf(ctx: ProvenanceContext, r: { id: string; index: number; time: string }, via?: RecordedVia): Provenance {
  const cp = ctx.checkpoint;
  const genTime = cp && cp.size > r.index && cp.timestamp.state === 'stamped' ? cp.timestamp.genTime : undefined;
  return {
    receiptId: r.id,
    log: ctx.origin,
    recordedBy: { keyFingerprint: ctx.signer },
    ...(via ? { recordedVia: via } : {}),
    time: {
      recorded: r.time,
      timestamped: cp && genTime !== undefined ? { genTime, checkpointSize: cp.size, ...(cp.timestamp.dev ? { devTsa: true } : {}) } : null,
    },
    verify: VERIFY_HINT,
  };
}
