/**
 * Network capture for fetch, XMLHttpRequest and navigator.sendBeacon.
 *
 * The app must see exactly what it would without us: the original fetch runs with
 * the original arguments, response bodies are read from `response.clone()` (capped,
 * then cancelled), errors reach the app unchanged. Everything is redacted (privacy.ts)
 * before the event is pushed, and the recorder's own uploads are never recorded.
 */
import type { BodyCapture, NetworkData, ReplayEvent } from '@reprise/protocol';
import { isOwnRequest } from '../transport/own-request.js';
import type { CaptureContext, Stop } from './context.js';
import { patchMethod, type Patched } from './patch.js';
import { absoluteUrl, createRedactor, type Redactor } from './privacy.js';

/** Longest we keep reading a response clone (long polls, slow streams). */
const READ_TIMEOUT_MS = 10_000;
const BINARY_TYPE = /^(image|audio|video|font)\/|octet-stream|application\/(pdf|zip|x-zip|gzip|x-gzip|x-tar|x-7z|x-rar|wasm|x-protobuf|protobuf|vnd\.ms-|vnd\.openxmlformats|msword|x-bzip)|multipart\/byteranges/i;
const STREAM_TYPE = /text\/event-stream|application\/x-ndjson-stream/i;

interface NetConfig {
  redactor: Redactor;
  captureBodies: boolean;
  allow: Array<string | RegExp>;
  deny: Array<string | RegExp>;
  max: number;
}

let idCounter = 0;
function newId(): string {
  idCounter = (idCounter + 1) % 1e9;
  return `${Date.now().toString(36)}-${idCounter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function matches(url: string, p: string | RegExp): boolean {
  try {
    if (typeof p === 'string') return url.includes(p);
    p.lastIndex = 0;
    return p.test(url);
  } catch {
    return false;
  }
}

/** Reason why bodies of `url` are not recorded, or null when they are. */
function bodyBlocked(cfg: NetConfig, url: string): string | null {
  if (!cfg.captureBodies) return 'body capture disabled';
  if (cfg.deny.some((p) => matches(url, p))) return 'URL denied by bodyUrlDeny';
  if (cfg.allow.length > 0 && !cfg.allow.some((p) => matches(url, p))) return 'URL not in bodyUrlAllow';
  return null;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function looksJson(s: string): boolean {
  const c = s.trimStart()[0];
  return c === '{' || c === '[';
}

/** A text body (request string or decoded response): JSON is parsed and redacted, text is cut and redacted. */
function textBody(cfg: NetConfig, text: string, contentType: string, size: number | undefined, alreadyTruncated = false): BodyCapture {
  const truncated = alreadyTruncated || text.length > cfg.max;
  const t = text.length > cfg.max ? text.slice(0, cfg.max) : text;
  const sz = size ?? (text.length <= 4 * cfg.max ? utf8Length(text) : undefined);
  if (!truncated && (looksJson(t) || /json/i.test(contentType))) {
    try {
      const parsed: unknown = JSON.parse(t);
      const out: BodyCapture = { kind: 'json', value: cfg.redactor.json(parsed) };
      if (sz !== undefined) out.size = sz;
      return out;
    } catch {
      /* not JSON after all */
    }
  }
  if (!truncated && /x-www-form-urlencoded/i.test(contentType)) {
    try {
      return { kind: 'urlencoded', value: fieldsOf(cfg, new URLSearchParams(t)), ...(sz !== undefined ? { size: sz } : {}) };
    } catch {
      /* fall back to text */
    }
  }
  const out: BodyCapture = { kind: 'text', value: cfg.redactor.text(t) };
  if (sz !== undefined) out.size = sz;
  if (truncated) out.truncated = true;
  return out;
}

function fieldsOf(cfg: NetConfig, entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const repeated = new Map<string, unknown[]>();
  let n = 0;
  for (const [k, raw] of entries) {
    if (++n > 500) break;
    let v: unknown = raw;
    if (typeof Blob !== 'undefined' && raw instanceof Blob) {
      // Files are never read: name and size only.
      v = [typeof File !== 'undefined' && raw instanceof File ? raw.name : 'blob', raw.size];
    } else if (typeof raw === 'string' && raw.length > cfg.max) v = raw.slice(0, cfg.max);
    if (!Object.prototype.hasOwnProperty.call(out, k)) {
      out[k] = v;
      continue;
    }
    let list = repeated.get(k);
    if (!list) {
      list = [out[k]];
      repeated.set(k, list);
      out[k] = list;
    }
    list.push(v);
  }
  return cfg.redactor.fields(out);
}

function binary(size: number | undefined, reason?: string): BodyCapture {
  const out: BodyCapture = { kind: 'binary' };
  if (size !== undefined && Number.isFinite(size)) out.size = size;
  if (reason) out.reason = reason;
  return out;
}

/** Request body of fetch / XHR / beacon. Never throws. */
function requestBody(cfg: NetConfig, url: string, body: unknown, contentType: string): BodyCapture | null {
  try {
    if (body === null || body === undefined) return null;
    const blocked = bodyBlocked(cfg, url);
    if (blocked) return { kind: 'omitted', reason: blocked };
    if (typeof body === 'string') return textBody(cfg, body, contentType, undefined);
    if (typeof URLSearchParams !== 'undefined' && body instanceof URLSearchParams) {
      return { kind: 'urlencoded', value: fieldsOf(cfg, body as unknown as Iterable<[string, string]>) };
    }
    if (typeof FormData !== 'undefined' && body instanceof FormData) {
      return { kind: 'form', value: fieldsOf(cfg, body as unknown as Iterable<[string, unknown]>) };
    }
    if (typeof Blob !== 'undefined' && body instanceof Blob) return binary(body.size);
    if (body instanceof ArrayBuffer) return binary(body.byteLength);
    if (ArrayBuffer.isView(body)) return binary(body.byteLength);
    if (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream) {
      return { kind: 'omitted', reason: 'stream body is not read' };
    }
    if (typeof Document !== 'undefined' && body instanceof Document) return { kind: 'omitted', reason: 'document body' };
    return textBody(cfg, String(body), contentType, undefined);
  } catch {
    return { kind: 'omitted', reason: 'unreadable body' };
  }
}

function headersToRecord(h: Headers | null | undefined, into: Record<string, string> = {}): Record<string, string> {
  try {
    h?.forEach((value, name) => {
      into[name.toLowerCase()] = value;
    });
  } catch {
    /* exotic headers object */
  }
  return into;
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

/** Reads at most `max` bytes of a response clone, then cancels it. Never rejects. */
async function readCapped(res: Response, max: number): Promise<{ text: string; bytes: number; truncated: boolean } | null> {
  const body = res.body;
  if (!body) return null;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  let truncated = false;
  const deadline = Date.now() + READ_TIMEOUT_MS;
  try {
    for (;;) {
      const timeLeft = deadline - Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = await Promise.race([
        reader.read(),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), Math.max(0, timeLeft));
        }),
      ]);
      clearTimeout(timer);
      if (next === 'timeout') {
        truncated = true;
        break;
      }
      if (next.done) break;
      const chunk = next.value;
      const room = max - bytes;
      if (chunk.byteLength > room) {
        text += decoder.decode(chunk.subarray(0, Math.max(0, room)), { stream: true });
        bytes += Math.max(0, room);
        truncated = true;
        break;
      }
      bytes += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
    }
    text += decoder.decode();
  } catch {
    truncated = true;
  } finally {
    if (truncated) reader.cancel().catch(() => undefined);
    else {
      try {
        reader.releaseLock();
      } catch {
        /* already released */
      }
    }
  }
  return { text, bytes, truncated };
}

function contentLength(h: Headers): number | undefined {
  const v = h.get('content-length');
  if (v === null) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Decides synchronously what to do with a fetch response's body; when it must be
 * read, clones now (before the app can consume the original) and returns a promise.
 */
function responseBody(cfg: NetConfig, url: string, res: Response): BodyCapture | null | Promise<BodyCapture | null> {
  const blocked = bodyBlocked(cfg, url);
  if (blocked) return { kind: 'omitted', reason: blocked };
  if (res.type === 'opaque' || res.type === 'opaqueredirect') return { kind: 'omitted', reason: 'opaque response' };
  if (res.body === null) return null;
  const type = res.headers.get('content-type') ?? '';
  const len = contentLength(res.headers);
  if (BINARY_TYPE.test(type)) return binary(len);
  if (STREAM_TYPE.test(type)) return { kind: 'omitted', reason: 'streaming response', ...(len !== undefined ? { size: len } : {}) };
  if (len !== undefined && len > cfg.max) return { ...binary(len, 'larger than networkBodyMaxBytes'), truncated: true };
  if (res.bodyUsed) return { kind: 'omitted', reason: 'body already used' };
  const clone = res.clone();
  return readCapped(clone, cfg.max).then(
    (r) => (r ? textBody(cfg, r.text, type, r.truncated ? len : r.bytes, r.truncated) : null),
    () => ({ kind: 'omitted', reason: 'unreadable body' }) as BodyCapture,
  );
}

export function startNetworkCapture(ctx: CaptureContext): Stop {
  const o = ctx.opts;
  const cfg: NetConfig = {
    redactor: createRedactor(o.redactKeys, o.redactHeaders),
    captureBodies: o.captureBodies,
    allow: o.bodyUrlAllow,
    deny: o.bodyUrlDeny,
    max: o.networkBodyMaxBytes,
  };
  const r = cfg.redactor;
  const patches: Array<Patched<unknown> | null> = [];

  const emit = (d: NetworkData): void => {
    // Redaction happens here, on everything, just before the event exists.
    const data: NetworkData = {
      ...d,
      url: r.url(d.url),
      requestHeaders: r.headers(d.requestHeaders),
      responseHeaders: r.headers(d.responseHeaders),
    };
    const event: ReplayEvent<'network', NetworkData> = { t: d.startedAt, kind: 'network', data };
    ctx.sink.push(event);
  };

  if (typeof window !== 'undefined' && typeof window.fetch === 'function') {
    patches.push(patchMethod(window, 'fetch', (original, isActive) => {
      return function (this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
        // eslint-disable-next-line prefer-rest-params
        const args = arguments as unknown as [RequestInfo | URL, RequestInit?];
        if (!isActive()) return original.apply(this, args);
        let rec: NetworkData | null = null;
        let t0 = 0;
        let reqBodyPromise: Promise<BodyCapture | null> | null = null;
        try {
          const isReq = typeof Request !== 'undefined' && input instanceof Request;
          const rawUrl = isReq ? (input as Request).url : String(input);
          if (!isOwnRequest(rawUrl)) {
            const url = absoluteUrl(rawUrl);
            const method = String(init?.method ?? (isReq ? (input as Request).method : 'GET')).toUpperCase();
            const headers: Record<string, string> = {};
            if (isReq) headersToRecord((input as Request).headers, headers);
            if (init?.headers) headersToRecord(new Headers(init.headers), headers);
            const ctype = headers['content-type'] ?? '';
            let requestBody_: BodyCapture | null = null;
            if (init && init.body !== undefined && init.body !== null) requestBody_ = requestBody(cfg, url, init.body, ctype);
            else if (isReq && (input as Request).body !== null && !(input as Request).bodyUsed) {
              const blocked = bodyBlocked(cfg, url);
              if (blocked) requestBody_ = { kind: 'omitted', reason: blocked };
              else {
                // Must be cloned before the original fetch consumes the request body.
                const clone = (input as Request).clone();
                reqBodyPromise = readCapped(clone as unknown as Response, cfg.max).then(
                  (b) => (b ? textBody(cfg, b.text, ctype, b.truncated ? undefined : b.bytes, b.truncated) : null),
                  () => null,
                );
              }
            }
            rec = {
              id: newId(),
              initiator: 'fetch',
              method,
              url,
              status: 0,
              requestHeaders: headers,
              responseHeaders: {},
              requestBody: requestBody_,
              responseBody: null,
              startedAt: Date.now(),
              durationMs: 0,
            };
            t0 = performance.now();
          }
        } catch (err) {
          ctx.guard.report(err);
          rec = null;
        }
        const p: Promise<Response> = original.apply(this, args);
        if (!rec) return p;
        const data = rec;
        const finish = (respBody: BodyCapture | null | Promise<BodyCapture | null>): void => {
          ctx.guard.swallow(
            Promise.all([respBody, reqBodyPromise ?? data.requestBody]).then(([resB, reqB]) => {
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
              data.durationMs = Math.round((performance.now() - t0) * 10) / 10;
              data.status = res.status;
              if (res.statusText) data.statusText = res.statusText;
              data.responseHeaders = headersToRecord(res.headers);
              let body: BodyCapture | null | Promise<BodyCapture | null>;
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
              data.durationMs = Math.round((performance.now() - t0) * 10) / 10;
              data.error = errorKind(err);
              data.errorMessage = errorText(err);
              finish(null);
            } catch (e) {
              ctx.guard.report(e);
            }
            throw err;
          },
        );
      } as typeof fetch;
    }) as Patched<unknown> | null);
  }

  if (typeof XMLHttpRequest !== 'undefined' && XMLHttpRequest.prototype) {
    interface XhrState {
      method: string;
      url: string;
      headers: Record<string, string>;
      own: boolean;
      sent?: boolean;
    }
    const states = new WeakMap<XMLHttpRequest, XhrState>();
    const proto = XMLHttpRequest.prototype;
    patches.push(patchMethod(proto, 'open', (original, isActive) =>
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
    ) as Patched<unknown> | null);
    patches.push(patchMethod(proto, 'setRequestHeader', (original, isActive) =>
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
    ) as Patched<unknown> | null);
    patches.push(patchMethod(proto, 'send', (original, isActive) =>
      function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
        const xhr = this;
        const s = isActive() ? states.get(xhr) : undefined;
        if (s && !s.own && !s.sent) {
          try {
            s.sent = true;
            const url = absoluteUrl(s.url);
            const data: NetworkData = {
              id: newId(),
              initiator: 'xhr',
              method: s.method,
              url,
              status: 0,
              requestHeaders: { ...s.headers },
              responseHeaders: {},
              requestBody: requestBody(cfg, url, body, s.headers['content-type'] ?? ''),
              responseBody: null,
              startedAt: Date.now(),
              durationMs: 0,
            };
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
              states.delete(xhr);
              data.durationMs = Math.round((performance.now() - t0) * 10) / 10;
              data.status = xhr.status;
              if (xhr.statusText) data.statusText = xhr.statusText;
              if (failure) {
                data.error = failure;
                data.errorMessage =
                  failure === 'abort' ? 'request aborted' : failure === 'timeout' ? 'request timed out' : 'network error';
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
          } catch (err) {
            ctx.guard.report(err);
          }
        }
        return original.call(xhr, body);
      },
    ) as Patched<unknown> | null);
  }

  if (typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function') {
    patches.push(patchMethod(navigator, 'sendBeacon', (original, isActive) =>
      function (this: Navigator, url: string | URL, body?: BodyInit | null): boolean {
        // eslint-disable-next-line prefer-rest-params
        const queued = original.apply(this, arguments as unknown as [string | URL, BodyInit?]);
        if (!isActive()) return queued;
        try {
          const rawUrl = String(url);
          if (!isOwnRequest(rawUrl)) {
            const abs = absoluteUrl(rawUrl);
            let ctype = '';
            try {
              if (typeof Blob !== 'undefined' && body instanceof Blob) ctype = body.type;
            } catch {
              /* ignore */
            }
            const data: NetworkData = {
              id: newId(),
              initiator: 'beacon',
              method: 'POST',
              url: abs,
              // A beacon has no response the page can see.
              status: 0,
              requestHeaders: ctype ? { 'content-type': ctype } : {},
              responseHeaders: {},
              requestBody: requestBody(cfg, abs, body, ctype),
              responseBody: null,
              startedAt: Date.now(),
              durationMs: 0,
            };
            if (queued) data.statusText = 'queued';
            else {
              data.error = 'network';
              data.errorMessage = 'sendBeacon refused to queue the request';
            }
            emit(data);
          }
        } catch (err) {
          ctx.guard.report(err);
        }
        return queued;
      } as Navigator['sendBeacon'],
    ) as Patched<unknown> | null);
  }

  return () => {
    for (const p of patches.splice(0)) if (p) ctx.guard.run(() => p.restore());
  };
}

function xhrResponseBody(cfg: NetConfig, url: string, xhr: XMLHttpRequest, headers: Record<string, string>): BodyCapture | null {
  try {
    const blocked = bodyBlocked(cfg, url);
    if (blocked) return { kind: 'omitted', reason: blocked };
    const type = headers['content-type'] ?? '';
    const lenHeader = Number(headers['content-length']);
    const len = Number.isFinite(lenHeader) && headers['content-length'] !== undefined ? lenHeader : undefined;
    const rt = xhr.responseType;
    if (rt === '' || rt === 'text') {
      if (BINARY_TYPE.test(type)) return binary(len);
      const text = xhr.responseText;
      if (!text) return null;
      return textBody(cfg, text, type, len);
    }
    if (rt === 'json') {
      const v: unknown = xhr.response;
      if (v === null || v === undefined) return null;
      let json: string | undefined;
      try {
        json = JSON.stringify(v);
      } catch {
        json = undefined;
      }
      if (json === undefined) return { kind: 'omitted', reason: 'unserializable JSON' };
      if (json.length > cfg.max) return textBody(cfg, json, type, len ?? json.length, true);
      return { kind: 'json', value: cfg.redactor.json(v), size: len ?? json.length };
    }
    if (rt === 'arraybuffer') {
      const b = xhr.response as ArrayBuffer | null;
      return binary(b ? b.byteLength : len);
    }
    if (rt === 'blob') {
      const b = xhr.response as Blob | null;
      return binary(b ? b.size : len);
    }
    return { kind: 'omitted', reason: `responseType ${rt}` };
  } catch {
    return { kind: 'omitted', reason: 'unreadable body' };
  }
}
