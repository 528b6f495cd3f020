import {
  DELTA_ENCODING,
  DELTA_TWICE_ENCODING,
  DICTIONARY_UNAVAILABLE,
  LINK_ERRORS,
  SESSION_DELETED,
  SESSION_FULL,
  SESSION_KEY_HEADER,
  SESSION_KEY_MISMATCH,
  type LinkError,
} from '@reprise/protocol';
import type { OutboxItem } from './outbox.js';

/**
 * ok: stored (or duplicate); reject: the server will never take it (a final 4xx); retry: the server
 * said "not now" (5xx, 408, 425, 429); offline: no answer at all (network, CORS, unload);
 * a LinkError: the support link of this batch's session can't record any more (403);
 * a SessionRefusal: the server takes nothing more of this batch's session (413 session_full,
 * 403 session_key_mismatch, 410 session_deleted); dictionary-unavailable: the server lacks the body's preset
 * dictionary (422), and deflate-unsupported: it doesn't take deflate at all (415, an older
 * server); either way the batch must go again self-contained (gzip).
 */
export type SendResult =
  'ok' | 'reject' | 'retry' | 'offline' | 'dictionary-unavailable' | 'deflate-unsupported' | LinkError | SessionRefusal;

export type SessionRefusal = typeof SESSION_FULL | typeof SESSION_KEY_MISMATCH | typeof SESSION_DELETED;

export function isSessionRefusal(r: SendResult): r is SessionRefusal {
  return r === SESSION_FULL || r === SESSION_KEY_MISMATCH || r === SESSION_DELETED;
}

/** A send's result; `retryAfterMs` is the server's Retry-After on a retry answer, if it sent one. */
export interface SendOutcome {
  result: SendResult;
  retryAfterMs: number | null;
}

/** Retry-After as seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The `error` code of a JSON error answer, or null. Never rejects. */
async function errorCode(res: Response): Promise<string | null> {
  try {
    const body = (await res.json()) as { error?: unknown } | null;
    const code = body && typeof body === 'object' ? body.error : undefined;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

export function isLinkError(r: SendResult): r is LinkError {
  return (LINK_ERRORS as readonly string[]).includes(r);
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/** The body exactly as it goes on the wire. */
export function bodyOf(item: OutboxItem): Uint8Array<ArrayBuffer> | string {
  return item.body ?? item.json ?? '';
}

export function classify(status: number): SendResult {
  if (status >= 200 && status < 300) return 'ok';
  // 408/425/429 are "not now", every other 4xx is final (bad key, bad batch, too large...).
  if (status === 408 || status === 425 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'reject';
  return 'retry';
}

/** The Content-Encoding of a body deflated against its dictionary. */
function deflateEncoding(item: OutboxItem): string {
  if (!item.delta) return 'deflate';
  return item.twice ? DELTA_TWICE_ENCODING : DELTA_ENCODING;
}

/** POSTs one batch; never rejects. */
export async function postBatch(fetchFn: FetchFn, url: string, item: OutboxItem, keepalive: boolean): Promise<SendOutcome> {
  const result = await send(fetchFn, url, item, keepalive);
  return typeof result === 'string' ? { result, retryAfterMs: null } : result;
}

async function send(fetchFn: FetchFn, url: string, item: OutboxItem, keepalive: boolean): Promise<SendResult | SendOutcome> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (item.body) headers['Content-Encoding'] = item.dict ? deflateEncoding(item) : 'gzip';
  // In a header: never in the URL (server logs) nor in the body (stored with the events).
  if (item.key !== null) headers[SESSION_KEY_HEADER] = item.key;
  try {
    const res = await fetchFn(item.body && item.dict ? url + item.dict.query : url, {
      method: 'POST',
      headers,
      body: bodyOf(item),
      keepalive,
      // The ingest key is in the URL; never send the host site's cookies to the replay server.
      credentials: 'omit',
      mode: 'cors',
      cache: 'no-store',
    });
    if (res.status === 403) {
      // A link's refusal ends its sessions even when this request carried no `link=`.
      const code = await errorCode(res);
      if (code !== null && (LINK_ERRORS as readonly string[]).includes(code)) return code as LinkError;
      return code === SESSION_KEY_MISMATCH ? SESSION_KEY_MISMATCH : 'reject';
    }
    if (res.status === 413 || res.status === 410) {
      const code = await errorCode(res);
      if (code === SESSION_FULL || code === SESSION_DELETED) return code;
    }
    if (item.body && item.dict) {
      if (res.status === 415) return 'deflate-unsupported';
      if (res.status === 422 && (await errorCode(res)) === DICTIONARY_UNAVAILABLE) return 'dictionary-unavailable';
    }
    const result = classify(res.status);
    return result === 'retry' ? { result, retryAfterMs: retryAfterMs(res.headers.get('Retry-After')) } : result;
  } catch {
    // Offline, DNS, CORS refusal, aborted by unload: all look the same from here.
    return 'offline';
  }
}

// Browsers refuse keepalive requests once 64 KiB of keepalive bodies are in flight.
export const KEEPALIVE_BUDGET = 60 * 1024;

/** Exact body size in bytes, or budget+1 as soon as it clearly exceeds `budget`. */
export function wireBytes(item: OutboxItem, budget: number): number {
  if (item.body) return item.body.byteLength;
  const json = item.json ?? '';
  // UTF-8 is never shorter than the UTF-16 length, so long strings are out without encoding them.
  if (json.length > budget) return budget + 1;
  return new TextEncoder().encode(json).byteLength;
}

const BASE_RETRY_MS = 1000;
// A Retry-After is honoured up to this long (a tab rarely lives longer; the queue stays bounded meanwhile).
const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;

/** Wait before retry number `attempt` (from 0): capped exponential backoff, or the server's Retry-After. */
export function retryDelayMs(attempt: number, maxRetryDelayMs: number, retryAfter: number | null): number {
  const backoff = Math.min(maxRetryDelayMs, BASE_RETRY_MS * 2 ** attempt);
  // Jitter so many tabs coming back online don't stampede the server; never sooner than it asked.
  return Math.max(backoff * (0.5 + Math.random() * 0.5), Math.min(retryAfter ?? 0, MAX_RETRY_AFTER_MS));
}
