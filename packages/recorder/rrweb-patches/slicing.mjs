// Change 2: full snapshots, time-sliced.
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
import { between, replaceAll, replaceOnce } from './anchors.mjs';

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
export function patchSlicing(src) {
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
  src = replaceOnce(
    src,
    PUBLIC_TAKE,
    'record.takeFullSnapshot = (isCheckout) => {\n  if (repriseSnapshotJob !== null) return;\n  if (!recording) {',
  );
  return replaceOnce(
    src,
    PUBLIC_TAKE_CALL,
    '  if (repriseTakeSnapshot !== null) return repriseTakeSnapshot(isCheckout);\n  takeFullSnapshot(isCheckout);\n};',
  );
}
