/**
 * What a click or key event says about its target (clicks.ts, keys.ts): selector, visible text,
 * test id, never a value. In the script-tag build this is part of the lazy chunk `capture`
 * (late-loader.ts); describe-later.ts hands it the targets met before the chunk arrives.
 *
 * Privacy: text comes only from what rrweb would record as visible text (never from a masked
 * or blocked element, never an input / textarea / select value; submit-like button values
 * excepted). Cost per target is bounded: a few ancestors, a capped text walk.
 */
import type { ClickData } from '@reprise/protocol';
import { within } from './privacy.js';
/** Subtrees whose text never counts: form values, non-rendered content. */
const NO_TEXT_TAGS = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'textarea',
  'select',
  'option',
  'datalist',
  'iframe',
  'object',
  'embed',
  'head',
  'title',
]);
const BUTTON_INPUTS = new Set(['button', 'submit', 'reset']);
const LABELABLE = new Set(['input', 'select', 'textarea', 'button', 'meter', 'output', 'progress']);
const STATE_CLASS =
  /^(?:is-|has-)|^(?:active|hover|hovered|focus|focused|focus-visible|selected|open|opened|closed|disabled|checked|visited|show|shown|hidden|visible|collapsed|expanded|loading|pressed|current)$/i;

const MAX_TEXT = 100;
const MAX_SELECTOR = 300;
const MAX_DEPTH = 5;
const MAX_CLASSES = 2;
const MAX_TEST_ID = 200;
/** Elements + text nodes visited per text extraction. */
const TEXT_NODE_BUDGET = 200;

/** An id worth anchoring a selector to: not generated (React `:r1:`, `ember123`, uuids…). */
export function isStableId(id: string): boolean {
  if (id.length === 0 || id.length > 64 || /\s|:|«|»/.test(id)) return false;
  // Leading digits, 3+ digits in a row, or numbers in two places (react-select-3-input-12).
  if (/^\d/.test(id) || /\d{3,}/.test(id) || /\d\D+\d/.test(id)) return false;
  const digits = id.replace(/\D/g, '').length;
  if (digits / id.length > 0.25) return false;
  // Hex-looking runs mixing letters and digits (hashes, uuids).
  if (/[0-9a-f]{8,}/i.test(id) && /\d/.test(id)) return false;
  return true;
}

/** A class worth putting in a selector: plain words, not a CSS-in-JS hash, not a state. */
export function isStableClass(c: string): boolean {
  if (c.length === 0 || c.length > 40 || !/^[A-Za-z_-][\w-]*$/.test(c)) return false;
  if (/^(?:css|sc|jsx|emotion|svelte|ng-tns|styled)-/i.test(c)) return false;
  // CSS modules: Button_root__a8f3k / button--x7Yh2.
  if (/(?:__|--)[A-Za-z0-9]{5,}$/.test(c) && /\d/.test(c)) return false;
  if (/\d{3,}/.test(c)) return false;
  return !STATE_CLASS.test(c);
}

function esc(s: string): string {
  return typeof CSS !== 'undefined' && typeof CSS.escape === 'function' ? CSS.escape(s) : s.replace(/[^\w-]/g, (ch) => `\\${ch}`);
}

function attrSelector(name: string, value: string): string {
  // CSS escapes are valid inside strings too, so the escaped value can sit in quotes.
  return `[${name}="${esc(value)}"]`;
}

function testIdSelector(el: Element): string | null {
  const v = el.getAttribute('data-testid');
  if (!v || v.length > MAX_TEST_ID) return null;
  return attrSelector('data-testid', v);
}

function isUnique(sel: string, el: Element): boolean {
  try {
    const all = (el.ownerDocument || document).querySelectorAll(sel);
    return all.length === 1 && all[0] === el;
  } catch {
    return false;
  }
}

function idAnchor(el: Element): string | null {
  const id = el.id;
  if (!id || !isStableId(id)) return null;
  // A duplicated id is no anchor: getElementById returns the first one.
  return (el.ownerDocument || document).getElementById(id) === el ? `#${esc(id)}` : null;
}

function segment(el: Element): string {
  const tag = el.localName;
  let s = esc(tag);
  let classes = 0;
  const list = el.classList;
  for (let i = 0; i < list.length && i < 20 && classes < MAX_CLASSES; i++) {
    if (isStableClass(list[i])) {
      s += `.${esc(list[i])}`;
      classes++;
    }
  }
  // :nth-of-type only when a sibling shares the tag.
  let index = 1;
  for (let sib = el.previousElementSibling; sib; sib = sib.previousElementSibling) if (sib.localName === tag) index++;
  let same = index > 1;
  for (let sib = el.nextElementSibling; sib && !same; sib = sib.nextElementSibling) if (sib.localName === tag) same = true;
  if (same) s += `:nth-of-type(${index})`;
  return s;
}

/**
 * Stable CSS selector for `el`: `#id` when the id looks hand-written and is unique, else a
 * unique `[data-testid="…"]`, else `tag.class:nth-of-type(n)` segments joined by `>` up to
 * an ancestor with such an id / test id, the body, or 5 levels.
 */
export function selectorFor(el: Element): string {
  const own = idAnchor(el);
  if (own) return own;
  const tid = testIdSelector(el);
  if (tid && isUnique(tid, el)) return tid;
  const parts: string[] = [];
  let cur: Element | null = el;
  for (let depth = 0; cur && depth <= MAX_DEPTH; depth++) {
    if (depth > 0) {
      const t = testIdSelector(cur);
      const anchor = idAnchor(cur) ?? (t && isUnique(t, cur) ? t : null);
      if (anchor) {
        parts.unshift(anchor);
        break;
      }
    }
    if (cur.localName === 'body' || cur.localName === 'html') {
      parts.unshift(cur.localName);
      break;
    }
    if (depth === MAX_DEPTH) break;
    parts.unshift(segment(cur));
    cur = cur.parentElement;
  }
  while (parts.length > 1 && parts.join(' > ').length > MAX_SELECTOR) parts.shift();
  const sel = parts.join(' > ');
  return sel.length > MAX_SELECTOR ? esc(el.localName).slice(0, MAX_SELECTOR) : sel;
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function cut(s: string | null | undefined): string | undefined {
  if (!s) return undefined;
  const c = collapse(s).slice(0, MAX_TEXT).trim();
  return c || undefined;
}

/** Privacy selectors: what rrweb masks / blocks, and our own UI. */
export interface Rules {
  /** Text under these is masked by rrweb (maskTextSelector + rrweb's .rr-mask). */
  mask: string;
  /** Not recorded at all (blockSelector + .rr-block + our UI hosts). */
  block: string;
}

function matches(el: Element, sel: string): boolean {
  try {
    return el.matches(sel);
  } catch {
    return true; // a selector we can't evaluate: treat as private
  }
}

/**
 * Text like innerText, without forcing layout for huge subtrees: at most TEXT_NODE_BUDGET
 * nodes, skipping masked / blocked / hidden subtrees and form controls' contents.
 */
function visibleText(root: Element, rules: Rules): string | undefined {
  let out = '';
  let budget = TEXT_NODE_BUDGET;
  const view = root.ownerDocument?.defaultView;
  const walk = (node: Node, depth: number): void => {
    for (let child = node.firstChild; child && budget > 0 && out.length < MAX_TEXT * 2; child = child.nextSibling) {
      budget--;
      if (child.nodeType === 3) {
        out += child.nodeValue ?? '';
        continue;
      }
      if (child.nodeType !== 1 || depth > 30) continue;
      const el = child as Element;
      if (NO_TEXT_TAGS.has(el.localName) || matches(el, rules.mask) || matches(el, rules.block)) continue;
      if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true' || (el as HTMLElement).isContentEditable) continue;
      const style = view?.getComputedStyle(el);
      if (style && (style.display === 'none' || style.visibility === 'hidden' || style.visibility === 'collapse')) continue;
      if (el.localName === 'br') {
        out += ' ';
        continue;
      }
      const inline = !style || style.display === 'inline' || style.display === 'contents';
      if (!inline) out += ' ';
      walk(el, depth + 1);
      if (!inline) out += ' ';
    }
  };
  walk(root, 0);
  return cut(out);
}

/** Text of elements referenced by aria-labelledby (first three ids). */
function labelledByText(el: Element, rules: Rules): string | undefined {
  const ids = (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean).slice(0, 3);
  const doc = el.ownerDocument || document;
  const texts: string[] = [];
  for (const id of ids) {
    const ref = doc.getElementById(id);
    if (ref && !within(ref, rules.mask) && !within(ref, rules.block)) {
      const t = visibleText(ref, rules);
      if (t) texts.push(t);
    }
  }
  return cut(texts.join(' '));
}

function labelText(el: Element, rules: Rules): string | undefined {
  if (!LABELABLE.has(el.localName)) return undefined;
  const labels = (el as HTMLInputElement).labels;
  if (!labels) return undefined;
  for (let i = 0; i < labels.length && i < 3; i++) {
    const label = labels[i];
    if (within(label, rules.mask) || within(label, rules.block)) continue;
    const t = visibleText(label, rules);
    if (t) return t;
  }
  return undefined;
}

/** What the user saw on the target. Undefined for masked, blocked or editable targets. */
function clickText(el: Element, rules: Rules): string | undefined {
  if (within(el, rules.mask) || within(el, rules.block)) return undefined;
  const tag = el.localName;
  // The page itself (a click on empty space) has no caption; an editable region's text is user input.
  if (tag === 'html' || tag === 'body' || (el as HTMLElement).isContentEditable) return undefined;
  if (tag === 'input') {
    const input = el as HTMLInputElement;
    const type = (input.type || '').toLowerCase();
    // A button's value is its visible caption; any other input value is user data.
    if (BUTTON_INPUTS.has(type)) {
      const v = cut(input.value);
      if (v) return v;
    }
    if (type === 'image') {
      const alt = cut(el.getAttribute('alt'));
      if (alt) return alt;
    }
  } else if (!NO_TEXT_TAGS.has(tag)) {
    const t = visibleText(el, rules);
    if (t) return t;
  }
  return (
    cut(el.getAttribute('aria-label')) ??
    labelledByText(el, rules) ??
    cut(el.getAttribute('title')) ??
    cut(el.getAttribute('alt')) ??
    labelText(el, rules)
  );
}

/** Describes a click on `el` (see clickTarget) at viewport position x, y. */
export function describeClick(
  el: Element,
  interactive: boolean,
  x: number,
  y: number,
  rules: Rules,
  nodeId?: (n: Node) => number | undefined,
): ClickData {
  const data: ClickData = { selector: selectorFor(el), tag: el.localName, interactive, x: Math.round(x), y: Math.round(y) };
  const text = clickText(el, rules);
  if (text) data.text = text;
  const testId = el.closest('[data-testid]')?.getAttribute('data-testid');
  if (testId) data.testId = testId.slice(0, MAX_TEST_ID);
  if (el.localName === 'input') data.inputType = ((el as HTMLInputElement).type || 'text').toLowerCase();
  if ((el as HTMLElement).isContentEditable) data.editable = true;
  const id = nodeId?.(el);
  if (typeof id === 'number' && id > 0) data.nodeId = id;
  return data;
}
