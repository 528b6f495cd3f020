/**
 * `?t=<seconds>` on a session URL names a moment in the replay, so a copied URL
 * opens paused exactly there; `&comment=<id>` also opens that comment with its sketch.
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

/** `&comment=<id>`: the comment a link opens, its sketch shown at its moment. Null without one. */
export function readCommentId(search = window.location.search): string | null {
  const id = new URLSearchParams(search).get('comment');
  return id && /^[A-Za-z0-9_-]{1,80}$/.test(id) ? id : null;
}

/** The link to a comment: its moment as `t` and its id, on the session page open now. */
export function commentUrl(href: string, offsetMs: number, commentId: string): string {
  const url = new URL(href);
  url.searchParams.set('t', String(Math.round(offsetMs / 100) / 10));
  url.searchParams.set('comment', commentId);
  return url.toString();
}

/** Sets or removes `comment` in place (the comment shown; replaceState, like `t`). */
export function writeCommentId(id: string | null): void {
  const url = new URL(window.location.href);
  if (id) url.searchParams.set('comment', id);
  else url.searchParams.delete('comment');
  if (url.toString() !== window.location.href) history.replaceState(history.state, '', url.toString());
}
