/**
 * What the eager hooks (fetch.ts, xhr.ts, beacon.ts) take of a request at the moment it happens,
 * for the network records code (records.ts) to turn into an event, at once or once its chunk has
 * arrived. Only what can't be had later is taken here: times, the request as sent, a clone of a
 * body the page is about to consume, what an XHR holds when it ends.
 */
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

interface CallStart {
  /** Absolute, without user:password. */
  url: string;
  method: string;
  /** Lowercase names; a `traceparent` we sent is among them. */
  headers: Record<string, string>;
  /** The request body as the page passed it (read later: a string, form, blob… or a stream, not read). */
  body: unknown;
  /** Date.now() and performance.now() when it started. */
  startedAt: number;
  t0: number;
}

export interface FetchCall extends CallStart {
  initiator: 'fetch';
  /** A clone of a Request's own body, made before fetch consumed it (only when its bodies are recorded). */
  reqClone: Request | null;
  /** Why a Request's own body is not recorded (bodyBlocked), when it has one. */
  reqBodyOmitted?: string;
  /** performance.now() when it settled. */
  t1: number;
  res?: Response;
  /** A clone of `res` made before the page could read it, when the records code was not there to decide. */
  resClone?: Response | null;
  err?: unknown;
}

export interface XhrCall extends CallStart {
  initiator: 'xhr';
  t1: number;
  status: number;
  statusText: string;
  failure?: 'network' | 'abort' | 'timeout';
  /** getAllResponseHeaders() at loadend. */
  rawHeaders: string;
  responseType: XMLHttpRequestResponseType;
  /**
   * What records.ts reads of xhr.response at loadend: the response for responseType '', 'text'
   * (unless its content type is binary) and 'json'; the byte size of an 'arraybuffer' or 'blob'
   * (recorded by size only); else null. Null too when the URL's bodies are not recorded.
   */
  response: unknown;
}

export interface BeaconCall extends CallStart {
  initiator: 'beacon';
  queued: boolean;
}

export type NetCall = FetchCall | XhrCall | BeaconCall;

/** Where a finished call goes (records.ts, or the queue in front of it). */
export type TakeCall = (call: NetCall) => void;

/** Cancels the body clones a call holds that nobody will read (an unread clone buffers its whole body). */
export function dropClones(call: NetCall): void {
  if (call.initiator !== 'fetch') return;
  for (const c of [call.reqClone, call.resClone]) c?.body?.cancel().catch(() => undefined);
}

/** Copies `h` into `into` with lower-case names (an exotic headers object is skipped). */
export function headersToRecord(h: Headers, into: Record<string, string> = {}): Record<string, string> {
  try {
    h.forEach((value, name) => {
      into[name.toLowerCase()] = value;
    });
  } catch {
    /* exotic headers object */
  }
  return into;
}
