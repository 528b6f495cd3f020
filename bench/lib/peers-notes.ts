import type { BundleSizes } from './peers-size.js';
import { CHANGE_READERS, SUFFIX, UPLOADERS } from './peers-metrics.js';
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
  const demo = list.find((x) => x.key === 'demo');
  if (demo) {
    const med = (fig: string, p: PeerName) => median(rows.map((r) => r[`demo${fig}${SUFFIX[p]}`]!));
    const each = (fig: string, digits: number) => UPLOADERS.map((p) => `${PEER_SPECS[p].label} ${med(fig, p).toFixed(digits)}`).join(', ');
    notes.push(
      `${demo.label}, per minute of the scripted session: the bytes uploaded from opening the page to the end of the window ` +
        `(median, KB: ${each('KBSession', 1)}), over the time the script ran (opening the page until the recorder is ready, ` +
        `plus the workload; median, s: ${each('ScriptedS', 1)}). Left out: the harness's waits for each recorder's uploads to ` +
        `go quiet before and after the workload (median, s: ${each('WaitS', 1)}). They follow each product's upload timers, ` +
        `not the script: counted in, they made PostHog's session several times longer than the others' for the same script ` +
        `(until 2026-12-07 they were, and Reprise's per-minute figure was 1.15× PostHog's while its bytes were about 0.3×).`,
    );
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
