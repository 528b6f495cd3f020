import { DICTIONARY_UNAVAILABLE, LINK_ERRORS, type LinkError } from '@reprise/protocol';
import type { OutboxItem } from './outbox.js';

/**
 * ok: stored (or duplicate); reject: the server will never take it; retry: try again later;
 * a LinkError: the support link this batch was sent under can't record any more (403);
 * dictionary-unavailable: the server lacks the body's preset dictionary (422), and
 * deflate-unsupported: it doesn't take deflate at all (415, an older server); either way the
 * batch must go again self-contained (gzip).
 */
export type SendResult = 'ok' | 'reject' | 'retry' | 'dictionary-unavailable' | 'deflate-unsupported' | LinkError;

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
  // 408/429 are "not now", every other 4xx is final (bad key, bad batch, too large...).
  if (status === 408 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'reject';
  return 'retry';
}

/** POSTs one batch; never rejects. */
export async function postBatch(fetchFn: FetchFn, url: string, item: OutboxItem, keepalive: boolean): Promise<SendResult> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (item.body) headers['Content-Encoding'] = item.dict ? 'deflate' : 'gzip';
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
    if (res.status === 403 && url.includes('&link=')) {
      const code = await errorCode(res);
      return code !== null && (LINK_ERRORS as readonly string[]).includes(code) ? (code as LinkError) : 'reject';
    }
    if (item.body && item.dict) {
      if (res.status === 415) return 'deflate-unsupported';
      if (res.status === 422 && (await errorCode(res)) === DICTIONARY_UNAVAILABLE) return 'dictionary-unavailable';
    }
    return classify(res.status);
  } catch {
    // Offline, DNS, CORS refusal, aborted by unload: all look the same from here.
    return 'retry';
  }
}
