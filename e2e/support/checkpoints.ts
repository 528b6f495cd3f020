import type { Page } from 'playwright-core';
import { DOM_STATE_JS } from './dom-state.js';

/** A moment of a recorded page: its time on the page's clock (the recorder's) and its DOM state. */
export interface Checkpoint {
  label: string;
  /** Epoch ms, read in the page just after the state. */
  t: number;
  state: string[];
  /** A screenshot of the viewport at that moment, when asked for. */
  png?: Buffer;
}

export interface CheckpointOptions {
  /** Screenshots too (the fidelity suite's pixel diff). */
  screenshots?: boolean;
  /** How long the page stays still after a checkpoint (default 400 ms). */
  quietMs?: number;
}

/** Frameworks render within a frame or two; a page load's snapshot needs the recorder started. */
const SETTLE_MS = 350;
/** Nothing happens this long after a checkpoint: a seek just after it shows the same page. */
const QUIET_MS = 400;

/**
 * Moves the mouse about the page's left margin for `ms`, as a person's hand does between
 * actions: rrweb records moves in batches of up to 500 ms, so batches span the DOM changes an
 * action makes (the replay must order them right when a seek ends on one).
 */
export async function wander(page: Page, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (let i = 0; Date.now() < until; i++) {
    await page.mouse.move(8 + (i % 5) * 6, 150 + ((i * 37) % 300));
    await page.waitForTimeout(40);
  }
}

/** Records checkpoints of a live page while a script drives it. */
export function checkpointer(page: Page, opts: CheckpointOptions = {}) {
  const list: Checkpoint[] = [];
  return {
    list,
    /** Waits for the page to settle (`settleMs`), captures its state, then keeps still for a moment. */
    async take(label: string, settleMs = SETTLE_MS): Promise<void> {
      await wander(page, settleMs);
      const png = opts.screenshots ? await page.screenshot({ animations: 'disabled', caret: 'hide' }) : undefined;
      const { t, state } = (await page.evaluate(
        `(function () { var state = ${DOM_STATE_JS}(document.body); return { t: Date.now(), state: state }; })()`,
      )) as { t: number; state: string[] };
      list.push({ label, t, state, png });
      await wander(page, opts.quietMs ?? QUIET_MS);
    },
  };
}

/** Null when the states are equal, else where they first differ (for a readable failure). */
export function stateDifference(live: string[], replay: string[]): string | null {
  if (JSON.stringify(live) === JSON.stringify(replay)) return null;
  let i = live.findIndex((line, j) => replay[j] !== line);
  if (i < 0) i = live.length;
  return `line ${i}: live ${JSON.stringify(live[i])} ≠ replay ${JSON.stringify(replay[i])}`;
}

/** Sends what the recorder still holds before the page is left (pagehide's keepalive upload may lose a race with closing the browser context). */
export async function flushRecorder(page: Page): Promise<void> {
  await page.evaluate('window.Reprise && window.Reprise.flush()');
}
