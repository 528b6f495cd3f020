/**
 * Redaction rules shared by the recorder (applied in the browser before an event is queued) and
 * the server (OTLP span and log attributes, server/src/otlp/redact.ts): secrets must never exist
 * in stored data, so sensitive headers are dropped and sensitive body / form / query / fragment /
 * console object values are replaced with "[redacted]"; bearer-looking values (JWTs, `Bearer …`)
 * are replaced wherever they appear in a string (see scrubSecrets).
 */
export const REDACTED = '[redacted]';

export const DROP_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];
export const HEADER_PARTS = /token|secret|session|csrf|xsrf|auth|jwt/i;
// `email` too: addresses are personal data and the demo checkout posts one.
// `auth` but not `author…` (authorization is listed on its own); session ids under their usual names.
const SENSITIVE_KEY =
  /password|passwd|secret|token|api_key|apikey|authorization|auth(?!or)|jwt|session[_-]?id|sessid|card|cardnumber|cvv|cvc|ssn|iban|e-?mail/i;
/** Keys too short to match inside other words: sensitive only as the whole name (case-insensitive). */
const SENSITIVE_EXACT = ['sid', 'connect.sid'];
// A JWT (or JWS/JWE compact form): base64url of `{"…` then at least one more dot-separated part.
const JWT = /\beyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,4}/g;
// `Bearer <token>` as in an Authorization header value.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>`]+/g;
const BEARER = /\b(Bearer)(\s+)[A-Za-z0-9._~+/-]{8,}=*/gi;

/** Replaces bearer-looking values (JWT shapes, `Bearer xxx`) in any string, keeping the rest of it. */
export function scrubSecrets(s: string): string {
  // Cheap pre-check: most strings hold neither.
  if (s.indexOf('eyJ') < 0 && !/bearer/i.test(s)) return s;
  return s.replace(JWT, REDACTED).replace(BEARER, `$1$2${REDACTED}`);
}
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
  const exact = new Set([...SENSITIVE_EXACT, ...extraKeySet]);
  const isSensitiveKey = (key: string): boolean => SENSITIVE_KEY.test(key) || exact.has(key.toLowerCase());
  const keyAlt = [SENSITIVE_KEY.source, ...[...extraKeySet].map(escapeRe)].join('|');
  const exactAlt = SENSITIVE_EXACT.map(escapeRe).join('|');
  // "key": "value" | "key": 123 — for JSON we could not parse (cut at the cap).
  const jsonPair = new RegExp(`("(?:[^"]*(?:${keyAlt})[^"]*|${exactAlt})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"?|[^,}\\]\\s]*)`, 'gi');

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

  const url = (u: string): string => {
    const hashAt = u.indexOf('#');
    const hash = hashAt >= 0 ? u.slice(hashAt) : '';
    const rest = hashAt >= 0 ? u.slice(0, hashAt) : u;
    const qAt = rest.indexOf('?');
    // Fragments often carry OAuth tokens (#access_token=…): redact them the same way.
    const fixedHash = hash.includes('=') ? `#${query(hash.slice(1))}` : hash;
    const base = qAt < 0 ? rest : `${rest.slice(0, qAt + 1)}${query(rest.slice(qAt + 1))}`;
    return scrubSecrets(base + fixedHash);
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
    url: (u) => url(u),
    text(t) {
      if (/^[^=&\s]+=[^&\s]*(&[^=&\s]*=?[^&\s]*)*$/.test(t.trim())) return scrubSecrets(query(t.trim()));
      // URLs inside free text ("redirecting to https://…?token=…") get the URL rules.
      const withUrls = t.indexOf('://') >= 0 ? t.replace(URL_IN_TEXT, (u) => url(u)) : t;
      return scrubSecrets(withUrls.replace(jsonPair, `$1"${REDACTED}"`));
    },
  };
}
