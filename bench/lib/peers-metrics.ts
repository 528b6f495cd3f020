import type { PeerWindow } from './peers-measure.js';
import { PEER_SPECS, PEERS, type PeerName } from './peers-recorders.js';
import type { Workload } from './recorder-workloads.js';
import type { MetricSpec } from './results.js';

// Figures per workload and recorder: main-thread script time, the longest task, bytes uploaded
// (the window's; for the demo shop also per minute of the whole scripted session), whether it
// still recorded and the DOM changes its recording holds; then Reprise's ratio to each other
// recorder, per run. Key shape: `<workload><Figure><Recorder>`, e.g. `nestedScriptPosthog`.

export const SUFFIX: Record<PeerName, string> = {
  rrweb: 'Rrweb',
  reprise: 'Reprise',
  sentry: 'Sentry',
  sentryRaised: 'SentryRaised',
  posthog: 'Posthog',
  openreplay: 'Openreplay',
};

/** The recorders Reprise is divided by. */
export const OTHERS: readonly PeerName[] = PEERS.filter((p) => p !== 'reprise');
/** Recorders that upload (plain rrweb keeps its events in memory). */
export const UPLOADERS: readonly PeerName[] = PEERS.filter((p) => PEER_SPECS[p].sink !== null);
/** Recorders whose recorded DOM changes are read back (rrweb in the page; Sentry's and PostHog's uploads). */
export const CHANGE_READERS: readonly PeerName[] = ['rrweb', 'sentry', 'sentryRaised', 'posthog'];

/** The figures compared, by key part: what it is, its unit, and whether plain rrweb has it. */
export const FIGURES = {
  Script: { what: 'main-thread script time', unit: 'ms', rrweb: true },
  LongMax: { what: 'longest task (long task API, wall time)', unit: 'ms', rrweb: true },
  KB: { what: 'bytes uploaded in the window (as sent)', unit: 'KB', rrweb: false },
} as const;
export type Figure = keyof typeof FIGURES;

/** The long task API's threshold, ms. */
export const LONG_TASK_MS = 50;
/** A ratio whose divisor is 0 (a recorder that uploaded nothing): rendered as n/a. */
export const NO_RATIO = -1;

const role = (p: PeerName): MetricSpec['role'] => (p === 'reprise' ? 'reprise' : 'baseline');

export function specsFor(w: Workload): MetricSpec[] {
  const s: MetricSpec[] = [];
  for (const [fig, f] of Object.entries(FIGURES) as Array<[Figure, (typeof FIGURES)[Figure]]>) {
    for (const p of PEERS) {
      if (!f.rrweb && p === 'rrweb') continue;
      s.push({ key: `${w.key}${fig}${SUFFIX[p]}`, label: `${w.label}: ${f.what}, ${PEER_SPECS[p].label}`, unit: f.unit, role: role(p) });
    }
    for (const p of OTHERS) {
      if (!f.rrweb && p === 'rrweb') continue;
      s.push({
        key: `${w.key}Ratio${fig}${SUFFIX[p]}`,
        label: `${w.label}: Reprise / ${PEER_SPECS[p].label}, ${f.what}`,
        unit: 'ratio',
        role: 'ratio',
      });
    }
  }
  if (w.key === 'demo') {
    for (const p of UPLOADERS) {
      s.push({
        key: `${w.key}KBPerMin${SUFFIX[p]}`,
        label: `${w.label}: bytes uploaded per minute of the scripted session (page load and script, without the harness's waits for uploads), ${PEER_SPECS[p].label}`,
        unit: 'KB/min',
        role: role(p),
      });
      s.push({
        key: `${w.key}KBSession${SUFFIX[p]}`,
        label: `${w.label}: bytes uploaded over the whole scripted session (as sent), ${PEER_SPECS[p].label}`,
        unit: 'KB',
        role: 'info',
      });
      s.push({
        key: `${w.key}ScriptedS${SUFFIX[p]}`,
        label: `${w.label}: scripted session, ${PEER_SPECS[p].label}`,
        unit: 's',
        role: 'info',
      });
      s.push({
        key: `${w.key}WaitS${SUFFIX[p]}`,
        label: `${w.label}: the harness's waits for its uploads to go quiet (left out of the scripted session), ${PEER_SPECS[p].label}`,
        unit: 's',
        role: 'info',
      });
    }
    for (const p of OTHERS.filter((x) => x !== 'rrweb')) {
      s.push({
        key: `${w.key}RatioKBPerMin${SUFFIX[p]}`,
        label: `${w.label}: Reprise / ${PEER_SPECS[p].label}, bytes per minute`,
        unit: 'ratio',
        role: 'ratio',
      });
    }
  }
  for (const p of UPLOADERS) {
    s.push({
      key: `${w.key}Recording${SUFFIX[p]}`,
      label: `${w.label}: ${PEER_SPECS[p].label} still recording after the window (1/0)`,
      unit: 'count',
      role: 'info',
    });
  }
  for (const p of CHANGE_READERS) {
    s.push({
      key: `${w.key}Changes${SUFFIX[p]}`,
      label: `${w.label}: DOM changes in what ${PEER_SPECS[p].label} recorded in the window`,
      unit: 'count',
      role: 'info',
    });
  }
  return s;
}

export function rowFor(w: Workload, f: Record<PeerName, PeerWindow>): Record<string, number> {
  const row: Record<string, number> = {};
  const value = (fig: Figure, p: PeerName): number =>
    fig === 'Script' ? f[p].scriptMs : fig === 'LongMax' ? f[p].longTaskMaxMs : f[p].windowBytes / 1000;
  // The long task API reports tasks of 50 ms and more: "none" is taken as 50 ms in the ratio.
  const forRatio = (fig: Figure, p: PeerName): number => (fig === 'LongMax' ? Math.max(LONG_TASK_MS, value(fig, p)) : value(fig, p));
  const ratio = (fig: Figure, p: PeerName): number => {
    const den = forRatio(fig, p);
    return den > 0 ? forRatio(fig, 'reprise') / den : NO_RATIO;
  };
  for (const fig of Object.keys(FIGURES) as Figure[]) {
    for (const p of PEERS) if (FIGURES[fig].rrweb || p !== 'rrweb') row[`${w.key}${fig}${SUFFIX[p]}`] = value(fig, p);
    for (const p of OTHERS) if (FIGURES[fig].rrweb || p !== 'rrweb') row[`${w.key}Ratio${fig}${SUFFIX[p]}`] = ratio(fig, p);
  }
  if (w.key === 'demo') {
    const perMin = (p: PeerName) => f[p].sessionBytes / 1000 / (f[p].scriptedMs / 60_000);
    for (const p of UPLOADERS) {
      row[`${w.key}KBPerMin${SUFFIX[p]}`] = perMin(p);
      row[`${w.key}KBSession${SUFFIX[p]}`] = f[p].sessionBytes / 1000;
      row[`${w.key}ScriptedS${SUFFIX[p]}`] = f[p].scriptedMs / 1000;
      row[`${w.key}WaitS${SUFFIX[p]}`] = f[p].waitMs / 1000;
    }
    for (const p of OTHERS)
      if (p !== 'rrweb') row[`${w.key}RatioKBPerMin${SUFFIX[p]}`] = perMin(p) > 0 ? perMin('reprise') / perMin(p) : NO_RATIO;
  }
  for (const p of UPLOADERS) row[`${w.key}Recording${SUFFIX[p]}`] = f[p].recording;
  for (const p of CHANGE_READERS) row[`${w.key}Changes${SUFFIX[p]}`] = f[p].changes ?? -1;
  return row;
}
