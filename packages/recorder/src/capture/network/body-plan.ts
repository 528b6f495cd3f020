/**
 * What is recorded of a body without reading it. The hooks (fetch.ts, xhr.ts) apply these rules
 * at once, to keep (clone, hold) only a body that will be read; records.ts applies the same ones
 * when it makes the record (body.ts). In the first load: the hooks run before the records chunk.
 */
import type { BodyCapture } from '@reprise/protocol';
import type { NetConfig } from './calls.js';

export const BINARY_TYPE =
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

/** A body recorded by its size only. */
export function binary(size: number | undefined, reason?: string): BodyCapture {
  const out: BodyCapture = { kind: 'binary' };
  if (size !== undefined && Number.isFinite(size)) out.size = size;
  if (reason) out.reason = reason;
  return out;
}

export function contentLength(h: Headers): number | undefined {
  const v = h.get('content-length');
  if (v === null) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** responseBodyPlan's answer when the body must be read (from a clone). */
export const READ = 'read';

/** What is recorded of a fetch response's body without reading it, or READ. */
export function responseBodyPlan(cfg: NetConfig, url: string, res: Response): BodyCapture | null | typeof READ {
  const blocked = bodyBlocked(cfg, url);
  if (blocked) return { kind: 'omitted', reason: blocked };
  if (res.type === 'opaque' || res.type === 'opaqueredirect') return { kind: 'omitted', reason: 'opaque response' };
  if (res.body === null) return null;
  const type = res.headers.get('content-type') ?? '';
  const len = contentLength(res.headers);
  if (BINARY_TYPE.test(type)) return binary(len);
  if (STREAM_TYPE.test(type)) return { kind: 'omitted', reason: 'streaming response', ...(len !== undefined ? { size: len } : {}) };
  if (len !== undefined && len > cfg.max) return { ...binary(len, 'larger than networkBodyMaxBytes'), truncated: true };
  return READ;
}
