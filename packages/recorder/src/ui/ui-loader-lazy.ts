/** The script-tag build's ui-loader.ts (build.mjs): the UI is the lazy chunk `ui`, imported when first shown. */
import { importChunk } from '../lazy-chunk.js';
import type { Ui } from './ui-loader.js';

export function loadUi(): Promise<Ui | null> {
  return importChunk<{ ui?: Ui }>('ui').then((m) => m?.ui ?? null);
}
