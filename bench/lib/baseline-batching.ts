import { gzipSync } from 'node:zlib';
import type { RrwebEvent } from '@reprise/protocol';

export interface BaselineTotals {
  batches: number;
  gzipBytes: number;
  jsonBytes: number;
}

/**
 * The comparison upload: the same rrweb events grouped per `windowMs` of event
 * time, each group sent as a plain JSON array gzipped on its own (zlib default
 * level), the way rrweb-based tools commonly upload. A group may span page loads
 * (sharing one gzip stream), which a recorder restarted by every full page load
 * could not do: if anything, this favours the baseline.
 */
export function rebatchAndGzip(events: readonly RrwebEvent[], windowMs = 5000): BaselineTotals {
  const groups = new Map<number, RrwebEvent[]>();
  const t0 = events.reduce((m, e) => Math.min(m, e.timestamp), Infinity);
  for (const e of events) {
    const k = Math.floor((e.timestamp - t0) / windowMs);
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  const totals: BaselineTotals = { batches: 0, gzipBytes: 0, jsonBytes: 0 };
  for (const k of [...groups.keys()].sort((a, b) => a - b)) {
    const json = Buffer.from(JSON.stringify(groups.get(k)));
    totals.batches++;
    totals.jsonBytes += json.length;
    totals.gzipBytes += gzipSync(json).length;
  }
  return totals;
}
