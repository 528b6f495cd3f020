// Change 4 (script-tag build only): canvas recording as a lazy chunk.
// rrweb's canvas code (2D/WebGL command capture, the FPS sampler and its image Worker, ~13% of
// record.js) only runs with recordCanvas, which is off by default. The script-tag build cuts it
// out of record.js into the chunk `canvas` (src/lazy-chunk.ts), and puts in its place a
// CanvasManager with the same methods that imports the chunk when recordCanvas is on and hands
// the calls over once it is there (canvas commands and frames are recorded from then on; the
// full snapshot's canvas images are rrweb-snapshot's, still in record.js). rrweb's getContext
// hook stays in record.js and starts at once, so contexts created before the chunk arrives are
// known and WebGL ones keep their drawing buffer. If the chunk can't be had, canvases keep
// their snapshot image only.
import { between, replaceOnce } from './anchors.mjs';

const START = '\nvar chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";';
const END = 'class StylesheetManager {';
/** What the cut-out code uses of the rest of record.js. */
const INTERNALS = ['__publicField', 'CanvasContext', 'patch', 'hookSetter', 'isBlocked', 'index', 'on'];
// Set by the canvas patch (canvas.mjs) when record() starts; read when a sampled frame is taken.
const FILTER = 'repriseCanvasFilter';

const STUB = `class CanvasManager {
  constructor(options) {
    this.real = null;
    this.frozen = false;
    this.locked = false;
    this.dead = false;
    if (!options.recordCanvas) return;
    // rrweb's getContext hook, at once: contexts the page creates before the chunk is there must
    // be known (and WebGL ones keep their drawing buffer for the frame sampler), as in rrweb.
    this.contextReset = initCanvasContextObserver(options.win, options.blockClass, options.blockSelector, typeof options.sampling === "number");
    repriseImportChunk("canvas").then((m) => {
      if (!m || this.dead) return;
      const Real = m.canvasManagerClass({ ${INTERNALS.join(', ')}, canvasFilter: () => ${FILTER} });
      const real = new Real(options);
      if (this.frozen) real.freeze();
      if (this.locked) real.lock();
      this.real = real;
    }).catch(() => {});
  }
  reset() { this.dead = true; if (this.real) this.real.reset(); if (this.contextReset) this.contextReset(); }
  freeze() { this.frozen = true; if (this.real) this.real.freeze(); }
  unfreeze() { this.frozen = false; if (this.real) this.real.unfreeze(); }
  lock() { this.locked = true; if (this.real) this.real.lock(); }
  unlock() { this.locked = false; if (this.real) this.real.unlock(); }
}
`;

/** record.js (already patched) without its canvas code but the getContext hook; `lazyChunkModule` is the path of src/lazy-chunk.ts. */
export function cutCanvas(src, lazyChunkModule) {
  const canvas = between(src, START, END);
  const contextHook = between(canvas, 'function getNormalizedContextName(', 'function patchGLPrototype(');
  return `import { importChunk as repriseImportChunk } from ${JSON.stringify(lazyChunkModule)};\n${replaceOnce(src, canvas, `\n${contextHook}${STUB}`)}`;
}

/** The canvas chunk's module: rrweb's canvas code, run once against the internals record.js hands it. */
export function canvasChunkSource(src) {
  const canvas = between(src, START, END)
    .split(`${FILTER}(`)
    .join('internals.canvasFilter()(')
    .split(`${FILTER} ===`)
    .join('internals.canvasFilter() ===');
  if (canvas.includes(FILTER)) throw new Error(`rrweb-patches: unexpected use of ${FILTER} in rrweb's canvas code`);
  return `let made = null;
export function canvasManagerClass(internals) {
  if (made) return made;
  const { ${INTERNALS.join(', ')} } = internals;
${canvas}
  return (made = CanvasManager);
}
`;
}
