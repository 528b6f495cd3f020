/**
 * fetch hook. The app must see exactly what it would without us: the original fetch runs with
 * the original arguments (plus a `traceparent` for propagation targets), errors reach the app
 * unchanged. What must be taken at once is (calls.ts): a Request's body is cloned before fetch
 * consumes it, and the response is handed over (or cloned, while records.ts is still loading)
 * before the app can read it.
 */
import { isOwnRequest } from '../../transport/own-request.js';
import type { CaptureContext } from '../context.js';
import { patchMethod, type Patched } from '../patch.js';
import { absoluteUrl } from '../privacy.js';
import { bodyBlocked, READ, responseBodyPlan } from './body-plan.js';
import { headersToRecord, type FetchCall, type NetConfig, type TakeCall } from './calls.js';
import { newTrace } from './trace-context.js';

/** Whether a response needs no clone now: records.ts takes it as it comes, or will never come (else `res` is cloned for later). */
export type RecordsReady = () => boolean;

export function patchFetch(ctx: CaptureContext, cfg: NetConfig, take: TakeCall, ready: RecordsReady): Patched<unknown> | null {
  if (typeof window === 'undefined' || typeof window.fetch !== 'function') return null;
  return patchMethod(window, 'fetch', (original, isActive) => {
    return function (this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      // eslint-disable-next-line prefer-rest-params
      const args = arguments as unknown as [RequestInfo | URL, RequestInit?];
      if (!isActive()) return original.apply(this, args);
      let call: FetchCall | null = null;
      let callArgs: [RequestInfo | URL, RequestInit?] = args;
      try {
        call = startCall(cfg, input, init);
        if (call) callArgs = withTraceparent(cfg, call, input, init) ?? args;
      } catch (err) {
        ctx.guard.report(err);
        call = null;
      }
      const p: Promise<Response> = original.apply(this, callArgs);
      if (!call) return p;
      const c = call;
      const settle = (res: Response | undefined, err: unknown): void => {
        try {
          c.t1 = performance.now();
          c.res = res;
          c.err = err;
          // The app reads the body once this returns: clone now if nobody is there to decide,
          // and only a body records.ts will read (not a blocked URL's, a binary one's…).
          if (res && !ready()) c.resClone = responseBodyPlan(cfg, c.url, res) === READ && !res.bodyUsed ? res.clone() : null;
          take(c);
        } catch (e) {
          ctx.guard.report(e);
        }
      };
      // A new promise (not p.then on the side), so an unhandled rejection stays unhandled for the app.
      return p.then(
        (res) => {
          settle(res, undefined);
          return res;
        },
        (err: unknown) => {
          settle(undefined, err);
          throw err;
        },
      );
    } as typeof fetch;
  }) as Patched<unknown> | null;
}

/** The call of a fetch about to start, or null for the recorder's own uploads. */
function startCall(cfg: NetConfig, input: RequestInfo | URL, init: RequestInit | undefined): FetchCall | null {
  const req = typeof Request !== 'undefined' && input instanceof Request ? input : null;
  const rawUrl = req ? req.url : String(input);
  if (isOwnRequest(rawUrl)) return null;
  const headers: Record<string, string> = {};
  if (req) headersToRecord(req.headers, headers);
  if (init?.headers) headersToRecord(new Headers(init.headers), headers);
  const body = init?.body ?? null;
  const url = absoluteUrl(rawUrl);
  const call: FetchCall = {
    initiator: 'fetch',
    url,
    method: String(init?.method ?? (req ? req.method : 'GET')).toUpperCase(),
    headers,
    body,
    reqClone: null,
    startedAt: Date.now(),
    t0: performance.now(),
    t1: 0,
  };
  if (body === null && req && req.body !== null && !req.bodyUsed) {
    // The Request's own body: cloned before the original fetch consumes it, if it is recorded.
    const blocked = bodyBlocked(cfg, url);
    if (blocked) call.reqBodyOmitted = blocked;
    else call.reqClone = req.clone();
  }
  return call;
}

/**
 * The arguments that send a `traceparent` as well, or null to call with the app's own. A
 * `traceparent` the app already sends (its own OpenTelemetry) is kept (records.ts records its
 * ids); the app's objects are never modified (a copy of its headers goes in a copy of its init).
 */
function withTraceparent(
  cfg: NetConfig,
  call: FetchCall,
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
  if (sent?.has('traceparent') || !cfg.trace || !cfg.trace(call.url)) return null;
  const trace = newTrace();
  if (!trace) return null;
  const headers = new Headers(sent ?? undefined);
  headers.set('traceparent', trace.header);
  call.headers.traceparent = trace.header;
  return [input, { ...init, headers }];
}
