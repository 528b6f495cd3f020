// An esbuild plugin that applies Reprise's changes to the pinned @rrweb/record (2.1.6) while
// bundling. Nothing in node_modules is modified, and the build fails if rrweb's code no longer
// has the exact text a change hooks into (after an rrweb upgrade, review the changes again).
// One module per change in rrweb-patches/: mask-memo.mjs (a memo for the masking check during a
// mutation emit), slicing.mjs (full snapshots time-sliced), canvas.mjs (which canvases are recorded),
// bursts.mjs (a mutation burst past the limit becomes a fresh full snapshot), block-memo.mjs (a memo
// for the block check while one observer callback is processed), fast-nodes.mjs (serialized nodes
// keep V8's fast object shape, so JSON.stringify takes its fast path), lazy-canvas.mjs (the
// script-tag build: canvas recording cut out into a lazy chunk), trim.mjs (code paths our fixed rrweb
// options never run, left out), style-urls.mjs (an inline style without url() is not resolved against
// the document), accessors.mjs (each of rrweb's DOM accessors keeps its own getter).
import { readFile } from 'node:fs/promises';
import { patchAccessors } from './rrweb-patches/accessors.mjs';
import { patchBlockMemo } from './rrweb-patches/block-memo.mjs';
import { patchBursts } from './rrweb-patches/bursts.mjs';
import { patchCanvas } from './rrweb-patches/canvas.mjs';
import { patchFastNodes } from './rrweb-patches/fast-nodes.mjs';
import { patchMaskMemo } from './rrweb-patches/mask-memo.mjs';
import { patchSlicing } from './rrweb-patches/slicing.mjs';
import { patchStyleUrls } from './rrweb-patches/style-urls.mjs';
import { patchTrim } from './rrweb-patches/trim.mjs';
import { canvasChunkSource, cutCanvas } from './rrweb-patches/lazy-canvas.mjs';

const RECORD_JS = /[\\/]@rrweb[\\/]record[\\/]dist[\\/]record\.js$/;

/** Patched @rrweb/record source, exported for the test that checks the patches still apply. */
export function patchRecordSource(src) {
  return patchTrim(
    patchCanvas(patchSlicing(patchMaskMemo(patchBlockMemo(patchBursts(patchFastNodes(patchStyleUrls(patchAccessors(src)))))))),
  );
}

/** The module of the lazy canvas chunk (lazy-canvas.mjs), cut from the patched record.js at `recordJs`. */
export async function canvasChunk(recordJs) {
  return canvasChunkSource(patchRecordSource(await readFile(recordJs, 'utf8')));
}

/**
 * The esbuild plugin; fails the build when a bundle that uses @rrweb/record did not get the patch.
 * With `lazyCanvas` (the path of src/lazy-chunk.ts), rrweb's canvas code is left to the canvas chunk.
 */
export function rrwebPatches({ lazyCanvas } = {}) {
  return {
    name: 'reprise-rrweb-patches',
    setup(build) {
      let patched = false;
      build.onLoad({ filter: RECORD_JS }, async (args) => {
        patched = true;
        const src = patchRecordSource(await readFile(args.path, 'utf8'));
        return { contents: lazyCanvas ? cutCanvas(src, lazyCanvas) : src, loader: 'js' };
      });
      build.onEnd((result) => {
        const usesRrweb = Object.keys(result.metafile?.inputs ?? {}).some((f) => f.includes('@rrweb/record'));
        if (usesRrweb && !patched) throw new Error('rrweb-patches: @rrweb/record was bundled without the patch');
      });
    },
  };
}
