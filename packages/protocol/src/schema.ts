import { z } from 'zod';
import { EVENT_KINDS, FORMAT_VERSION, LIMITS, type Batch } from './types.js';

const eventSchema = z.object({
  t: z.number().finite().nonnegative().max(LIMITS.maxEventTime),
  kind: z.enum(EVENT_KINDS),
  data: z.unknown(),
});

const domDataSchema = z.object({ type: z.number().int(), timestamp: z.number().finite() }).loose();

export const batchSchema = z.object({
  v: z.literal(FORMAT_VERSION),
  sessionId: z
    .string()
    .min(8)
    .max(LIMITS.maxSessionIdLength)
    .regex(/^[A-Za-z0-9_-]+$/, 'sessionId must be URL-safe ([A-Za-z0-9_-])'),
  seq: z.number().int().nonnegative().max(LIMITS.maxSeq),
  events: z.array(eventSchema).max(LIMITS.maxEventsPerBatch),
  meta: z
    .object({
      url: z.string().max(8192).optional(),
      referrer: z.string().max(8192).optional(),
      sdk: z.string().max(64).optional(),
      release: z.string().max(LIMITS.maxReleaseLength).optional(),
    })
    .optional(),
});

export type BatchParseResult = { ok: true; batch: Batch } | { ok: false; message: string };

/** Validates an untrusted, already JSON-parsed batch; the message names the first bad path. */
export function parseBatch(input: unknown): BatchParseResult {
  const r = batchSchema.safeParse(input);
  if (!r.success) return { ok: false, message: describe(r.error) };
  const batch = r.data as Batch;
  for (let i = 0; i < batch.events.length; i++) {
    const e = batch.events[i];
    if (e.kind === 'dom' && !domDataSchema.safeParse(e.data).success) {
      return { ok: false, message: `events.${i}.data: a dom event must carry an rrweb event {type, timestamp}` };
    }
    if (e.data === undefined) return { ok: false, message: `events.${i}.data: required` };
  }
  return { ok: true, batch };
}

function describe(err: z.ZodError): string {
  const first = err.issues[0];
  if (!first) return 'invalid batch';
  const path = first.path.length ? first.path.join('.') : '(root)';
  return `${path}: ${first.message}`;
}
