import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import type { ReplayEvent } from '@reprise/protocol';

const gzipAsync = promisify(gzip);

/**
 * Stored chunk formats. Kept separate from where chunks live so the file and object-store
 * backends share them; each batch row names its format (`chunk_format`).
 *
 * - `ndjson.gz.v1`: gzip of one `{t, kind, data}` JSON per line. Written for batches appended
 *   from parsed events (import, migrate-store); every chunk stored before batch.json.gz.v1.
 * - `batch.json.gz.v1`: gzip of the batch JSON as ingest validated it; only its `events`
 *   array is read, each event reduced to `{t, kind, data}`. A gzip upload is stored byte for
 *   byte, so ingest neither re-serializes nor re-compresses what the recorder already did.
 */
export const CHUNK_FORMAT = 'ndjson.gz.v1';
export const BATCH_CHUNK_FORMAT = 'batch.json.gz.v1';
export type ChunkFormat = typeof CHUNK_FORMAT | typeof BATCH_CHUNK_FORMAT;

/** A batch's bytes in a chunk format (before sealing), with what its row records about the events. */
export interface EncodedChunk extends EventStats {
  format: ChunkFormat;
  bytes: Buffer;
  /** Size of the batch's JSON text uncompressed: what the per-session byte cap counts. */
  rawBytes: number;
}

export interface EventStats {
  eventCount: number;
  /** Earliest and latest event time; null for a batch without events. */
  tMin: number | null;
  tMax: number | null;
}

export function eventStats(events: readonly ReplayEvent[]): EventStats {
  if (events.length === 0) return { eventCount: 0, tMin: null, tMax: null };
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const e of events) {
    if (e.t < tMin) tMin = e.t;
    if (e.t > tMax) tMax = e.t;
  }
  return { eventCount: events.length, tMin, tMax };
}

export function encodeChunk(events: readonly ReplayEvent[]): Buffer {
  return encodeNdjsonChunk(events).bytes;
}

/** encodeChunk with the size of its text. */
export function encodeNdjsonChunk(events: readonly ReplayEvent[]): { bytes: Buffer; rawBytes: number } {
  let text = '';
  for (const e of events) text += JSON.stringify({ t: e.t, kind: e.kind, data: e.data }) + '\n';
  return { bytes: gzipSync(text, { level: 6 }), rawBytes: Buffer.byteLength(text) };
}

/**
 * The chunk of a batch that arrived as `raw` (its JSON text, already validated into `events`). `gzipBody`
 * is the upload when it came gzip-encoded: reused as is when it is one plain gzip member (what
 * recorders send), so nothing but the validated content is stored (no header name, comment or
 * extra field); otherwise `raw` is compressed on the threadpool.
 */
export async function encodeBatchJson(raw: Buffer, gzipBody: Buffer | null, events: readonly ReplayEvent[]): Promise<EncodedChunk> {
  const stats = eventStats(events);
  const rawBytes = raw.length;
  if (gzipBody && isPlainGzipOf(gzipBody, raw.length)) return { format: BATCH_CHUNK_FORMAT, bytes: gzipBody, rawBytes, ...stats };
  return { format: BATCH_CHUNK_FORMAT, bytes: await gzipAsync(raw, { level: 6 }), rawBytes, ...stats };
}

/** Header of the 10 fixed bytes (magic, deflate, no flags) and a trailer whose size is the content's. */
function isPlainGzipOf(b: Buffer, size: number): boolean {
  return b.length >= 18 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 8 && b[3] === 0 && b.readUInt32LE(b.length - 4) === size % 2 ** 32;
}

export function decodeChunk(bytes: Buffer, format: string = CHUNK_FORMAT): ReplayEvent[] {
  const text = gunzipSync(bytes).toString('utf8');
  if (format === BATCH_CHUNK_FORMAT) return eventsOfBatchJson(text);
  if (format !== CHUNK_FORMAT) throw new Error(`unknown chunk format ${format}`);
  const out: ReplayEvent[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) out.push(JSON.parse(text.slice(start, end)) as ReplayEvent);
    start = end + 1;
  }
  return out;
}

/** Only the three event fields ingest validated; anything else the upload carried stays unread. */
function eventsOfBatchJson(text: string): ReplayEvent[] {
  const batch = JSON.parse(text) as { events?: unknown };
  if (!Array.isArray(batch.events)) throw new Error('stored batch has no events array');
  return (batch.events as ReplayEvent[]).map((e) => ({ t: e.t, kind: e.kind, data: e.data }) as ReplayEvent);
}
