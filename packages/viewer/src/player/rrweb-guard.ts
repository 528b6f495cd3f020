/**
 * Which stored `dom` events rrweb's Replayer can take. rrweb trusts its input: a snapshot node
 * without `childNodes`, a tag name `createElement` refuses or a mutation without `adds` throws
 * inside the Replayer's timer, outside React, and stops the replay. Events that fail this
 * check are left out of the replay (and counted, shown as unreadable); real recordings pass.
 */
import type { RrwebEvent } from './timeline';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const optNum = (v: unknown) => v === undefined || v === null || isNum(v);
const arrayOf = (v: unknown, item: (x: unknown) => boolean) => Array.isArray(v) && v.every(item);

// rrweb's EventType, IncrementalSource and NodeType values.
const T = {
  DomContentLoaded: 0,
  Load: 1,
  FullSnapshot: 2,
  Incremental: 3,
  Meta: 4,
  Custom: 5,
  Plugin: 6,
} as const;
const Src = {
  Mutation: 0,
  MouseMove: 1,
  MouseInteraction: 2,
  Scroll: 3,
  ViewportResize: 4,
  Input: 5,
  TouchMove: 6,
  MediaInteraction: 7,
  StyleSheetRule: 8,
  CanvasMutation: 9,
  Font: 10,
  Log: 11,
  Drag: 12,
  StyleDeclaration: 13,
  Selection: 14,
  AdoptedStyleSheet: 15,
  CustomElement: 16,
} as const;

const validTags = new Map<string, boolean>();
/** The browser is the judge of an element name (custom elements may use non-ASCII). */
function validTag(name: string, svg: boolean): boolean {
  const key = `${svg ? 's' : 'h'}:${name}`;
  let ok = validTags.get(key);
  if (ok === undefined) {
    try {
      if (svg) document.createElementNS('http://www.w3.org/2000/svg', name);
      else document.createElement(name);
      ok = true;
    } catch {
      ok = false;
    }
    if (validTags.size < 10_000) validTags.set(key, ok);
  }
  return ok;
}

// Valid custom element names (rrweb defines one for each `isCustom` element it rebuilds).
const CUSTOM_ELEMENT = /^[a-z][^\sA-Z/>]*-[^\sA-Z/>]*$/;

/** A serialized node tree, walked without recursion (it can be deep). */
export function isSerializedNode(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const n = stack.pop();
    if (!isObj(n) || !isNum(n.id)) return false;
    switch (n.type) {
      case 0: // Document
        if (!Array.isArray(n.childNodes)) return false;
        stack.push(...n.childNodes);
        break;
      case 1: // DocumentType
        if (!isStr(n.publicId) || !isStr(n.systemId) || !(n.name === undefined || n.name === '' || isStr(n.name))) return false;
        try {
          document.implementation.createDocumentType(n.name || 'html', n.publicId, n.systemId);
        } catch {
          return false;
        }
        break;
      case 2: {
        // Element
        if (!isStr(n.tagName) || !isObj(n.attributes) || !Array.isArray(n.childNodes)) return false;
        if (!validTag(n.tagName, n.isSVG === true)) return false;
        if (n.isCustom === true && !CUSTOM_ELEMENT.test(n.tagName)) return false;
        for (const v of Object.values(n.attributes)) {
          if (!(v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return false;
        }
        for (const c of n.childNodes) stack.push(c);
        break;
      }
      case 3: // Text
      case 4: // CDATA
      case 5: // Comment
        if (!isStr(n.textContent)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const isPosition = (p: unknown) => isObj(p) && isNum(p.x) && isNum(p.y) && isNum(p.id) && isNum(p.timeOffset);

function isIncremental(d: Obj): boolean {
  switch (d.source) {
    case Src.Mutation:
      return (
        arrayOf(d.texts, (x) => isObj(x) && isNum(x.id) && (x.value === null || isStr(x.value))) &&
        arrayOf(d.attributes, (x) => isObj(x) && isNum(x.id) && isObj(x.attributes)) &&
        arrayOf(d.removes, (x) => isObj(x) && isNum(x.parentId) && isNum(x.id)) &&
        arrayOf(d.adds, (x) => isObj(x) && isNum(x.parentId) && optNum(x.nextId) && isSerializedNode(x.node))
      );
    case Src.MouseMove:
    case Src.TouchMove:
    case Src.Drag:
      return arrayOf(d.positions, isPosition);
    case Src.MouseInteraction:
      return isNum(d.type) && isNum(d.id) && optNum(d.x) && optNum(d.y);
    case Src.Scroll:
      return isNum(d.id) && isNum(d.x) && isNum(d.y);
    case Src.ViewportResize:
      return isNum(d.width) && isNum(d.height);
    case Src.Input:
      return isNum(d.id) && (d.text === undefined || isStr(d.text)) && (d.isChecked === undefined || typeof d.isChecked === 'boolean');
    case Src.MediaInteraction:
      return isNum(d.id) && isNum(d.type);
    case Src.StyleSheetRule:
      return optNum(d.id) && (d.adds === undefined || Array.isArray(d.adds)) && (d.removes === undefined || Array.isArray(d.removes));
    case Src.CanvasMutation:
      return isNum(d.id) && (Array.isArray(d.commands) || isStr(d.property));
    case Src.Font:
      return isStr(d.family) && isStr(d.fontSource);
    case Src.Log:
      return true;
    case Src.StyleDeclaration:
      return optNum(d.id) && Array.isArray(d.index);
    case Src.Selection:
      return Array.isArray(d.ranges);
    case Src.AdoptedStyleSheet:
      return isNum(d.id) && Array.isArray(d.styleIds);
    case Src.CustomElement:
      return isObj(d.define) || d.define === undefined;
    default:
      return false;
  }
}

export function isReplayableEvent(e: unknown): e is RrwebEvent {
  if (!isObj(e) || !isNum(e.timestamp)) return false;
  const d = e.data;
  switch (e.type) {
    case T.DomContentLoaded:
    case T.Load:
      return true;
    case T.FullSnapshot:
      return (
        isObj(d) &&
        isObj(d.initialOffset) &&
        isNum(d.initialOffset.top) &&
        isNum(d.initialOffset.left) &&
        isSerializedNode(d.node) &&
        (d.node as Obj).type === 0
      );
    case T.Incremental:
      return isObj(d) && isIncremental(d);
    case T.Meta:
      return isObj(d) && isStr(d.href) && isNum(d.width) && isNum(d.height);
    case T.Custom:
      return isObj(d) && isStr(d.tag);
    case T.Plugin:
      return isObj(d) && isStr(d.plugin);
    default:
      return false;
  }
}
