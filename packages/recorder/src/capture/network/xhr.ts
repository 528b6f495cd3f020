/**
 * XMLHttpRequest hook: open/setRequestHeader collect the request, send starts the call, loadend
 * takes what the XHR holds then (calls.ts; the page may reuse the object afterwards).
 */
import { isOwnRequest } from '../../transport/own-request.js';
import type { CaptureContext } from '../context.js';
import { patchMethod, type Patched } from '../patch.js';
import { absoluteUrl } from '../privacy.js';
import { BINARY_TYPE, bodyBlocked } from './body-plan.js';
import type { NetConfig, TakeCall, XhrCall } from './calls.js';
import { newTrace } from './trace-context.js';

interface XhrState {
  method: string;
  url: string;
  headers: Record<string, string>;
  own: boolean;
  sent?: boolean;
}

export function patchXhr(ctx: CaptureContext, cfg: NetConfig, take: TakeCall): Array<Patched<unknown> | null> {
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
            const url = absoluteUrl(s.url);
            traceparent(cfg, this, url, s, setHeader?.original as XMLHttpRequest['setRequestHeader'] | undefined);
            watch(ctx, take, this, { url, method: s.method, headers: { ...s.headers }, body }, !bodyBlocked(cfg, url), () =>
              states.delete(this),
            );
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
 * A new `traceparent`, set with the unpatched setRequestHeader when the URL is a propagation
 * target and the app sends none of its own (records.ts records the ids of either).
 */
function traceparent(
  cfg: NetConfig,
  xhr: XMLHttpRequest,
  url: string,
  s: XhrState,
  set: XMLHttpRequest['setRequestHeader'] | undefined,
): void {
  if ('traceparent' in s.headers || !cfg.trace || !set || !cfg.trace(url)) return;
  const trace = newTrace();
  if (!trace) return;
  set.call(xhr, 'traceparent', trace.header);
  s.headers.traceparent = trace.header;
}

/**
 * Times a request being sent and hands it over on loadend, with what the XHR holds then (of its
 * response, only what will be recorded when `bodies`: calls may wait for records.ts).
 */
function watch(
  ctx: CaptureContext,
  take: TakeCall,
  xhr: XMLHttpRequest,
  req: Pick<XhrCall, 'url' | 'method' | 'headers' | 'body'>,
  bodies: boolean,
  forget: () => void,
): void {
  const startedAt = Date.now();
  const t0 = performance.now();
  let failure: XhrCall['failure'];
  const onError = (): void => void (failure = 'network');
  const onAbort = (): void => void (failure = 'abort');
  const onTimeout = (): void => void (failure = 'timeout');
  const onLoadEnd = ctx.guard.wrap((): void => {
    xhr.removeEventListener('error', onError);
    xhr.removeEventListener('abort', onAbort);
    xhr.removeEventListener('timeout', onTimeout);
    xhr.removeEventListener('loadend', onLoadEnd);
    forget();
    const t1 = performance.now();
    const done = {
      status: xhr.status,
      statusText: xhr.statusText,
      rawHeaders: '',
      responseType: xhr.responseType,
      response: null as unknown,
    };
    if (!failure) {
      done.rawHeaders = xhr.getAllResponseHeaders() || '';
      if (bodies) done.response = recordedResponse(xhr);
    }
    take({ initiator: 'xhr', ...req, startedAt, t0, t1, failure, ...done });
  });
  xhr.addEventListener('error', onError);
  xhr.addEventListener('abort', onAbort);
  xhr.addEventListener('timeout', onTimeout);
  xhr.addEventListener('loadend', onLoadEnd);
}

/** What records.ts reads of an ended XHR's response (XhrCall.response). */
function recordedResponse(xhr: XMLHttpRequest): unknown {
  const rt = xhr.responseType;
  // Text of a binary type is recorded by its size only (body.ts): not kept.
  if (rt === '' || rt === 'text') return BINARY_TYPE.test(xhr.getResponseHeader('content-type') ?? '') ? null : (xhr.response as unknown);
  if (rt === 'json') return xhr.response as unknown;
  const r = xhr.response as ArrayBuffer | Blob | null;
  if (rt === 'arraybuffer') return r ? (r as ArrayBuffer).byteLength : null;
  if (rt === 'blob') return r ? (r as Blob).size : null;
  return null;
}
