import type { ReplayEvent } from './types.js';

/** One stored/served event per line; the format of `GET /api/v1/sessions/:id/events`. */
export function toNdjsonLine(e: ReplayEvent): string {
  return JSON.stringify({ t: e.t, kind: e.kind, data: e.data }) + '\n';
}

/** Parses NDJSON text into events, skipping blank lines. */
export function parseNdjson(text: string): ReplayEvent[] {
  const out: ReplayEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim()) out.push(JSON.parse(line) as ReplayEvent);
  }
  return out;
}
