import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test-support/chromium.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { bundleSizes, type BundleSizes } from './lib/peers-size.js';
import { buildPeerBundles, posthogStatics } from './lib/peers-bundles.js';
import { measurePeerWindow, type PeerWindow } from './lib/peers-measure.js';
import { rowFor, specsFor, SUFFIX } from './lib/peers-metrics.js';
import { peerNotes, type PeerTally } from './lib/peers-notes.js';
import { packageVersion, PEER_SPECS, PEERS, type PeerName } from './lib/peers-recorders.js';
import { PeerSink } from './lib/peers-sink.js';
import { buildWorkloadBundle } from './lib/recorder-variants.js';
import { FULL_SIZES, SMOKE_SIZES, workloads, type Site, type Workload, type WorkloadSizes } from './lib/recorder-workloads.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { RECORDER_BUNDLE, recorderFingerprint, startBenchServer } from './lib/server.js';

export interface PeersBenchOptions {
  runs: number;
  sizes: WorkloadSizes;
  /** Quiet time after each drain, ms. */
  settleMs: number;
  /** Longest wait for a recorder's uploads to go quiet after a drain, ms. */
  maxDrainMs: number;
  /** Where to write the result of the runs done so far after each run (not bench/results). */
  partialFile?: string;
  /** Only these workloads (keys); default all. */
  only?: readonly string[];
  command: string;
  log?: (line: string) => void;
}

export function peersOptions(args: { runs?: number; smoke: boolean; command: string }): PeersBenchOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    sizes: args.smoke ? SMOKE_SIZES : FULL_SIZES,
    settleMs: args.smoke ? 50 : 150,
    maxDrainMs: 15_000,
    ...(args.smoke ? {} : { partialFile: path.join(tmpdir(), 'reprise-bench-peers-partial.json') }),
    command: args.command,
  };
}

export async function runPeers(opts: PeersBenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const list = workloads(opts.sizes).filter((w) => !opts.only || opts.only.includes(w.key));
  const server = await startBenchServer({ needRecorder: true });
  let sink: PeerSink | null = null;
  let browser: Browser | null = null;
  let chromium = '';
  let sizes: BundleSizes | null = null;
  const rows: Record<string, number>[] = [];
  const tally: PeerTally = { problems: new Set(), stops: new Map(), uploads: new Map() };
  const started = Date.now();
  const sdk = readFileSync(RECORDER_BUNDLE); // pinned: the bundle on disk may be rebuilt while this runs
  try {
    const [bundles, workloadJs] = await Promise.all([buildPeerBundles(), buildWorkloadBundle()]);
    const statics = posthogStatics();
    sink = await PeerSink.start(server.base, server.projectKey, { workloads: workloadJs.code, bundles, posthogStatic: statics, sdk });
    const site: Site = { base: sink.base, projectKey: server.projectKey };
    browser = await launchChromium();
    chromium = browser.version();
    for (let run = 0; run < opts.runs; run++) {
      rows.push(await measureRun(browser, sink, site, list, run, opts, tally, log));
      sizes = bundleSizes(bundles, statics, sdk, sink.posthogStaticServed);
      for (const row of rows) Object.assign(row, sizes.row);
      // The runs so far, kept where a long run on a loaded machine can be looked at before it ends.
      if (opts.partialFile)
        writeFileSync(opts.partialFile, JSON.stringify(resultOf(opts, list, rows, tally, sizes, chromium, sdk), null, 2));
    }
    log(`peers benchmark took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await browser?.close();
    await sink?.close();
    await server.close();
  }
  return resultOf(opts, list, rows, tally, sizes!, chromium, sdk);
}

function resultOf(
  opts: PeersBenchOptions,
  list: Workload[],
  rows: Record<string, number>[],
  tally: PeerTally,
  sizes: BundleSizes,
  chromium: string,
  sdk: Buffer,
): BenchResult {
  const specs: MetricSpec[] = [...list.flatMap(specsFor), ...sizes.specs];
  const versions = Object.fromEntries(
    PEERS.filter((p) => p !== 'reprise' && p !== 'sentryRaised').map((p) => [
      `${p}Version`,
      `${PEER_SPECS[p].pkg} ${packageVersion(PEER_SPECS[p].pkg)}`,
    ]),
  );
  return {
    name: 'peers',
    title: 'Reprise beside the recorders users would pick instead',
    measured: measuredText(list),
    baseline: BASELINE,
    machine: describeMachine(chromium),
    date: new Date().toISOString(),
    command: opts.command,
    runs: rows.length,
    options: {
      ...opts.sizes,
      settleMs: opts.settleMs,
      recorder: recorderFingerprint(sdk),
      ...versions,
      rrwebConsolePlugin: packageVersion('@rrweb/rrweb-plugin-console-record'),
      revision: gitRevision(),
    },
    metrics: collectMetrics(specs, rows),
    headline: list.flatMap((w) => [`${w.key}RatioScriptSentryRaised`, `${w.key}RatioScriptPosthog`, `${w.key}RatioScriptOpenreplay`]),
    notes: peerNotes(list, rows, tally, sizes),
  };
}

/** One run: every workload once per recorder, the recorder order rotated per run. */
async function measureRun(
  browser: Browser,
  sink: PeerSink,
  site: Site,
  list: Workload[],
  run: number,
  opts: PeersBenchOptions,
  tally: PeerTally,
  log: (line: string) => void,
): Promise<Record<string, number>> {
  const row: Record<string, number> = {};
  for (const w of list) {
    const figures = {} as Record<PeerName, PeerWindow>;
    for (let i = 0; i < PEERS.length; i++) {
      const p = PEERS[(i + run) % PEERS.length]!;
      const f = await measurePeerWindow(browser, sink, site, w, p, opts).catch((err: unknown) => {
        // A renderer lost on a loaded machine: the window is measured again once, and said so.
        tally.problems.add(`${w.key}/${p}: a window failed and was measured again (${String(err).split('\n')[0]})`);
        return measurePeerWindow(browser, sink, site, w, p, opts);
      });
      figures[p] = f;
      for (const e of f.pageErrors) tally.problems.add(`${w.key}/${p}: page error ${e}`);
      if (PEER_SPECS[p].sink && f.recording === 0) {
        const stops = tally.stops.get(`${w.key}/${p}`) ?? { count: 0, reasons: new Set<string>() };
        stops.count++;
        if (f.reason) stops.reasons.add(f.reason);
        tally.stops.set(`${w.key}/${p}`, stops);
      }
      const up = tally.uploads.get(`${w.key}/${p}`) ?? 0;
      tally.uploads.set(`${w.key}/${p}`, up + f.windowRequests);
    }
    Object.assign(row, rowFor(w, figures));
    log(
      `peers run ${run + 1}/${opts.runs} ${w.key}: script ms ` +
        PEERS.map((p) => `${p} ${figures[p].scriptMs.toFixed(0)}`).join(', ') +
        `; KB ` +
        PEERS.filter((p) => PEER_SPECS[p].sink)
          .map((p) => `${p} ${(figures[p].windowBytes / 1000).toFixed(1)}`)
          .join(', ') +
        `; window s ` +
        PEERS.map((p) => `${p} ${(figures[p].wallMs / 1000).toFixed(1)}`).join(', ') +
        `; longest task ` +
        PEERS.map((p) => `${p} ${row[`${w.key}LongMax${SUFFIX[p]}`]!.toFixed(0)}`).join(', '),
    );
  }
  return row;
}

function measuredText(list: Workload[]): string {
  return (
    `The recorder benchmark's workloads (${list.map((w) => w.label).join('; ')}) under Reprise, plain rrweb and the session ` +
    `replay products a team would pick instead, in headless Chromium, each window in a fresh browser context, the recorder order ` +
    `rotated per run. Main-thread script time is CDP Performance.getMetrics ScriptDuration (thread CPU time) over the window; the ` +
    `longest task comes from a PerformanceObserver('longtask') installed before any page script. Each product is its npm package ` +
    `bundled and minified by esbuild at bench time, configured as its docs say for session replay with console and network ` +
    `capture on, uploading to a local sink on the bench's own loopback origin that answers what the SDK needs to keep recording ` +
    `(Sentry: the envelope endpoint of a DSN on the bench origin; PostHog: its remote config and flags with session recording ` +
    `on, its lazily loaded recorder served from the sink; OpenReplay: /v1/web/start with a token, and its ingest endpoint) and ` +
    `counts each request body as it came on the wire (compressed as sent). Reprise is the built /sdk/reprise.js with its ` +
    `defaults, uploading to the in-process Reprise server through the same origin. Windows: for the DOM workloads and the demo ` +
    `shop the recorder is started, its initial upload done and its sink quiet before the window; the window is the workload, then ` +
    `the recorder's own public flush where it has one (Reprise.flush(), Sentry's replay.flush(), OpenReplay's forceFlushBatch()), ` +
    `then waiting until its sink has received recording data and had none for a quiet time longer than its upload timer ` +
    `(PostHog, which has no public flush: 2.5 s after a /s/ upload; its snapshot buffer goes to its request queue every 2 s, ` +
    `which sends every 3 s), then a short settle. Once a recorder is ready the harness moves the mouse, the same for every ` +
    `recorder: PostHog holds its whole buffer until the user interacts with the page. Settings beyond the products' replay ` +
    `docs, each so the SDK records and uploads here as it would for a real visitor: PostHog opt_out_useragent_filter (headless ` +
    `Chromium's user agent is on its bot list, which drops every upload), surveys off, network capture allowed on localhost; ` +
    `Sentry minReplayDuration 0 (else its first segment waits until the replay is 5 s old). For the snapshot workload the window ` +
    `starts when the recorder's script element is added to the built page, so it holds loading, configuring and starting it.`
  );
}

const BASELINE =
  `Every recorder measured in the same run on the same pages and windows. Ratios are Reprise / the other recorder, per run, ` +
  `then the median with min and max over the runs (below 1: Reprise costs less). Plain rrweb (@rrweb/record with its console ` +
  `plugin, events kept in an in-memory array, never serialized or sent) is the floor every rrweb-based product builds on.`;
