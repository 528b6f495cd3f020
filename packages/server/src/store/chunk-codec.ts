import { gunzipSync, gzipSync } from 'node:zlib';
import type { ReplayEvent } from '@reprise/protocol';

/**
 * Stored chunk format v1: gzip-compressed NDJSON, one `{t, kind, data}` per line.
 * Kept separate from where chunks live so the file and object-store backends share it.
 */
export const CHUNK_FORMAT = 'ndjson.gz.v1';

export function encodeChunk(events: ReplayEvent[]): Buffer {
  let text = '';
  for (const e of events) text += JSON.stringify({ t: e.t, kind: e.kind, data: e.data }) + '\n';
  return gzipSync(text, { level: 6 });
}

export function decodeChunk(bytes: Buffer): ReplayEvent[] {
  const text = gunzipSync(bytes).toString('utf8');
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
