/**
 * What the capture chunk (late-loader.ts) does for the capture modules that listen from the first
 * event: click-describe.ts describes click targets, key-press.ts decides and describes key presses,
 * serialize.ts turns console arguments and rejection reasons into data. What is met before the
 * chunk arrives (a click, a key or a console call in the first moments of the page) waits for it, in order, with its event's time taken
 * when it happened (an object logged then is read when the chunk arrives); if the chunk can't be
 * had, those events are dropped and the rest records on.
 */
import type { Guard } from '../guard.js';
import { loadLateCapture, loadedLateCapture, type LateCapture } from './late-loader.js';

/** What a use is for: describing a click target, a key press, or serializing a console call or rejection. */
type LateUse = 'describe' | 'key' | 'serialize';

/**
 * Uses waiting for the chunk, bounded per kind whatever the page does in its first moments: a page
 * that logs hundreds of lines as it starts still has its first clicks and keys described.
 */
const MAX_WAITING = 200;
let waiting: { guard: Guard; uses: Array<(m: LateCapture) => void>; counts: Record<LateUse, number> } | null = null;

/**
 * Calls `use` with the chunk's modules: at once when they are loaded, else once they arrive (in
 * call order). False when `use` was left out (too many waiting).
 */
export function withLateCapture(guard: Guard, use: (m: LateCapture) => void, kind: LateUse = 'serialize'): boolean {
  const m = loadedLateCapture();
  if (m) return (use(m), true);
  if (!waiting) {
    waiting = { guard, uses: [], counts: { describe: 0, key: 0, serialize: 0 } };
    void loadLateCapture().then((m) => (m ? runWaiting(m) : (waiting = null)));
  }
  if (waiting.counts[kind] >= MAX_WAITING) return false;
  waiting.counts[kind]++;
  waiting.uses.push(use);
  return true;
}

/**
 * Runs the uses waiting for the chunk, now that it is here. capture/index.ts calls it before it
 * starts env and vitals, so what waited goes on the timeline before what they report.
 */
export function runWaiting(m: LateCapture): void {
  const w = waiting;
  waiting = null;
  if (w) for (const f of w.uses) w.guard.run(() => f(m));
}
