/**
 * Page nodes in console arguments and rejection reasons: a short selector and a bounded,
 * masked excerpt of their HTML, never the whole subtree.
 */
import type { SerializedValue } from '@reprise/protocol';

const DOM_HTML_CHARS = 300;

function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

export function isNode(v: object): v is Node {
  try {
    if (typeof Node !== 'undefined' && v instanceof Node) return true;
  } catch {
    return false;
  }
  return false;
}

function isElement(n: Node): n is Element {
  return n.nodeType === 1;
}

function cssIdent(s: string): string {
  try {
    if (typeof CSS !== 'undefined' && typeof CSS.escape === 'function') return CSS.escape(s);
  } catch {
    /* fall through */
  }
  return s.replace(/[^a-zA-Z0-9_-]/g, '\\$&');
}

/** Short selector like `button#pay.primary.big`. */
export function shortSelector(el: Element): string {
  try {
    let s = String(el.localName || el.nodeName || 'element').toLowerCase();
    const id = el.getAttribute('id');
    if (id) s += `#${cssIdent(id)}`;
    const cls = el.getAttribute('class');
    if (cls) {
      for (const c of cls.trim().split(/\s+/).slice(0, 3)) if (c) s += `.${cssIdent(c)}`;
    }
    return cut(s, 200);
  } catch {
    return 'element';
  }
}

/** Input values never leave the page: value attributes and textarea contents are masked. */
export function maskHtml(html: string): string {
  return html
    .replace(/(\svalue\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)/gi, '$1"***"')
    .replace(/(<textarea\b[^>]*>)[\s\S]*?(<\/textarea>|$)/gi, '$1***$2');
}

function startTag(el: Element): string {
  let s = `<${String(el.localName || 'element')}`;
  const attrs = el.attributes;
  for (let i = 0; i < attrs.length && s.length < 2 * DOM_HTML_CHARS; i++) {
    const a = attrs[i];
    s += ` ${a.name}="${a.value.replace(/"/g, '&quot;')}"`;
  }
  return `${s}>`;
}

/** A page node as a short selector and a masked, cut HTML excerpt; `onError` answers when reading it throws. */
export function domValue(n: Node, onError: (err: unknown) => SerializedValue): SerializedValue {
  try {
    if (isElement(n)) {
      let html = '';
      try {
        // A big subtree (document.body…) would serialize megabytes just to keep 300 chars: start tag only.
        const outer = n.childElementCount > 20 ? `${startTag(n)}…` : n.outerHTML;
        // Mask on a bounded prefix; a masked value may shift the cut by a few chars.
        html = cut(maskHtml(cut(typeof outer === 'string' ? outer : '', 4 * DOM_HTML_CHARS)), DOM_HTML_CHARS);
      } catch {
        html = '';
      }
      return { type: 'dom', selector: shortSelector(n), html };
    }
    if (n.nodeType === 3) return { type: 'dom', selector: '#text', html: cut(String(n.textContent ?? ''), DOM_HTML_CHARS) };
    if (n.nodeType === 9) return { type: 'dom', selector: '#document', html: '' };
    if (n.nodeType === 8) return { type: 'dom', selector: '#comment', html: '' };
    return { type: 'dom', selector: String(n.nodeName || '#node').toLowerCase(), html: '' };
  } catch (err) {
    return onError(err);
  }
}
