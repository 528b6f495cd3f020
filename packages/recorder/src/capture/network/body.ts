/**
 * Request and response bodies: what is recorded of each, and how (capped, redacted, never
 * consuming what the app will read). Nothing here throws into the app.
 */
import type { BodyCapture } from '@reprise/protocol';
import { BINARY_TYPE, binary, bodyBlocked, contentLength, READ, responseBodyPlan } from './body-plan.js';
import type { NetConfig } from './calls.js';

/** Longest we keep reading a response clone (long polls, slow streams). */
const READ_TIMEOUT_MS = 10_000;

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
export function textBody(
  cfg: NetConfig,
  text: string,
  contentType: string,
  size: number | undefined,
  alreadyTruncated = false,
): BodyCapture {
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

/** Request body of fetch / XHR / beacon. Never throws. */
export function requestBody(cfg: NetConfig, url: string, body: unknown, contentType: string): BodyCapture | null {
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

/** Reads at most `max` bytes of a response clone, then cancels it. Never rejects. */
export async function readCapped(res: Response, max: number): Promise<{ text: string; bytes: number; truncated: boolean } | null> {
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

/**
 * Decides synchronously what to do with a fetch response's body; when it must be read, reads
 * `clone` (the hook's, made before the app could consume the original) or clones now, and
 * returns a promise. A clone not read is cancelled.
 */
export function responseBody(
  cfg: NetConfig,
  url: string,
  res: Response,
  clone?: Response | null,
): BodyCapture | null | Promise<BodyCapture | null> {
  const out = plan(cfg, url, res, clone);
  if (out !== READ) {
    clone?.body?.cancel().catch(() => undefined);
    return out;
  }
  const type = res.headers.get('content-type') ?? '';
  const len = contentLength(res.headers);
  return readCapped(clone ?? res.clone(), cfg.max).then(
    (r) => (r ? textBody(cfg, r.text, type, r.truncated ? len : r.bytes, r.truncated) : null),
    () => ({ kind: 'omitted', reason: 'unreadable body' }) as BodyCapture,
  );
}

/** responseBodyPlan, and a body the hook found used when it could have cloned it (`clone` null). */
function plan(cfg: NetConfig, url: string, res: Response, clone: Response | null | undefined): BodyCapture | null | typeof READ {
  const out = responseBodyPlan(cfg, url, res);
  if (out === READ && (clone === null || (!clone && res.bodyUsed))) return { kind: 'omitted', reason: 'body already used' };
  return out;
}

/** Response body of a finished XHR, from what the hook kept of it at loadend (XhrCall.response). Never throws. */
export function xhrResponseBody(
  cfg: NetConfig,
  url: string,
  rt: XMLHttpRequestResponseType,
  response: unknown,
  headers: Record<string, string>,
): BodyCapture | null {
  try {
    const blocked = bodyBlocked(cfg, url);
    if (blocked) return { kind: 'omitted', reason: blocked };
    const type = headers['content-type'] ?? '';
    const lenHeader = Number(headers['content-length']);
    const len = Number.isFinite(lenHeader) && headers['content-length'] !== undefined ? lenHeader : undefined;
    if (rt === '' || rt === 'text') {
      if (BINARY_TYPE.test(type)) return binary(len);
      if (typeof response !== 'string' || !response) return null;
      return textBody(cfg, response, type, len);
    }
    if (rt === 'json') {
      const v = response;
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
    // The hook kept their size only (xhr.ts).
    if (rt === 'arraybuffer' || rt === 'blob') return binary(typeof response === 'number' ? response : len);
    return { kind: 'omitted', reason: `responseType ${rt}` };
  } catch {
    return { kind: 'omitted', reason: 'unreadable body' };
  }
}
