// Change 5: a memo for rrweb's "is this node blocked?" check while it processes one
// MutationObserver callback. rrweb asks it for the target of every childList record, with its
// ancestors (`el.closest(blockClass)`, `el.matches(blockSelector)`, `el.closest(blockSelector)`),
// and again for each removed node's target: 10,000 elements appended to one container are
// 10,000 walks to the root for the same answer. Reprise always has a block selector, so each
// walk costs it a selector match more than plain rrweb's class check. While one callback runs
// the DOM does not change, so the answer is remembered per node (and per checkAncestors) for
// its duration. Same answer as rrweb's check; everywhere else (snapshots, observers) rrweb's
// own path runs as before.
import { replaceOnce } from './anchors.mjs';

const BLOCK_FN = 'function isBlocked(node, blockClass, blockSelector, checkAncestors) {';
const BLOCK_PATCH = `let repriseBlockMemo = null;
function isBlocked(node, blockClass, blockSelector, checkAncestors) {
  if (repriseBlockMemo === null || !node) return isBlocked$rrweb(node, blockClass, blockSelector, checkAncestors);
  let known = repriseBlockMemo.get(node);
  if (known === undefined) {
    known = [undefined, undefined];
    repriseBlockMemo.set(node, known);
  }
  const i = checkAncestors ? 1 : 0;
  if (known[i] === undefined) known[i] = isBlocked$rrweb(node, blockClass, blockSelector, checkAncestors);
  return known[i];
}
function isBlocked$rrweb(node, blockClass, blockSelector, checkAncestors) {`;

const PROCESS = `    __publicField(this, "processMutations", (mutations) => {
      mutations.forEach(this.processMutation);
      this.emit();
    });`;
const PROCESS_PATCH = `    __publicField(this, "processMutations", (mutations) => {
      const outer = repriseBlockMemo;
      repriseBlockMemo = new Map();
      try {
        mutations.forEach(this.processMutation);
        this.emit();
      } finally {
        repriseBlockMemo = outer;
      }
    });`;

/** The memo around rrweb's processing of one observer callback, and the block check that reads it. */
export function patchBlockMemo(src) {
  return replaceOnce(replaceOnce(src, BLOCK_FN, BLOCK_PATCH), PROCESS, PROCESS_PATCH);
}
