/**
 * A network record without its bodies, and the redaction every record gets before it is an
 * event. In the first load, not the records chunk: a page left before the chunk arrived still
 * records the calls that waited for it, bodies omitted (index.ts). records.ts builds on these.
 */
import type { BodyCapture, NetworkData, ReplayEvent } from '@reprise/protocol';
import type { CaptureContext } from '../context.js';
import { headersToRecord, type NetCall, type NetConfig } from './calls.js';

/** What records.ts gets from the first load (passed in: the chunk doesn't bundle a second copy). */
export interface RecordBase {
  bare(call: NetCall): NetworkData;
  emit(d: NetworkData): void;
}

/** Redacts a record (URL, headers) and pushes it as a network event. */
export function networkEmitter(ctx: CaptureContext, cfg: NetConfig): (d: NetworkData) => void {
  const r = cfg.redactor;
  return (d) => {
    const data: NetworkData = {
      ...d,
      url: r.url(d.url),
      requestHeaders: r.headers(d.requestHeaders),
      responseHeaders: r.headers(d.responseHeaders),
    };
    const event: ReplayEvent<'network', NetworkData> = { t: d.startedAt, kind: 'network', data };
    ctx.sink.push(event);
  };
}

let idCounter = 0;
function newId(): string {
  idCounter = (idCounter + 1) % 1e9;
  return `${Date.now().toString(36)}-${idCounter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The record of a finished call without its bodies: the request, and the status and a fetch's
 * response headers or the kind of failure. records.ts adds the rest (bodies, trace ids, an XHR's
 * response headers, failure messages): kept out of the first load, which only needs this much
 * for the calls a page left behind.
 */
export function bareRecord(call: NetCall): NetworkData {
  const data: NetworkData = {
    id: newId(),
    initiator: call.initiator,
    method: call.method,
    url: call.url,
    status: 0,
    requestHeaders: call.headers,
    responseHeaders: {},
    requestBody: null,
    responseBody: null,
    startedAt: call.startedAt,
    // A beacon has no answer: it lasts until it was queued.
    durationMs: Math.round(((call.initiator === 'beacon' ? call.t0 : call.t1) - call.t0) * 10) / 10,
  };
  if (call.initiator === 'fetch') {
    const res = call.res;
    if (res) {
      data.status = res.status;
      if (res.statusText) data.statusText = res.statusText;
      data.responseHeaders = headersToRecord(res.headers);
    } else data.error = errorKind(call.err);
  } else if (call.initiator === 'xhr') {
    data.status = call.status;
    if (call.statusText) data.statusText = call.statusText;
    if (call.failure) data.error = call.failure;
  } else if (call.queued) data.statusText = 'queued';
  else data.error = 'network';
  return data;
}

/** A record whose bodies could not be read: the page was left before the records code arrived. */
export function unreadRecord(call: NetCall, captureBodies: boolean): NetworkData {
  const data = bareRecord(call);
  if (captureBodies) {
    const omitted: BodyCapture = { kind: 'omitted', reason: 'page left before it was read' };
    if (call.body != null) data.requestBody = omitted;
    if (data.status > 0) data.responseBody = omitted;
  }
  return data;
}

function errorKind(err: unknown): 'abort' | 'timeout' | 'network' {
  try {
    const name = (err as { name?: unknown } | null)?.name;
    if (name === 'AbortError') return 'abort';
    if (name === 'TimeoutError') return 'timeout';
  } catch {
    /* unreadable */
  }
  return 'network';
}
