/**
 * How the on-page UI (support-link badge, feedback widget) is had: bundled in here (npm build);
 * the script-tag build swaps in ui-loader-lazy.ts, which imports it as a chunk when first shown.
 */
import { showBadge } from './badge.js';
import { showFeedback } from './feedback.js';

export interface Ui {
  showBadge: typeof showBadge;
  showFeedback: typeof showFeedback;
}

const ui: Ui = { showBadge, showFeedback };

/** Never rejects; null when the UI can't be had (the recorder then records without it). */
export function loadUi(): Promise<Ui | null> {
  return Promise.resolve(ui);
}
