/** Entry of the script-tag build's lazy chunk dist/browser/reprise-capture.<hash>.js (capture/late-loader-lazy.ts). */
import { describeClick } from './capture/click-describe.js';
import { startEnvCapture } from './capture/env.js';
import { keyRecorder } from './capture/key-press.js';
import { startPerfCapture } from './capture/perf.js';
import type { LateCapture } from './capture/late-loader.js';
import { reasonText } from './capture/reason-text.js';
import { serializeArgs } from './capture/serialize.js';

export const late: LateCapture = { startEnvCapture, startPerfCapture, describeClick, keyRecorder, serializeArgs, reasonText };
