import type { Browser, Page } from 'playwright-core';
import { capturedChanges } from './peers-decode.js';
import { PEER_SPECS, REPRISE_HANDLE, scriptAttrs, type PeerName } from './peers-recorders.js';
import type { PeerSink, Upload } from './peers-sink.js';
import { delta, longTasksSince, metrics, openMeasuredPage } from './recorder-measure.js';
import { addScript, type Site, type Workload } from './recorder-workloads.js';

/** What one measured window cost the page and what the recorder sent. */
export interface PeerWindow {
  /** The window's wall time, ms. */
  wallMs: number;
  /** CDP ScriptDuration over the window (main-thread CPU time), ms. */
  scriptMs: number;
  /** CDP TaskDuration over the window, ms. */
  taskMs: number;
  /** Longest long task that started in the window (wall time), ms; 0 when none. */
  longTaskMaxMs: number;
  /** Body bytes its sink received during the window, as sent. */
  windowBytes: number;
  windowRequests: number;
  /** Body bytes its sink received from opening the page to the end of the window. */
  sessionBytes: number;
  /**
   * The scripted session, ms: opening the page until the recorder is ready, plus the window's
   * workload. The harness's waits for the recorder's uploads to go quiet are left out: they
   * differ by recorder (its upload timers), and the script does nothing meanwhile.
   */
  scriptedMs: number;
  /** Those waits (before and after the workload, with the settles), ms. */
  waitMs: number;
  /** 1 when the recorder still records after the window. */
  recording: number;
  /** Why it stopped, when it says. */
  reason: string;
  /** DOM changes in what it recorded in the window (rrweb's in-page events; Sentry's and PostHog's uploads), or null. */
  changes: number | null;
  pageErrors: string[];
}

export interface PeerWindowOptions {
  settleMs: number;
  /** Longest wait for a peer's uploads to go quiet after the window's drain, ms. */
  maxDrainMs: number;
}

interface PeerHandle {
  __peer?: {
    ready(): boolean;
    drain(): Promise<unknown>;
    state(): { recording: number; reason: string };
    count?(): number;
    changesSince?(i: number): number;
  };
}

async function startPeer(page: Page, site: Site, peer: PeerName): Promise<void> {
  await addScript(page, scriptAttrs(peer, site.projectKey));
  await waitReady(page);
}

async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as PeerHandle).__peer?.ready(), undefined, { polling: 25, timeout: 30_000 });
  // A user's first move on the page. PostHog holds its whole buffer until the user interacts
  // ("nothing is uploaded until the user interacts with the page"); every recorder gets the same.
  await page.mouse.move(40, 40);
  await page.mouse.move(60, 50, { steps: 2 });
}

/**
 * The recorder's own flush where it has a public one; then, while it still records, until its
 * sink has received an upload since `from` and been quiet for the recorder's quietMs since.
 */
async function drain(page: Page, sink: PeerSink, peer: PeerName, from: number, maxMs: number): Promise<void> {
  await page.evaluate(() => (window as unknown as PeerHandle).__peer!.drain());
  const spec = PEER_SPECS[peer];
  if (!spec.sink) return;
  const deadline = Date.now() + maxMs;
  for (;;) {
    const last = sink.lastUploadAt(spec.sink);
    if (last >= from && Date.now() - last >= spec.quietMs) return;
    if (Date.now() > deadline) return;
    if (last < from) {
      const recording = await page.evaluate(() => (window as unknown as PeerHandle).__peer!.state().recording);
      if (!recording && Date.now() - from >= spec.quietMs) return; // stopped: nothing more will come
    }
    await page.waitForTimeout(50);
  }
}

const bytes = (list: readonly Upload[]) => list.reduce((n, u) => n + u.body.length, 0);

/**
 * One workload under one recorder in a fresh browser context, as bench/lib/recorder-measure.ts
 * measures the recorder benchmark's windows: open the page (an 'action' workload starts the
 * recorder, uploads what it has and goes quiet first), then the window: act, drain, settle.
 */
export async function measurePeerWindow(
  browser: Browser,
  sink: PeerSink,
  site: Site,
  w: Workload,
  peer: PeerName,
  opts: PeerWindowOptions,
): Promise<PeerWindow> {
  const spec = PEER_SPECS[peer];
  const context = await browser.newContext({ viewport: w.viewport });
  try {
    const { page, pageErrors, cdp } = await openMeasuredPage(context, w, peer === 'reprise' ? REPRISE_HANDLE : undefined);

    if (spec.sink) sink.take(spec.sink);
    const opened = Date.now();
    if (w.key === 'demo') {
      await page.goto(`${site.base}/demo/checkout?peer=${peer}`);
      await page.waitForSelector('#email:visible');
      await waitReady(page);
    } else {
      await page.goto(`${site.base}/bench/page.html`);
      await page.evaluate(([n, s]) => window.__bench.setup(n, s), [w.key as 'nested', w.size] as const);
      if (w.window === 'action') await startPeer(page, site, peer);
    }
    const readyAt = Date.now();
    if (w.window === 'action') {
      await drain(page, sink, peer, opened, opts.maxDrainMs);
      await page.waitForTimeout(opts.settleMs);
    }
    const before = spec.sink ? sink.take(spec.sink) : [];
    const eventsBefore = peer === 'rrweb' ? await page.evaluate(() => (window as unknown as PeerHandle).__peer?.count?.() ?? 0) : 0;

    const windowStart = Date.now();
    const t0 = await page.evaluate(() => performance.now());
    const m0 = await metrics(cdp);
    // The synthetic action workloads and the demo's act do not depend on the recorder.
    if (w.window === 'start') await startPeer(page, site, peer);
    else await w.act(page, site, 'none');
    const actEnd = Date.now();
    await drain(page, sink, peer, windowStart, opts.maxDrainMs);
    await page.waitForTimeout(opts.settleMs);
    const m1 = await metrics(cdp);
    const ended = Date.now();

    const longTasks = await longTasksSince(page, t0);
    const state = await page.evaluate(() => (window as unknown as PeerHandle).__peer!.state());
    const during = spec.sink ? sink.take(spec.sink) : [];
    let changes: number | null = null;
    if (peer === 'rrweb') {
      changes = await page.evaluate((i) => (window as unknown as PeerHandle).__peer!.changesSince!(i), eventsBefore);
    } else if (spec.sink) changes = capturedChanges(spec.sink, during);
    return {
      wallMs: ended - windowStart,
      scriptMs: delta(m0, m1, 'ScriptDuration'),
      taskMs: delta(m0, m1, 'TaskDuration'),
      longTaskMaxMs: longTasks.length ? Math.max(...longTasks) : 0,
      windowBytes: bytes(during),
      windowRequests: during.length,
      sessionBytes: bytes(before) + bytes(during),
      scriptedMs: readyAt - opened + (actEnd - windowStart),
      waitMs: windowStart - readyAt + (ended - actEnd),
      recording: state.recording,
      reason: state.reason,
      changes,
      pageErrors,
    };
  } finally {
    await context.close();
  }
}
