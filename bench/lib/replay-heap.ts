import type { BrowserContext, Page } from 'playwright-core';

/**
 * The JS heap of a player page, read through the DevTools protocol (`Performance.getMetrics`,
 * `JSHeapUsedSize`): the page's isolate, which the same-origin replay iframe shares.
 */
export interface HeapWatch {
  /** Stops sampling: the highest sample, and what is left after a forced garbage collection. */
  stop(): Promise<{ peakMB: number; retainedMB: number }>;
}

const MB = 1e6;

/** Samples the used JS heap every `everyMs` from now until `stop()` (created before navigation, it covers the whole load). */
export async function watchHeap(context: BrowserContext, page: Page, everyMs = 100): Promise<HeapWatch> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const used = async (): Promise<number> => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  };
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        peak = Math.max(peak, await used());
      } catch {
        // The page is navigating: its metrics come back with the new document.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const last = await used();
      peak = Math.max(peak, last);
      await cdp.send('HeapProfiler.collectGarbage');
      const retained = await used();
      await cdp.detach();
      return { peakMB: peak / MB, retainedMB: retained / MB };
    },
  };
}

/** Counts the page's `/events` requests in flight, from before navigation. */
export function trackEventReads(page: Page): { settled(quietMs?: number, timeoutMs?: number): Promise<void> } {
  const isEvents = (url: string) => /\/api\/v1\/sessions\/[^/]+\/events/.test(url);
  let inFlight = 0;
  let lastChange = Date.now();
  const change = (delta: number) => (r: { url(): string }) => {
    if (!isEvents(r.url())) return;
    inFlight += delta;
    lastChange = Date.now();
  };
  page.on('request', change(1));
  page.on('requestfinished', change(-1));
  page.on('requestfailed', change(-1));
  return {
    /** Resolves once no read has been in flight for `quietMs`: the viewer has read every window. */
    async settled(quietMs = 1000, timeoutMs = 120_000) {
      const t0 = Date.now();
      while (inFlight > 0 || Date.now() - lastChange < quietMs) {
        if (Date.now() - t0 > timeoutMs) throw new Error('the viewer kept reading events');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
