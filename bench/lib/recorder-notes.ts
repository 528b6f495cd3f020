import { SUFFIX } from './recorder-metrics.js';
import type { AreaTime } from './recorder-profile.js';
import type { Variant } from './recorder-variants.js';
import type { Workload } from './recorder-workloads.js';
import { median } from './stats.js';

export interface AttributedProfile {
  totalMs: number;
  areas: AreaTime[];
}

/** What Reprise spends more than plain rrweb in one area, with the natives that grew most. */
interface Extra {
  area: string;
  ms: number;
  natives: Array<{ name: string; ms: number }>;
}

/**
 * Remedies, matched against "<area>|<native that grew most>". rrweb's own code counts too:
 * Reprise runs it with other options (privacy selectors, masking, sampling).
 */
const REMEDY: ReadonlyArray<[RegExp, string]> = [
  [
    /^rrweb.*\|(closest|matches)$/,
    "Reprise's privacy selectors in rrweb: the block selector ([data-reprise-block] plus the user's) is tested with " +
      "Element.matches on every serialized element, the mask selector ([data-reprise-mask] plus the user's) on every element a " +
      "mutation adds (each element once per emit: rrweb's ancestor walk with Element.closest is memoized by the SDK build, " +
      "packages/recorder/rrweb-patches.mjs, as is the block check of a childList record's target, once per node per observer callback). " +
      "Blink matches attribute selectors slower than plain rrweb's class checks " +
      '(.rr-mask, .rr-block); class-based markers would move what is left',
  ],
  [
    /^Reprise transport\/(batcher|transport)/,
    'the per-event JSON.stringify in Batcher.serialize (transport/batcher.ts): serializing is what uploading costs (the baseline never ' +
      'serializes its array); the batch is then spliced from those strings as a rope (no further copy until the Worker hand-off). ' +
      "rrweb's serialized nodes are kept out of V8's dictionary mode (rrweb-patches/fast-nodes.mjs), so V8's fast JSON.stringify path " +
      'runs (rrweb as published: 2–4× slower on a snapshot, Chromium 156); an object another rrweb path leaves in dictionary mode would show here. ' +
      'It can move out of the tasks that produce events (idle slices) but not off the main thread: structured clone of the event ' +
      'object to a Worker costs the main thread about 2.4× JSON.stringify (50k-node snapshot, measured in Chromium 156)',
  ],
  [
    /^Reprise transport\/compress/,
    'posting each batch string to the compression Worker (a copy) and taking its reply; UTF-8 encoding and compression already run in the Worker',
  ],
  [/^Reprise capture\/(console|serialize)/, 'console argument serialization; lower caps (depth, keys) would move it'],
  [/^Reprise capture\/network/, 'network capture (headers and bodies of fetch/XHR); body capture is the part to restrict'],
  [/^Reprise capture\/clicks/, 'click description (selector uniqueness checks, visible text walk)'],
  [
    /^Reprise (session|storage|link)/,
    'sessionStorage access (the first one in a page waits for the browser to hand over the storage area)',
  ],
  [/^Reprise /, 'the recorder code in that file'],
  [/^garbage collection/, "garbage collection of Reprise's copies of the events (JSON strings, batch strings)"],
];

function extras(reprise: AttributedProfile, rrweb: AttributedProfile): Extra[] {
  const rr = new Map(rrweb.areas.map((a) => [a.area, a]));
  return (
    reprise.areas
      // The page's own code is the same in both windows: its difference is noise.
      .filter((a) => !a.area.startsWith('page'))
      .map((a) => {
        const base = rr.get(a.area);
        const baseNative = new Map((base?.natives ?? []).map((n) => [n.name, n.ms]));
        const natives = a.natives
          .map((n) => ({ name: n.name, ms: n.ms - (baseNative.get(n.name) ?? 0) }))
          .filter((n) => n.ms >= 1)
          .sort((x, y) => y.ms - x.ms);
        return { area: a.area, ms: a.ms - (base?.ms ?? 0), natives };
      })
      .filter((e) => e.ms >= 1)
      .sort((x, y) => y.ms - x.ms)
  );
}

export function describeAreas(p: AttributedProfile, limit: number): string {
  const parts = p.areas.slice(0, limit).map((a) => {
    const nat = a.natives
      .slice(0, 3)
      .filter((n) => n.ms >= 1)
      .map((n) => `${n.name} ${n.ms.toFixed(0)} ms`);
    return `${a.area} ${a.ms.toFixed(0)} ms${nat.length ? ` (${nat.join(', ')})` : ''}`;
  });
  return `${p.totalMs.toFixed(0)} ms sampled: ${parts.join('; ')}`;
}

/** Where Reprise's extra main-thread time went in one profiled window per recorder, and what would move it. */
export function profileNote(
  label: string,
  ratio: number,
  target: number,
  prof: { rrweb: AttributedProfile; reprise: AttributedProfile },
): string {
  const missed = ratio > target;
  const all = extras(prof.reprise, prof.rrweb);
  const top = all.slice(0, 4);
  const extraTotal = all.reduce((n, e) => n + e.ms, 0);
  // Remedies only for areas that carry a real share of the extra time.
  const remedies = top
    .filter((e) => e.ms >= 0.15 * extraTotal)
    .map((e) => REMEDY.find(([re]) => re.test(`${e.area}|${e.natives[0]?.name ?? ''}`))?.[1])
    .filter((r): r is string => r !== undefined)
    .filter((r, i, all) => all.indexOf(r) === i)
    .slice(0, 2);
  const extraText = top
    .map(
      (e) =>
        `${e.area} +${e.ms.toFixed(0)} ms${
          e.natives.length
            ? ` (${e.natives
                .slice(0, 2)
                .map((n) => `${n.name} +${n.ms.toFixed(0)} ms`)
                .join(', ')})`
            : ''
        }`,
    )
    .join(', ');
  return (
    `${label}: Reprise / plain rrweb script time ×${ratio.toFixed(3)}${missed ? ` (target ≤ ${target}: missed)` : ''}. ` +
    `CPU profile of one extra window per recorder (CDP Profiler, 100 µs sampling; self time by source file through the bundles' ` +
    `source maps, a native's time counted for the script that called it). Reprise window ${describeAreas(prof.reprise, 6)}. ` +
    `Plain rrweb window ${describeAreas(prof.rrweb, 4)}. Reprise's extra time: ${extraText || 'none measurable'}` +
    (missed && remedies.length ? `. Bottleneck and what would move it: ${remedies.join('; ')}.` : '.')
  );
}

/** Whether each target was met (medians over runs), and why the snapshot's long task is what it is. */
export function targetNotes(
  list: readonly Workload[],
  rows: ReadonlyArray<Record<string, number>>,
  ratioTarget: number,
  longTaskTargetMs: number,
  /** Reprise's initial snapshot of the large page per run: the tasks it took; how many runs retook it in one task. */
  sliced: { tasks: readonly number[]; retaken: number },
): string[] {
  const med = (key: string) => median(rows.map((r) => r[key]!));
  const met: string[] = [];
  const missed: string[] = [];
  for (const w of list) {
    const ratio = med(`${w.key}RatioScript`);
    (ratio <= ratioTarget ? met : missed).push(`${w.key} ×${ratio.toFixed(3)}`);
  }
  const notes = [
    `Target Reprise / plain rrweb main-thread script time ≤ ${ratioTarget} (median over runs): ` +
      `met for ${met.length ? met.join(', ') : 'none'}; missed for ${missed.length ? missed.join(', ') : 'none'}.`,
  ];
  const snap = list.find((w) => w.key === 'snapshot');
  if (snap) {
    const long = (v: Variant) => med(`snapshotLongMax${SUFFIX[v]}`);
    const rp = long('reprise');
    const rr = long('rrweb');
    const tasks = sliced.tasks.length ? `${Math.min(...sliced.tasks)}–${Math.max(...sliced.tasks)}` : 'unknown';
    notes.push(
      `Target: the initial snapshot of the ${snap.size}-node page produces no task over ${longTaskTargetMs} ms: ` +
        `${rp <= longTaskTargetMs ? 'met' : 'missed'} (Reprise's longest task ${rp.toFixed(0)} ms, plain rrweb's ${rr.toFixed(0)} ms, medians; ` +
        `long tasks are wall time, so load on the machine lengthens them; 0 means no task over 50 ms). ` +
        `Plain rrweb serializes the whole document in one task (rrweb-snapshot's recursive serializeNodeWithId). The SDK build ` +
        `slices it, and its checkouts (packages/recorder/rrweb-patches.mjs): generator copies of that serializer yield every ~30 ms and continue in ` +
        `the next task, and the snapshot is retaken in one task if something it already serialized changes meanwhile. Here Reprise's snapshot took ` +
        `${tasks} tasks and was retaken in ${sliced.retaken} of ${sliced.tasks.length} runs; Reprise's JSON of the snapshot runs ` +
        `in a task of its own after it (dom/rrweb-adapter.ts).`,
    );
  }
  return notes;
}
