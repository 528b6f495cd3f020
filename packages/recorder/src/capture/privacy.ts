/**
 * Network redaction, applied before a network event is pushed: secrets must never
 * exist in an event, so sensitive headers are dropped and sensitive body / form /
 * query values are replaced with "[redacted]".
 */
export const REDACTED = '[redacted]';

const DROP_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];
const HEADER_PARTS = /token|secret|session|csrf|xsrf/i;
// `email` too: addresses are personal data and the demo checkout posts one.
const SENSITIVE_KEY = /password|passwd|secret|token|api_key|apikey|authorization|card|cardnumber|cvv|cvc|ssn|iban|e-?mail/i;
const MAX_DEPTH = 20;

export interface Redactor {
  /** Returns a copy without sensitive headers. */
  headers(h: Record<string, string>): Record<string, string>;
  isSensitiveKey(key: string): boolean;
  /** Deep copy of parsed JSON with sensitive keys' values replaced. */
  json(v: unknown): unknown;
  /** Copy of a field map (form / urlencoded) with sensitive fields replaced. */
  fields(f: Record<string, unknown>): Record<string, unknown>;
  /** URL with sensitive query parameter values replaced. */
  url(u: string): string;
  /** Free text: urlencoded-looking text and `"key": value` pairs are redacted. */
  text(t: string): string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function createRedactor(extraKeys: readonly string[] = [], extraHeaders: readonly string[] = []): Redactor {
  const extraKeySet = new Set(extraKeys.map((k) => k.toLowerCase()));
  const dropHeaders = new Set([...DROP_HEADERS, ...extraHeaders.map((h) => h.toLowerCase())]);
  const isSensitiveKey = (key: string): boolean => SENSITIVE_KEY.test(key) || extraKeySet.has(key.toLowerCase());
  const keyAlt = [SENSITIVE_KEY.source, ...[...extraKeySet].map(escapeRe)].join('|');
  // "key": "value" | "key": 123 — for JSON we could not parse (cut at the cap).
  const jsonPair = new RegExp(`("[^"]*(?:${keyAlt})[^"]*"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"?|[^,}\\]\\s]*)`, 'gi');

  const query = (q: string): string =>
    q
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=');
        const k = eq < 0 ? part : part.slice(0, eq);
        return eq >= 0 && isSensitiveKey(safeDecode(k)) ? `${k}=${REDACTED}` : part;
      })
      .join('&');

  const json = (v: unknown, depth = 0): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) return '[depth]';
    if (Array.isArray(v)) return v.map((x) => json(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      out[k] = isSensitiveKey(k) ? REDACTED : json((v as Record<string, unknown>)[k], depth + 1);
    }
    return out;
  };

  return {
    isSensitiveKey,
    headers(h) {
      const out: Record<string, string> = {};
      for (const name of Object.keys(h)) {
        const lower = name.toLowerCase();
        if (dropHeaders.has(lower) || HEADER_PARTS.test(lower)) continue;
        out[lower] = h[name];
      }
      return out;
    },
    json: (v) => json(v),
    fields(f) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(f)) out[k] = isSensitiveKey(k) ? (Array.isArray(f[k]) ? [REDACTED] : REDACTED) : f[k];
      return out;
    },
    url(u) {
      const hashAt = u.indexOf('#');
      const hash = hashAt >= 0 ? u.slice(hashAt) : '';
      const rest = hashAt >= 0 ? u.slice(0, hashAt) : u;
      const qAt = rest.indexOf('?');
      // Fragments often carry OAuth tokens (#access_token=…): redact them the same way.
      const fixedHash = hash.includes('=') ? `#${query(hash.slice(1))}` : hash;
      const base = qAt < 0 ? rest : `${rest.slice(0, qAt + 1)}${query(rest.slice(qAt + 1))}`;
      return base + fixedHash;
    },
    text(t) {
      if (/^[^=&\s]+=[^&\s]*(&[^=&\s]*=?[^&\s]*)*$/.test(t.trim())) return query(t.trim());
      return t.replace(jsonPair, `$1"${REDACTED}"`);
    },
  };
}

/** Absolute form of a request URL, without any user:password part. */
export function absoluteUrl(u: string): string {
  try {
    const url = new URL(u, typeof location !== 'undefined' ? location.href : undefined);
    if (url.username || url.password) {
      url.username = '';
      url.password = '';
    }
    return url.href;
  } catch {
    return u.replace(/\/\/[^/@?#]*@/, '//');
  }
}
