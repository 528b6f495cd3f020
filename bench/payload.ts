import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { parseNdjson, type RrwebEvent } from '@reprise/protocol';
import { launchChromium } from '../test-support/chromium.js';
import { rebatchAndGzip } from './lib/baseline-batching.js';
import { CountingProxy, PlaywrightIngestCapture } from './lib/ingest-capture.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { summarize } from './lib/stats.js';
import { RECORDER_BUNDLE, recorderFingerprint, startBenchServer, type RunningServer } from './lib/server.js';
import { waitForStableSession } from './lib/session-wait.js';
import { dumpBodies, WorkloadBytesRunner } from './lib/payload-workloads.js';
import { FULL_SIZES, SMOKE_SIZES, type Workload, type WorkloadSizes } from './lib/recorder-workloads.js';
import { runShopper } from './lib/shopper.js';

export interface PayloadOptions {
  runs: number;
  durationS: number;
  /** Runs recorded at the same time (each its own browser context, proxy and session). */
  parallel: number;
  seed: number;
  /** The recorder benchmark's workloads, each recorded once per run. */
  sizes: WorkloadSizes;
  /** How many of the workloads to record (smoke runs: one, to stay quick). */
  workloadCount: number;
  command: string;
  log?: (line: string) => void;
}

/**
 * Default: 5 sessions of 60 s, recorded side by side (about 80 s in all). 60 s because the
 * payload strategy pays off across page loads (a page seen before costs a fraction of its
 * first visit): 20 s sessions are mostly first visits and would not show a steady session.
 */
export function payloadOptions(args: { runs?: number; durationS?: number; smoke: boolean; command: string }): PayloadOptions {
  const durationS = args.smoke ? 3 : (args.durationS ?? 60);
  const runs = args.runs ?? (args.smoke ? 1 : 5);
  return {
    runs,
    durationS,
    parallel: Math.min(runs, 5),
    seed: 7,
    sizes: args.smoke ? SMOKE_SIZES : FULL_SIZES,
    workloadCount: args.smoke ? 1 : Infinity,
    command: args.command,
  };
}

const SPECS: MetricSpec[] = [
  { key: 'repriseGzipPerMin', label: 'Reprise: bytes sent per minute (as sent, compressed)', unit: 'KB/min', role: 'reprise' },
  { key: 'repriseRawPerMin', label: 'Reprise: bytes sent per minute, decompressed', unit: 'KB/min', role: 'reprise' },
  { key: 'repriseGzipTotal', label: 'Reprise: total bytes sent (compressed)', unit: 'KB', role: 'reprise' },
  { key: 'repriseBatches', label: 'Reprise: ingest requests', unit: 'count', role: 'reprise' },
  {
    key: 'repriseDeflateRefBatches',
    label: 'Reprise: of which deflate against static dictionary + an earlier batch of the session',
    unit: 'count',
    role: 'reprise',
  },
  { key: 'repriseDeflateBatches', label: 'Reprise: of which deflate against the static dictionary alone', unit: 'count', role: 'reprise' },
  { key: 'repriseDeltaBatches', label: 'Reprise: of which in the delta form (reprise-delta, deflate)', unit: 'count', role: 'reprise' },
  {
    key: 'repriseDeltaTwiceBatches',
    label: 'Reprise: of which deflated a second time (reprise-delta, deflate, deflate)',
    unit: 'count',
    role: 'reprise',
  },
  { key: 'repriseGzipBatches', label: 'Reprise: of which gzip (no dictionary)', unit: 'count', role: 'reprise' },
  { key: 'repriseUncompressedBatches', label: 'Reprise: of which sent uncompressed (plain JSON)', unit: 'count', role: 'reprise' },
  {
    key: 'repriseDictionaryRefusals',
    label: 'Reprise: of which refused for their dictionary or encoding (422/415) and sent again',
    unit: 'count',
    role: 'reprise',
  },
  { key: 'playwrightRequests', label: 'Cross-check: ingest requests playwright reported in the browser', unit: 'count', role: 'info' },
  { key: 'playwrightSentBytes', label: 'Cross-check: their body bytes per request.postDataBuffer()', unit: 'KB', role: 'info' },
  {
    key: 'baselineGzipPerMin',
    label: 'Baseline: same rrweb events, 5 s batches, gzip per batch, per minute',
    unit: 'KB/min',
    role: 'baseline',
  },
  { key: 'baselineRawPerMin', label: 'Baseline: same, uncompressed JSON, per minute', unit: 'KB/min', role: 'baseline' },
  { key: 'baselineGzipTotal', label: 'Baseline: total bytes (gzip)', unit: 'KB', role: 'baseline' },
  { key: 'baselineBatches', label: 'Baseline: batches', unit: 'count', role: 'baseline' },
  { key: 'ratioGzip', label: 'Reprise / baseline, compressed bytes', unit: 'ratio', role: 'ratio' },
  { key: 'ratioRaw', label: 'Reprise / baseline, uncompressed bytes', unit: 'ratio', role: 'ratio' },
  { key: 'sessionMinutes', label: 'Recorded time (first page load to about:blank)', unit: 'min', role: 'info' },
  { key: 'domEvents', label: 'rrweb events stored', unit: 'count', role: 'info' },
  { key: 'fullSnapshots', label: 'rrweb full snapshots stored', unit: 'count', role: 'info' },
  { key: 'otherEvents', label: 'Non-DOM events stored (console, network, errors, navigation...)', unit: 'count', role: 'info' },
  { key: 'shopperLoops', label: 'Completed shopping loops (products → cart → checkout)', unit: 'count', role: 'info' },
];

interface RunOutcome {
  row: Record<string, number>;
  problems: string[];
}

async function onePayloadRun(browser: Browser, server: RunningServer, opts: PayloadOptions, sdk: Buffer): Promise<RunOutcome> {
  const problems: string[] = [];
  const proxy = await CountingProxy.start(server.base, new Map([['/sdk/reprise.js', sdk]]));
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const seen = new PlaywrightIngestCapture(context);
  try {
    const page = await context.newPage();
    const started = Date.now();
    // A machine too busy for a page to answer in time ends the session early (said in the notes), not the run.
    const loops = await runShopper(page, proxy.base, opts.durationS * 1000, opts.seed).catch((err: unknown) => {
      if (!(err instanceof Error && err.name === 'TimeoutError')) throw err;
      problems.push(`the shopper stopped early: ${err.message.split('\n')[0]}`);
      return 0;
    });
    const sessionId = await page.evaluate(
      () => (JSON.parse(sessionStorage.getItem('reprise:session') || '{}') as { id?: string }).id ?? '',
    );
    if (!sessionId) throw new Error('recorder did not start a session');
    await page.goto('about:blank'); // pagehide: the recorder flushes with keepalive
    const minutes = (Date.now() - started) / 60_000;
    const detail = await waitForStableSession(server, sessionId, () => proxy.pending);

    const events = parseNdjson(await server.apiText(`/api/v1/sessions/${sessionId}/events`));
    const dom = events.filter((e) => e.kind === 'dom').map((e) => e.data as RrwebEvent);
    const baseline = rebatchAndGzip(dom, 5000);
    const t = proxy.totals;
    if (process.env.PAYLOAD_DUMP_DIR) dumpBodies(process.env.PAYLOAD_DUMP_DIR, `shop-${sessionId}`, proxy);
    if (t.acceptedBatches !== detail.batchCount)
      problems.push(`${t.acceptedBatches} batches accepted on the wire, server stored ${detail.batchCount}`);
    if (t.bodiesUnavailable > 0) problems.push(`${t.bodiesUnavailable} request bodies could not be decoded at the proxy`);
    if (detail.missingSeqs.length > 0) problems.push(`server reports missing seqs ${detail.missingSeqs.join(',')}`);

    const kb = (b: number) => b / 1000;
    return {
      problems,
      row: {
        repriseGzipPerMin: kb(t.sentBytes) / minutes,
        repriseRawPerMin: kb(t.decompressedBytes) / minutes,
        repriseGzipTotal: kb(t.sentBytes),
        repriseBatches: t.requests,
        repriseDeflateRefBatches: t.deflateRefRequests,
        repriseDeflateBatches: t.deflateRequests,
        repriseDeltaBatches: t.deltaRequests,
        repriseDeltaTwiceBatches: t.deltaTwiceRequests,
        repriseGzipBatches: t.gzipRequests,
        repriseUncompressedBatches: t.plainRequests,
        repriseDictionaryRefusals: t.dictionaryRefusals,
        playwrightRequests: seen.totals.requests,
        playwrightSentBytes: kb(seen.totals.sentBytes),
        baselineGzipPerMin: kb(baseline.gzipBytes) / minutes,
        baselineRawPerMin: kb(baseline.jsonBytes) / minutes,
        baselineGzipTotal: kb(baseline.gzipBytes),
        baselineBatches: baseline.batches,
        ratioGzip: t.sentBytes / baseline.gzipBytes,
        ratioRaw: t.decompressedBytes / baseline.jsonBytes,
        sessionMinutes: minutes,
        domEvents: dom.length,
        fullSnapshots: dom.filter((e) => e.type === 2).length,
        otherEvents: events.length - dom.length,
        shopperLoops: loops,
      },
    };
  } finally {
    await context.close();
    await proxy.close();
  }
}

export async function runPayload(opts: PayloadOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const server = await startBenchServer({ needRecorder: true });
  let browser: Browser | null = null;
  const rows: Record<string, number>[] = [];
  const workloadSpecs: MetricSpec[] = [];
  let list: Workload[] = [];
  const notes = strategyNotes(opts);
  let chromium = '';
  let recorder = '';
  try {
    browser = await launchChromium();
    chromium = browser.version();
    // Pinned for every run: the bundle on disk may be rebuilt while the benchmark runs.
    const sdk = readFileSync(RECORDER_BUNDLE);
    recorder = recorderFingerprint(sdk);
    const runner = await WorkloadBytesRunner.create(server, sdk, opts.sizes);
    list = runner.list.slice(0, opts.workloadCount);
    workloadSpecs.push(...list.flatMap((w) => workloadMetricSpecs(w.key, w.label)));
    for (let first = 0; first < opts.runs; first += opts.parallel) {
      const wave = Array.from({ length: Math.min(opts.parallel, opts.runs - first) }, (_, i) => first + i);
      // Staggered by a second so the sessions' page loads do not all coincide.
      const outcomes = await Promise.all(
        wave.map((_, i) => new Promise((r) => setTimeout(r, i * 1000)).then(() => onePayloadRun(browser!, server, opts, sdk))),
      );
      outcomes.forEach(({ row, problems }, i) => {
        const run = wave[i]!;
        rows.push(row);
        for (const p of problems) notes.push(`run ${run + 1}: ${p}`);
        log(
          `payload run ${run + 1}/${opts.runs}: ${row.repriseGzipPerMin!.toFixed(1)} KB/min sent, ` +
            `baseline ${row.baselineGzipPerMin!.toFixed(1)} KB/min, ratio ${row.ratioGzip!.toFixed(3)}` +
            (problems.length ? ` (${problems.join('; ')})` : ''),
        );
      });
    }
    // The recorder benchmark's workloads, one session each per run, one at a time.
    for (let run = 0; run < opts.runs; run++) {
      for (const w of list) {
        const b = await runner.run(browser, w);
        const row = rows[run]!;
        row[`${w.key}Sent`] = b.sentBytes / 1000;
        row[`${w.key}Raw`] = b.rawBytes / 1000;
        row[`${w.key}Requests`] = b.requests;
        row[`${w.key}Baseline`] = b.baselineGzipBytes / 1000;
        row[`${w.key}Ratio`] = b.sentBytes / b.baselineGzipBytes;
        log(
          `payload run ${run + 1}/${opts.runs}, ${w.key}: ${(b.sentBytes / 1000).toFixed(1)} KB sent, baseline ` +
            `${(b.baselineGzipBytes / 1000).toFixed(1)} KB, ratio ${(b.sentBytes / b.baselineGzipBytes).toFixed(3)}; batches ` +
            b.batches.map((x) => `${x.encoding}${x.ref ? '+ref' : ''} ${x.sent}/${x.raw} [${x.events}]`).join(', '),
        );
      }
    }
  } finally {
    await browser?.close();
    await server.close();
  }
  const loads = summarize(rows.map((r) => r.fullSnapshots!));
  const loopsDone = summarize(rows.map((r) => r.shopperLoops!));
  if (loopsDone.median < 1)
    notes.push(
      `The shopper completed ${loopsDone.median} loops (median; ${loopsDone.min}-${loopsDone.max}): the machine was too busy for the demo ` +
        'shop to load in time (see the load average), so the per-minute figures describe mostly one idle page, where the batch ' +
        "envelope and the non-DOM events (environment, vitals, network) outweigh rrweb's few events. They are not comparable to a run " +
        'with several shopping loops; the workload figures (bytes of a fixed amount of DOM work) are.',
    );
  notes.push(
    `Page loads per session (rrweb full snapshots) in this run: median ${loads.median} (${loads.min}-${loads.max}); one session alone ` +
      'on an idle machine gets about 10 a minute (3 shopping loops). Fewer page loads mean fewer pages seen before, so a busy machine ' +
      'makes the ratio, if anything, less favourable to Reprise.',
  );
  return {
    name: 'payload',
    title: 'Recorder upload size',
    measured: measuredText(opts),
    baseline: BASELINE,
    machine: describeMachine(chromium),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: {
      durationS: opts.durationS,
      parallel: opts.parallel,
      seed: opts.seed,
      ...opts.sizes,
      workloads: list.length,
      recorder,
      revision: gitRevision(),
    },
    metrics: collectMetrics([...SPECS, ...workloadSpecs], rows),
    headline: [
      'repriseGzipPerMin',
      'repriseRawPerMin',
      'baselineGzipPerMin',
      'ratioGzip',
      'ratioRaw',
      ...workloadSpecs.filter((s) => s.role === 'ratio').map((s) => s.key),
    ],
    notes,
  };
}

/** How Reprise compresses, how the sessions are scheduled, and why the baseline favours rrweb. */
function strategyNotes(opts: PayloadOptions): string[] {
  return [
    'Strategy (docs/ARCHITECTURE.md, wire format): each batch is zlib (Content-Encoding: deflate) against a preset dictionary of ' +
      'at most 32,000 bytes: the end of a static dictionary shipped with recorder and server (`r1`, 14.7 KB of generic rrweb, HTML, CSS and ' +
      'Reprise JSON vocabulary) followed by the first 24,000 bytes of an earlier page-start batch (the one with the full snapshot) ' +
      'of the same session, the newest of the same page path if any, which the server reads back from the store. Page loads of one site ' +
      "repeat their markup and stylesheets, so a page seen before costs a fraction of its first visit. The body is the batch's delta " +
      'form (Content-Encoding: reprise-delta, deflate) whenever the server takes it: rrweb node ids (id, parentId, nextId, ' +
      'previousId, rootId, nodeId) and clocks (t, timestamp) written as the difference from the previous value of the same member, ' +
      'so the records of a burst of added nodes or of a full snapshot repeat byte for byte; the server undoes it exactly before parsing ' +
      'and stores the batch as the recorder made it. When it is smaller, that zlib stream is deflated once more without a ' +
      'dictionary (Content-Encoding: reprise-delta, deflate, deflate; notes below say why it pays). ' +
      "Compression runs in the recorder's Worker (fflate); batch cutting is unchanged " +
      '(every 5 s, at 512 KB, and at pagehide).',
    `Schedule: ${opts.runs} sessions of ${opts.durationS} s, ${opts.parallel} recorded at the same time (one browser, a context, proxy and ` +
      'session each, starts 1 s apart), to keep the whole benchmark near 2 minutes. 60 s sessions rather than 20 s: the dictionary ' +
      'gains grow with the pages a session has already seen, and a 20 s session is mostly first visits (measured while choosing, ' +
      'one session at a time: ratio 0.80-0.88 at 20 s, 0.59-0.61 at 60 s). Side by side, the machine is busier than with one session, ' +
      'so a session holds fewer page loads per minute (see the full snapshot count); Reprise and the baseline measure the same session.',
    'The baseline is favourable to rrweb: its 5 s groups span page loads (two pages in one gzip stream share their markup), which a ' +
      'recorder restarting on every full page load cannot do.',
    "Workloads: each of the recorder benchmark's workloads (bench/lib/recorder-workloads.ts) is recorded once per run in a session " +
      "of its own, through that benchmark's page server and a counting proxy in front of the real server: every ingest body of the " +
      "session counts (recorder start, the workload, Reprise.flush(), the pagehide flush), as sent; the baseline is the same session's " +
      'stored rrweb events, gzip per 5 s group as above.',
    'Where the bytes went before the delta form (measured on 2026-12-06 with this benchmark, one session per workload, per-batch ' +
      'breakdown in its log): 10000 elements added, then moved, sent 278 KB: two mutation events of 2.08 MB (20,000 adds) and 2.33 MB ' +
      '(10,000 removes, 20,000 adds) of JSON, one batch each, deflated to 127 KB and 150 KB. Not batch cutting (one event per batch) ' +
      'and not the 32 KB window (each record repeats the one ~100 bytes before it): every record differs in its ids (id, nextId, ' +
      "parentId) and its text's number, and deflate pays for each changed digit run. The delta form takes those batches to 32 KB each; " +
      "what is left is the texts' numbers ('node 1234'), which no id coding reaches. The 50000-node snapshot: one 4.0 MB event, 290 KB " +
      'deflated, 111 KB in the delta form; 1000 nested: 16 KB, 3.8 KB.',
    'Why PostHog (posthog-js 1.449.2) sent less than the delta form for 10000 elements added, then moved (36.7 KB vs 65 KB) ' +
      'and 10000 attribute changes (14.5 KB vs 27 KB), found on 2026-12-07 by decoding its uploads (peers-decode.ts): they hold ' +
      'the same rrweb records as ours (50,000 and 10,000 DOM changes, the same adds with the same ids). posthog-js gzips each ' +
      'large field of a mutation event (adds: 2.08 MB to 139 KB) into a latin1 string, then gzips the whole request (611 KB of ' +
      'JSON to 36.9 KB): the second gzip finds what the first leaves. Deflate matches at most 258 bytes and codes every match ' +
      'again, so near-identical records still cost bytes each, and the codes of those matches repeat with the records. Reprise ' +
      'now does the same on purpose: the Worker deflates the deflated delta form once more (no dictionary) when that is smaller ' +
      '(Content-Encoding: reprise-delta, deflate, deflate; see the count above). Per batch, measured with this benchmark: ' +
      'added/moved 32 KB to 2.9 KB each, attribute changes 27 KB to 6.7 KB, the 50000-node snapshot 112 KB to 37 KB, 1000 ' +
      "nested 3.8 KB to 1.4 KB; the demo checkout's batches gain nothing and stay deflated once. Considered and measured before " +
      'choosing: a higher deflate level for the first pass gains nothing (level 9 = level 6 within 0.1% on these batches).',
    'Pages left within a batch interval (on 2026-12-07, found with PAYLOAD_DUMP_DIR, which dumps every body of the shop session ' +
      "with how it was sent): most of the shop session's page-start batches leave only in the pagehide flush, which compressed " +
      'synchronously without the delta form, and their references (fate unknown after unload) crowded the proven ones out of a ' +
      'four-entry book, so a later visit of /cart referenced / instead. Both fixed: the pagehide path makes the delta form once the ' +
      'server took one in the session, and the book keeps six references, dropping first those that pagehide sends cannot use beside ' +
      'a proven one of the same page. One run each, same seed, before and after: 21.7 to 17.2 KB per minute (ratio 0.566 to 0.457).',
  ];
}

function measuredText(opts: PayloadOptions): string {
  return (
    `A scripted, seeded (seed ${opts.seed}) shopper on the demo shop in headless Chromium for ${opts.durationS} s per run: ` +
    `browse and scroll products, mouse movement, add to cart, change quantities, check out typing email, password, ` +
    `name and card with per-keystroke delays (60-160 ms), mostly the expired card 01/20 (422 + the Retry button that throws), ` +
    `sometimes a valid card; every page change is a full page load. The recorder bundle (/sdk/reprise.js) is read once ` +
    `at the start and served from memory to every run, so all runs measure the same build (options.recorder). Then about:blank (pagehide flush) and wait until the ` +
    `stored session stops growing. Counted: the body of every POST to /ingest/v1/batch, byte for byte as sent (deflate against ` +
    `the batch's preset dictionary, gzip, or plain; refused requests and their re-sends included) and decompressed (the proxy ` +
    `rebuilds each dictionary from the static one and the earlier batches it saw, as the server does), at a loopback counting proxy ` +
    `the browser loads the shop through (playwright's request events do not report the keepalive flush sent during unload, so ` +
    `they are only a cross-check). Per minute = bytes / recorded wall time (first page load to about:blank). ` +
    `${opts.parallel > 1 ? `${opts.parallel} sessions are recorded at the same time (see notes).` : ''}`
  );
}

const BASELINE =
  'The same rrweb events, read back from the server (GET /api/v1/sessions/:id/events, kind "dom", the raw rrweb event), ' +
  're-grouped per 5 s of event time, each group a plain JSON array gzipped on its own with node:zlib gzipSync at the ' +
  'default level: how rrweb-based tools commonly upload. Ratio = Reprise bytes / baseline bytes; Reprise bytes also ' +
  'carry its batch envelope and its non-DOM events (console, network, errors, navigation), the baseline carries only rrweb events.';

/** Figures of one recorder workload: bytes as sent, decompressed, and the same session's rrweb baseline. */
function workloadMetricSpecs(key: string, label: string): MetricSpec[] {
  return [
    { key: `${key}Sent`, label: `${label}: Reprise bytes sent (as sent)`, unit: 'KB', role: 'reprise' },
    { key: `${key}Raw`, label: `${label}: Reprise bytes sent, decompressed`, unit: 'KB', role: 'reprise' },
    { key: `${key}Requests`, label: `${label}: Reprise ingest requests`, unit: 'count', role: 'reprise' },
    { key: `${key}Baseline`, label: `${label}: baseline, same rrweb events, 5 s batches, gzip per batch`, unit: 'KB', role: 'baseline' },
    { key: `${key}Ratio`, label: `${label}: Reprise / baseline, bytes sent`, unit: 'ratio', role: 'ratio' },
  ];
}
