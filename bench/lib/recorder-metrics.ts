import type { WindowFigures } from './recorder-measure.js';
import { VARIANTS, type Variant } from './recorder-variants.js';
import type { Workload } from './recorder-workloads.js';
import type { MetricSpec } from './results.js';

// Figures per workload: each variant's main-thread times and heap, Reprise's ratios to plain rrweb and
// to no recorder (per run, then the median), the snapshot's longest task, and what each recorder produced.

const NAME: Record<Variant, string> = { none: 'no recorder', rrweb: 'plain rrweb', reprise: 'Reprise' };
export const SUFFIX: Record<Variant, string> = { none: 'None', rrweb: 'Rrweb', reprise: 'Reprise' };
const ROLE: Record<Variant, MetricSpec['role']> = { none: 'baseline', rrweb: 'baseline', reprise: 'reprise' };

export function specsFor(w: Workload): MetricSpec[] {
  const s: MetricSpec[] = [];
  const per = (key: string, what: string, unit: string) => {
    for (const v of VARIANTS) s.push({ key: `${w.key}${key}${SUFFIX[v]}`, label: `${w.label}: ${what}, ${NAME[v]}`, unit, role: ROLE[v] });
  };
  per('Script', 'main-thread script time', 'ms');
  per('Task', 'main-thread task time', 'ms');
  s.push(
    { key: `${w.key}RatioScript`, label: `${w.label}: Reprise / plain rrweb, main-thread script time`, unit: 'ratio', role: 'ratio' },
    { key: `${w.key}RatioTask`, label: `${w.label}: Reprise / plain rrweb, main-thread task time`, unit: 'ratio', role: 'ratio' },
    { key: `${w.key}RatioRrwebNone`, label: `${w.label}: plain rrweb / no recorder, task time`, unit: 'ratio', role: 'ratio' },
    { key: `${w.key}RatioRepriseNone`, label: `${w.label}: Reprise / no recorder, task time`, unit: 'ratio', role: 'ratio' },
  );
  if (w.key === 'snapshot') per('LongMax', 'longest task (long task API, wall time)', 'ms');
  per('Heap', 'JS heap in use after the window (after GC)', 'MB');
  s.push(
    { key: `${w.key}EventsRrweb`, label: `${w.label}: events recorded by plain rrweb`, unit: 'count', role: 'info' },
    { key: `${w.key}EventsReprise`, label: `${w.label}: events captured by Reprise`, unit: 'count', role: 'info' },
    { key: `${w.key}BatchesReprise`, label: `${w.label}: batches Reprise uploaded (acknowledged)`, unit: 'count', role: 'info' },
  );
  return s;
}

export function rowFor(w: Workload, f: Record<Variant, WindowFigures>): Record<string, number> {
  const row: Record<string, number> = {};
  for (const v of VARIANTS) {
    row[`${w.key}Script${SUFFIX[v]}`] = f[v].scriptMs;
    row[`${w.key}Task${SUFFIX[v]}`] = f[v].taskMs;
    row[`${w.key}Heap${SUFFIX[v]}`] = f[v].heapMB;
    if (w.key === 'snapshot') row[`${w.key}LongMax${SUFFIX[v]}`] = f[v].longTaskMaxMs;
  }
  row[`${w.key}RatioScript`] = f.reprise.scriptMs / f.rrweb.scriptMs;
  row[`${w.key}RatioTask`] = f.reprise.taskMs / f.rrweb.taskMs;
  row[`${w.key}RatioRrwebNone`] = f.rrweb.taskMs / f.none.taskMs;
  row[`${w.key}RatioRepriseNone`] = f.reprise.taskMs / f.none.taskMs;
  row[`${w.key}EventsRrweb`] = f.rrweb.output.events;
  row[`${w.key}EventsReprise`] = f.reprise.output.events;
  row[`${w.key}BatchesReprise`] = f.reprise.output.batchesSent;
  return row;
}
