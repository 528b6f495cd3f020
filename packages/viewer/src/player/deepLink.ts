/**
 * `?t=<seconds>` on a session URL names a moment in the replay, so a copied URL
 * opens paused exactly there.
 */

/** Start offset in ms from the current URL, or 0. */
export function readStartMs(): number {
  const raw = new URLSearchParams(window.location.search).get('t');
  if (raw === null) return 0;
  const seconds = Number.parseFloat(raw);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0;
}

/** The current URL with `t` set to `ms`, rounded to 0.1 s. */
export function urlAt(ms: number): string {
  const url = new URL(window.location.href);
  url.searchParams.set('t', String(Math.round(ms / 100) / 10));
  return url.toString();
}

/** Rewrites `t` in place (replaceState: scrubbing must not fill the back button history). */
export function writeStartMs(ms: number): void {
  const url = urlAt(ms);
  if (url === window.location.href) return;
  try {
    history.replaceState(history.state, '', url);
  } catch {
    // A page whose URL cannot be rewritten (some browsers refuse it on file://, the HTML export) keeps it.
  }
}

/**
 * Writes `t` for the page open now: scrubbing ends with a write, and the user may have
 * navigated to another page since (its URL is never rewritten).
 */
export function momentWriter(): (ms: number) => void {
  const path = window.location.pathname;
  return (ms) => {
    if (window.location.pathname === path) writeStartMs(ms);
  };
}
