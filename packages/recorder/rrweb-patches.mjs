// An esbuild plugin that applies Reprise's one change to the pinned @rrweb/record (2.1.6) while
// bundling. Nothing in node_modules is modified, and the build fails if rrweb's code no longer
// has the exact text the change hooks into (after an rrweb upgrade, review the change again).
//
// The change: a memo for rrweb's "is this text masked?" check during one mutation emit.
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

/** Patched @rrweb/record source, exported for the test that checks the patch still applies. */
export function patchRecordSource(src) {
  return replaceOnce(replaceOnce(src, MASK_FN, MASK_PATCH), EMIT, EMIT_PATCH);
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
