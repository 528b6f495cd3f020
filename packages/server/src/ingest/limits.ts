import { LIMITS, type Batch, type ReplayEvent } from '@reprise/protocol';
import { parseBatch } from '@reprise/protocol/schema';
import { HttpError } from '../http/errors.js';

/**
 * The shared ingest validation: the batch schema (seq and t bounded, LIMITS.maxSeq and
 * maxEventTime, so both stores' integer columns hold them) plus the nesting depth and size of
 * every event. Both decode paths (gzip/identity and deflate) end here, so both backends accept
 * exactly the same batches. A refusal is a 4xx naming the event.
 */
export function validateBatch(json: unknown): Batch {
  const parsed = parseBatch(json);
  if (!parsed.ok) throw new HttpError(400, 'invalid_batch', parsed.message);
  const { events } = parsed.batch;
  for (let i = 0; i < events.length; i++) {
    const problem = eventProblem(events[i]!);
    if (problem === 'depth') {
      throw new HttpError(400, 'event_too_deep', `events.${i}: nested deeper than ${LIMITS.maxEventDepth} levels`);
    }
    if (problem === 'size') {
      throw new HttpError(413, 'event_too_large', `events.${i}: larger than ${LIMITS.maxEventBytes} bytes`);
    }
  }
  return parsed.batch;
}

/**
 * 'depth' or 'size' when the event is past LIMITS.maxEventDepth / maxEventBytes, else null.
 * Iterative (a recursive walk is what the limit protects against); the size counts strings and
 * keys by length plus their punctuation, numbers and literals as a few bytes: close to the JSON
 * text, never more than it.
 */
export function eventProblem(
  event: ReplayEvent,
  maxDepth: number = LIMITS.maxEventDepth,
  maxBytes: number = LIMITS.maxEventBytes,
): 'depth' | 'size' | null {
  const values: unknown[] = [event];
  const depths: number[] = [1];
  let bytes = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v === 'string') {
      bytes += v.length + 3;
    } else if (v !== null && typeof v === 'object') {
      if (depth > maxDepth) return 'depth';
      bytes += 2;
      if (Array.isArray(v)) {
        for (const item of v) {
          values.push(item);
          depths.push(depth + 1);
        }
        bytes += v.length;
      } else {
        for (const key of Object.keys(v)) {
          bytes += key.length + 4;
          values.push((v as Record<string, unknown>)[key]);
          depths.push(depth + 1);
        }
      }
    } else {
      bytes += 2;
    }
    if (bytes > maxBytes) return 'size';
  }
  return null;
}

/**
 * Whether a project key could be one (printable ASCII, short) before it reaches the store: a
 * NUL in `?key=` would otherwise be a PostgreSQL error (500) where SQLite simply finds nothing.
 */
export function plausibleProjectKey(key: string): boolean {
  return key.length <= 200 && /^[\x21-\x7e]+$/.test(key);
}
