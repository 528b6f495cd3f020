import type { Browser, BrowserContext } from 'playwright-core';
import type { SessionDetail } from '@reprise/protocol';
import { ADMIN } from '../e2e/support/server.js';
import { launchChromium } from '../test-support/chromium.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { trackEventReads, watchHeap } from './lib/replay-heap.js';
import { describePhase, PhaseProfiler } from './lib/replay-profile.js';
import { eventBytesBefore, firstFrameMs, routeBaseline, seek, watchFirstFrame, type SeekOutcome } from './lib/replay-page.js';
import { ingestLongSession, recorderIntervals, type IngestedSession } from './lib/replay-session.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { createRng } from '../test-support/rng.js';
import { startBenchServer, type RunningServer } from './lib/server.js';
import { median, percentile } from './lib/stats.js';

export interface ReplayOptions {
  runs: number;
  /** Length of the synthetic session. */
  durationMin: number;
  /** Seek targets per run and player. */
  seeks: number;
  /** Length of the long session (the issue's 3-hour recordings), opened in the Reprise viewer in every run. */
  longDurationMin: number;
  /** Seek targets in the long session: half across it, half in its last tenth. */
  longSeeks: number;
  seed: number;
  /** Checkout interval of the synthetic session: the recorder's default unless an experiment sets another. */
  checkoutEveryMs: number;
  command: string;
  log?: (line: string) => void;
}

export function replayOptions(args: { runs?: number; smoke: boolean; command: string }): ReplayOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    durationMin: args.smoke ? 3 : 60,
    seeks: args.smoke ? 6 : 20,
    longDurationMin: args.smoke ? 5 : 180,
    longSeeks: args.smoke ? 4 : 20,
    seed: 13,
    checkoutEveryMs: recorderIntervals().checkoutEveryMs,
    command: args.command,
  };
}

/** Goals of the issue, reported with the figures. */
const TARGET_FIRST_FRAME_MS = 1000;
const TARGET_SEEK_P95_MS = 250;
/** Goals for the long session. */
const TARGET_LONG_FIRST_FRAME_MS = 500;
const TARGET_LONG_SEEK_P95_MS = 150;
const TARGET_LONG_PEAK_HEAP_MB = 300;
/** A session is live (the viewer then opens it at its newest events) while its last batch is under 10 s old. */
const LIVE_WINDOW_MS = 10_000;

const SPECS: MetricSpec[] = [
  { key: 'repriseFirstFrameMs', label: 'Reprise viewer: time to first frame', unit: 'ms', role: 'reprise' },
  { key: 'repriseSeekP50Ms', label: 'Reprise viewer: seek latency p50', unit: 'ms', role: 'reprise' },
  { key: 'repriseSeekP95Ms', label: 'Reprise viewer: seek latency p95', unit: 'ms', role: 'reprise' },
  { key: 'repriseSeekMaxMs', label: 'Reprise viewer: slowest seek', unit: 'ms', role: 'reprise' },
  { key: 'baselineFirstFrameMs', label: 'Baseline (rrweb Replayer, whole file): time to first frame', unit: 'ms', role: 'baseline' },
  { key: 'baselineSeekP50Ms', label: 'Baseline: seek latency p50', unit: 'ms', role: 'baseline' },
  { key: 'baselineSeekP95Ms', label: 'Baseline: seek latency p95', unit: 'ms', role: 'baseline' },
  { key: 'baselineSeekMaxMs', label: 'Baseline: slowest seek', unit: 'ms', role: 'baseline' },
  { key: 'ratioFirstFrame', label: 'Reprise / baseline, time to first frame', unit: 'ratio', role: 'ratio' },
  { key: 'ratioSeekP50', label: 'Reprise / baseline, seek p50', unit: 'ratio', role: 'ratio' },
  { key: 'ratioSeekP95', label: 'Reprise / baseline, seek p95', unit: 'ratio', role: 'ratio' },
  { key: 'repriseRetainedHeapMB', label: 'Reprise viewer: JS heap retained at the end (after GC)', unit: 'MB', role: 'reprise' },
  { key: 'reprisePeakHeapMB', label: 'Reprise viewer: peak JS heap (sampled every 100 ms)', unit: 'MB', role: 'reprise' },
  { key: 'baselinePeakHeapMB', label: 'Baseline: peak JS heap (sampled every 100 ms)', unit: 'MB', role: 'baseline' },
  { key: 'longFirstFrameMs', label: 'Long session, Reprise viewer: time to first frame', unit: 'ms', role: 'reprise' },
  { key: 'longSeekP50Ms', label: 'Long session, Reprise viewer: seek latency p50', unit: 'ms', role: 'reprise' },
  { key: 'longSeekP95Ms', label: 'Long session, Reprise viewer: seek latency p95', unit: 'ms', role: 'reprise' },
  {
    key: 'longEndSeekP95Ms',
    label: 'Long session, Reprise viewer: seek latency p95 of the seeks into its last tenth',
    unit: 'ms',
    role: 'reprise',
  },
  { key: 'longSeekMaxMs', label: 'Long session, Reprise viewer: slowest seek', unit: 'ms', role: 'reprise' },
  { key: 'longPeakHeapMB', label: 'Long session, Reprise viewer: peak JS heap (sampled every 100 ms)', unit: 'MB', role: 'reprise' },
  { key: 'longRetainedHeapMB', label: 'Long session, Reprise viewer: JS heap retained at the end (after GC)', unit: 'MB', role: 'reprise' },
  { key: 'longRatioFirstFrame', label: 'Long / 60-minute session (Reprise), time to first frame', unit: 'ratio', role: 'ratio' },
  { key: 'longRatioSeekP95', label: 'Long / 60-minute session (Reprise), seek p95', unit: 'ratio', role: 'ratio' },
  { key: 'longRatioPeakHeap', label: 'Long / 60-minute session (Reprise), peak JS heap', unit: 'ratio', role: 'ratio' },
  {
    key: 'longVsBaselineFirstFrame',
    label: 'Long session in Reprise / 60-minute session in the baseline, time to first frame',
    unit: 'ratio',
    role: 'ratio',
  },
  {
    key: 'longVsBaselineSeekP95',
    label: 'Long session in Reprise / 60-minute session in the baseline, seek p95',
    unit: 'ratio',
    role: 'ratio',
  },
  {
    key: 'longVsBaselinePeakHeap',
    label: 'Long session in Reprise / 60-minute session in the baseline, peak JS heap',
    unit: 'ratio',
    role: 'ratio',
  },
  { key: 'repriseFirstFrameKB', label: 'Reprise: event bytes received before the first frame', unit: 'KB', role: 'info' },
  { key: 'repriseFirstFrameRequests', label: 'Reprise: event requests before the first frame', unit: 'count', role: 'info' },
  { key: 'baselineFirstFrameKB', label: 'Baseline: event bytes received before the first frame', unit: 'KB', role: 'info' },
  { key: 'repriseWindowSeeks', label: 'Reprise: seeks that had to load their window first', unit: 'count', role: 'info' },
  { key: 'seekFailures', label: 'Seeks that never showed the expected frame (both players)', unit: 'count', role: 'info' },
  { key: 'sessionMinutes', label: 'Session length (event time)', unit: 'min', role: 'info' },
  { key: 'rrwebEventsPerMin', label: 'rrweb events per minute', unit: 'count', role: 'info' },
  { key: 'jsonKBPerMin', label: 'Events per minute, JSON', unit: 'KB/min', role: 'info' },
  { key: 'storedMB', label: 'Session as uploaded (gzip batches)', unit: 'MB', role: 'info' },
  { key: 'fullSnapshots', label: 'Full snapshots (page loads + checkouts)', unit: 'count', role: 'info' },
  { key: 'longSeekFailures', label: 'Long session: seeks that never showed the expected frame', unit: 'count', role: 'info' },
  { key: 'longSessionMinutes', label: 'Long session length (event time)', unit: 'min', role: 'info' },
  { key: 'longStoredMB', label: 'Long session as uploaded (gzip batches)', unit: 'MB', role: 'info' },
  { key: 'longJsonMB', label: 'Long session, JSON', unit: 'MB', role: 'info' },
];

interface PlayerRun {
  firstFrameMs: number;
  firstFrameBytes: number;
  firstFrameRequests: number;
  seeks: SeekOutcome[];
  /** Highest used JS heap sampled from navigation until every window was read and every seek done. */
  peakHeapMB: number;
  /** Used JS heap after a forced garbage collection at the end: what the player holds. */
  retainedHeapMB: number;
  /** With `profile`: where the main thread spent the first frame and the seeks. */
  profile?: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loggedInContext(browser: Browser, base: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const res = await context.request.post(`${base}/api/v1/auth/login`, { data: ADMIN });
  if (!res.ok()) throw new Error(`login failed: ${res.status()}`);
  return context;
}

/** One player, fresh browser context (cold cache, as someone opening a link): first frame, then every seek. */
async function measurePlayer(
  browser: Browser,
  server: RunningServer,
  mode: 'reprise' | 'baseline',
  s: IngestedSession,
  targets: number[],
  profile = false,
): Promise<PlayerRun> {
  const context = await loggedInContext(browser, server.base);
  try {
    await watchFirstFrame(context, s.session.clockAt(s.session.startTime + 2));
    if (mode === 'baseline') await routeBaseline(context, server.base);
    const page = await context.newPage();
    const heap = await watchHeap(context, page);
    const reads = trackEventReads(page);
    const profiler = profile ? await PhaseProfiler.attach(context, page) : null;
    const phases: string[] = [];
    await profiler?.start();
    const url = mode === 'reprise' ? `/sessions/${s.sessionId}` : `/__bench/baseline?session=${s.sessionId}`;
    await page.goto(`${server.base}${url}`);
    const firstFrame = await firstFrameMs(page);
    if (profiler) phases.push(describePhase('until the first frame', await profiler.stop()));
    const bytes = await eventBytesBefore(page, firstFrame);
    // Seeking starts as soon as the player takes input: the Reprise viewer is still streaming the rest.
    if (mode === 'reprise') await page.waitForSelector('[data-testid="player"][data-state="ready"]');
    else await page.waitForFunction(() => window.__benchReplayer !== undefined);
    const seeks: SeekOutcome[] = [];
    await profiler?.start();
    for (const ms of targets) seeks.push(await seek(page, mode, ms, s.session.clockAt(s.session.startTime + ms)));
    if (profiler) phases.push(describePhase(`${targets.length} seeks`, await profiler.stop()));
    // The heap is reported once the whole session is in (the viewer may still be streaming it).
    await reads.settled();
    const { peakMB, retainedMB } = await heap.stop();
    return {
      firstFrameMs: firstFrame,
      firstFrameBytes: bytes.bytes,
      firstFrameRequests: bytes.requests,
      seeks,
      peakHeapMB: peakMB,
      retainedHeapMB: retainedMB,
      profile: profiler ? phases : undefined,
    };
  } finally {
    await context.close();
  }
}

function seekTimes(run: PlayerRun, timeoutMs: number): number[] {
  return run.seeks.map((x) => x.ms ?? timeoutMs);
}

export async function runReplay(opts: ReplayOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const intervals = { ...recorderIntervals(), checkoutEveryMs: opts.checkoutEveryMs };
  const server = await startBenchServer({ needRecorder: false });
  let browser: Browser | null = null;
  const rows: Record<string, number>[] = [];
  const notes: string[] = [];
  let chromium = '';
  const durationMs = opts.durationMin * 60_000;
  try {
    const shape = {
      seed: opts.seed,
      checkoutEveryMs: intervals.checkoutEveryMs,
      batchEveryMs: intervals.batchEveryMs,
      pageEveryMs: 10 * 60_000,
      nodes: 1500,
    };
    const s = await ingestLongSession(server, `bench_replay_${opts.seed}`, {
      ...shape,
      startTime: Date.now() - durationMs - 60_000,
      durationMs,
    });
    log(ingestLine('replay', s));
    const longMs = opts.longDurationMin * 60_000;
    const long = await ingestLongSession(server, `bench_replay_long_${opts.seed}`, {
      ...shape,
      startTime: Date.now() - longMs - 60_000,
      durationMs: longMs,
    });
    log(ingestLine('replay (long)', long));
    const ingestedAt = Date.now();
    browser = await launchChromium();
    chromium = browser.version();
    const rng = createRng(opts.seed);
    const span = durationMs - 10_000;
    const targets = Array.from({ length: opts.seeks }, () => 5000 + Math.floor((rng.next() * span) / 100) * 100);
    const longTargets = spreadTargets(rng, longMs, opts.longSeeks);

    // Warm-up (not measured): the server's read path and the page code, while the sessions stop being live.
    await measurePlayer(browser, server, 'baseline', s, targets.slice(0, 2));
    await sleep(Math.max(0, ingestedAt + LIVE_WINDOW_MS + 500 - Date.now()));
    for (const x of [s, long]) {
      const detail = await server.api<SessionDetail>(`/api/v1/sessions/${x.sessionId}`);
      if (detail.live) throw new Error('the session is still live: the viewer would open it at its end');
    }

    const timeout = 15_000;
    const players = ['reprise', 'baseline', 'long'] as const;
    for (let run = 0; run < opts.runs; run++) {
      // Rotate the order, so no player always runs on a machine another just warmed up.
      const order = players.map((_, i) => players[(i + run) % players.length]!);
      const out: Partial<Record<(typeof players)[number], PlayerRun>> = {};
      for (const p of order) {
        out[p] =
          p === 'long'
            ? await measurePlayer(browser, server, 'reprise', long, longTargets)
            : await measurePlayer(browser, server, p, s, targets);
      }
      const r = out.reprise!;
      const b = out.baseline!;
      const l = out.long!;
      notes.push(...seekFailureNotes(run, r, b, targets, s), ...longFailureNotes(run, l, longTargets, long));
      const row = { ...replayRow(r, b, s, opts.durationMin, timeout), ...longRow(l, r, b, long, longTargets, longMs, timeout) };
      rows.push(row);
      log(
        `replay run ${run + 1}/${opts.runs}: first frame ${row.repriseFirstFrameMs!.toFixed(0)} ms (baseline ${row.baselineFirstFrameMs!.toFixed(0)}), ` +
          `seek p50/p95 ${row.repriseSeekP50Ms!.toFixed(0)}/${row.repriseSeekP95Ms!.toFixed(0)} ms (baseline ${row.baselineSeekP50Ms!.toFixed(0)}/${row.baselineSeekP95Ms!.toFixed(0)}), ` +
          `peak heap ${row.reprisePeakHeapMB!.toFixed(0)} MB (baseline ${row.baselinePeakHeapMB!.toFixed(0)})` +
          (row.seekFailures ? `, ${row.seekFailures} seeks failed` : ''),
      );
      log(
        `replay run ${run + 1}/${opts.runs}, ${opts.longDurationMin} min: first frame ${row.longFirstFrameMs!.toFixed(0)} ms, ` +
          `seek p50/p95 ${row.longSeekP50Ms!.toFixed(0)}/${row.longSeekP95Ms!.toFixed(0)} ms (last tenth p95 ${row.longEndSeekP95Ms!.toFixed(0)}), ` +
          `peak heap ${row.longPeakHeapMB!.toFixed(0)} MB, retained ${row.longRetainedHeapMB!.toFixed(0)} MB` +
          (row.longSeekFailures ? `, ${row.longSeekFailures} seeks failed` : ''),
      );
    }
    // One more pass over the long session, profiled (not measured: the profiler slows the page down).
    const profiled = await measurePlayer(browser, server, 'reprise', long, longTargets, true);
    notes.push(
      ...targetNotes(rows, opts.longDurationMin),
      profileNote(opts.longDurationMin, profiled),
      await longBaselineNote(browser, server, long, longTargets.filter((t) => t >= longMs * 0.9).slice(0, 4), opts.longDurationMin),
      ...sessionNotes(s, intervals.checkoutEveryMs),
      ...sessionNotes(long, intervals.checkoutEveryMs),
      'The sessions are measured once they are no longer live (10 s after their last batch), so the viewer opens them at their start, not at their live edge.',
    );
  } finally {
    await browser?.close();
    await server.close();
  }
  return {
    name: 'replay',
    title: `Replay of a ${opts.durationMin}-minute and a ${opts.longDurationMin}-minute session: first frame, seeking and heap`,
    measured: measuredText(opts, intervals),
    baseline: BASELINE,
    machine: describeMachine(chromium),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: {
      durationMin: opts.durationMin,
      seeks: opts.seeks,
      seed: opts.seed,
      longDurationMin: opts.longDurationMin,
      longSeeks: opts.longSeeks,
      checkoutEveryMs: intervals.checkoutEveryMs,
      revision: gitRevision(),
    },
    metrics: collectMetrics(SPECS, rows),
    headline: [
      'repriseFirstFrameMs',
      'baselineFirstFrameMs',
      'ratioFirstFrame',
      'repriseSeekP95Ms',
      'baselineSeekP95Ms',
      'ratioSeekP95',
      'longFirstFrameMs',
      'longSeekP95Ms',
      'longPeakHeapMB',
      'longRatioFirstFrame',
      'longRatioSeekP95',
      'longRatioPeakHeap',
    ],
    notes,
  };
}

/** One run's row: Reprise's and the baseline's figures, the session's, and their ratios. */
function replayRow(r: PlayerRun, b: PlayerRun, s: IngestedSession, durationMin: number, timeout: number): Record<string, number> {
  const st = s.stats;
  const rs = seekTimes(r, timeout);
  const bs = seekTimes(b, timeout);
  const failures = [...r.seeks, ...b.seeks].filter((x) => x.ms === null);
  const row: Record<string, number> = {
    repriseFirstFrameMs: r.firstFrameMs,
    repriseSeekP50Ms: percentile(rs, 50),
    repriseSeekP95Ms: percentile(rs, 95),
    repriseSeekMaxMs: Math.max(...rs),
    baselineFirstFrameMs: b.firstFrameMs,
    baselineSeekP50Ms: percentile(bs, 50),
    baselineSeekP95Ms: percentile(bs, 95),
    baselineSeekMaxMs: Math.max(...bs),
    reprisePeakHeapMB: r.peakHeapMB,
    repriseRetainedHeapMB: r.retainedHeapMB,
    baselinePeakHeapMB: b.peakHeapMB,
    repriseFirstFrameKB: r.firstFrameBytes / 1000,
    repriseFirstFrameRequests: r.firstFrameRequests,
    baselineFirstFrameKB: b.firstFrameBytes / 1000,
    repriseWindowSeeks: r.seeks.filter((x) => x.loadedWindow).length,
    seekFailures: failures.length,
    sessionMinutes: (s.session.endTime - s.session.startTime) / 60_000,
    rrwebEventsPerMin: st.domEvents / durationMin,
    jsonKBPerMin: st.jsonBytes / 1000 / durationMin,
    storedMB: st.gzipBytes / 1e6,
    fullSnapshots: st.fullSnapshots,
  };
  row.ratioFirstFrame = row.repriseFirstFrameMs! / row.baselineFirstFrameMs!;
  row.ratioSeekP50 = row.repriseSeekP50Ms! / row.baselineSeekP50Ms!;
  row.ratioSeekP95 = row.repriseSeekP95Ms! / row.baselineSeekP95Ms!;
  return row;
}

/** Seek targets across a session of `ms`, half of them in its last tenth (where long recordings were slowest to seek). */
function spreadTargets(rng: { next(): number }, ms: number, n: number): number[] {
  const at = (from: number, to: number) => from + Math.floor((rng.next() * (to - from)) / 100) * 100;
  const end = ms - 10_000;
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? at(5000, end) : at(ms * 0.9, end)));
}

/** The long session's figures, and its ratios to the 60-minute session's (Reprise, and the baseline) of the same run. */
function longRow(
  l: PlayerRun,
  r: PlayerRun,
  b: PlayerRun,
  s: IngestedSession,
  targets: number[],
  ms: number,
  timeout: number,
): Record<string, number> {
  const ls = seekTimes(l, timeout);
  const end = ls.filter((_, i) => targets[i]! >= ms * 0.9);
  const row: Record<string, number> = {
    longFirstFrameMs: l.firstFrameMs,
    longSeekP50Ms: percentile(ls, 50),
    longSeekP95Ms: percentile(ls, 95),
    longEndSeekP95Ms: percentile(end, 95),
    longSeekMaxMs: Math.max(...ls),
    longPeakHeapMB: l.peakHeapMB,
    longRetainedHeapMB: l.retainedHeapMB,
    longSeekFailures: l.seeks.filter((x) => x.ms === null).length,
    longSessionMinutes: (s.session.endTime - s.session.startTime) / 60_000,
    longStoredMB: s.stats.gzipBytes / 1e6,
    longJsonMB: s.stats.jsonBytes / 1e6,
  };
  const rs = seekTimes(r, timeout);
  const bs = seekTimes(b, timeout);
  row.longRatioFirstFrame = l.firstFrameMs / r.firstFrameMs;
  row.longRatioSeekP95 = row.longSeekP95Ms! / percentile(rs, 95);
  row.longRatioPeakHeap = l.peakHeapMB / r.peakHeapMB;
  row.longVsBaselineFirstFrame = l.firstFrameMs / b.firstFrameMs;
  row.longVsBaselineSeekP95 = row.longSeekP95Ms! / percentile(bs, 95);
  row.longVsBaselinePeakHeap = l.peakHeapMB / b.peakHeapMB;
  return row;
}

function longFailureNotes(run: number, l: PlayerRun, targets: number[], s: IngestedSession): string[] {
  return l.seeks.flatMap((x, i) =>
    x.ms === null
      ? [
          `run ${run + 1}: long-session seek to ${targets[i]} ms showed "${x.shown}", expected "${s.session.clockAt(s.session.startTime + targets[i]!)}"`,
        ]
      : [],
  );
}

function profileNote(longMin: number, run: PlayerRun): string {
  return (
    `Where the time goes in the ${longMin}-minute session: one extra pass, not measured, with the CDP sampling profiler on the page's main thread ` +
    `(first frame ${run.firstFrameMs.toFixed(0)} ms, seek p95 ${percentile(seekTimes(run, 15_000), 95).toFixed(0)} ms in that pass): ` +
    `${run.profile!.join('; ')}.`
  );
}

/**
 * The baseline on the long session, once: not in every run, as it reads and parses the whole
 * file before its first frame and keeps all of it (the figures say how much that costs).
 */
async function longBaselineNote(
  browser: Browser,
  server: RunningServer,
  long: IngestedSession,
  targets: number[],
  longMin: number,
): Promise<string> {
  const head = `Baseline on the ${longMin}-minute session: measured once (not in every run: it would take much of the suite's time budget), the same page and seeks into its last tenth`;
  try {
    const b = await measurePlayer(browser, server, 'baseline', long, targets);
    const ms = seekTimes(b, 15_000);
    const failed = b.seeks.filter((x) => x.ms === null).length;
    return (
      `${head}: first frame ${b.firstFrameMs.toFixed(0)} ms after reading ${(b.firstFrameBytes / 1e6).toFixed(1)} MB, ` +
      `seeks ${ms.map((x) => x.toFixed(0)).join(', ')} ms${failed ? ` (${failed} never showed their frame in 15 s)` : ''}, ` +
      `peak JS heap ${b.peakHeapMB.toFixed(0)} MB (retained ${b.retainedHeapMB.toFixed(0)} MB).`
    );
  } catch (err) {
    return `${head}: failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}).`;
  }
}

function ingestLine(name: string, s: IngestedSession): string {
  const st = s.stats;
  return `${name}: ingested ${st.batches} batches (${(st.gzipBytes / 1e6).toFixed(2)} MB gzip, ${st.domEvents} rrweb events) in ${st.ingestMs} ms`;
}

/** A note per seek that never showed the expected moment. */
function seekFailureNotes(run: number, r: PlayerRun, b: PlayerRun, targets: number[], s: IngestedSession): string[] {
  const notes: string[] = [];
  for (const [mode, run2] of [
    ['reprise', r],
    ['baseline', b],
  ] as const) {
    run2.seeks.forEach((x, i) => {
      if (x.ms === null)
        notes.push(
          `run ${run + 1}: ${mode} seek to ${targets[i]} ms showed "${x.shown}", expected "${s.session.clockAt(s.session.startTime + targets[i]!)}"`,
        );
    });
  }
  return notes;
}

function measuredText(opts: ReplayOptions, intervals: { checkoutEveryMs: number; batchEveryMs: number }): string {
  return (
    `A synthetic ${opts.durationMin}-minute session (seed ${opts.seed}; test-support/long-session.ts): a shop-like page of ~1500 nodes ` +
    'with a #clock element whose text is the session time, updated every second; mouse moves, clicks, scrolls, typing, list entries ' +
    'added and removed, a third of the page replaced about once a minute (in-app navigation), a full page load about every ' +
    `10 minutes, a checkout (Meta + full snapshot) every ${intervals.checkoutEveryMs / 60_000} min of a page (the recorder's checkoutEveryNms), ` +
    `requests and console lines; cut into ${intervals.batchEveryMs / 1000} s batches and POSTed gzip to the real ingest endpoint of an ` +
    'in-process server (SQLite + local chunk files). Then, in headless Chromium with a fresh browser context per player and run ' +
    '(cold cache, logged in through the API): the Reprise viewer opens /sessions/<id>. Time to first frame = from navigation start ' +
    "(the page's performance.timeOrigin) to the first animation frame in which the replay iframe's #clock shows the first " +
    "snapshot's text and no loading overlay covers it; it includes loading the viewer, its API calls (session, replay index, the first window of events), " +
    `creating rrweb's Replayer and rendering. Then ${opts.seeks} seeks to seeded random moments (multiples of 100 ms), started as soon as ` +
    'the player takes input (the rest of the session is still streaming in): the scrubber is set and an input event dispatched, as ' +
    'a drag does; latency = from that action to the first animation frame whose #clock shows the text the recording had at that ' +
    'moment (checked by content, never by a timer). p50/p95 are over the seeks of one run. ' +
    `In every run the Reprise viewer also opens a ${opts.longDurationMin}-minute session of the same kind (the same generator, seed and rates, ` +
    `ingested the same way) and makes ${opts.longSeeks} seeks, half across the session and half into its last tenth. ` +
    "JS heap: the page's used JS heap (which the same-origin replay iframe shares), read with the DevTools protocol's " +
    'Performance.getMetrics every 100 ms from before navigation until every seek is done and the viewer has read every window; ' +
    'the peak of those samples, and the heap left after a forced garbage collection at the end (what the player holds).'
  );
}

const BASELINE =
  'Measured in the same run on the same server, session and seek targets: a blank page on the same origin fetches the whole ' +
  'events file (GET /api/v1/sessions/:id/events, unfiltered), parses it line by line, keeps the rrweb events and creates plain ' +
  "@rrweb/replay 2.1.6 Replayer with rrweb's default options; its constructor renders the first full snapshot. Seeks call " +
  "replayer.pause(offset), what rrweb-player's goto() does while paused. Ratio = Reprise / baseline (below 1: Reprise is faster). " +
  'The long session is compared with the 60-minute one of the same run: Reprise on both (long / 60-minute: 1 means its length costs ' +
  'nothing), and Reprise on the long session against the baseline on the 60-minute one. The baseline on the long session is measured ' +
  'once, in the notes.';

function targetNotes(rows: Record<string, number>[], longMin: number): string[] {
  const target = (label: string, key: string, limit: number, unit = 'ms') => {
    const xs = rows.map((r) => r[key]!);
    const m = median(xs);
    const under = xs.filter((x) => x <= limit).length;
    return `Target: ${label} at most ${limit} ${unit}: ${m <= limit ? 'met' : 'missed'} (median ${m.toFixed(0)} ${unit}; ${under} of ${xs.length} runs within it).`;
  };
  return [
    target('time to first frame', 'repriseFirstFrameMs', TARGET_FIRST_FRAME_MS),
    target('seek p95', 'repriseSeekP95Ms', TARGET_SEEK_P95_MS),
    target(`${longMin}-minute session, time to first frame`, 'longFirstFrameMs', TARGET_LONG_FIRST_FRAME_MS),
    target(`${longMin}-minute session, seek p95`, 'longSeekP95Ms', TARGET_LONG_SEEK_P95_MS),
    target(`${longMin}-minute session, peak JS heap`, 'longPeakHeapMB', TARGET_LONG_PEAK_HEAP_MB, 'MB'),
  ];
}

function sessionNotes(s: IngestedSession, checkoutEveryMs: number): string[] {
  const st = s.stats;
  return [
    `${((s.session.endTime - s.session.startTime) / 60_000).toFixed(0)}-minute session: ${st.batches} batches, ${st.domEvents} rrweb events and ${st.otherEvents} other events (${s.session.requests} requests, ` +
      `${s.session.minuteLines} console lines), ${(st.jsonBytes / 1e6).toFixed(1)} MB of JSON, ${(st.gzipBytes / 1e6).toFixed(2)} MB gzip as uploaded; ` +
      `${s.session.pages} page loads and ${s.session.checkouts} checkouts (every ${checkoutEveryMs / 60_000} min). Ingested in ${(st.ingestMs / 1000).toFixed(1)} s.`,
  ];
}
