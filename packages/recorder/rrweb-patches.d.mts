import type { Plugin } from 'esbuild';

/** @rrweb/record's record.js with Reprise's masking memo; throws when rrweb's code has changed. */
export function patchRecordSource(src: string): string;
/** esbuild plugin applying patchRecordSource to @rrweb/record while bundling; with `lazyCanvas` (path of src/lazy-chunk.ts), canvas recording is cut out for the canvas chunk. */
export function rrwebPatches(options?: { lazyCanvas?: string }): Plugin;
/** The module of the script-tag build's lazy canvas chunk, from @rrweb/record's record.js at `recordJs`. */
export function canvasChunk(recordJs: string): Promise<string>;
