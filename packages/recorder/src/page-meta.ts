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

/** One per page load and per new session: where the user was and on what. */
export function pageMetaEvent(): MetaEvent {
  return {
    t: Date.now(),
    kind: 'meta',
    data: {
      url: location.href,
      referrer: document.referrer,
      title: document.title,
      userAgent: navigator.userAgent,
      viewport: { w: window.innerWidth, h: window.innerHeight },
    },
  };
}

export function batchMeta(): BatchMeta {
  return { url: location.href, referrer: document.referrer, sdk: SDK_VERSION };
}
