/** Entry of the script-tag build's lazy chunk dist/browser/reprise-ui.<hash>.js (ui/ui-loader-lazy.ts). */
import { showBadge } from './ui/badge.js';
import { showFeedback } from './ui/feedback.js';
import type { Ui } from './ui/ui-loader.js';

export const ui: Ui = { showBadge, showFeedback };
