/**
 * A flood of console calls or errors (a log in a render loop, an error thrown every frame) would
 * fill the upload queue, whose bound then drops the oldest batches, the page's snapshot among
 * them: the replay lost to a flood. Each kind gets a token bucket, BURST calls at once and
 * PER_SECOND after that; what it leaves out is counted and put on the timeline as a `notice`
 * (`console-flood`, `error-flood`: how many were not recorded from its time on), at most once a
 * second, and at once when an upload is asked for or the page is hidden. The same notice counts
 * calls left out for another reason (more than describe-later.ts holds while the capture chunk
 * loads). The page's own console and handlers see every call either way.
 */
import type { RecorderNotice } from '@reprise/protocol';
import type { CaptureContext } from './context.js';

export const FLOOD_BURST = 1000;
export const FLOOD_PER_SECOND = 50;

export interface FloodGate {
  /** True when this call is recorded; false counts it as left out. */
  allow(): boolean;
  /** Counts a call that allow() let through as left out after all. */
  leftOut(): void;
  /** Reports what is counted so far now: a flush, a hidden page or a stop must not wait for the timer. */
  report(): void;
}

export function floodGate(ctx: CaptureContext, code: Exclude<RecorderNotice['code'], 'mutation-burst'>): FloodGate {
  let tokens = FLOOD_BURST;
  let last = 0;
  let dropped = 0;
  let since = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const report = (): void => {
    clearTimeout(timer);
    if (dropped) ctx.sink.push({ t: since, kind: 'custom', data: { type: 'notice', code, records: dropped, limit: FLOOD_PER_SECOND } });
    dropped = 0;
  };
  const leftOut = (): void => {
    if (dropped++) return;
    since = Date.now();
    timer = setTimeout(ctx.guard.wrap(report), 1000);
  };
  return {
    allow() {
      const now = Date.now();
      // Refilled by the time since the last call (the first call finds the bucket full).
      tokens = Math.min(FLOOD_BURST, tokens + (now - last) * (FLOOD_PER_SECOND / 1000));
      last = now;
      if (tokens >= 1) return (tokens--, true);
      leftOut();
      return false;
    },
    leftOut,
    report,
  };
}
