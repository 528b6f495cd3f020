import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { BrowserProfile } from './recorder-profile.js';
import { drainExpression, outputExpression, type Variant, type VariantOutput } from './recorder-variants.js';
import type { Site, Workload } from './recorder-workloads.js';

/** What one measured window cost the page's main thread. */
export interface WindowFigures {
  /** CDP Performance.getMetrics ScriptDuration over the window (thread CPU time), ms. */
  scriptMs: number;
  /** TaskDuration over the window (all main-thread tasks: script, style, layout, GC…; thread CPU time), ms. */
  taskMs: number;
  /** JS heap in use after the window and a forced GC, MB. */
  heapMB: number;
  /** Longest long task (PerformanceObserver 'longtask', wall time) that started in the window, ms; 0 when none. */
  longTaskMaxMs: number;
  longTasks: number;
  output: VariantOutput;
  /** Uncaught page errors other than the demo shop's deliberate one. */
  pageErrors: string[];
  profile?: BrowserProfile;
}

// Installed before any page script: every long task the page has, for the window to pick.
export const LONGTASK_OBSERVER = `(() => { window.__benchLongTasks = [];
  try { new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__benchLongTasks.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true }); } catch (e) {} })();`;

type Metrics = Record<string, number>;

export async function metrics(cdp: CDPSession): Promise<Metrics> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

export function delta(a: Metrics, b: Metrics, name: string): number {
  const v = (b[name] ?? NaN) - (a[name] ?? NaN);
  return v * 1000;
}

export async function longTasksSince(page: Page, t0: number): Promise<number[]> {
  return page.evaluate(
    (since) =>
      ((window as unknown as { __benchLongTasks?: Array<[number, number]> }).__benchLongTasks ?? [])
        .filter(([s]) => s >= since)
        .map(([, d]) => d),
    t0,
  );
}

export interface WindowOptions {
  /** Record a CPU profile (CDP Profiler, 100 µs sampling) of the window. */
  profile: boolean;
  /** Quiet time after each drain, so timers, acks and the last long-task entries land alike in every variant. */
  settleMs: number;
}

/**
 * A page of `context` ready to measure workload `w`: long tasks observed, the workload's init
 * script in, page errors collected (but the demo shop's Retry button, which throws on purpose)
 * and main-thread metrics on. `extraInit` runs before the page's own scripts too.
 */
export async function openMeasuredPage(
  context: BrowserContext,
  w: Workload,
  extraInit?: string,
): Promise<{ page: Page; pageErrors: string[]; cdp: CDPSession }> {
  await context.addInitScript(LONGTASK_OBSERVER);
  if (w.initScript) await context.addInitScript(w.initScript);
  if (extraInit) await context.addInitScript(extraInit);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => {
    if (!(w.key === 'demo' && e.message.includes("'confirmation'"))) pageErrors.push(e.message);
  });
  const cdp = await context.newCDPSession(page);
  // threadTicks: the main thread's CPU time, so other processes on the machine don't inflate it.
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return { page, pageErrors, cdp };
}

/**
 * One workload under one variant in a fresh browser context: open and prepare the page (a
 * recording page uploads what it has and settles first), then measure the window (act, drain,
 * settle) from main-thread metrics read over CDP.
 */
export async function measureWindow(
  browser: Browser,
  site: Site,
  w: Workload,
  variant: Variant,
  opts: WindowOptions,
): Promise<WindowFigures> {
  const { profile, settleMs } = opts;
  const context = await browser.newContext({ viewport: w.viewport });
  try {
    const { page, pageErrors, cdp } = await openMeasuredPage(context, w);
    await w.open(page, site, variant);
    if (w.window === 'action') {
      await page.evaluate(drainExpression(variant));
      await page.waitForTimeout(settleMs);
    }

    if (profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    }
    const t0 = await page.evaluate(() => performance.now());
    const m0 = await metrics(cdp);
    if (profile) await cdp.send('Profiler.start');
    await w.act(page, site, variant);
    await page.evaluate(drainExpression(variant));
    await page.waitForTimeout(settleMs);
    const m1 = await metrics(cdp);
    const prof = profile ? (await cdp.send('Profiler.stop')).profile : undefined;

    const longTasks = await longTasksSince(page, t0);
    const output = await page.evaluate<VariantOutput>(outputExpression(variant));
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await metrics(cdp);
    return {
      scriptMs: delta(m0, m1, 'ScriptDuration'),
      taskMs: delta(m0, m1, 'TaskDuration'),
      heapMB: (heap.JSHeapUsedSize ?? NaN) / 1e6,
      longTaskMaxMs: longTasks.length ? Math.max(...longTasks) : 0,
      longTasks: longTasks.length,
      output,
      pageErrors,
      ...(prof ? { profile: prof } : {}),
    };
  } finally {
    await context.close();
  }
}
