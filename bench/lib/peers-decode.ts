import { gunzipSync, inflateSync } from 'node:zlib';
import type { Upload } from './peers-sink.js';

/**
 * What a peer's uploads hold, read back from the bytes its sink received: the DOM changes of
 * the rrweb events in them (Sentry and PostHog both record with rrweb), so a replay that lacks
 * the workload's changes (a recorder that stopped, or rate-limited mutations) shows.
 */
interface RrwebEvent {
  type: number;
  data?: unknown;
}

interface MutationData {
  source?: number;
  adds?: unknown;
  removes?: unknown;
  attributes?: unknown;
  texts?: unknown;
}

const len = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/** DOM changes (nodes added and removed, attribute and text changes) in rrweb incremental snapshots. */
export function domChanges(events: readonly RrwebEvent[]): number {
  let n = 0;
  for (const e of events) {
    if (e.type !== 3 || typeof e.data !== 'object' || e.data === null) continue;
    const d = e.data as MutationData;
    if (d.source !== 0) continue;
    n += len(d.adds) + len(d.removes) + len(d.attributes) + len(d.texts);
  }
  return n;
}

function inflateAny(buf: Buffer): Buffer {
  for (const f of [gunzipSync, inflateSync]) {
    try {
      return f(buf);
    } catch {
      // not this format
    }
  }
  return buf;
}

/** A Sentry envelope's replay_recording item: `{"segment_id":N}\n` then the (compressed) JSON event array. */
export function sentryEvents(u: Upload): RrwebEvent[] {
  const b = u.body;
  const out: RrwebEvent[] = [];
  let pos = b.indexOf(0x0a) + 1; // after the envelope header
  while (pos > 0 && pos < b.length) {
    const nl = b.indexOf(0x0a, pos);
    if (nl < 0) break;
    const header = JSON.parse(b.subarray(pos, nl).toString('utf8')) as { type?: string; length?: number };
    const start = nl + 1;
    const end = header.length !== undefined ? start + header.length : b.indexOf(0x0a, start) < 0 ? b.length : b.indexOf(0x0a, start);
    if (header.type === 'replay_recording') {
      const item = b.subarray(start, end);
      const split = item.indexOf(0x0a);
      const parsed = JSON.parse(inflateAny(item.subarray(split + 1)).toString('utf8')) as unknown;
      if (Array.isArray(parsed)) out.push(...(parsed as RrwebEvent[]));
    }
    pos = end + 1;
  }
  return out;
}

/** PostHog compresses parts of some snapshot events itself ("cv"): gzip stored as a latin1 string. */
function unpackField(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(gunzipSync(Buffer.from(v, 'latin1')).toString('utf8')) as unknown;
  } catch {
    return v;
  }
}

function posthogSnapshotEvent(e: RrwebEvent): RrwebEvent {
  if (e.type !== 3 || typeof e.data !== 'object' || e.data === null) return e;
  const d = { ...(e.data as Record<string, unknown>) };
  for (const k of ['adds', 'removes', 'attributes', 'texts']) if (k in d) d[k] = unpackField(d[k]);
  return { ...e, data: d };
}

/** PostHog's /s/ bodies: (gzip) JSON, one or many `$snapshot` events carrying rrweb events. */
export function posthogEvents(u: Upload): RrwebEvent[] {
  if (!u.path.startsWith('/ph/s')) return [];
  const raw = inflateAny(u.body); // gzip-js, gzip, or plain JSON
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return [];
  }
  const list = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ event?: string; properties?: { $snapshot_data?: unknown } }>;
  const out: RrwebEvent[] = [];
  for (const ev of list) {
    const data = ev.properties?.$snapshot_data;
    if (Array.isArray(data)) out.push(...(data as RrwebEvent[]).map(posthogSnapshotEvent));
  }
  return out;
}

/** DOM changes in what a sink received, or null when its format is not read here (Reprise's, OpenReplay's). */
export function capturedChanges(sink: string, uploads: readonly Upload[]): number | null {
  if (sink === 'sentry') return domChanges(uploads.flatMap(sentryEvents));
  if (sink === 'posthog') return domChanges(uploads.flatMap(posthogEvents));
  return null;
}
