import type { ConsoleFact, ErrorFact, RequestFact } from './facts.js';
import type { StepTarget } from './types.js';

/** How the digest and the steps word targets, requests, errors and times (one place, one style). */

/** `'Pay' ([data-testid=pay])`: test id, accessible name, or a stable selector, in that order. */
export function targetText(t: StepTarget): string {
  const name = t.name ? `'${t.name}'` : null;
  const id = t.testId ? `[data-testid=${t.testId}]` : null;
  if (name && id) return `${name} (${id})`;
  return name ?? id ?? (t.selector ? `\`${t.selector}\`` : 'the page');
}

/** Path and query of a URL (the origin is noise in a one-site session); the URL itself when unparsable. */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    const s = `${u.pathname}${u.search}`;
    return s.length > 120 ? `${s.slice(0, 119)}…` : s;
  } catch {
    return url.length > 120 ? `${url.slice(0, 119)}…` : url;
  }
}

export function isBadRequest(r: RequestFact): boolean {
  return r.failed || r.status >= 400;
}

/** `POST /api/checkout 422 {error: card_expired}` or `GET /api/x failed (network)`. */
export function requestText(r: RequestFact): string {
  const outcome = r.failed ? `failed${r.error ? ` (${r.error})` : ''}` : String(r.status);
  return `${r.method} ${shortUrl(r.url)} ${outcome}${r.body ? ` ${r.body}` : ''}`;
}

/** `uncaught TypeError: x is undefined at checkout.js:42:13`. */
export function errorText(e: ErrorFact): string {
  if (e.origin === 'resource') return `failed to load ${e.message}`;
  // Chrome's ErrorEvent message already reads "Uncaught TypeError: …".
  const message = e.message.replace(/^Uncaught\s+/, '');
  const what = e.name && !message.startsWith(e.name) ? `${e.name}: ${message}` : message || e.name || 'error';
  const prefix = e.origin === 'unhandledrejection' ? 'unhandled rejection' : e.origin === 'console' ? 'logged' : 'uncaught';
  return `${prefix} ${what}${e.where ? ` at ${e.where}` : ''}`;
}

export function consoleText(c: ConsoleFact): string {
  return `console.${c.level} '${c.text}'`;
}

/** Offset from the session start: `04:07` or `1:02:03`. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** `3 min 20 s`, `45 s`, `1 h 5 min`. */
export function span(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `3 requests` / `1 request`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
