import type { BatchMeta, ReplayEvent } from '@reprise/protocol';
import { SDK_VERSION } from './version.js';

export interface PageMetaData {
  url: string;
  referrer: string;
  title: string;
  userAgent: string;
  viewport: { w: number; h: number };
}

export type MetaEvent = ReplayEvent<'meta', PageMetaData>;

/**
 * One per page load and per new session: where the user was and on what. `redactUrl` applies the
 * query / fragment redaction of network URLs to the page's own URL and referrer.
 */
export function pageMetaEvent(redactUrl: (u: string) => string): MetaEvent {
  return {
    t: Date.now(),
    kind: 'meta',
    data: {
      url: redactUrl(location.href),
      referrer: redactUrl(document.referrer),
      title: document.title,
      userAgent: navigator.userAgent,
      viewport: { w: window.innerWidth, h: window.innerHeight },
    },
  };
}

/** Sent with every batch; the server keeps `url` as the session's first URL. */
export function batchMeta(redactUrl: (u: string) => string, release: string | null = null): BatchMeta {
  const meta: BatchMeta = { url: redactUrl(location.href), referrer: redactUrl(document.referrer), sdk: SDK_VERSION };
  if (release) meta.release = release;
  return meta;
}
