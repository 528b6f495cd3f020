/**
 * Turns the calls the hooks took (calls.ts) into network events: request and response bodies
 * (body.ts), trace ids, errors, and the redaction of everything (privacy.ts) just before the
 * event exists. In the script-tag build this is the lazy chunk `network` (records-loader.ts).
 */
import type { BodyCapture, NetworkData } from '@reprise/protocol';
import type { CaptureContext } from '../context.js';
import { readCapped, requestBody, responseBody, textBody, xhrResponseBody } from './body.js';
import type { BeaconCall, FetchCall, NetCall, NetConfig, TakeCall, XhrCall } from './calls.js';
import type { RecordBase } from './record-base.js';
import { parseTraceparent } from './trace-context.js';

/**
 * The function the hooks hand their calls to, for this capture's context and options. The
 * record without bodies and the redacting emit come from the first load (`base`), which also
 * uses them when the page is left before this code arrives.
 */
export function createRecords(ctx: CaptureContext, cfg: NetConfig, base: RecordBase): TakeCall {
  const { emit } = base;
  // The bare record (record-base.ts), completed with what only this code reads.
  const bare = (call: NetCall): NetworkData => {
    const data = base.bare(call);
    const ids = parseTraceparent(call.headers.traceparent);
    if (ids) Object.assign(data, ids);
    if (data.error) data.errorMessage = failureText(call);
    return data;
  };
  return (call) => {
    try {
      if (call.initiator === 'fetch') ctx.guard.swallow(fetchRecord(cfg, bare, call).then(emit));
      else emit(call.initiator === 'xhr' ? xhrRecord(cfg, bare, call) : beaconRecord(cfg, bare, call));
    } catch (err) {
      ctx.guard.report(err);
    }
  };
}

async function fetchRecord(cfg: NetConfig, bare: RecordBase['bare'], call: FetchCall): Promise<NetworkData> {
  const { res, reqClone } = call;
  const ctype = call.headers['content-type'] ?? '';
  let resBody: BodyCapture | null | Promise<BodyCapture | null> = null;
  const data = bare(call);
  data.requestBody = requestBody(cfg, call.url, call.body, ctype);
  if (res) {
    try {
      // Synchronous up to its clone of `res` (when the hook made none): the app has not read it yet.
      resBody = responseBody(cfg, call.url, res, call.resClone);
    } catch {
      resBody = { kind: 'omitted', reason: 'unreadable body' };
    }
  } else call.resClone?.body?.cancel().catch(() => undefined);
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

function xhrRecord(cfg: NetConfig, bare: RecordBase['bare'], call: XhrCall): NetworkData {
  const data = bare(call);
  data.requestBody = requestBody(cfg, call.url, call.body, call.headers['content-type'] ?? '');
  if (call.failure) return data;
  data.responseHeaders = parseRawHeaders(call.rawHeaders);
  data.responseBody = xhrResponseBody(cfg, call.url, call.responseType, call.response, data.responseHeaders);
  return data;
}

function beaconRecord(cfg: NetConfig, bare: RecordBase['bare'], call: BeaconCall): NetworkData {
  let ctype = '';
  try {
    if (typeof Blob !== 'undefined' && call.body instanceof Blob) ctype = call.body.type;
  } catch {
    /* ignore */
  }
  if (ctype) call.headers['content-type'] = ctype;
  // Status stays 0: the page never sees an answer.
  const data = bare(call);
  data.requestBody = requestBody(cfg, call.url, call.body, ctype);
  return data;
}

function failureText(call: NetCall): string {
  if (call.initiator === 'beacon') return 'sendBeacon refused to queue the request';
  if (call.initiator === 'xhr')
    return call.failure === 'abort' ? 'request aborted' : call.failure === 'timeout' ? 'request timed out' : 'network error';
  try {
    const m = (call.err as { message?: unknown } | null)?.message;
    return (typeof m === 'string' ? m : String(call.err)).slice(0, 1000);
  } catch {
    return 'request failed';
  }
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
