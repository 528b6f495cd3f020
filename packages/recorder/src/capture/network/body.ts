/**
 * Request and response bodies: what is recorded of each, and how (capped, redacted, never
 * consuming what the app will read). Nothing here throws into the app.
 */
import type { BodyCapture } from '@reprise/protocol';
import type { NetConfig } from './calls.js';

/** Longest we keep reading a response clone (long polls, slow streams). */
const READ_TIMEOUT_MS = 10_000;
const BINARY_TYPE =
  /^(image|audio|video|font)\/|octet-stream|application\/(pdf|zip|x-zip|gzip|x-gzip|x-tar|x-7z|x-rar|wasm|x-protobuf|protobuf|vnd\.ms-|vnd\.openxmlformats|msword|x-bzip)|multipart\/byteranges/i;
const STREAM_TYPE = /text\/event-stream|application\/x-ndjson-stream/i;

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
export function bodyBlocked(cfg: NetConfig, url: string): string | null {
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

function binary(size: number | undefined, reason?: string): BodyCapture {
  const out: BodyCapture = { kind: 'binary' };
  if (size !== undefined && Number.isFinite(size)) out.size = size;
  if (reason) out.reason = reason;
  return out;
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

function contentLength(h: Headers): number | undefined {
  const v = h.get('content-length');
  if (v === null) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
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
  const out = responseBodyPlan(cfg, url, res, clone);
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

const READ = 'read';

/** What is recorded of a response's body without reading it, or READ. */
function responseBodyPlan(
  cfg: NetConfig,
  url: string,
  res: Response,
  clone: Response | null | undefined,
): BodyCapture | null | typeof READ {
  const blocked = bodyBlocked(cfg, url);
  if (blocked) return { kind: 'omitted', reason: blocked };
  if (res.type === 'opaque' || res.type === 'opaqueredirect') return { kind: 'omitted', reason: 'opaque response' };
  if (res.body === null) return null;
  const type = res.headers.get('content-type') ?? '';
  const len = contentLength(res.headers);
  if (BINARY_TYPE.test(type)) return binary(len);
  if (STREAM_TYPE.test(type)) return { kind: 'omitted', reason: 'streaming response', ...(len !== undefined ? { size: len } : {}) };
  if (len !== undefined && len > cfg.max) return { ...binary(len, 'larger than networkBodyMaxBytes'), truncated: true };
  // null: the hook found the body used when it could have cloned it.
  if (clone === null || (!clone && res.bodyUsed)) return { kind: 'omitted', reason: 'body already used' };
  return READ;
}

/** Response body of a finished XHR, from what it held at loadend (`response`: its text for '' and 'text'). Never throws. */
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
    if (rt === 'arraybuffer') {
      const b = response as ArrayBuffer | null;
      return binary(b ? b.byteLength : len);
    }
    if (rt === 'blob') {
      const b = response as Blob | null;
      return binary(b ? b.size : len);
    }
    return { kind: 'omitted', reason: `responseType ${rt}` };
  } catch {
    return { kind: 'omitted', reason: 'unreadable body' };
  }
}
