import type { Guard } from './guard.js';

// Things only a user does; DOM mutations and timers don't keep a session alive.
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'mousemove', 'wheel', 'scroll', 'touchstart'] as const;
const THROTTLE_MS = 1000;

/** Calls `onActivity` at most once a second while the user interacts. Returns a stop function. */
export function watchActivity(guard: Guard, onActivity: () => void): () => void {
  let last = 0;
  const handler = guard.wrap(() => {
    const t = Date.now();
    if (t - last < THROTTLE_MS) return;
    last = t;
    onActivity();
  });
  // Capture phase on window so we run before rrweb's document listeners: a session
  // rotation then happens before the interaction that ends the idle period is recorded.
  const opts: AddEventListenerOptions = { capture: true, passive: true };
  for (const type of ACTIVITY_EVENTS) window.addEventListener(type, handler, opts);
  return () => {
    for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, handler, opts);
  };
}
