/**
 * Keeps the replayer's events as they were recorded, however often they are replayed.
 *
 * rrweb 2.1.6 edits a mutation event while applying it: `applyMutation` drops from `removes`
 * every node it cannot find (`d.removes = d.removes.filter(…)`), and with its virtual DOM it
 * swaps the nodes of `adds` for virtual ones. The player replays the same event objects on every
 * seek, so one application to a page that did not match (a mutation applied twice, a node rrweb
 * missed) deleted those removes for good: from then on every replay kept nodes that the user
 * saw removed (a deleted todo still listed, a footer twice) until a reload.
 *
 * Each application now works on its own shallow copy of the mutation (and of its added-node
 * entries, the only nested objects rrweb writes to); the node trees inside are only read. That
 * costs a few small objects per applied mutation, nothing per stored event.
 *
 * Replaces one private method on one Replayer instance; @rrweb/replay is pinned to 2.1.6 by the
 * root package's overrides (seekScrolls.ts patches the same way).
 */
import type { Replayer } from '@rrweb/replay';

interface MutationData {
  adds?: object[];
  removes?: object[];
  [key: string]: unknown;
}

interface Internals {
  applyMutation(d: MutationData, isSync: boolean): void;
}

export function copyMutationsOnApply(r: Replayer): void {
  const inner = r as unknown as Internals;
  const apply = inner.applyMutation.bind(r);
  inner.applyMutation = (d, isSync) => {
    const copy: MutationData = { ...d };
    if (Array.isArray(d.removes)) copy.removes = d.removes.slice();
    if (Array.isArray(d.adds)) copy.adds = d.adds.map((a) => ({ ...a }));
    apply(copy, isSync);
  };
}
