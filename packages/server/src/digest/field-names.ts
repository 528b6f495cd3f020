import type { StepTarget } from './types.js';

/**
 * Names form fields from the rrweb stream, so an input step can say "Card number" rather than a
 * node id. Keeps, per rrweb node id, an element's tag, attributes, parent and children (and text
 * nodes' text): enough to find a field's <label>, without building a DOM. Reset on every full
 * snapshot; mutations add, remove and change nodes. Masked text (rrweb's `*`) is no name.
 */

interface NodeRec {
  tag: string | null; // null: a text node
  attrs: Record<string, string>;
  parent: number | null;
  children: number[];
  text: string;
}

const RR_FULL = 2;
const RR_INCREMENTAL = 3;
const RR_MUTATION = 0;
const NODE_ELEMENT = 2;
const NODE_TEXT = 3;
const MAX_NAME = 80;

export interface FieldInfo {
  tag: string;
  type: string | null;
  target: StepTarget;
}

export class FieldNames {
  private nodes = new Map<number, NodeRec>();
  private cache = new Map<number, FieldInfo | null>();

  /** Feeds one rrweb event (the `data` of a `dom` event). */
  add(rr: unknown): void {
    if (!isObj(rr)) return;
    if (rr.type === RR_FULL && isObj(rr.data)) {
      this.nodes = new Map();
      this.cache = new Map();
      this.walk(rr.data.node, null);
      return;
    }
    if (rr.type !== RR_INCREMENTAL || !isObj(rr.data) || rr.data.source !== RR_MUTATION) return;
    const d = rr.data;
    this.cache.clear();
    if (Array.isArray(d.removes)) for (const r of d.removes) if (isObj(r) && typeof r.id === 'number') this.remove(r.id);
    if (Array.isArray(d.adds)) {
      for (const a of d.adds) if (isObj(a) && typeof a.parentId === 'number') this.walk(a.node, a.parentId);
    }
    if (Array.isArray(d.attributes)) {
      for (const a of d.attributes) {
        if (!isObj(a) || typeof a.id !== 'number' || !isObj(a.attributes)) continue;
        const n = this.nodes.get(a.id);
        if (!n) continue;
        for (const [k, v] of Object.entries(a.attributes)) {
          if (typeof v === 'string') n.attrs[k] = v;
          else if (v === null) delete n.attrs[k];
        }
      }
    }
    if (Array.isArray(d.texts)) {
      for (const t of d.texts) {
        if (!isObj(t) || typeof t.id !== 'number') continue;
        const n = this.nodes.get(t.id);
        if (n && typeof t.value === 'string') n.text = t.value;
      }
    }
  }

  /** The field behind an rrweb node id, or null when the stream never showed it. */
  field(id: number): FieldInfo | null {
    if (this.cache.has(id)) return this.cache.get(id)!;
    const n = this.nodes.get(id);
    const info = n && n.tag ? this.describe(id, n) : null;
    this.cache.set(id, info);
    return info;
  }

  /** The explicit `role` attribute of a node, if any (clicks carry the node id). */
  role(id: number): string | null {
    return this.nodes.get(id)?.attrs.role ?? null;
  }

  private describe(id: number, n: NodeRec): FieldInfo {
    const tag = n.tag!;
    const a = n.attrs;
    const type = tag === 'input' ? (a.type ?? 'text').toLowerCase() : null;
    const name = clean(a['aria-label']) ?? this.labelFor(id, a.id) ?? clean(a.placeholder) ?? clean(a.title) ?? clean(a.name) ?? null;
    const testId = a['data-testid'] ?? null;
    const selector = a.id ? `#${a.id}` : testId ? `[data-testid="${testId}"]` : a.name ? `${tag}[name="${a.name}"]` : tag;
    return { tag, type, target: { testId, role: a.role ?? fieldRole(tag, type), name, selector } };
  }

  /** Text of `<label for=id>`, else of the label around the node. */
  private labelFor(nodeId: number, htmlId: string | undefined): string | null {
    if (htmlId) {
      for (const [lid, l] of this.nodes) if (l.tag === 'label' && l.attrs.for === htmlId) return clean(this.textOf(lid, 0));
    }
    let p = this.nodes.get(nodeId)?.parent ?? null;
    for (let depth = 0; p !== null && depth < 10; depth++) {
      const pn = this.nodes.get(p);
      if (!pn) break;
      if (pn.tag === 'label') return clean(this.textOf(p, 0));
      p = pn.parent;
    }
    return null;
  }

  private textOf(id: number, depth: number): string {
    const n = this.nodes.get(id);
    if (!n || depth > 8) return '';
    if (n.tag === null) return n.text;
    if (n.tag === 'input' || n.tag === 'select' || n.tag === 'textarea' || n.tag === 'script' || n.tag === 'style') return '';
    return n.children.map((c) => this.textOf(c, depth + 1)).join(' ');
  }

  private walk(node: unknown, parent: number | null): void {
    // Iterative: a deep page must not overflow the stack.
    const stack: [unknown, number | null][] = [[node, parent]];
    while (stack.length > 0) {
      const [cur, par] = stack.pop()!;
      if (!isObj(cur) || typeof cur.id !== 'number') continue;
      const id = cur.id;
      const rec: NodeRec = { tag: null, attrs: {}, parent: par, children: [], text: '' };
      if (cur.type === NODE_ELEMENT && typeof cur.tagName === 'string') {
        rec.tag = cur.tagName.toLowerCase();
        if (isObj(cur.attributes)) for (const [k, v] of Object.entries(cur.attributes)) if (typeof v === 'string') rec.attrs[k] = v;
      } else if (cur.type === NODE_TEXT) {
        rec.text = typeof cur.textContent === 'string' ? cur.textContent : '';
      } else if (cur.type !== 0) {
        continue; // doctype, comment, CDATA: nothing to name
      }
      this.nodes.set(id, rec);
      if (par !== null) this.nodes.get(par)?.children.push(id);
      if (Array.isArray(cur.childNodes)) for (let i = cur.childNodes.length - 1; i >= 0; i--) stack.push([cur.childNodes[i], id]);
    }
  }

  private remove(id: number): void {
    const n = this.nodes.get(id);
    if (!n) return;
    if (n.parent !== null) {
      const p = this.nodes.get(n.parent);
      if (p) p.children = p.children.filter((c) => c !== id);
    }
    const stack = [id];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      const rec = this.nodes.get(cur);
      if (!rec) continue;
      this.nodes.delete(cur);
      stack.push(...rec.children);
    }
  }
}

function fieldRole(tag: string, type: string | null): string | null {
  if (tag === 'textarea') return 'textbox';
  if (tag === 'select') return 'combobox';
  if (tag !== 'input') return null;
  if (type === 'checkbox' || type === 'radio') return type;
  if (type === 'range') return 'slider';
  if (type === 'search') return 'searchbox';
  if (type === 'number') return 'spinbutton';
  if (type === 'button' || type === 'submit' || type === 'reset') return 'button';
  return 'textbox';
}

/** Trimmed, whitespace-collapsed text; null when empty or masked (all `*`). */
export function clean(s: string | undefined | null): string | null {
  if (typeof s !== 'string') return null;
  const t = s.replace(/\s+/g, ' ').trim();
  if (!t || /^\*+$/.test(t.replace(/\s/g, ''))) return null;
  return t.length > MAX_NAME ? `${t.slice(0, MAX_NAME - 1)}…` : t;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
