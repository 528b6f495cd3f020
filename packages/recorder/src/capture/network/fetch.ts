/**
 * fetch capture. The app must see exactly what it would without us: the original fetch runs
 * with the original arguments, response bodies are read from `response.clone()` (capped, then
 * cancelled), errors reach the app unchanged.
 */
import type { BodyCapture, NetworkData } from '@reprise/protocol';
import { isOwnRequest } from '../../transport/own-request.js';
import type { CaptureContext } from '../context.js';
import { patchMethod, type Patched } from '../patch.js';
import { absoluteUrl } from '../privacy.js';
import { bodyBlocked, readCapped, requestBody, responseBody, textBody } from './body.js';
import { newTrace, parseTraceparent } from './trace-context.js';
import { elapsedMs, errorKind, errorText, headersToRecord, newRequestRecord, type EmitRecord, type NetConfig } from './record.js';

type BodyResult = BodyCapture | null | Promise<BodyCapture | null>;

interface Started {
  data: NetworkData;
  t0: number;
  /** A Request's own body, being read from its clone; null when `data.requestBody` is final. */
  reqBody: Promise<BodyCapture | null> | null;
}

export function patchFetch(ctx: CaptureContext, cfg: NetConfig, emit: EmitRecord): Patched<unknown> | null {
  if (typeof window === 'undefined' || typeof window.fetch !== 'function') return null;
  return patchMethod(window, 'fetch', (original, isActive) => {
    return function (this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      // eslint-disable-next-line prefer-rest-params
      const args = arguments as unknown as [RequestInfo | URL, RequestInit?];
      if (!isActive()) return original.apply(this, args);
      let started: Started | null = null;
      let callArgs: [RequestInfo | URL, RequestInit?] = args;
      try {
        started = startRecord(cfg, input, init);
        if (started) callArgs = withTraceparent(cfg, started.data, input, init) ?? args;
      } catch (err) {
        ctx.guard.report(err);
        started = null;
      }
      const p: Promise<Response> = original.apply(this, callArgs);
      if (!started) return p;
      return track(ctx, cfg, emit, started, p);
    } as typeof fetch;
  }) as Patched<unknown> | null;
}

/** The record of a fetch about to start, or null for the recorder's own uploads. */
function startRecord(cfg: NetConfig, input: RequestInfo | URL, init: RequestInit | undefined): Started | null {
  const isReq = typeof Request !== 'undefined' && input instanceof Request;
  const rawUrl = isReq ? (input as Request).url : String(input);
  if (isOwnRequest(rawUrl)) return null;
  const url = absoluteUrl(rawUrl);
  const method = String(init?.method ?? (isReq ? (input as Request).method : 'GET')).toUpperCase();
  const headers: Record<string, string> = {};
  if (isReq) headersToRecord((input as Request).headers, headers);
  if (init?.headers) headersToRecord(new Headers(init.headers), headers);
  const ctype = headers['content-type'] ?? '';
  let body: BodyCapture | null = null;
  let reqBody: Promise<BodyCapture | null> | null = null;
  if (init && init.body !== undefined && init.body !== null) body = requestBody(cfg, url, init.body, ctype);
  else if (isReq && (input as Request).body !== null && !(input as Request).bodyUsed) {
    const blocked = bodyBlocked(cfg, url);
    if (blocked) body = { kind: 'omitted', reason: blocked };
    else {
      // Must be cloned before the original fetch consumes the request body.
      const clone = (input as Request).clone();
      reqBody = readCapped(clone as unknown as Response, cfg.max).then(
        (b) => (b ? textBody(cfg, b.text, ctype, b.truncated ? undefined : b.bytes, b.truncated) : null),
        () => null,
      );
    }
  }
  const data = newRequestRecord('fetch', method, url, headers, body);
  return { data, t0: performance.now(), reqBody };
}

/**
 * The arguments that send a `traceparent` as well, or null to call with the app's own. A
 * `traceparent` the app already sends (its own OpenTelemetry) is kept and its ids recorded;
 * the app's objects are never modified (a copy of its headers goes in a copy of its init).
 */
function withTraceparent(
  cfg: NetConfig,
  data: NetworkData,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): [RequestInfo | URL, RequestInit] | null {
  // Headers in init replace a Request's own, as fetch does.
  const sent: Headers | null =
    init?.headers !== undefined
      ? new Headers(init.headers)
      : typeof Request !== 'undefined' && input instanceof Request
        ? input.headers
        : null;
  const existing = sent?.get('traceparent') ?? null;
  if (existing !== null) {
    const ids = parseTraceparent(existing);
    if (ids) Object.assign(data, ids);
    return null;
  }
  if (!cfg.trace || !cfg.trace(data.url)) return null;
  const trace = newTrace();
  if (!trace) return null;
  const headers = new Headers(sent ?? undefined);
  headers.set('traceparent', trace.header);
  data.traceId = trace.traceId;
  data.spanId = trace.spanId;
  data.requestHeaders.traceparent = trace.header;
  return [input, { ...init, headers }];
}

/** Completes the record when `p` settles; returns what the app gets. */
function track(
  ctx: CaptureContext,
  cfg: NetConfig,
  emit: EmitRecord,
  { data, t0, reqBody }: Started,
  p: Promise<Response>,
): Promise<Response> {
  const finish = (respBody: BodyResult): void => {
    ctx.guard.swallow(
      Promise.all([respBody, reqBody ?? data.requestBody]).then(([resB, reqB]) => {
        data.responseBody = resB;
        data.requestBody = reqB;
        emit(data);
      }),
    );
  };
  // A new promise (not p.then on the side), so an unhandled rejection stays unhandled for the app.
  return p.then(
    (res) => {
      try {
        data.durationMs = elapsedMs(t0);
        data.status = res.status;
        if (res.statusText) data.statusText = res.statusText;
        data.responseHeaders = headersToRecord(res.headers);
        let body: BodyResult;
        try {
          body = responseBody(cfg, data.url, res);
        } catch {
          body = { kind: 'omitted', reason: 'unreadable body' };
        }
        finish(body);
      } catch (err) {
        ctx.guard.report(err);
      }
      return res;
    },
    (err: unknown) => {
      try {
        data.durationMs = elapsedMs(t0);
        data.error = errorKind(err);
        data.errorMessage = errorText(err);
        finish(null);
      } catch (e) {
        ctx.guard.report(e);
      }
      throw err;
    },
  );
}
