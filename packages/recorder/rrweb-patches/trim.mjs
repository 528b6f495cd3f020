// Change 7: rrweb code a Reprise recorder never runs, left out of the bundle.
// The recorder passes rrweb its own fixed options (src/dom/rrweb-adapter.ts): never `hooks`,
// `collectFonts` or `inlineImages`, and it never reads rrweb's deprecated `mirror` export (the
// recorder uses record.mirror); it records the page's DOM, never rrdom's virtual nodes. Those code paths are replaced by what they reduce to under
// these options, so the first load does not carry them. Behaviour is unchanged.
import { between, replaceOnce } from './anchors.mjs';

export function patchTrim(src) {
  // `hooks` is never passed: mergeHooks only wraps callbacks for the hooks it is given.
  let out = replaceOnce(
    src,
    between(src, 'function mergeHooks(o, hooks) {', 'function initObservers(o, hooks = {}) {'),
    'function mergeHooks() {\n}\n',
  );
  // collectFonts is false: the FontFace observer never starts.
  out = replaceOnce(
    out,
    between(out, 'function initFontObserver({ fontCb, doc }) {', 'function initSelectionObserver(param) {'),
    'function initFontObserver() {\n  return () => {\n  };\n}\n',
  );
  // inlineImages is false: images are never drawn into a data URL.
  out = replaceOnce(out, between(out, '  if (tagName === "img" && inlineImages) {', '  if (["audio", "video"].includes(tagName)) {'), '');
  // The deprecated module-level mirror (a Proxy that logs on access) is never read.
  out = replaceOnce(out, between(out, 'const DEPARTED_MIRROR_ACCESS_WARNING =', 'function throttle(func, wait, options = {}) {'), '');
  // Recording walks the real DOM: a node is never one of rrdom's (replayer-side) virtual nodes,
  // so the check for one, and with it rrdom's node class, go.
  out = replaceOnce(out, '  if (n instanceof BaseRRNode && "shadowRoot" in n) {\n    return Boolean(n.shadowRoot);\n  }\n', '');
  return out;
}
