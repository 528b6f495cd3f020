// Change 9: rrweb's DOM accessors each keep their own getter.
// rrweb reads childNodes, parentNode, textContent, … through the prototypes' native getters (from
// a fresh iframe when the page replaced one), never through the node, so a page's patched
// accessors can't change what is recorded. Every read goes through one shared function,
// getUntaintedAccessor(key, node, name): two keyed lookups in its cache, then `getter.call(node)`.
// Shared by every accessor, V8 sees megamorphic lookups and calls there and optimizes none of
// them; in a CPU profile of the recorder benchmark's "10k added, then moved" window it took
// about 50 ms of its own time, besides the getters it calls. contains() and getRootNode() built a
// bound function and a cache key string on every call. Here each accessor and method looks its
// getter up once, the same way, and calls it directly. Same getter, same fallback to the node's
// own property when the prototype has none, so the same values are recorded.
import { between, replaceOnce } from './anchors.mjs';

const ACCESSORS = [
  ['ownerDocument', 'Node'],
  ['childNodes', 'Node'],
  ['parentNode', 'Node'],
  ['parentElement', 'Node'],
  ['textContent', 'Node'],
  ['firstChild', 'Node'],
  ['lastChild', 'Node'],
  ['nextSibling', 'Node'],
  ['previousSibling', 'Node'],
];
const METHODS = [
  ['contains', 'Node', 'other'],
  ['getRootNode', 'Node', ''],
];

/** Looks a getter (or method) up as getUntaintedAccessor (getUntaintedMethod) does; null when there is none. */
const LOOKUP = `function repriseUntaintedGetter(key, name) {
  const desc = Object.getOwnPropertyDescriptor(getUntaintedPrototype(key), name);
  return (desc == null ? void 0 : desc.get) || null;
}
function repriseUntaintedMethod(key, name) {
  const m = getUntaintedPrototype(key)[name];
  return typeof m === "function" ? m : null;
}
`;

function accessor([name, key]) {
  // A function of its own per accessor, so V8 keeps separate (monomorphic) feedback for each.
  // Looked up again while there is none, as rrweb does.
  return `let repriseGetter$${name};
function ${name}(n) {
  const get = repriseGetter$${name} ??= repriseUntaintedGetter("${key}", "${name}");
  return get ? get.call(n) : n.${name};
}
`;
}

function method([name, key, arg]) {
  return `let repriseMethod$${name};
function ${name}(n${arg ? `, ${arg}` : ''}) {
  const m = repriseMethod$${name} ??= repriseUntaintedMethod("${key}", "${name}");
  return m ? m.call(n${arg ? `, ${arg}` : ''}) : n.${name}(${arg});
}
`;
}

export function patchAccessors(src) {
  const block = between(src, 'function ownerDocument(n) {', 'function host(n) {');
  // The block is exactly these accessors and methods, each a one-line call of rrweb's helpers.
  const names = [...block.matchAll(/^function (\w+)\(/gm)].map((m) => m[1]);
  const expected = [...ACCESSORS, ...METHODS].map(([n]) => n);
  if (names.join(',') !== expected.join(',')) {
    throw new Error(`rrweb-patches: rrweb's DOM accessors changed (${names.join(', ')}); is rrweb still 2.1.6?`);
  }
  return replaceOnce(src, block, LOOKUP + ACCESSORS.map(accessor).join('') + METHODS.map(method).join(''));
}
