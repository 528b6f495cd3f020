import type { Plugin } from 'esbuild';

/** @rrweb/record's record.js with Reprise's masking memo; throws when rrweb's code has changed. */
export function patchRecordSource(src: string): string;
/** esbuild plugin applying patchRecordSource to @rrweb/record while bundling. */
export function rrwebPatches(): Plugin;
