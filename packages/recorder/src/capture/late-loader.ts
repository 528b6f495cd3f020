/**
 * How the capture code that reports once or late (env, web vitals, the description of a click
 * target, which key presses are recorded, the serialization of console arguments and rejection
 * reasons: describe-later.ts) is had: bundled in here
 * (npm build, unit tests); the script-tag build swaps in late-loader-lazy.ts (build.mjs), which
 * imports them as the chunk `capture` once recording has started. Neither needs the first event:
 * env is read once (and again on a change), and vitals come from PerformanceObservers with
 * `buffered: true`, which hand over the entries of the page so far when they start; a click or
 * key before it arrives keeps its time and target and is decided and described when it does.
 */
import { describeClick } from './click-describe.js';
import { startEnvCapture } from './env.js';
import { keyRecorder } from './key-press.js';
import { startPerfCapture } from './perf.js';
import { reasonText } from './reason-text.js';
import { serializeArgs } from './serialize.js';

export interface LateCapture {
  startEnvCapture: typeof startEnvCapture;
  startPerfCapture: typeof startPerfCapture;
  describeClick: typeof describeClick;
  keyRecorder: typeof keyRecorder;
  serializeArgs: typeof serializeArgs;
  reasonText: typeof reasonText;
}

const late: LateCapture = { startEnvCapture, startPerfCapture, describeClick, keyRecorder, serializeArgs, reasonText };

/** The modules if they are loaded, else null. */
export function loadedLateCapture(): LateCapture | null {
  return late;
}

/** Loads them once; null if they can't be had (the other captures run without them). Never rejects. */
export function loadLateCapture(): Promise<LateCapture | null> {
  return Promise.resolve(late);
}
