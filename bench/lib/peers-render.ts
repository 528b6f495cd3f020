import { FIGURES, NO_RATIO, OTHERS, SUFFIX, UPLOADERS, type Figure } from './peers-metrics.js';
import { PEER_SPECS, PEERS, type PeerName } from './peers-recorders.js';
import type { BenchResult, Metric } from './results.js';

// The peers benchmark's section of BENCHMARKS.md: Reprise / each other recorder per workload and
// figure (median, min–max over the runs), the raw medians, and the script sizes. Every figure is
// also in bench/results/peers.json.

const WORKLOAD_LABEL: Record<string, string> = {
  nested: '1000 nested elements',
  addMove: '10k added, then moved',
  attributes: '10k attribute changes',
  snapshot: '50k-node initial snapshot',
  demo: 'Demo shop checkout',
};

const FIGURE_LABEL: Record<Figure | 'KBPerMin', string> = {
  Script: 'main-thread script time',
  LongMax: 'longest task',
  KB: 'bytes uploaded (window)',
  KBPerMin: 'bytes uploaded per minute of the scripted session',
};

function find(r: BenchResult, key: string): Metric | undefined {
  return r.metrics.find((m) => m.key === key);
}

const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const ratio = (v: number): string => (v === NO_RATIO ? 'n/a' : v.toFixed(2));

function ratioCell(m: Metric | undefined): string {
  if (!m) return '—';
  if (m.samples.some((s) => s === NO_RATIO)) return 'n/a (uploaded nothing)';
  return `**${ratio(m.median)}** (${ratio(m.min)}–${ratio(m.max)})`;
}

/** "stopped in k/n" when the recorder no longer recorded after some windows of the workload. */
function stoppedMark(r: BenchResult, w: string, p: PeerName): string {
  const m = find(r, `${w}Recording${SUFFIX[p]}`);
  if (!m) return '';
  const stopped = m.samples.filter((s) => s === 0).length;
  return stopped ? ` ‡ stopped in ${stopped}/${m.samples.length}` : '';
}

function workloadsOf(r: BenchResult): string[] {
  return Object.keys(WORKLOAD_LABEL).filter((w) => find(r, `${w}ScriptReprise`));
}

export function peersTables(r: BenchResult): string[] {
  const ws = workloadsOf(r);
  const figs = (w: string): Array<Figure | 'KBPerMin'> => [
    ...(Object.keys(FIGURES) as Figure[]),
    ...(w === 'demo' ? (['KBPerMin'] as const) : []),
  ];
  const lines: string[] = [
    '**Reprise / each recorder** (median, min–max over the runs; below 1: Reprise costs less). ‡: that recorder stopped recording in that many windows (see the notes).',
    '',
    `| Workload | Figure | ${OTHERS.map((p) => PEER_SPECS[p].label).join(' | ')} |`,
    `| --- | --- | ${OTHERS.map(() => '---').join(' | ')} |`,
  ];
  for (const w of ws) {
    for (const fig of figs(w)) {
      const cells = OTHERS.map((p) => {
        const m = find(r, `${w}Ratio${fig}${SUFFIX[p]}`);
        return m ? `${ratioCell(m)}${stoppedMark(r, w, p)}` : '—';
      });
      lines.push(`| ${WORKLOAD_LABEL[w]} | ${FIGURE_LABEL[fig]} | ${cells.join(' | ')} |`);
    }
  }
  const units: Record<Figure | 'KBPerMin', string> = { Script: 'ms', LongMax: 'ms', KB: 'KB', KBPerMin: 'KB/min' };
  lines.push(
    '',
    '**Raw medians.** Longest task: 0 when no task reached 50 ms (taken as 50 ms in the ratios).',
    '',
    `| Workload | Figure | Unit | ${PEERS.map((p) => PEER_SPECS[p].label).join(' | ')} |`,
    `| --- | --- | --- | ${PEERS.map(() => '---:').join(' | ')} |`,
  );
  for (const w of ws) {
    for (const fig of figs(w)) {
      const cells = PEERS.map((p) => {
        const m = find(r, `${w}${fig}${SUFFIX[p]}`);
        return m ? num(m.median) : '—';
      });
      lines.push(`| ${WORKLOAD_LABEL[w]} | ${FIGURE_LABEL[fig]} | ${units[fig]} | ${cells.join(' | ')} |`);
    }
  }
  const size = (p: PeerName) => find(r, `bundleKB${SUFFIX[p]}`);
  if (size('reprise')) {
    const shown = PEERS.filter((p) => p !== 'sentryRaised');
    lines.push(
      '',
      '**Scripts the page loads for always-on recording** (gzip -9, KB; ratio Reprise / recorder).',
      '',
      `| | ${shown.map((p) => PEER_SPECS[p].label).join(' | ')} |`,
      `| --- | ${shown.map(() => '---:').join(' | ')} |`,
      `| KB | ${shown.map((p) => num(size(p)!.median)).join(' | ')} |`,
      `| Reprise / recorder | ${shown.map((p) => (p === 'reprise' ? '1' : ratio(find(r, `bundleRatio${SUFFIX[p]}`)!.median))).join(' | ')} |`,
    );
  }
  const versions = PEERS.filter((p) => typeof r.options[`${p}Version`] === 'string').map(
    (p) => `${PEER_SPECS[p].label}: ${String(r.options[`${p}Version`])}`,
  );
  lines.push('', `**Versions.** Reprise: the built SDK (${String(r.options.recorder)}); ${versions.join('; ')}.`);
  lines.push(
    `Recorders that upload: ${UPLOADERS.map((p) => PEER_SPECS[p].label).join(', ')}. Every figure of every run is in \`bench/results/peers.json\`.`,
  );
  return lines;
}
