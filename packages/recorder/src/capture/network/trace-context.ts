/**
 * W3C Trace Context on recorded requests: a `traceparent` header on fetch/XHR calls to the
 * propagation targets, so the backend's OpenTelemetry spans of a recorded request share its
 * trace id. The sampled flag is set: a parent-based sampler then keeps every span of it.
 */

/** The ids a request carried (lowercase hex). */
export interface TraceIds {
  traceId: string;
  spanId: string;
}

/** Decides which request URLs get a `traceparent`; null when propagation is off. */
export type TraceTargets = ((url: string) => boolean) | null;

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(?:-|$)/;
const ZEROS = /^0+$/;

/** The ids of a `traceparent` value, or null when it is not a valid one (the app's own may be anything). */
export function parseTraceparent(value: string | null | undefined): TraceIds | null {
  if (typeof value !== 'string') return null;
  // Several values (the header set twice) are joined with ", ": the first is the one servers read.
  const m = TRACEPARENT_RE.exec(value.split(',')[0].trim().toLowerCase());
  if (!m || m[1] === 'ff' || ZEROS.test(m[2]) || ZEROS.test(m[3])) return null;
  return { traceId: m[2], spanId: m[3] };
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** A fresh trace: random ids from crypto.getRandomValues, or null where it is missing. */
export function newTrace(): (TraceIds & { header: string }) | null {
  const c = typeof crypto !== 'undefined' ? crypto : undefined;
  if (!c || typeof c.getRandomValues !== 'function') return null;
  const bytes = c.getRandomValues(new Uint8Array(24));
  // All-zero ids are invalid; one set bit is cheaper than a retry loop.
  bytes[15] |= 1;
  bytes[23] |= 1;
  const traceId = hex(bytes.subarray(0, 16));
  const spanId = hex(bytes.subarray(16, 24));
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

/**
 * A matcher for the targets: a RegExp tests the absolute URL; a string is an origin
 * (`https://api.example.com` matches that origin only, not `…example.com.evil.net`) or a URL
 * prefix (`https://api.example.com/v2/`, or `/api/` on the page's origin). Unparseable strings
 * match nothing.
 */
export function traceTargets(targets: Array<string | RegExp>, base: string | undefined): TraceTargets {
  const tests: Array<(u: URL, raw: string) => boolean> = [];
  for (const t of targets) {
    if (t instanceof RegExp) {
      tests.push((_u, raw) => {
        t.lastIndex = 0;
        return t.test(raw);
      });
      continue;
    }
    let target: URL;
    try {
      target = new URL(t, base);
    } catch {
      continue;
    }
    const originOnly = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+\/?$/i.test(t.trim());
    if (originOnly) tests.push((u) => u.origin === target.origin);
    else tests.push((u) => u.origin === target.origin && (u.pathname + u.search).startsWith(target.pathname + target.search));
  }
  if (tests.length === 0) return null;
  return (url) => {
    let u: URL;
    try {
      u = new URL(url, base);
    } catch {
      return false;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    return tests.some((test) => test(u, u.href));
  };
}
