// Change 3: which canvases are recorded.
// rrweb records every canvas of the document (not blocked) once recordCanvas is on: in each full
// snapshot (a data URL made on the main thread) and at each sampled frame. The recorder passes
// `repriseCanvasFilter(canvas)`: canvases it refuses (hidden, zero-size, scrolled out of view,
// or not marked when only marked canvases are recorded) cost nothing. Without the option,
// rrweb's behaviour is unchanged.
import { between, replaceAll, replaceOnce } from './anchors.mjs';

const CANVAS_SNAPSHOT = 'if (tagName === "canvas" && recordCanvas) {';
const CANVAS_FRAME = 'if (!isBlocked(canvas, blockClass, blockSelector, true)) {';
const RECORD_FN = 'function record(options = {}) {';
// rrweb's sampler asks for an animation frame on every frame to see whether a sample is due: a
// page that is otherwise still is then rendered at the display's rate for as long as it records
// (about 1.3 s of main-thread time per minute at any canvasFps, bench `canvas`). The patched
// sampler waits for the next sample with a timer and takes it in the animation frame after.
const SAMPLE_GATE = `      if (lastSnapshotTime && timestamp - lastSnapshotTime < timeBetweenSnapshots) {
        rafId = requestAnimationFrame(takeCanvasSnapshots);
        return;
      }
`;
const SAMPLE_NEXT = `      rafId = requestAnimationFrame(takeCanvasSnapshots);
    };
    rafId = requestAnimationFrame(takeCanvasSnapshots);`;
const SAMPLE_STOP = '      cancelAnimationFrame(rafId);\n';

export function patchCanvas(src) {
  const start = 'const takeCanvasSnapshots = (timestamp) => {';
  const sampler = between(src, start, 'initCanvasMutationObserver(win, blockClass, blockSelector) {');
  let patched = replaceAll(sampler, SAMPLE_GATE, '', 1);
  patched = replaceAll(
    patched,
    SAMPLE_NEXT,
    `      repriseSampleTimer = setTimeout(() => {
        rafId = requestAnimationFrame(takeCanvasSnapshots);
      }, timeBetweenSnapshots);
    };
    let repriseSampleTimer;
    rafId = requestAnimationFrame(takeCanvasSnapshots);`,
    1,
  );
  patched = replaceAll(patched, SAMPLE_STOP, `${SAMPLE_STOP}      clearTimeout(repriseSampleTimer);\n`, 1);
  src = src.replace(sampler, () => patched);
  src = replaceOnce(
    src,
    CANVAS_SNAPSHOT,
    'if (tagName === "canvas" && recordCanvas && (repriseCanvasFilter === null || repriseCanvasFilter(n))) {',
  );
  src = replaceOnce(
    src,
    CANVAS_FRAME,
    'if (!isBlocked(canvas, blockClass, blockSelector, true) && (repriseCanvasFilter === null || repriseCanvasFilter(canvas))) {',
  );
  return replaceOnce(
    src,
    RECORD_FN,
    `let repriseCanvasFilter = null;\n${RECORD_FN}\n  repriseCanvasFilter = typeof options.repriseCanvasFilter === "function" ? options.repriseCanvasFilter : null;`,
  );
}
