import type { BundleSizes } from './peers-size.js';
import { CHANGE_READERS, SUFFIX } from './peers-metrics.js';
import { PEER_SPECS, PEERS, type PeerName } from './peers-recorders.js';
import type { Workload } from './recorder-workloads.js';
import { median } from './stats.js';

/** What the runs add up beyond the rows. */
export interface PeerTally {
  problems: Set<string>;
  /** `<workload>/<recorder>` → windows after which it no longer recorded, and the reasons it gave. */
  stops: Map<string, { count: number; reasons: Set<string> }>;
  /** `<workload>/<recorder>` → uploads its sink received in the windows. */
  uploads: Map<string, number>;
}

export function peerNotes(list: Workload[], rows: Record<string, number>[], tally: PeerTally, sizes: BundleSizes | null): string[] {
  const notes: string[] = [];
  const runs = rows.length;
  for (const [key, s] of tally.stops) {
    const [w, p] = key.split('/') as [string, PeerName];
    const label = list.find((x) => x.key === w)?.label ?? w;
    notes.push(
      `${PEER_SPECS[p].label} stopped recording in ${s.count} of ${runs} windows of "${label}"` +
        (s.reasons.size ? ` (${[...s.reasons].join('; ')})` : '') +
        `: its figures there are those of a recorder that gave up on the workload, not of recording it.`,
    );
  }
  // A recording that lacks the workload's changes: compare with plain rrweb's, which records every one.
  for (const w of list) {
    if (w.key === 'snapshot') continue;
    const rr = median(rows.map((r) => r[`${w.key}ChangesRrweb`]!));
    const parts = CHANGE_READERS.filter((p) => p !== 'rrweb').map((p) => {
      const n = median(rows.map((r) => r[`${w.key}Changes${SUFFIX[p]}`]!));
      return `${PEER_SPECS[p].label} ${n < 0 ? 'unreadable' : n.toLocaleString('en-US')}`;
    });
    notes.push(`${w.label}: DOM changes recorded in the window (median), plain rrweb ${rr.toLocaleString('en-US')}; ${parts.join(', ')}.`);
  }
  for (const p of PEERS) {
    if (!PEER_SPECS[p].sink) continue;
    for (const w of list)
      if ((tally.uploads.get(`${w.key}/${p}`) ?? 0) === 0) tally.problems.add(`${w.key}/${p}: its sink received no upload in any window`);
  }
  if (sizes) {
    notes.push(
      `Scripts loaded for always-on recording (gzip -9): ${PEERS.filter((p) => p !== 'sentryRaised')
        .map((p) => `${PEER_SPECS[p].label} ${(sizes.gz[p] / 1000).toFixed(1)} KB (${sizes.parts[p]})`)
        .join('; ')}. Reprise's on-demand loader (${(sizes.loaderGz / 1000).toFixed(1)} KB) is not loaded by an always-on install.`,
    );
  }
  for (const p of tally.problems) notes.push(`Problem: ${p}`);
  return notes;
}
