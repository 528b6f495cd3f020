import { Window, type Document, type Element, type Node } from 'happy-dom';
import { buildNodeWithSN, createCache, Mirror } from 'rrweb-snapshot';
import type { RrwebEvent } from '@reprise/protocol';

/** A serialized rrweb node (rrweb-snapshot's `serializedNodeWithId`). */
type SnapshotNode = Parameters<typeof buildNodeWithSN>[0];

// rrweb event types and incremental sources (rrweb's EventType / IncrementalSource enums).
const FULL_SNAPSHOT = 2;
const INCREMENTAL = 3;
const META = 4;
const MUTATION = 0;
const INPUT = 5;

interface MutationData {
  texts: { id: number; value: string | null }[];
  attributes: { id: number; attributes: Record<string, string | null | Record<string, string | [string, string] | false>> }[];
  removes: { parentId: number; id: number }[];
  adds: { parentId: number; nextId: number | null; previousId?: number | null; node: SnapshotNode }[];
}

/** The page as it stood at one moment: a happy-dom document (close() it when done). */
export interface RebuiltPage {
  window: Window;
  document: Document;
  url: string | null;
  /** Time of the full snapshot the page was rebuilt from, and how many incremental events followed. */
  snapshotT: number;
  changes: number;
  close(): Promise<void>;
}

/**
 * Rebuilds the page from rrweb events (a full snapshot, then what followed it) with rrweb's own
 * node builder on a server-side DOM. happy-dom, because it is a real DOM with computed styles
 * (what is hidden by a stylesheet counts as hidden). Recorded pages are untrusted input: the
 * window runs no script and fetches nothing (no CSS, script or frame loads, no navigation), and
 * rrweb turns recorded scripts into inert <noscript>.
 * Returns null when the events hold no full snapshot.
 */
export function rebuildPage(events: RrwebEvent[]): RebuiltPage | null {
  let start = events.length - 1;
  while (start >= 0 && events[start]!.type !== FULL_SNAPSHOT) start--;
  if (start < 0) return null;
  const window = new Window({
    settings: {
      disableJavaScriptEvaluation: true,
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      disableIframePageLoading: true,
      handleDisabledFileLoadingAsSuccess: true,
      navigation: {
        disableMainFrameNavigation: true,
        disableChildFrameNavigation: true,
        disableChildPageNavigation: true,
        disableFallbackToSetURL: true,
      },
    },
  });
  const document = window.document;
  const mirror = new Mirror();
  const cache = createCache();
  let url: string | null = null;
  for (let i = start; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === META && typeof (e.data as { href?: unknown }).href === 'string') {
      url = (e.data as { href: string }).href;
      break;
    }
  }
  buildDocument(document, mirror, cache, (events[start]!.data as { node: SnapshotNode }).node);
  let changes = 0;
  for (const e of events.slice(start + 1)) {
    if (e.type === META && typeof (e.data as { href?: unknown }).href === 'string') url = (e.data as { href: string }).href;
    if (e.type !== INCREMENTAL) continue;
    const data = e.data as { source: number };
    if (data.source === MUTATION) applyMutation(document, mirror, cache, data as unknown as MutationData);
    else if (data.source === INPUT) applyInput(mirror, data as unknown as { id: number; text: string; isChecked: boolean });
    else continue;
    changes++;
  }
  return {
    window,
    document,
    url,
    snapshotT: events[start]!.timestamp,
    changes,
    close: () => window.happyDOM.close(),
  };
}

/**
 * The document node itself, then rrweb's builder for its children. rrweb's rebuild() would reset
 * the document with open(), which in happy-dom leaves a default <html> behind.
 */
function buildDocument(doc: Document, mirror: Mirror, cache: ReturnType<typeof createCache>, root: SnapshotNode): void {
  while (doc.firstChild) doc.removeChild(doc.firstChild);
  mirror.add(doc as never, root);
  const children = 'childNodes' in root ? root.childNodes : [];
  for (const child of children) {
    const node = buildNodeWithSN(child, { doc: doc as never, mirror, hackCss: false, cache }) as Node | null;
    if (node) doc.appendChild(node);
  }
}

/** rrweb's mutation order: removals, additions (parents and next siblings first), texts, attributes. */
function applyMutation(doc: Document, mirror: Mirror, cache: ReturnType<typeof createCache>, m: MutationData): void {
  const get = (id: number) => mirror.getNode(id) as Node | null;
  for (const r of m.removes ?? []) {
    const node = get(r.id);
    if (!node) continue;
    node.parentNode?.removeChild(node);
    mirror.removeNodeFromMap(node as never);
  }
  let pending = [...(m.adds ?? [])];
  while (pending.length > 0) {
    const waiting: typeof pending = [];
    for (const add of pending) {
      const parent = get(add.parentId);
      const next = add.nextId === null ? null : get(add.nextId);
      // A node added before a sibling not built yet waits for it, as rrweb's replayer does.
      if (!parent || (add.nextId !== null && !next)) {
        waiting.push(add);
        continue;
      }
      const node = buildNodeWithSN(add.node, { doc: doc as never, mirror, skipChild: true, hackCss: false, cache }) as Node | null;
      if (!node) continue;
      const host = add.node.isShadow && 'shadowRoot' in parent && (parent as Element).shadowRoot ? (parent as Element).shadowRoot! : parent;
      const previous = add.previousId == null ? null : get(add.previousId);
      if (next && next.parentNode === host) host.insertBefore(node, next);
      else if (previous && previous.parentNode === host) host.insertBefore(node, previous.nextSibling);
      else host.appendChild(node);
    }
    // Whatever still lacks its parent or sibling never gets one: leave it out.
    if (waiting.length === pending.length) break;
    pending = waiting;
  }
  for (const t of m.texts ?? []) {
    const node = get(t.id);
    if (node) node.textContent = t.value ?? '';
  }
  for (const a of m.attributes ?? []) {
    const el = get(a.id) as Element | null;
    if (!el || typeof el.setAttribute !== 'function') continue;
    for (const [name, value] of Object.entries(a.attributes)) {
      if (value === null) el.removeAttribute(name);
      else if (typeof value === 'string') el.setAttribute(name, value);
      else if (name === 'style') applyStyle(el, value);
    }
  }
}

/** rrweb's style diff: property → value, [value, priority], or false (removed). */
function applyStyle(el: Element, diff: Record<string, string | [string, string] | false>): void {
  const style = (el as unknown as { style: { setProperty(p: string, v: string, prio?: string): void; removeProperty(p: string): void } })
    .style;
  for (const [prop, v] of Object.entries(diff)) {
    if (v === false) style.removeProperty(prop);
    else if (Array.isArray(v)) style.setProperty(prop, v[0], v[1]);
    else style.setProperty(prop, v);
  }
}

/** Input values as the recorder stored them (masked ones stay masked). */
function applyInput(mirror: Mirror, d: { id: number; text: string; isChecked: boolean }): void {
  const el = mirror.getNode(d.id) as unknown as { value?: string; checked?: boolean } | null;
  if (!el) return;
  if (typeof d.text === 'string' && 'value' in el) el.value = d.text;
  if (typeof d.isChecked === 'boolean' && 'checked' in el) el.checked = d.isChecked;
}
