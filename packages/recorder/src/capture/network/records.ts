/**
 * Turns the calls the hooks took (calls.ts) into network events: request and response bodies
 * (body.ts), trace ids, errors, and the redaction of everything (privacy.ts) just before the
 * event exists. In the script-tag build this is the lazy chunk `network` (records-loader.ts).
 */
import type { BodyCapture, NetworkData, ReplayEvent } from '@reprise/protocol';
import type { CaptureContext } from '../context.js';
import { readCapped, requestBody, responseBody, textBody, xhrResponseBody } from './body.js';
import { headersToRecord, type BeaconCall, type FetchCall, type NetCall, type NetConfig, type TakeCall, type XhrCall } from './calls.js';
import { parseTraceparent } from './trace-context.js';

/** The function the hooks hand their calls to, for this capture's context and options. */
export function createRecords(ctx: CaptureContext, cfg: NetConfig): TakeCall {
  const r = cfg.redactor;
  const emit = (d: NetworkData): void => {
    const data: NetworkData = {
      ...d,
      url: r.url(d.url),
      requestHeaders: r.headers(d.requestHeaders),
      responseHeaders: r.headers(d.responseHeaders),
    };
    const event: ReplayEvent<'network', NetworkData> = { t: d.startedAt, kind: 'network', data };
    ctx.sink.push(event);
  };
  return (call) => {
    try {
      if (call.initiator === 'fetch') ctx.guard.swallow(fetchRecord(cfg, call).then(emit));
      else emit(call.initiator === 'xhr' ? xhrRecord(cfg, call) : beaconRecord(cfg, call));
    } catch (err) {
      ctx.guard.report(err);
    }
  };
}

let idCounter = 0;
function newId(): string {
  idCounter = (idCounter + 1) % 1e9;
  return `${Date.now().toString(36)}-${idCounter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The record of a call, with its request; no answer yet (status 0). */
function newRecord(call: NetCall, requestBody: BodyCapture | null, t1: number): NetworkData {
  const data: NetworkData = {
    id: newId(),
    initiator: call.initiator,
    method: call.method,
    url: call.url,
    status: 0,
    requestHeaders: call.headers,
    responseHeaders: {},
    requestBody,
    responseBody: null,
    startedAt: call.startedAt,
    durationMs: Math.round((t1 - call.t0) * 10) / 10,
  };
  const ids = parseTraceparent(call.headers.traceparent);
  if (ids) Object.assign(data, ids);
  return data;
}

async function fetchRecord(cfg: NetConfig, call: FetchCall): Promise<NetworkData> {
  const { res, reqClone } = call;
  const ctype = call.headers['content-type'] ?? '';
  let resBody: BodyCapture | null | Promise<BodyCapture | null> = null;
  const data = newRecord(call, requestBody(cfg, call.url, call.body, ctype), call.t1);
  if (res) {
    data.status = res.status;
    if (res.statusText) data.statusText = res.statusText;
    data.responseHeaders = headersToRecord(res.headers);
    try {
      // Synchronous up to its clone of `res` (when the hook made none): the app has not read it yet.
      resBody = responseBody(cfg, call.url, res, call.resClone);
    } catch {
      resBody = { kind: 'omitted', reason: 'unreadable body' };
    }
  } else {
    call.resClone?.body?.cancel().catch(() => undefined);
    data.error = errorKind(call.err);
    data.errorMessage = errorText(call.err);
  }
  if (call.reqBodyOmitted) data.requestBody = { kind: 'omitted', reason: call.reqBodyOmitted };
  else if (reqClone) {
    data.requestBody = await readCapped(reqClone as unknown as Response, cfg.max).then(
      (b) => (b ? textBody(cfg, b.text, ctype, b.truncated ? undefined : b.bytes, b.truncated) : null),
      () => null,
    );
  }
  data.responseBody = await resBody;
  return data;
}

function xhrRecord(cfg: NetConfig, call: XhrCall): NetworkData {
  const data = newRecord(call, requestBody(cfg, call.url, call.body, call.headers['content-type'] ?? ''), call.t1);
  data.status = call.status;
  if (call.statusText) data.statusText = call.statusText;
  const f = call.failure;
  if (f) {
    data.error = f;
    data.errorMessage = f === 'abort' ? 'request aborted' : f === 'timeout' ? 'request timed out' : 'network error';
  } else {
    data.responseHeaders = parseRawHeaders(call.rawHeaders);
    data.responseBody = xhrResponseBody(cfg, call.url, call.responseType, call.response, data.responseHeaders);
  }
  return data;
}

function beaconRecord(cfg: NetConfig, call: BeaconCall): NetworkData {
  let ctype = '';
  try {
    if (typeof Blob !== 'undefined' && call.body instanceof Blob) ctype = call.body.type;
  } catch {
    /* ignore */
  }
  if (ctype) call.headers['content-type'] = ctype;
  // Status stays 0: the page never sees an answer.
  const data = newRecord(call, requestBody(cfg, call.url, call.body, ctype), call.t0);
  if (call.queued) data.statusText = 'queued';
  else {
    data.error = 'network';
    data.errorMessage = 'sendBeacon refused to queue the request';
  }
  return data;
}

function parseRawHeaders(raw: string): Record<string, string> {
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

function errorText(err: unknown): string {
  try {
    const m = (err as { message?: unknown } | null)?.message;
    return (typeof m === 'string' ? m : String(err)).slice(0, 1000);
  } catch {
    return 'request failed';
  }
}
