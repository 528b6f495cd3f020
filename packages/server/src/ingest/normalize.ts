/**
 * Grouping keys for "top problems": a request's route and an error's message with the
 * parts that vary per occurrence (ids, numbers, quoted values) replaced by placeholders.
 */

export const ROUTE_ID = ':id';
const MAX_ROUTE = 500;
const MAX_MESSAGE_KEY = 500;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(?=.*\d)[0-9a-f]{8,}$/i;
const TOKEN = /^[A-Za-z0-9_-]{16,}$/;

/** One path segment that looks like an id: a number, a UUID, a long hex or base64-like token. */
export function isIdSegment(seg: string): boolean {
  if (/^\d+$/.test(seg)) return true;
  if (UUID.test(seg) || HEX.test(seg)) return true;
  if (!TOKEN.test(seg)) return false;
  // Random tokens mix digits with letters (and usually both cases); slugs are words joined by dashes.
  const digits = seg.replace(/\D/g, '').length;
  if (digits === 0 || !/[A-Za-z]/.test(seg)) return false;
  return (/[a-z]/.test(seg) && /[A-Z]/.test(seg)) || digits / seg.length >= 0.25;
}

/**
 * The path of a request URL with ids as `:id`; origin, query and fragment dropped.
 * `https://shop.example/api/orders/123?x=1` → `/api/orders/:id`.
 */
export function normalizeRoute(url: string): string {
  let pathname: string;
  try {
    pathname = new URL(url, 'http://relative.invalid').pathname;
  } catch {
    pathname = url.split(/[?#]/)[0] ?? '';
  }
  const out = pathname
    .split('/')
    .map((seg) => {
      let decoded = seg;
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        // keep the raw segment
      }
      return isIdSegment(decoded) ? ROUTE_ID : seg;
    })
    .join('/');
  return (out.startsWith('/') ? out : `/${out}`).slice(0, MAX_ROUTE);
}

/** The longest literal prefix of a route before its first `:id` (what a substring search can match). */
export function routeLiteralPrefix(route: string): string {
  const i = route.indexOf(`/${ROUTE_ID}`);
  return i < 0 ? route : route.slice(0, i + 1);
}

/** Quoted text that is a property or identifier name, e.g. `'confirmation'` or `"user.name"`: kept. */
const IDENTIFIER = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/**
 * An error message with the parts that vary per occurrence normalized, so occurrences of
 * one bug group together:
 * - quoted values become `<s>` (quotes kept), except identifier-like names:
 *   `Cannot read properties of undefined (reading 'x')` keeps its shape and its property name;
 * - UUIDs and long hex ids become `<id>`;
 * - numbers (not glued to a preceding letter, so `v2` or `ES2015` stay) become `<n>`:
 *   `Order 123 failed` → `Order <n> failed`.
 */
export function messageKey(message: string): string {
  return (
    message
      // A quote opens after a non-word character and closes before one, so apostrophes (can't) are not quotes.
      .replace(/(?<!\w)(["'`])((?:(?!\1)[^\\\n]|\\.){0,500})\1(?!\w)/g, (m, q: string, inner: string) =>
        IDENTIFIER.test(inner) && inner.length <= 60 ? m : `${q}<s>${q}`,
      )
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
      .replace(/\b0x[0-9a-f]+\b/gi, '<n>')
      .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<id>')
      .replace(/(?<![A-Za-z\d])\d+(?:\.\d+)?/g, '<n>')
      .slice(0, MAX_MESSAGE_KEY)
  );
}

/**
 * The literal runs of a message key between placeholders (3+ characters, at most the 3 longest,
 * in message order), for `error:"…"` terms: a placeholder cannot be matched literally.
 */
export function messageLiterals(key: string): string[] {
  const parts = key.split(/<(?:n|id|s)>/);
  if (parts.length === 1) return key.trim() ? [key.trim()] : [];
  // Quotes next to a placeholder belong to it (`'<s>'`), so they are dropped with the spaces.
  const last = parts.length - 1;
  const runs = parts
    .map((p, i) => (i > 0 ? p.replace(/^["'`]+/, '') : p))
    .map((p, i) => (i < last ? p.replace(/["'`]+$/, '') : p).trim())
    .filter((p) => p.length >= 3);
  const keep = new Set([...runs].sort((a, b) => b.length - a.length).slice(0, 3));
  return runs.filter((r) => keep.has(r));
}
