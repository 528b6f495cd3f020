import { LINK_ERRORS, type LinkError } from '@reprise/protocol';
import type { OutboxItem } from './outbox.js';

/**
 * ok: stored (or duplicate); reject: the server will never take it; retry: try again later;
 * a LinkError: the support link this batch was sent under can't record any more (403).
 */
export type SendResult = 'ok' | 'reject' | 'retry' | LinkError;

/** The `error` code of a 403 answer when it is a link error, else null. Never rejects. */
async function linkError(res: Response): Promise<LinkError | null> {
  try {
    const body = (await res.json()) as { error?: unknown } | null;
    const code = body && typeof body === 'object' ? body.error : undefined;
    return (LINK_ERRORS as readonly unknown[]).includes(code) ? (code as LinkError) : null;
  } catch {
    return null;
  }
}

export function isLinkError(r: SendResult): r is LinkError {
  return r !== 'ok' && r !== 'reject' && r !== 'retry';
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

/** The body exactly as it goes on the wire. */
export function bodyOf(item: OutboxItem): Uint8Array<ArrayBuffer> | string {
  return item.gzip ?? item.json ?? '';
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
  if (item.gzip) headers['Content-Encoding'] = 'gzip';
  try {
    const res = await fetchFn(url, {
      method: 'POST',
      headers,
      body: bodyOf(item),
      keepalive,
      // The ingest key is in the URL; never send the host site's cookies to the replay server.
      credentials: 'omit',
      mode: 'cors',
      cache: 'no-store',
    });
    if (res.status === 403 && url.includes('&link=')) return (await linkError(res)) ?? 'reject';
    return classify(res.status);
  } catch {
    // Offline, DNS, CORS refusal, aborted by unload: all look the same from here.
    return 'retry';
  }
}
