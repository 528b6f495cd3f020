import { describe, expect, it } from 'vitest';
import type { ConsoleData, CustomData, ReplayEvent } from '@reprise/protocol';
import { html, sdkTag } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

// A console call or an error in a loop (a render loop, an interval) used to be recorded call by
// call until the upload queue's bound dropped the oldest batches, the page's snapshot among them:
// the session had no replay left. Floods are now cut to 1,000 at once and 50 a second, and the
// session says how many were left out (a `notice`), while the page's console sees every call.

const h = useHarness();

// Counts what the page's own console receives (the recorder wraps this wrapper), and when the
// page saw its last rejection: the flood lasts until then, however late the browser reports them.
const COUNTER = `<script>window.__seen = 0; const log = console.log; console.log = function () { window.__seen++; return log.apply(this, arguments); };
window.__rejections = 0; addEventListener('unhandledrejection', () => { window.__rejections++; window.__lastRejection = performance.now(); });</script>`;

describe('console and error floods', () => {
  it('records the first 1,000 calls, then 50 a second, says how many it left out, and keeps the snapshot and every batch', async () => {
    h.ingest.pages.set('/flood', html(COUNTER + sdkTag({ 'data-flush-interval-ms': 300 }), '<p id="p">flooded page</p>'));
    const page = await h.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.ingest.base}/flood`);
    await page.waitForFunction(() => !!window.Reprise?.getSessionId());
    const sid = await page.evaluate(() => window.Reprise!.getSessionId()!);
    // The gate, not the bound on calls that wait for the capture chunk (lazy-chunks test): flood
    // once the chunk is here, which its env event shows.
    await expect
      .poll(
        async () => {
          await page.evaluate(() => window.Reprise!.flush());
          return h.ingest.forSession(sid).some((r) => r.batch.events.some((e) => e.kind === 'env'));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const seconds = await page.evaluate(async () => {
      const start = performance.now();
      for (let i = 0; i < 4_000; i++) console.log('render', i, { i, pad: 'x'.repeat(200) });
      for (let i = 0; i < 1_500; i++) void Promise.reject(new Error(`rejected ${i}`));
      const w = window as unknown as { __rejections: number; __lastRejection: number };
      while (w.__rejections < 1_500) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200));
      document.getElementById('p')!.textContent = 'after the flood';
      // The flush reports what was left out, without waiting for the gate's one-second timer.
      await window.Reprise!.flush();
      return (w.__lastRejection - start) / 1000;
    });
    const stats = (await page.evaluate(() => window.Reprise!.stats()))!;
    expect(await page.evaluate(() => (window as unknown as { __seen: number }).__seen)).toBe(4_000);
    await page.close();

    const events = h.ingest.forSession(sid).flatMap((r) => r.batch.events) as ReplayEvent[];
    const logs = events.filter((e) => e.kind === 'console' && (e.data as ConsoleData).level === 'log');
    const rejections = events.filter((e) => e.kind === 'error');
    const notices = events.filter((e) => e.kind === 'custom' && (e.data as CustomData).type === 'notice').map((e) => e.data as CustomData);
    const leftOut = (code: string) =>
      notices.filter((n) => n.type === 'notice' && n.code === code).reduce((sum, n) => sum + (n.type === 'notice' ? n.records : 0), 0);
    // The burst, and at most 50 a second for as long as the flood lasted.
    const most = 1_000 + 50 * Math.ceil(seconds) + 1;
    expect(logs.length).toBeGreaterThanOrEqual(1_000);
    expect(logs.length).toBeLessThanOrEqual(most);
    expect(logs.length + leftOut('console-flood')).toBe(4_000);
    // The first calls are the ones kept: where the flood began.
    expect((logs[0]!.data as ConsoleData).args[1]).toMatchObject({ value: 0 });
    expect(rejections.length).toBeGreaterThanOrEqual(1_000);
    expect(rejections.length).toBeLessThanOrEqual(most);
    expect(rejections.length + leftOut('error-flood')).toBe(1_500);
    // Nothing dropped: the snapshot and the change after the flood arrived.
    expect(stats).toMatchObject({ batchesDropped: 0, internalErrors: 0 });
    expect(events.some((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2)).toBe(true);
    expect(JSON.stringify(events)).toContain('after the flood');
    expect(errors.length).toBe(1_500);
  });
});
