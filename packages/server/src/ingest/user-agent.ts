import { UAParser } from 'ua-parser-js';
import type { SessionFacts } from '../store/types.js';

/** Browser, OS and device class from a User-Agent; desktop when the parser reports no device type. */
export function factsFromUserAgent(ua: string | undefined): SessionFacts {
  if (!ua) return { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null };
  const r = new UAParser(ua).getResult();
  return {
    userAgent: ua.slice(0, 1024),
    browser: r.browser.name ?? null,
    browserVersion: r.browser.version ?? null,
    os: r.os.name ?? null,
    osVersion: r.os.version ?? null,
    device: r.device.type ?? 'desktop',
  };
}
