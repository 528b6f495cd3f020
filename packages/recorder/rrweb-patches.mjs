// An esbuild plugin that applies Reprise's two changes to the pinned @rrweb/record (2.1.6) while
// bundling. Nothing in node_modules is modified, and the build fails if rrweb's code no longer
// has the exact text a change hooks into (after an rrweb upgrade, review the changes again).
//
// Change 1: a memo for rrweb's "is this text masked?" check during one mutation emit.
// For every node added by a mutation, rrweb asks `el.closest('.rr-mask')` and then
// `el.closest(maskTextSelector)`: two walks to the root per added node, O(depth²) for a nested
// subtree (1000 nested elements: ~10⁶ selector matches, most of a recording's cost there). While
// one emit runs the DOM does not change, so "el or an ancestor is masked" is remembered per
// element and each element is matched once. Same answer as rrweb's check; rrweb's own path
// is kept for everything else (a RegExp mask class, characterData mutations, snapshots).
import { readFile } from 'node:fs/promises';

const RECORD_JS = /[\\/]@rrweb[\\/]record[\\/]dist[\\/]record\.js$/;

const MASK_FN = 'function needMaskingText(node, maskTextClass, maskTextSelector, checkAncestors) {';
const MASK_PATCH = `let repriseMaskMemo = null;
function repriseMaskedFrom(el, maskTextClass, maskTextSelector) {
  const path = [];
  let masked = false;
  for (let cur = el; cur; cur = index.parentElement(cur)) {
    const known = repriseMaskMemo.get(cur);
    if (known !== undefined) { masked = known; break; }
    path.push(cur);
    if (cur.classList.contains(maskTextClass) || (maskTextSelector && cur.matches(maskTextSelector))) { masked = true; break; }
  }
  // Everything walked is masked iff the first match (or memo hit) says so.
  for (const p of path) repriseMaskMemo.set(p, masked);
  return masked;
}
function needMaskingText(node, maskTextClass, maskTextSelector, checkAncestors) {
  if (repriseMaskMemo === null || !checkAncestors || typeof maskTextClass !== "string") {
    return needMaskingText$rrweb(node, maskTextClass, maskTextSelector, checkAncestors);
  }
  let el;
  if (isElement(node)) {
    el = node;
    if (!index.childNodes(el).length) return false;
  } else if (index.parentElement(node) === null) {
    return false;
  } else {
    el = index.parentElement(node);
  }
  try {
    return repriseMaskedFrom(el, maskTextClass, maskTextSelector);
  } catch (e) {
    // An invalid selector: rrweb's own check answers (and swallows it) as before.
    return needMaskingText$rrweb(node, maskTextClass, maskTextSelector, checkAncestors);
  }
}
function needMaskingText$rrweb(node, maskTextClass, maskTextSelector, checkAncestors) {`;

const EMIT = '__publicField(this, "emit", () => {';
const EMIT_PATCH = `__publicField(this, "emit", () => {
      const outer = repriseMaskMemo;
      repriseMaskMemo = new Map();
      try {
        return this.emit$rrweb();
      } finally {
        repriseMaskMemo = outer;
      }
    });
    __publicField(this, "emit$rrweb", () => {`;

function replaceOnce(src, anchor, replacement) {
  const at = src.indexOf(anchor);
  if (at < 0 || src.indexOf(anchor, at + 1) >= 0) {
    throw new Error(`rrweb-patches: expected exactly one "${anchor}" in @rrweb/record's record.js (is rrweb still 2.1.6?)`);
  }
  return src.slice(0, at) + replacement + src.slice(at + anchor.length);
}

// ---- Change 2: full snapshots, time-sliced ----
// rrweb serializes a full snapshot in one task (a 50k-node page: ~300-400 ms): the initial
// one, each checkout, each asked for. The patched build serializes them with generator copies
// of rrweb's own serializer that yield when a slice's budget is spent, and continues in the
// next task. Correctness comes first: while it
// runs, a MutationObserver and capture listeners watch the page, and script-set input state
// and CSSOM edits (no mutation, no event) are watched by hooking the setters and methods
// rrweb's observers hook, for the duration. If anything already serialized changes (other than
// the recorder's own UI), the partial result is dropped and rrweb's synchronous snapshot is
// taken instead; a change to a node not serialized yet needs no retake (it is read when the
// snapshot gets there). rrweb's observers start when the initial snapshot is complete, as
// before; during a checkout they run with the mutation buffers locked, as in rrweb's own, so
// changes follow the snapshot as mutations. Meta is emitted right before the snapshot.
// Enabled only when record() gets `repriseSlicing` (plain rrweb's behaviour otherwise).

const SERIALIZE_FN = 'function serializeNodeWithId(n, options) {';
const SNAPSHOT_FN = 'function snapshot(n, options) {';
const AFTER_SNAPSHOT_FN = 'class BaseRRNode {';
const CHILD_CALL = 'const serializedChildNode = serializeNodeWithId(childN, bypassOptions);';
const SNAPSHOT_CALL = 'return serializeNodeWithId(n, {';
const TAKE_FULL = '  takeFullSnapshot = (isCheckout = false) => {';
const AFTER_TAKE_FULL = '  };\n  try {\n    const handlers = [];';
const META_EMIT = `    wrappedEmit(
      {
        type: EventType.Meta,
        data: {
          href: window.location.href,
          width: getWindowWidth(),
          height: getWindowHeight()
        }
      },
      isCheckout
    );
`;
const FULL_EMIT = '    wrappedEmit(\n      {\n        type: EventType.FullSnapshot,';
const TAKE_CALL = 'const node = snapshot(document, {';
const INIT = `    const init = () => {
      takeFullSnapshot();
      handlers.push(observe(document));
      recording = true;
    };`;
const WRAPPED_EMIT = '  wrappedEmit = (r, isCheckout) => {\n    var _a2;\n    const e = r;';
const CHECKOUT = '      if (exceedCount || exceedTime) {\n        takeFullSnapshot(true);\n      }';
const PUBLIC_TAKE = 'record.takeFullSnapshot = (isCheckout) => {\n  if (!recording) {';
const PUBLIC_TAKE_CALL = '  takeFullSnapshot(isCheckout);\n};';

/** The text between two anchors of `src` (start included, end excluded); each anchor must be unique. */
function between(src, start, end) {
  const at = src.indexOf(start);
  const stop = src.indexOf(end, at);
  if (at < 0 || stop < 0 || src.indexOf(start, at + 1) >= 0) {
    throw new Error(`rrweb-patches: expected one "${start}" followed by "${end}" in @rrweb/record's record.js (is rrweb still 2.1.6?)`);
  }
  return src.slice(at, stop);
}

function replaceAll(src, anchor, replacement, count) {
  const parts = src.split(anchor);
  if (parts.length - 1 !== count) throw new Error(`rrweb-patches: expected ${count} × "${anchor}" in @rrweb/record's record.js (is rrweb still 2.1.6?)`);
  return parts.join(replacement);
}

const SLICE_STATE = `
// Reprise: the sliced snapshot in progress (record.takeFullSnapshot waits for it), and the
// current slice's deadline (checked every 16 nodes with element children: performance.now()
// at every node would cost more).
let repriseSnapshotJob = null;
// record.takeFullSnapshot's way in, set by record(): sliced when the recorder asked for it.
let repriseTakeSnapshot = null;
let repriseSliceDeadline = Infinity;
let repriseSliceCount = 0;
// Records of one task that only add nodes and remove them again (rrweb itself does this: a
// hidden iframe for untainted prototypes, on first use) leave the DOM as it was.
function repriseNetZero(records) {
  const added = new Set();
  for (const r of records) {
    if (r.type !== "childList") return false;
    for (const n of r.removedNodes) if (!added.delete(n)) return false;
    for (const n of r.addedNodes) added.add(n);
  }
  return added.size === 0;
}
// Changes neither a mutation nor an event reports: stylesheet rules edited through the CSSOM,
// adopted stylesheets, and input state set from script. Hooked while a snapshot is sliced
// (rrweb's own observers hook the same once they start); a change to something not yet
// serialized is read when the snapshot reaches it.
function repriseWatchCalls(job) {
  const undo = [];
  const serialized = (node) => { if (!node || mirror.hasNode(node)) job.changed = true; };
  const sheet = (s) => serialized(s ? s.ownerNode : null);
  const guard = (check) => function (self) {
    try { check(self); } catch (e) { job.changed = true; }
  };
  const method = (proto, name, check) => {
    const orig = proto && proto[name];
    if (typeof orig !== "function") return;
    const wrapped = function (...args) {
      check(this);
      return orig.apply(this, args);
    };
    proto[name] = wrapped;
    undo.push(() => { if (proto[name] === wrapped) proto[name] = orig; });
  };
  const setter = (proto, key, check) => {
    const d = proto && Object.getOwnPropertyDescriptor(proto, key);
    if (!d || !d.set || !d.configurable) return;
    const set = function (v) {
      check(this);
      d.set.call(this, v);
    };
    Object.defineProperty(proto, key, { get: d.get, set, enumerable: d.enumerable, configurable: true });
    undo.push(() => {
      const cur = Object.getOwnPropertyDescriptor(proto, key);
      if (cur && cur.set === set) Object.defineProperty(proto, key, d);
    });
  };
  const w = window;
  const onSheet = guard((self) => sheet(self));
  const onRule = guard((self) => sheet(self.parentStyleSheet));
  // Inline styles are attribute mutations; a rule's style belongs to its sheet.
  const onDecl = guard((self) => { if (self.parentRule) sheet(self.parentRule.parentStyleSheet); });
  const onNode = guard((self) => serialized(self));
  const always = () => { job.changed = true; };
  try {
    for (const name of ["insertRule", "deleteRule", "addRule", "removeRule", "replace", "replaceSync"]) method(w.CSSStyleSheet && w.CSSStyleSheet.prototype, name, onSheet);
    for (const name of ["insertRule", "deleteRule"]) method(w.CSSGroupingRule && w.CSSGroupingRule.prototype, name, onRule);
    for (const name of ["setProperty", "removeProperty"]) method(w.CSSStyleDeclaration && w.CSSStyleDeclaration.prototype, name, onDecl);
    setter(w.Document && w.Document.prototype, "adoptedStyleSheets", always);
    setter(w.ShadowRoot && w.ShadowRoot.prototype, "adoptedStyleSheets", always);
    for (const key of ["value", "checked"]) setter(w.HTMLInputElement && w.HTMLInputElement.prototype, key, onNode);
    setter(w.HTMLTextAreaElement && w.HTMLTextAreaElement.prototype, "value", onNode);
    for (const key of ["value", "selectedIndex"]) setter(w.HTMLSelectElement && w.HTMLSelectElement.prototype, key, onNode);
    setter(w.HTMLOptionElement && w.HTMLOptionElement.prototype, "selected", onNode);
  } catch (e) {
    // A locked-down prototype: what could not be watched makes the slices unsafe.
    job.changed = true;
  }
  return () => {
    for (const u of undo.splice(0)) {
      try { u(); } catch (e) {}
    }
  };
}
function repriseSliceDue() {
  return (++repriseSliceCount & 15) === 0 && performance.now() >= repriseSliceDeadline;
}
`;

const SLICE_DRIVER = `
  const repriseSlicing = options.repriseSlicing || null;
  // Same body as takeFullSnapshot, as a generator: Meta moved next to the snapshot it describes.
  const repriseFullSnapshot$sliced = function* (isCheckout = false) {
__TAKE_BODY__
  };
  // One full snapshot in slices; \`start\` runs once it is emitted (the initial one starts the observers).
  const repriseSnapshotSliced = (isCheckout, start) => {
    const cfg = repriseSlicing;
    const doc = document;
    const job = { changed: false, cancelled: false, tasks: 0, cancel: null };
    const it = repriseFullSnapshot$sliced(isCheckout);
    // Only what was serialized already can be stale: a node not in the mirror yet is read
    // as it is when the snapshot reaches it (its children too: the list is read then).
    const watch = new MutationObserver((records) => {
      const page = records.filter((r) => !(cfg.isOwnMutation && cfg.isOwnMutation(r)) && mirror.hasNode(r.target));
      if (page.length > 0 && !repriseNetZero(page)) job.changed = true;
    });
    // State rrweb reads but no mutation reports: values, element scroll offsets, media state.
    const EVENTS = ["input", "change", "scroll", "play", "pause", "seeked", "volumechange", "ratechange"];
    const onEvent = (e) => { if (e.target !== doc && mirror.hasNode(e.target)) job.changed = true; };
    const unwatchCalls = repriseWatchCalls(job);
    let timer = null;
    const cleanup = () => {
      watch.disconnect();
      unwatchCalls();
      for (const t of EVENTS) doc.removeEventListener(t, onEvent, true);
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (repriseSnapshotJob === job) repriseSnapshotJob = null;
    };
    const finish = (retaken) => {
      cleanup();
      start();
      try {
        if (cfg.onDone) cfg.onDone({ tasks: job.tasks, retaken, checkout: Boolean(isCheckout) });
      } catch (e) {}
    };
    const retake = () => {
      // What was serialized may be stale: rrweb's own synchronous snapshot, as if never sliced
      // (it locks and unlocks the mutation buffers itself).
      try { it.return(); } catch (e) {}
      cleanup();
      job.tasks++;
      takeFullSnapshot(isCheckout);
      finish(true);
    };
    const step = () => {
      timer = null;
      if (job.cancelled) return;
      if (job.changed) return retake();
      job.tasks++;
      repriseSliceDeadline = performance.now() + cfg.budgetMs;
      let r;
      try {
        r = it.next();
      } finally {
        repriseSliceDeadline = Infinity;
      }
      if (r.done) finish(false);
      else timer = setTimeout(later, 0);
    };
    // Later slices run from a timer: nothing may throw into the page from there.
    const later = () => {
      try {
        step();
      } catch (err) {
        cleanup();
        if (cfg.onError) cfg.onError(err);
        try {
          if (!job.cancelled) retake();
        } catch (err2) {
          if (cfg.onError) cfg.onError(err2);
        }
      }
    };
    job.cancel = () => {
      job.cancelled = true;
      cleanup();
      try { it.return(); } catch (e) {}
    };
    repriseSnapshotJob = job;
    watch.observe(doc, { childList: true, subtree: true, attributes: true, characterData: true });
    for (const t of EVENTS) doc.addEventListener(t, onEvent, true);
    try {
      step();
    } catch (err) {
      cleanup();
      throw err;
    }
  };
  // Checkouts (rrweb's timer and record.takeFullSnapshot) are sliced the same way; the one in
  // progress stands for any asked for meanwhile.
  const repriseCheckout = (isCheckout) => {
    if (repriseSnapshotJob !== null) return;
    if (!repriseSlicing) return takeFullSnapshot(isCheckout);
    repriseSnapshotSliced(isCheckout, () => {});
  };
  repriseTakeSnapshot = repriseCheckout;
`;

const INIT_PATCH = `    const init = () => {
      const start = () => {
        handlers.push(observe(document));
        recording = true;
      };
      if (!repriseSlicing) {
        takeFullSnapshot();
        return start();
      }
      // stop() ends a snapshot in progress (initial or checkout): no observers, nothing emitted.
      handlers.push(() => {
        if (repriseSnapshotJob !== null) repriseSnapshotJob.cancel();
      });
      repriseSnapshotSliced(false, start);
    };`;

/** Adds the generator copies of rrweb's serializer, and the sliced initial snapshot. */
function patchSlicing(src) {
  // Generator copies of serializeNodeWithId and snapshot; the originals stay as they are
  // (mutations, checkouts, iframes and stylesheets loading later use them).
  let serialize = between(src, SERIALIZE_FN, SNAPSHOT_FN);
  serialize = replaceAll(serialize, SERIALIZE_FN, 'function* serializeNodeWithId$sliced(n, options) {\n  if (repriseSliceDue()) yield;', 1);
  // Nodes without element children (text, empty elements, elements holding only text) go
  // through rrweb's own function: a generator per node costs more, and such a subtree is small.
  serialize = replaceAll(
    serialize,
    CHILD_CALL,
    'const serializedChildNode = !childN.firstElementChild ? serializeNodeWithId(childN, bypassOptions) : yield* serializeNodeWithId$sliced(childN, bypassOptions);',
    2,
  );
  let snap = between(src, SNAPSHOT_FN, AFTER_SNAPSHOT_FN);
  snap = replaceAll(snap, SNAPSHOT_FN, 'function* snapshot$sliced(n, options) {', 1);
  snap = replaceAll(snap, SNAPSHOT_CALL, 'return yield* serializeNodeWithId$sliced(n, {', 1);
  src = replaceOnce(src, AFTER_SNAPSHOT_FN, `${SLICE_STATE}${serialize}${snap}${AFTER_SNAPSHOT_FN}`);

  const take = between(src, TAKE_FULL, AFTER_TAKE_FULL);
  let body = take.slice(TAKE_FULL.length);
  body = replaceAll(body, META_EMIT, '', 1);
  body = replaceAll(body, FULL_EMIT, META_EMIT + FULL_EMIT, 1);
  body = replaceAll(body, TAKE_CALL, 'const node = yield* snapshot$sliced(document, {', 1);
  src = replaceOnce(src, AFTER_TAKE_FULL, `  };${SLICE_DRIVER.replace('__TAKE_BODY__', () => body)}  try {\n    const handlers = [];`);
  src = replaceOnce(src, INIT, INIT_PATCH);
  // A DOM mutation rrweb itself reports meanwhile (in a shadow root, an iframe attached) also
  // means the partial snapshot may be stale.
  src = replaceOnce(
    src,
    WRAPPED_EMIT,
    `${WRAPPED_EMIT}\n    if (repriseSnapshotJob !== null && e.type === EventType.IncrementalSnapshot && e.data.source === IncrementalSource.Mutation) repriseSnapshotJob.changed = true;`,
  );
  src = replaceOnce(src, CHECKOUT, '      if (exceedCount || exceedTime) {\n        repriseCheckout(true);\n      }');
  // record.takeFullSnapshot: a snapshot in progress (the initial one too) is the fresh one;
  // otherwise sliced, or not, as record() was set up.
  src = replaceOnce(src, PUBLIC_TAKE, 'record.takeFullSnapshot = (isCheckout) => {\n  if (repriseSnapshotJob !== null) return;\n  if (!recording) {');
  return replaceOnce(src, PUBLIC_TAKE_CALL, '  if (repriseTakeSnapshot !== null) return repriseTakeSnapshot(isCheckout);\n  takeFullSnapshot(isCheckout);\n};');
}

// ---- Change 3: which canvases are recorded ----
// rrweb records every canvas of the document (not blocked) once recordCanvas is on: in each full
// snapshot (a data URL made on the main thread) and at each sampled frame. The recorder passes
// `repriseCanvasFilter(canvas)`: canvases it refuses (hidden, zero-size, scrolled out of view,
// or not marked when only marked canvases are recorded) cost nothing. Without the option,
// rrweb's behaviour is unchanged.
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

function patchCanvas(src) {
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
  src = replaceOnce(src, CANVAS_SNAPSHOT, 'if (tagName === "canvas" && recordCanvas && (repriseCanvasFilter === null || repriseCanvasFilter(n))) {');
  src = replaceOnce(src, CANVAS_FRAME, 'if (!isBlocked(canvas, blockClass, blockSelector, true) && (repriseCanvasFilter === null || repriseCanvasFilter(canvas))) {');
  return replaceOnce(
    src,
    RECORD_FN,
    `let repriseCanvasFilter = null;\n${RECORD_FN}\n  repriseCanvasFilter = typeof options.repriseCanvasFilter === "function" ? options.repriseCanvasFilter : null;`,
  );
}

/** Patched @rrweb/record source, exported for the test that checks the patches still apply. */
export function patchRecordSource(src) {
  return patchCanvas(patchSlicing(replaceOnce(replaceOnce(src, MASK_FN, MASK_PATCH), EMIT, EMIT_PATCH)));
}

/** The esbuild plugin; fails the build when a bundle that uses @rrweb/record did not get the patch. */
export function rrwebPatches() {
  return {
    name: 'reprise-rrweb-patches',
    setup(build) {
      let patched = false;
      build.onLoad({ filter: RECORD_JS }, async (args) => {
        patched = true;
        return { contents: patchRecordSource(await readFile(args.path, 'utf8')), loader: 'js' };
      });
      build.onEnd((result) => {
        const usesRrweb = Object.keys(result.metafile?.inputs ?? {}).some((f) => f.includes('@rrweb/record'));
        if (usesRrweb && !patched) throw new Error('rrweb-patches: @rrweb/record was bundled without the patch');
      });
    },
  };
}
