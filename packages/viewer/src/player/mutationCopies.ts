/**
 * Keeps the replayer's events as they were recorded, however often they are replayed.
 *
 * rrweb 2.1.6 edits events while applying them:
 * - `applyMutation` drops from `removes` every node it cannot find (`d.removes = d.removes.filter(…)`),
 *   and with its virtual DOM it swaps the nodes of `adds` for virtual ones. The player replays
 *   the same event objects on every seek, so one application to a page that did not match (a
 *   mutation applied twice, a node rrweb missed) deleted those removes for good: from then on
 *   every replay kept nodes that the user saw removed (a deleted todo still listed, a footer
 *   twice) until a reload.
 * - building a serialized node (a full snapshot, or a node a mutation adds) writes into it: a
 *   `<style>` whose CSS was recorded in parts (`_cssText` with `rr_split`) gets its text children
 *   overwritten with the CSS adapted for replay, and a `<textarea>` with a value loses its children.
 *
 * Each application now works on its own copy of what rrweb writes to: a shallow copy of the
 * mutation and of its added-node entries, and of the nodes on the path to a `<style>` or
 * `<textarea>` of that kind (every other node is shared and only read). That costs a few small
 * objects per application, nothing per stored event.
 *
 * Replaces two private methods on one Replayer instance; @rrweb/replay is pinned to 2.1.6 by the
 * root package's overrides (seekScrolls.ts patches the same way).
 */
import type { Replayer } from '@rrweb/replay';

interface SerializedNode {
  type: number;
  tagName?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SerializedNode[];
}

interface MutationData {
  adds?: { node?: SerializedNode }[];
  removes?: object[];
  [key: string]: unknown;
}

interface SnapshotEvent {
  data: { node: SerializedNode; [key: string]: unknown };
  [key: string]: unknown;
}

interface Internals {
  applyMutation(d: MutationData, isSync: boolean): void;
  rebuildFullSnapshot(event: SnapshotEvent, isSync?: boolean): void;
}

/** rrweb NodeType.Element. */
const ELEMENT = 2;

/** An element rrweb-snapshot's `buildNode` writes into. */
function writtenOnBuild(n: SerializedNode): boolean {
  if (n.type !== ELEMENT || !n.attributes) return false;
  if (n.tagName === 'style') return typeof n.attributes._cssText === 'string' && (n.childNodes?.length ?? 0) > 0;
  return n.tagName === 'textarea' && typeof n.attributes.value === 'string';
}

/** `n` itself when rrweb writes nothing into it or below, else a copy of what it writes to. */
export function copyForBuild(n: SerializedNode): SerializedNode {
  if (writtenOnBuild(n)) return { ...n, childNodes: n.childNodes?.map((c) => ({ ...c })) };
  const kids = n.childNodes;
  if (!kids) return n;
  let copied: SerializedNode[] | null = null;
  for (let i = 0; i < kids.length; i++) {
    const k = copyForBuild(kids[i]!);
    if (k !== kids[i]) (copied ??= kids.slice())[i] = k;
  }
  return copied ? { ...n, childNodes: copied } : n;
}

export function copyMutationsOnApply(r: Replayer): void {
  const inner = r as unknown as Internals;
  const apply = inner.applyMutation.bind(r);
  inner.applyMutation = (d, isSync) => {
    const copy: MutationData = { ...d };
    if (Array.isArray(d.removes)) copy.removes = d.removes.slice();
    if (Array.isArray(d.adds)) copy.adds = d.adds.map((a) => (a.node ? { ...a, node: copyForBuild(a.node) } : { ...a }));
    apply(copy, isSync);
  };
  const rebuild = inner.rebuildFullSnapshot.bind(r);
  inner.rebuildFullSnapshot = (event, isSync) => {
    const node = copyForBuild(event.data.node);
    rebuild(node === event.data.node ? event : { ...event, data: { ...event.data, node } }, isSync);
  };
}
