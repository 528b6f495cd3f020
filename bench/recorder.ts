import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test-support/chromium.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { measureWindow, type WindowFigures } from './lib/recorder-measure.js';
import { PageServer } from './lib/recorder-pages.js';
import { profileNote, targetNotes } from './lib/recorder-notes.js';
import { attributeProfile, SourceMapIndex } from './lib/recorder-profile.js';
import { rowFor, specsFor } from './lib/recorder-metrics.js';
import { buildRrwebBundle, buildWorkloadBundle, VARIANTS, type Variant } from './lib/recorder-variants.js';
import { FULL_SIZES, SMOKE_SIZES, workloads, type Site, type Workload, type WorkloadSizes } from './lib/recorder-workloads.js';
import { BENCH_DIR, collectMetrics, type BenchResult } from './lib/results.js';
import { RECORDER_BUNDLE, recorderFingerprint, startBenchServer } from './lib/server.js';
import { median } from './lib/stats.js';

export interface RecorderBenchOptions {
  runs: number;
  sizes: WorkloadSizes;
  /** Profile the windows of these workloads even when their targets are met (smoke runs test the attribution). */
  alwaysProfile: readonly string[];
  /** Quiet time after each drain (upload), before and at the end of a window, ms. */
  settleMs: number;
  /** The SDK build to measure (with its .map next to it); default: packages/recorder/dist/browser/reprise.js. */
  sdk?: string;
  command: string;
  log?: (line: string) => void;
}

export function recorderOptions(args: { runs?: number; smoke: boolean; command: string }): RecorderBenchOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    sizes: args.smoke ? SMOKE_SIZES : FULL_SIZES,
    alwaysProfile: args.smoke ? ['snapshot'] : [],
    settleMs: args.smoke ? 50 : 150,
    command: args.command,
    // Another build of the SDK (e.g. the main branch's, for a before/after beside the same rrweb).
    sdk: process.env.BENCH_RECORDER_SDK || undefined,
  };
}

/** Reprise's main-thread time may be at most this multiple of plain rrweb's (issue 20: at most 1.0× on every workload). */
export const RATIO_TARGET = 1.0;
/** The initial snapshot of the large page may not produce a longer task, ms. */
export const LONG_TASK_TARGET_MS = 200;

/** What the runs add up beyond the rows: problems seen and the recorder's own reports. */
interface Tally {
  problems: Set<string>;
  /** Windows in which Reprise compressed in a Worker, of `repriseWindows`. */
  workerWindows: number;
  repriseWindows: number;
  /** Reprise's initial snapshot of the large page, per run: tasks it took, and whether it was retaken. */
  snapshotTasks: number[];
  snapshotRetaken: number;
}

export async function runRecorder(opts: RecorderBenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const list = workloads(opts.sizes);
  const server = await startBenchServer({ needRecorder: true });
  let pages: PageServer | null = null;
  let browser: Browser | null = null;
  let chromium = '';
  let recorder = '';
  const rows: Record<string, number>[] = [];
  const notes: string[] = [];
  const tally: Tally = { problems: new Set(), workerWindows: 0, repriseWindows: 0, snapshotTasks: [], snapshotRetaken: 0 };
  const started = Date.now();
  try {
    // Pinned for every run: the bundle on disk may be rebuilt while the benchmark runs.
    const sdkPath = opts.sdk ?? RECORDER_BUNDLE;
    const sdk = readFileSync(sdkPath);
    const sdkMap = readFileSync(`${sdkPath}.map`, 'utf8');
    recorder = recorderFingerprint(sdk);
    const [rrweb, workloadJs] = await Promise.all([buildRrwebBundle(), buildWorkloadBundle()]);
    pages = await PageServer.start(server.base, server.projectKey, { workloads: workloadJs.code, rrweb: rrweb.code, sdk });
    const site: Site = { base: pages.base, projectKey: server.projectKey };
    // Profiles name script URLs; their source maps name the files.
    const maps = new Map([
      ['/sdk/reprise.js', new SourceMapIndex(sdkMap)],
      // The lazy chunks are served from the SDK's own directory by the Reprise server.
      ...chunkMaps(path.dirname(sdkPath)),
      ['/bench/rrweb.js', new SourceMapIndex(rrweb.map)],
      ['/bench/workloads.js', new SourceMapIndex(workloadJs.map)],
    ]);
    browser = await launchChromium();
    chromium = browser.version();
    for (let run = 0; run < opts.runs; run++) rows.push(await measureRun(browser, site, list, run, opts, tally, log));

    notes.push(
      ...targetNotes(list, rows, RATIO_TARGET, LONG_TASK_TARGET_MS, { tasks: tally.snapshotTasks, retaken: tally.snapshotRetaken }),
    );
    notes.push(...(await profileNotes(browser, site, list, rows, maps, opts)));
    notes.push(...methodNotes(tally, opts.settleMs));
    for (const p of tally.problems) notes.push(`Problem: ${p}`);
    log(`recorder benchmark took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await browser?.close();
    await pages?.close();
    await server.close();
  }

  const specs = list.flatMap(specsFor);
  return {
    name: 'recorder',
    title: 'Recorder overhead in the browser',
    measured: measuredText(list),
    baseline: BASELINE,
    machine: describeMachine(chromium),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: {
      ...opts.sizes,
      settleMs: opts.settleMs,
      recorder,
      rrweb: rrwebVersion(),
      revision: gitRevision(),
    },
    metrics: collectMetrics(specs, rows),
    headline: [...list.map((w) => `${w.key}RatioScript`), 'snapshotLongMaxRrweb', 'snapshotLongMaxReprise'],
    notes,
  };
}

/** Source maps of the SDK's lazy chunks (reprise-<name>.<hash>.js beside it), by the path they are served at. */
function chunkMaps(dir: string): Array<[string, SourceMapIndex]> {
  return readdirSync(dir)
    .filter((f) => /^reprise-.+\.js$/.test(f) && existsSync(path.join(dir, `${f}.map`)))
    .map((f) => [`/sdk/${f}`, new SourceMapIndex(readFileSync(path.join(dir, `${f}.map`), 'utf8'))]);
}

/** One run: every workload once per variant, variant order rotated per run; the run's row. */
async function measureRun(
  browser: Browser,
  site: Site,
  list: Workload[],
  run: number,
  opts: RecorderBenchOptions,
  tally: Tally,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const row: Record<string, number> = {};
  for (const w of list) {
    const figures = {} as Record<Variant, WindowFigures>;
    // Rotated per run, so no variant always goes first (warm caches, machine load).
    for (let i = 0; i < VARIANTS.length; i++) {
      const v = VARIANTS[(i + run) % VARIANTS.length]!;
      const f = await measureWindow(browser, site, w, v, { profile: false, settleMs: opts.settleMs });
      figures[v] = f;
      for (const e of f.pageErrors) tally.problems.add(`${w.key}/${v}: page error ${e}`);
      if (f.output.internalErrors > 0) tally.problems.add(`${w.key}/${v}: ${f.output.internalErrors} recorder internal errors`);
    }
    tallyWindow(tally, w.key, figures);
    Object.assign(row, rowFor(w, figures));
    log(
      `recorder run ${run + 1}/${opts.runs} ${w.key}: script ms none ${figures.none.scriptMs.toFixed(1)}, ` +
        `rrweb ${figures.rrweb.scriptMs.toFixed(1)}, Reprise ${figures.reprise.scriptMs.toFixed(1)} ` +
        `(×${row[`${w.key}RatioScript`]!.toFixed(3)}); longest task rrweb ${figures.rrweb.longTaskMaxMs.toFixed(0)} ms, ` +
        `Reprise ${figures.reprise.longTaskMaxMs.toFixed(0)} ms`,
    );
  }
  return row;
}

function tallyWindow(tally: Tally, key: string, figures: Record<Variant, WindowFigures>): void {
  tally.repriseWindows++;
  tally.workerWindows += figures.reprise.output.workerCompression;
  if (key === 'snapshot') {
    tally.snapshotTasks.push(figures.reprise.output.snapshotTasks);
    tally.snapshotRetaken += figures.reprise.output.snapshotRetaken;
  }
  if (figures.rrweb.output.events === 0) tally.problems.add(`${key}: plain rrweb recorded no events`);
  if (figures.reprise.output.batchesSent === 0) tally.problems.add(`${key}: Reprise uploaded no batch`);
}

/** A CPU profile where the ratio target is missed (or where asked for): where Reprise's extra time goes. */
async function profileNotes(
  browser: Browser,
  site: Site,
  list: Workload[],
  rows: Record<string, number>[],
  maps: Map<string, SourceMapIndex>,
  opts: RecorderBenchOptions,
): Promise<string[]> {
  const notes: string[] = [];
  const ratio = (key: string) => median(rows.map((r) => r[`${key}RatioScript`]!));
  for (const w of list) {
    if (ratio(w.key) <= RATIO_TARGET && !opts.alwaysProfile.includes(w.key)) continue;
    const prof = {
      rrweb: attributeProfile((await measureWindow(browser, site, w, 'rrweb', { profile: true, settleMs: opts.settleMs })).profile!, maps),
      reprise: attributeProfile(
        (await measureWindow(browser, site, w, 'reprise', { profile: true, settleMs: opts.settleMs })).profile!,
        maps,
      ),
    };
    notes.push(profileNote(w.label, ratio(w.key), RATIO_TARGET, prof));
  }
  return notes;
}

function methodNotes(tally: Tally, settleMs: number): string[] {
  return [
    `Compression stayed off the main thread: Reprise reported compression in a Worker in ${tally.workerWindows} of ${tally.repriseWindows} measured windows ` +
      `(the Worker's CPU time is not in the main-thread figures; posting the batch string to it (a structured clone) is main-thread ` +
      `work and is in them, under transport/compress.ts in the profiles); the upload is a fetch whose acknowledgement the window waits for.`,
    `Windows: for the DOM workloads and the demo shop the recorder is started and its initial upload done before the window; the ` +
      `window is the workload, then Reprise.flush() (cut, compress, POST, ack), then ${settleMs} ms to settle, identical for every variant. ` +
      `For the snapshot workload the window starts when the recorder's script element is added to the already built page, so it holds ` +
      `loading and starting the recorder too, and its no-recorder window is almost empty (hence the large ratios to no recorder).`,
  ];
}

function measuredText(list: Workload[]): string {
  return (
    `Main-thread cost of recording in headless Chromium, read over CDP (Performance.getMetrics with threadTicks: ScriptDuration ` +
    `and TaskDuration as the renderer main thread's CPU time, JSHeapUsedSize after HeapProfiler.collectGarbage), and long tasks ` +
    `from a PerformanceObserver('longtask') installed before any page script. Workloads: ${list.map((w) => w.label).join('; ')}. ` +
    `Every workload runs once per variant per run, each in a fresh browser context, variant order rotated per run. The synthetic ` +
    `pages come from bench/pages/workloads.ts; the demo shop page is the real one with its recorder tag swapped per variant. ` +
    `Reprise is the built /sdk/reprise.js (pinned for the whole run, see options.recorder) with default options: DOM, console, ` +
    `network, errors, navigation, vitals, clicks, compression in a Worker and upload to the in-process Reprise server through a loopback ` +
    `page server (real ingest, acknowledged).`
  );
}

const BASELINE =
  `Measured in the same run, same pages and windows: no recorder (an empty script instead), and plain @rrweb/record ` +
  `with rrweb's defaults and @rrweb/rrweb-plugin-console-record, bundled and minified by esbuild, every event pushed into an ` +
  `in-memory array (what an rrweb integration holds until its own upload; it is never serialized or sent). Ratios are per run, ` +
  `then the median.`;

function rrwebVersion(): string {
  const read = (p: string) =>
    (JSON.parse(readFileSync(path.join(BENCH_DIR, '..', 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
  return `@rrweb/record ${read('@rrweb/record')}, console plugin ${read('@rrweb/rrweb-plugin-console-record')}`;
}
