import type { Element, Node, Window } from 'happy-dom';

/** One element a user can act on, named the way reproduction steps name targets. */
export interface Interactive {
  role: string;
  name: string;
  /** data-testid, #id or a tag.class selector. */
  selector: string;
  /** Current value of a field as stored (masked values stay masked); null for buttons and links. */
  value: string | null;
  state: string[];
}

export interface PageText {
  title: string;
  /** Visible text, one line per block element. */
  lines: string[];
  interactive: Interactive[];
}

const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META', 'LINK', 'IFRAME', 'OBJECT', 'CANVAS']);
const INLINE = new Set([
  'A',
  'ABBR',
  'B',
  'BDI',
  'BDO',
  'CITE',
  'CODE',
  'DATA',
  'DFN',
  'EM',
  'I',
  'KBD',
  'LABEL',
  'MARK',
  'Q',
  'S',
  'SAMP',
  'SMALL',
  'SPAN',
  'STRONG',
  'SUB',
  'SUP',
  'TIME',
  'U',
  'VAR',
  'BUTTON',
  'IMG',
  'SVG',
]);
const ROLES: Record<string, string> = { A: 'link', BUTTON: 'button', SELECT: 'combobox', TEXTAREA: 'textbox', SUMMARY: 'button' };
const INTERACTIVE_ROLES = new Set([
  'button',
  'link',
  'checkbox',
  'radio',
  'tab',
  'menuitem',
  'switch',
  'option',
  'textbox',
  'combobox',
  'searchbox',
  'slider',
]);

/** The visible text and interactive elements of a rebuilt page (hidden by attribute, ARIA or CSS: left out). */
export function readPage(window: Window): PageText {
  const doc = window.document;
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    const t = line.replace(/\s+/g, ' ').trim();
    if (t) lines.push(t);
    line = '';
  };
  const interactive: Interactive[] = [];
  const walk = (node: Node): void => {
    if (node.nodeType === 3) {
      // As rendered: `is <strong>T-1</strong>.` reads "is T-1." (blocks flush, fields add their own spaces).
      line += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1) return;
    const el = node as Element;
    if (SKIP.has(el.tagName) || !visible(window, el)) return;
    const item = describe(el);
    if (item) interactive.push(item);
    const block = !INLINE.has(el.tagName);
    if (block) flush();
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT')
      line += ` [${item?.name || 'field'}${item?.value ? `: ${item.value}` : ''}]`;
    if (el.tagName === 'IMG' && el.getAttribute('alt')) line += ` ${el.getAttribute('alt')}`;
    for (const child of el.childNodes) walk(child);
    const root = (el as unknown as { shadowRoot: Node | null }).shadowRoot;
    if (root) for (const child of root.childNodes) walk(child);
    if (block) flush();
  };
  if (doc.body) walk(doc.body);
  flush();
  return { title: doc.title.trim(), lines, interactive };
}

function visible(window: Window, el: Element): boolean {
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return false;
  if (el.tagName === 'INPUT' && el.getAttribute('type')?.toLowerCase() === 'hidden') return false;
  const style = window.getComputedStyle(el);
  return style.display !== 'none' && style.visibility !== 'hidden';
}

function describe(el: Element): Interactive | null {
  const tag = el.tagName;
  const type = el.getAttribute('type')?.toLowerCase() ?? 'text';
  let role: string | null = el.getAttribute('role') ?? ROLES[tag] ?? null;
  if (tag === 'A' && !el.hasAttribute('href')) role = el.getAttribute('role') ?? null;
  if (tag === 'INPUT')
    role = ['button', 'submit', 'reset', 'image'].includes(type)
      ? 'button'
      : type === 'checkbox' || type === 'radio'
        ? type
        : type === 'range'
          ? 'slider'
          : 'textbox';
  // rrweb keeps recorded handlers inert as `_onclick`.
  if (!role && (el.hasAttribute('_onclick') || el.getAttribute('contenteditable') === 'true'))
    role = el.hasAttribute('_onclick') ? 'button' : 'textbox';
  if (!role || !INTERACTIVE_ROLES.has(role)) return null;
  const field = tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
  const state: string[] = [];
  if (el.hasAttribute('disabled') || el.getAttribute('aria-disabled') === 'true') state.push('disabled');
  if ((el as unknown as { checked?: boolean }).checked === true) state.push('checked');
  const value = field && role !== 'button' && role !== 'checkbox' && role !== 'radio' ? fieldValue(el) : null;
  return { role, name: accessibleName(el, field), selector: selectorOf(el), value, state };
}

function fieldValue(el: Element): string | null {
  const v = (el as unknown as { value?: unknown }).value;
  return typeof v === 'string' && v !== '' ? v.slice(0, 200) : null;
}

function accessibleName(el: Element, field: boolean): string {
  const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim().slice(0, 100);
  const label = clean(el.getAttribute('aria-label'));
  if (label) return label;
  const id = el.getAttribute('id');
  if (field && id) {
    const forLabel = el.ownerDocument.querySelector(`label[for="${id.replace(/["\\]/g, '\\$&')}"]`);
    if (forLabel) return clean(forLabel.textContent);
  }
  const wrapping = field ? el.closest('label') : null;
  if (wrapping) return clean(wrapping.textContent);
  if (!field) {
    const text = clean(el.textContent);
    if (text) return text;
  }
  if (el.tagName === 'INPUT' && ['button', 'submit', 'reset'].includes(el.getAttribute('type') ?? ''))
    return clean(el.getAttribute('value'));
  return clean(el.getAttribute('placeholder') ?? el.getAttribute('title') ?? el.getAttribute('name') ?? el.getAttribute('alt'));
}

/** `[data-testid="…"]`, `#id`, else `tag.class` (the forms the recorder's click selectors take). */
function selectorOf(el: Element): string {
  const testId = el.getAttribute('data-testid');
  if (testId) return `[data-testid="${testId}"]`;
  const id = el.getAttribute('id');
  if (id && /^[A-Za-z][\w-]*$/.test(id)) return `#${id}`;
  const cls = (el.getAttribute('class') ?? '')
    .trim()
    .split(/\s+/)
    .filter((c) => /^[A-Za-z][\w-]*$/.test(c))
    .slice(0, 2);
  return `${el.tagName.toLowerCase()}${cls.map((c) => `.${c}`).join('')}`;
}
