/** The request record every initiator (fetch, XHR, beacon) fills in, and the helpers they share. */
import type { BodyCapture, NetworkData } from '@reprise/protocol';
import type { Redactor } from '../privacy.js';
import type { TraceTargets } from './trace-context.js';

/** Network capture options, resolved once per start. */
export interface NetConfig {
  redactor: Redactor;
  captureBodies: boolean;
  allow: Array<string | RegExp>;
  deny: Array<string | RegExp>;
  max: number;
  /** Which URLs get a `traceparent`; null: none (propagation off, or buffer mode). */
  trace: TraceTargets;
}

/** Redacts a finished record and puts it on the timeline. */
export type EmitRecord = (d: NetworkData) => void;

let idCounter = 0;
function newId(): string {
  idCounter = (idCounter + 1) % 1e9;
  return `${Date.now().toString(36)}-${idCounter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A request that has just started: no answer yet (status 0), timed from now. */
export function newRequestRecord(
  initiator: NetworkData['initiator'],
  method: string,
  url: string,
  requestHeaders: Record<string, string>,
  requestBody: BodyCapture | null,
): NetworkData {
  return {
    id: newId(),
    initiator,
    method,
    url,
    status: 0,
    requestHeaders,
    responseHeaders: {},
    requestBody,
    responseBody: null,
    startedAt: Date.now(),
    durationMs: 0,
  };
}

/** Milliseconds since `t0` (performance.now()), to a tenth. */
export function elapsedMs(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

export function headersToRecord(h: Headers | null | undefined, into: Record<string, string> = {}): Record<string, string> {
  try {
    h?.forEach((value, name) => {
      into[name.toLowerCase()] = value;
    });
  } catch {
    /* exotic headers object */
  }
  return into;
}

export function parseRawHeaders(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of raw.trim().split(/[\r\n]+/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    out[name] = name in out ? `${out[name]}, ${value}` : value;
  }
  return out;
}

export function errorKind(err: unknown): 'abort' | 'timeout' | 'network' {
  try {
    const name = (err as { name?: unknown } | null)?.name;
    if (name === 'AbortError') return 'abort';
    if (name === 'TimeoutError') return 'timeout';
  } catch {
    /* unreadable */
  }
  return 'network';
}

export function errorText(err: unknown): string {
  try {
    const m = (err as { message?: unknown } | null)?.message;
    return (typeof m === 'string' ? m : String(err)).slice(0, 1000);
  } catch {
    return 'request failed';
  }
}
