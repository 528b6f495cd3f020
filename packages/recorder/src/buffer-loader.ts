/**
 * How buffer mode (buffer-mode.ts) is had: bundled in here (npm build, unit tests); the
 * script-tag build swaps in buffer-loader-lazy.ts (build.mjs), which imports it as the chunk
 * `buffer` when a recorder starts in buffer mode. Pages in the other modes never load it.
 */
import { BufferMode } from './buffer-mode.js';

export type BufferModeClass = typeof BufferMode;

/** The class if it is loaded, else null. */
export function loadedBufferMode(): BufferModeClass | null {
  return BufferMode;
}

/** Loads it once; null if it can't be had. Never rejects. */
export function loadBufferMode(): Promise<BufferModeClass | null> {
  return Promise.resolve(BufferMode);
}
