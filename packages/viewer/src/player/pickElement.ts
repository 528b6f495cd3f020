/**
 * The element under a point of the replayed page, named the way a comment stores it: rrweb's node
 * id (the same across the replay) and a CSS selector, with its box in page coordinates.
 */
import type { Replayer } from '@rrweb/replay';
import type { CommentElement, SketchPoint } from '@reprise/protocol';

export interface PickedElement extends CommentElement {
  /** The element's box in page coordinates. */
  box: { x: number; y: number; w: number; h: number };
}

export function elementAt(replayer: Replayer, p: SketchPoint): PickedElement | null {
  const doc = replayer.iframe.contentDocument;
  if (!doc) return null;
  const el = doc.elementFromPoint(p.x, p.y);
  if (!el || el === doc.documentElement || el === doc.body) return null;
  const nodeId = replayer.getMirror().getId(el);
  if (typeof nodeId !== 'number' || nodeId < 0) return null;
  const r = el.getBoundingClientRect();
  return { nodeId, selector: selectorOf(el), box: { x: r.left, y: r.top, w: r.width, h: r.height } };
}

/** The element's box now, by rrweb node id (null when it is not in the page at this moment). */
export function elementBox(replayer: Replayer, nodeId: number): PickedElement['box'] | null {
  const node = replayer.getMirror().getNode(nodeId);
  if (!node || node.nodeType !== 1) return null;
  const r = (node as Element).getBoundingClientRect();
  return { x: r.left, y: r.top, w: r.width, h: r.height };
}

const cssEscape = (s: string) => (typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(s) : s.replace(/[^\w-]/g, '\\$&'));

/** A selector for `el`: its id or data-testid when it has one, else a tag:nth-of-type path from the nearest such ancestor. */
export function selectorOf(el: Element): string {
  const parts: string[] = [];
  let cur: Element | null = el;
  while (cur && parts.length < 6) {
    if (cur.id) {
      parts.unshift(`#${cssEscape(cur.id)}`);
      break;
    }
    const testId = cur.getAttribute('data-testid');
    if (testId) {
      parts.unshift(`[data-testid="${testId.replace(/"/g, '\\"')}"]`);
      break;
    }
    const tag = cur.tagName.toLowerCase();
    if (tag === 'html' || tag === 'body') {
      parts.unshift(tag);
      break;
    }
    const parent: Element | null = cur.parentElement;
    const same = parent ? [...parent.children].filter((c) => c.tagName === cur!.tagName) : [];
    parts.unshift(same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(cur) + 1})` : tag);
    cur = parent;
  }
  return parts.join(' > ').slice(0, 1000);
}
