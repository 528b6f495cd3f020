import type { RrwebEvent } from '@reprise/protocol';
import { rebuildPage } from '../../mcp/page/rebuild.js';
import { readPage } from '../../mcp/page/text.js';
import type { Store } from '../../store/types.js';

/** Lines asserted at most, and their longest. */
const MAX_LINES = 2;
const MAX_CHARS = 100;

/**
 * The text that appeared on the page between `before` (just before the last step) and `after`
 * (the moment of the error): what the user saw go wrong. Pages are rebuilt from the recorded
 * DOM as `get_page_text` does (mcp/page); masked text and field values are never asserted.
 */
export async function textThatAppeared(store: Store, sessionId: string, before: number, after: number): Promise<string[]> {
  const [was, is] = await Promise.all([linesAt(store, sessionId, before), linesAt(store, sessionId, after)]);
  if (!is) return [];
  const old = new Set(was ?? []);
  return is
    .filter((l) => !old.has(l) && !l.includes('[') && !/\*{3,}/.test(l) && l.length >= 2 && l.length <= MAX_CHARS)
    .slice(0, MAX_LINES);
}

async function linesAt(store: Store, sessionId: string, at: number): Promise<string[] | null> {
  const timeline = await store.getSessionTimeline(sessionId);
  const snapshot = timeline?.snapshots.filter((s) => s.t <= at).pop();
  if (!snapshot) return null;
  const events = await store.readEvents(sessionId, { from: snapshot.startT, to: Math.max(at, snapshot.t) });
  const dom = events.flatMap((e) => (e.kind === 'dom' && e.data && typeof e.data === 'object' ? [e.data as RrwebEvent] : []));
  const page = rebuildPage(dom);
  if (!page) return null;
  try {
    return readPage(page.window).lines;
  } finally {
    await page.close();
  }
}
