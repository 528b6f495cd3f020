/**
 * How the network records code (records.ts: bodies, redaction, events) is had: bundled in here
 * (npm build, unit tests); the script-tag build swaps in records-loader-lazy.ts (build.mjs), which
 * imports it as the chunk `network` once network capture starts. The hooks that must run at once
 * (fetch.ts, xhr.ts, beacon.ts) stay in the first load and queue their calls until it is there.
 */
import { createRecords } from './records.js';

export type CreateRecords = typeof createRecords;

/** createRecords if it is loaded, else null. */
export function loadedRecords(): CreateRecords | null {
  return createRecords;
}

/** Loads it once; null if it can't be had (nothing is recorded of requests then). Never rejects. */
export function loadRecords(): Promise<CreateRecords | null> {
  return Promise.resolve(createRecords);
}
