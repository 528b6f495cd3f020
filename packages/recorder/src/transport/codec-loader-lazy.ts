/**
 * The script-tag build's codec-loader.ts (swapped in by build.mjs): the codec (fflate, the
 * static dictionary and the Worker's source) is the lazy chunk `codec` (lazy-chunk.ts), imported
 * once recording has started. Until it is there, batches wait (normal sends) or leave as plain
 * JSON (pagehide: a send then cannot wait for a fetch). If it can't be had, batches go as gzip
 * via CompressionStream, or plain JSON: recording never depends on it.
 */
import { importChunk } from '../lazy-chunk.js';
import type { Codec } from './codec.js';

let loaded: Codec | null = null;

export function loadedCodec(): Codec | null {
  return loaded;
}

export function loadCodec(): Promise<Codec | null> {
  return importChunk<{ codec?: Codec }>('codec').then((m) => (loaded = m?.codec ?? null));
}
