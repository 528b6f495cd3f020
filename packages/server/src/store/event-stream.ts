import type { ReplayEvent } from '@reprise/protocol';
import type { EventTimeRange } from './types.js';

/** A batch to stream: its seq and its earliest event time (the rounded t_min of its row). */
export interface StreamBatch {
  seq: number;
  tMin: number | null;
}

/**
 * A session's events in time order, produced batch by batch (Store.streamEvents), so a reader
 * never holds the whole session: only the batches whose time ranges overlap the one being read.
 * Batches are read in t_min order; after each, every held event earlier than the next batch's
 * t_min (less 1: t_min is rounded) is final and is yielded. Ties keep batch (seq) order, then
 * order within the batch, exactly as a stable sort of the whole session would.
 */
export async function* sortedEvents<B extends StreamBatch>(
  batches: readonly B[],
  read: (batch: B) => Promise<ReplayEvent[]>,
  range?: EventTimeRange,
): AsyncGenerator<ReplayEvent[]> {
  const from = range?.from ?? -Infinity;
  const to = range?.to ?? Infinity;
  const order = [...batches].sort((a, b) => (a.tMin ?? -Infinity) - (b.tMin ?? -Infinity) || a.seq - b.seq);
  const heap = new EventHeap();
  for (let i = 0; i < order.length; i++) {
    const batch = order[i]!;
    const events = await read(batch);
    events.forEach((e, n) => {
      if (e.t >= from && e.t <= to) heap.push({ e, seq: batch.seq, n });
    });
    const next = order[i + 1];
    const before = next === undefined ? Infinity : (next.tMin ?? -Infinity) - 1;
    const out: ReplayEvent[] = [];
    while (heap.size > 0 && heap.peek().e.t < before) out.push(heap.pop().e);
    if (out.length > 0) yield out;
  }
}

interface Held {
  e: ReplayEvent;
  seq: number;
  n: number;
}

function less(a: Held, b: Held): boolean {
  return a.e.t < b.e.t || (a.e.t === b.e.t && (a.seq < b.seq || (a.seq === b.seq && a.n < b.n)));
}

/** A binary min-heap of held events by (t, seq, position). */
class EventHeap {
  private readonly items: Held[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Held {
    return this.items[0]!;
  }

  push(h: Held): void {
    const a = this.items;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): Held {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
