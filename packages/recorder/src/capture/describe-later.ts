/**
 * Click and key targets are described by click-describe.ts, which the script-tag build loads with
 * env and vitals (the lazy chunk `capture`, late-loader.ts). A target met before it arrives (a
 * click in the first moments of the page) waits for it, in order, with its event's time taken
 * when it happened; if the chunk can't be had, those events are dropped and the rest records on.
 */
import type { Guard } from '../guard.js';
import { loadLateCapture, loadedLateCapture, type LateCapture } from './late-loader.js';

type Describe = LateCapture['describeClick'];

/** Targets waiting for the chunk: bounded, whatever the page does in its first moments. */
const MAX_WAITING = 200;
let waiting: Array<(describe: Describe) => void> | null = null;

/** Calls `use` with describeClick: at once when it is loaded, else once it arrives (in call order). */
export function describeLater(guard: Guard, use: (describe: Describe) => void): void {
  const m = loadedLateCapture();
  if (m) return use(m.describeClick);
  if (!waiting) {
    const queue: Array<(describe: Describe) => void> = (waiting = []);
    void loadLateCapture().then((m) => {
      waiting = null;
      if (m) for (const f of queue) guard.run(() => f(m.describeClick));
    });
  }
  if (waiting.length < MAX_WAITING) waiting.push(use);
}
