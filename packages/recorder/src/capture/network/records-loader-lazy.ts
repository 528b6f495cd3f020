/** The script-tag build's records-loader.ts (build.mjs): the network records code is the lazy chunk `network`. */
import { importChunk } from '../../lazy-chunk.js';
import type { CreateRecords } from './records-loader.js';

let loaded: CreateRecords | null = null;

export function loadedRecords(): CreateRecords | null {
  return loaded;
}

export function loadRecords(): Promise<CreateRecords | null> {
  return importChunk<{ createRecords?: CreateRecords }>('network').then((m) => (loaded = m?.createRecords ?? null));
}
