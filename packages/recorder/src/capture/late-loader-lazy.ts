/** The script-tag build's late-loader.ts (build.mjs): env and vitals are the lazy chunk `capture`. */
import { importChunk } from '../lazy-chunk.js';
import type { LateCapture } from './late-loader.js';

let loaded: LateCapture | null = null;

export function loadedLateCapture(): LateCapture | null {
  return loaded;
}

export function loadLateCapture(): Promise<LateCapture | null> {
  return importChunk<{ late?: LateCapture }>('capture').then((m) => (loaded = m?.late ?? null));
}
