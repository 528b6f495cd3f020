// Change 1: a memo for rrweb's "is this text masked?" check during one mutation emit.
// For every node added by a mutation, rrweb asks `el.closest('.rr-mask')` and then
// `el.closest(maskTextSelector)`: two walks to the root per added node, O(depth²) for a nested
// subtree (1000 nested elements: ~10⁶ selector matches, most of a recording's cost there). While
// one emit runs the DOM does not change, so "el or an ancestor is masked" is remembered per
// element and each element is matched once. Same answer as rrweb's check; rrweb's own path
// is kept for everything else (a RegExp mask class, characterData mutations, snapshots).
import { replaceOnce } from './anchors.mjs';

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

/** The memo around rrweb's mutation emit, and the masking check that reads it. */
export function patchMaskMemo(src) {
  return replaceOnce(replaceOnce(src, MASK_FN, MASK_PATCH), EMIT, EMIT_PATCH);
}
