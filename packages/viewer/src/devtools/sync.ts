/**
 * Playhead synchronisation shared by the lists: which entry is "current" (the last one at
 * or before the playhead) and keeping it scrolled into view without fighting the user.
 */
import { useEffect, useRef, type KeyboardEvent, type MouseEvent } from 'react';

/** Index of the last entry with `offset <= now` in a list sorted by offset, or -1. */
export function currentIndex(entries: { offset: number }[], now: number): number {
  let lo = 0;
  let hi = entries.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].offset <= now) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** After the user scrolls the list by hand, auto-scroll stays off for this long. */
const USER_SCROLL_GRACE_MS = 3000;

/**
 * Returns a ref for the scrollable list. Whenever `currentKey` changes, the element marked
 * `data-current="true"` is scrolled into view ("nearest"), within the list only so the page
 * itself never jumps, and not while the user has recently scrolled the list themselves.
 */
export function useFollowCurrent<T extends HTMLElement>(currentKey: unknown) {
  const ref = useRef<T>(null);
  const userScrolledAt = useRef(0);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const mark = () => (userScrolledAt.current = performance.now());
    el.addEventListener('wheel', mark, { passive: true });
    el.addEventListener('touchmove', mark, { passive: true });
    return () => {
      el.removeEventListener('wheel', mark);
      el.removeEventListener('touchmove', mark);
    };
  }, []);

  useEffect(() => {
    const list = ref.current;
    if (!list || performance.now() - userScrolledAt.current < USER_SCROLL_GRACE_MS) return;
    const item = list.querySelector<HTMLElement>('[data-current="true"]');
    if (!item) return;
    const l = list.getBoundingClientRect();
    const r = item.getBoundingClientRect();
    if (r.top < l.top) list.scrollTop -= l.top - r.top;
    else if (r.bottom > l.bottom) list.scrollTop += Math.min(r.bottom - l.bottom, r.top - l.top);
  }, [currentKey]);

  return ref;
}

/** Row attributes for playhead state: dimmed in the future, highlighted when current. */
export function timeAttrs(future: boolean, current: boolean) {
  return {
    'data-future': future ? 'true' : undefined,
    'data-current': current ? 'true' : undefined,
  } as const;
}

/**
 * Click/Enter handlers for a row that seeks: clicks on controls inside the row (tree
 * toggles, stack disclosures, links) do their own thing instead.
 */
export function rowActivation(onActivate: () => void) {
  return {
    role: 'button',
    tabIndex: 0,
    onClick(e: MouseEvent<HTMLElement>) {
      const hit = (e.target as HTMLElement).closest('button, summary, a, input, select');
      if (hit && hit !== e.currentTarget && e.currentTarget.contains(hit)) return;
      // Selecting text (a stack, a URL) is not a request to seek.
      const sel = window.getSelection();
      if (sel && !sel.isCollapsed && e.currentTarget.contains(sel.anchorNode)) return;
      onActivate();
    },
    onKeyDown(e: KeyboardEvent<HTMLElement>) {
      if (e.key === 'Enter' && e.target === e.currentTarget) {
        e.preventDefault();
        onActivate();
      }
    },
  } as const;
}
