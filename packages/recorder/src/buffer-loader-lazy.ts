/** The script-tag build's buffer-loader.ts (build.mjs): buffer mode is the lazy chunk `buffer`. */
import { importChunk } from './lazy-chunk.js';
import type { BufferModeClass } from './buffer-loader.js';

let loaded: BufferModeClass | null = null;

export function loadedBufferMode(): BufferModeClass | null {
  return loaded;
}

export function loadBufferMode(): Promise<BufferModeClass | null> {
  return importChunk<{ BufferMode?: BufferModeClass }>('buffer').then((m) => (loaded = m?.BufferMode ?? null));
}
