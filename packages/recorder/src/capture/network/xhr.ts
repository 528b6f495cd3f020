/** XMLHttpRequest capture: open/setRequestHeader collect the request, send starts the record, loadend ends it. */
import type { NetworkData } from '@reprise/protocol';
import { isOwnRequest } from '../../transport/own-request.js';
import type { CaptureContext } from '../context.js';
import { patchMethod, type Patched } from '../patch.js';
import { absoluteUrl } from '../privacy.js';
import { requestBody, xhrResponseBody } from './body.js';
import { newTrace, parseTraceparent, type TraceIds } from './trace-context.js';
import { elapsedMs, newRequestRecord, parseRawHeaders, type EmitRecord, type NetConfig } from './record.js';

interface XhrState {
  method: string;
  url: string;
  headers: Record<string, string>;
  own: boolean;
  sent?: boolean;
  trace?: TraceIds;
}

type XhrBody = Document | XMLHttpRequestBodyInit | null | undefined;

export function patchXhr(ctx: CaptureContext, cfg: NetConfig, emit: EmitRecord): Array<Patched<unknown> | null> {
  if (typeof XMLHttpRequest === 'undefined' || !XMLHttpRequest.prototype) return [];
  const states = new WeakMap<XMLHttpRequest, XhrState>();
  const proto = XMLHttpRequest.prototype;
  const open = patchMethod(
    proto,
    'open',
    (original, isActive) =>
      function (this: XMLHttpRequest, ...args: unknown[]) {
        const result = (original as (...a: unknown[]) => unknown).apply(this, args);
        if (isActive()) {
          try {
            const rawUrl = String(args[1]);
            states.set(this, { method: String(args[0]).toUpperCase(), url: rawUrl, headers: {}, own: isOwnRequest(rawUrl) });
          } catch (err) {
            ctx.guard.report(err);
          }
        }
        return result;
      } as XMLHttpRequest['open'],
  ) as Patched<unknown> | null;
  const setHeader = patchMethod(
    proto,
    'setRequestHeader',
    (original, isActive) =>
      function (this: XMLHttpRequest, name: string, value: string) {
        original.call(this, name, value);
        if (!isActive()) return;
        try {
          const s = states.get(this);
          if (s && !s.own) {
            const k = String(name).toLowerCase();
            s.headers[k] = k in s.headers ? `${s.headers[k]}, ${String(value)}` : String(value);
          }
        } catch (err) {
          ctx.guard.report(err);
        }
      },
  ) as Patched<unknown> | null;
  const send = patchMethod(
    proto,
    'send',
    (original, isActive) =>
      function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
        const s = isActive() ? states.get(this) : undefined;
        if (s && !s.own && !s.sent) {
          try {
            s.sent = true;
            s.trace = traceparent(cfg, this, s, setHeader?.original as XMLHttpRequest['setRequestHeader'] | undefined) ?? undefined;
            watch(ctx, cfg, emit, this, s, body, () => states.delete(this));
          } catch (err) {
            ctx.guard.report(err);
          }
        }
        return original.call(this, body);
      },
  ) as Patched<unknown> | null;
  return [open, setHeader, send];
}

/**
 * The trace a request about to be sent carries: the app's own `traceparent` (kept as it is), or
 * a new one set here with the unpatched setRequestHeader when the URL is a propagation target.
 */
function traceparent(
  cfg: NetConfig,
  xhr: XMLHttpRequest,
  s: XhrState,
  set: XMLHttpRequest['setRequestHeader'] | undefined,
): TraceIds | null {
  if ('traceparent' in s.headers) return parseTraceparent(s.headers.traceparent);
  if (!cfg.trace || !set || !cfg.trace(absoluteUrl(s.url))) return null;
  const trace = newTrace();
  if (!trace) return null;
  set.call(xhr, 'traceparent', trace.header);
  s.headers.traceparent = trace.header;
  return { traceId: trace.traceId, spanId: trace.spanId };
}

/** Starts the record of a request being sent and completes it on loadend. */
function watch(
  ctx: CaptureContext,
  cfg: NetConfig,
  emit: EmitRecord,
  xhr: XMLHttpRequest,
  s: XhrState,
  body: XhrBody,
  forget: () => void,
): void {
  const url = absoluteUrl(s.url);
  const data: NetworkData = newRequestRecord(
    'xhr',
    s.method,
    url,
    { ...s.headers },
    requestBody(cfg, url, body, s.headers['content-type'] ?? ''),
  );
  if (s.trace) Object.assign(data, s.trace);
  const t0 = performance.now();
  let failure: 'network' | 'abort' | 'timeout' | undefined;
  const onError = (): void => void (failure = 'network');
  const onAbort = (): void => void (failure = 'abort');
  const onTimeout = (): void => void (failure = 'timeout');
  const onLoadEnd = ctx.guard.wrap((): void => {
    xhr.removeEventListener('error', onError);
    xhr.removeEventListener('abort', onAbort);
    xhr.removeEventListener('timeout', onTimeout);
    xhr.removeEventListener('loadend', onLoadEnd);
    forget();
    data.durationMs = elapsedMs(t0);
    data.status = xhr.status;
    if (xhr.statusText) data.statusText = xhr.statusText;
    if (failure) {
      data.error = failure;
      data.errorMessage = failure === 'abort' ? 'request aborted' : failure === 'timeout' ? 'request timed out' : 'network error';
    } else {
      data.responseHeaders = parseRawHeaders(xhr.getAllResponseHeaders() || '');
      data.responseBody = xhrResponseBody(cfg, url, xhr, data.responseHeaders);
    }
    emit(data);
  });
  xhr.addEventListener('error', onError);
  xhr.addEventListener('abort', onAbort);
  xhr.addEventListener('timeout', onTimeout);
  xhr.addEventListener('loadend', onLoadEnd);
}
