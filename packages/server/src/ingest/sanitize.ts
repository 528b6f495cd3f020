import { LIMITS, type BatchMeta } from '@reprise/protocol';
import type { IndexRows } from '../store/index-rows.js';

/**
 * What ingest writes to text, JSONB and integer columns (summary fields, index rows, search
 * text, tags, user id, first URL) made storable on every backend, in this one place before
 * either store sees it: PostgreSQL refuses NUL in text and JSONB and lone UTF-16 surrogates in
 * JSONB, where SQLite takes both. Both become U+FFFD, so both backends hold the same values;
 * the raw chunk keeps the bytes as sent. Numbers headed for INTEGER/BIGINT columns that cannot
 * be one (a status of 1e300, a fractional node id) are dropped to their default.
 */
export function sanitizeForStorage(envelope: { meta?: BatchMeta }, index: IndexRows): void {
  if (envelope.meta) {
    const m = envelope.meta;
    envelope.meta = {
      ...(m.url !== undefined ? { url: clean(m.url) } : {}),
      ...(m.referrer !== undefined ? { referrer: clean(m.referrer) } : {}),
      ...(m.sdk !== undefined ? { sdk: clean(m.sdk) } : {}),
      ...(m.release !== undefined ? { release: clean(m.release) } : {}),
    };
  }
  for (const r of index.network) {
    r.method = clean(r.method);
    r.url = clean(r.url);
    r.route = clean(r.route);
    if (!Number.isInteger(r.status) || r.status < 0 || r.status > 999) r.status = 0;
  }
  for (const r of index.console) {
    r.level = clean(r.level);
    r.text = clean(r.text);
  }
  for (const r of index.errors) {
    r.name = cleanOrNull(r.name);
    r.message = clean(r.message);
    r.messageKey = clean(r.messageKey);
    r.stack = cleanOrNull(r.stack);
    r.release = cleanOrNull(r.release);
    if (r.issue) r.issue = { ...r.issue, type: clean(r.issue.type), message: clean(r.issue.message) };
  }
  for (const c of index.clicks) {
    c.selector = clean(c.selector);
    c.text = cleanOrNull(c.text);
    c.testId = cleanOrNull(c.testId);
    c.tag = clean(c.tag);
    if (c.nodeId !== null && !Number.isSafeInteger(c.nodeId)) c.nodeId = null;
  }
  for (const p of index.pages) p.url = clean(p.url);
  // Times the signal detection compares with stored (BIGINT) times: a request's own startedAt may be anything.
  const t = index.timeline;
  t.responses = t.responses.filter(inTimeRange);
  t.requests = t.requests.filter(inTimeRange);
  for (const s of index.search) s.text = clean(s.text);
  index.userId = cleanOrNull(index.userId);
  if (index.release !== undefined) index.release = cleanOrNull(index.release);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(index.tags)) {
    // Own-property writes, as extract.ts does: a `__proto__` tag stays a tag.
    Object.defineProperty(tags, clean(k), { value: clean(v), enumerable: true, writable: true, configurable: true });
  }
  index.tags = tags;
}

function inTimeRange(t: number): boolean {
  return t >= 0 && t <= LIMITS.maxEventTime;
}

// eslint-disable-next-line no-control-regex -- matching NUL is the point: PostgreSQL refuses it in text
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** NUL and lone surrogates → U+FFFD; anything else unchanged. */
export function clean(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

function cleanOrNull(s: string | null): string | null {
  return s === null ? null : clean(s);
}
