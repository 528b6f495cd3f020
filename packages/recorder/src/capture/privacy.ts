/**
 * Redaction, applied in the browser before an event is pushed. The rules (sensitive headers, keys,
 * query parameters, bearer-looking values) live in @reprise/protocol's redaction.ts, shared with
 * the server's redaction of backend spans and logs.
 */
import { scrubSecrets } from '@reprise/protocol';

export { createRedactor, REDACTED, scrubSecrets, type Redactor } from '@reprise/protocol';

/**
 * The URL a page's relative request URLs resolve against: the document's base URL (a `<base>`
 * element changes it), as fetch, XHR and sendBeacon resolve them.
 */
export function pageBaseUrl(): string | undefined {
  if (typeof document !== 'undefined') return document.baseURI;
  return typeof location !== 'undefined' ? location.href : undefined;
}

/** Absolute form of a request URL, without any user:password part. */
export function absoluteUrl(u: string): string {
  try {
    const url = new URL(u, pageBaseUrl());
    if (url.username || url.password) {
      url.username = '';
      url.password = '';
    }
    return url.href;
  } catch {
    return u.replace(/\/\/[^/@?#]*@/, '//');
  }
}

const SCRUB_DEPTH = 40;

/**
 * scrubSecrets over every string of an event's data (values, not keys). Copy on write: the
 * same object comes back when nothing changed, and the caller's objects are never modified.
 */
export function scrubDeep<T>(v: T, depth = 0): T {
  if (typeof v === 'string') return scrubSecrets(v) as T;
  if (v === null || typeof v !== 'object' || depth > SCRUB_DEPTH) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = scrubDeep(x, depth + 1);
      if (y !== x) (out ??= v.slice())[i] = y;
    }
    return (out ?? v) as T;
  }
  // Only plain data: events are JSON-shaped (class instances are left as they are).
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v;
  let out: Record<string, unknown> | null = null;
  const src = v as Record<string, unknown>;
  for (const k of Object.keys(src)) {
    const x = src[k];
    const y = scrubDeep(x, depth + 1);
    if (y !== x) (out ??= { ...src })[k] = y;
  }
  return (out ?? v) as T;
}

/** Whether `el` is inside what `sel` matches; a selector that can't be evaluated counts as private. */
export function within(el: Element, sel: string): boolean {
  try {
    return el.closest(sel) !== null;
  } catch {
    return true;
  }
}
