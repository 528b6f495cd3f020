import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { EnvData, ReplayEvent } from '@reprise/protocol';
import { html, type Received } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

// rrweb takes a full snapshot synchronously, in the task that starts it. Reprise's own work on
// it (JSON, batching, compression hand-off) must run in a later task so it never lengthens
// rrweb's, while keeping DOM events in order and losing nothing on flush, hide or stop.

const h = useHarness();

// The SDK without data-project-key: nothing starts until the test calls Reprise.init(). Before it,
// a spy on JSON.stringify, which the recorder takes when it loads (json.ts): while
// window.__stringified is an array, it logs each dom event stringified and whether that ran in
// the task that started the recorder (window.__inStartTask).
const SPY = `<script>(() => {
  const original = JSON.stringify;
  JSON.stringify = function (...args) {
    const s = original.apply(JSON, args);
    if (window.__stringified && typeof s === 'string' && s.includes('"kind":"dom"'))
      window.__stringified.push({ snapshot: s.includes('"type":2,"data":{"node"'), sameTask: window.__inStartTask === true });
    return s;
  };
})();</script>`;
const PAGE = html(`${SPY}<script src="/sdk/reprise.js"></script>`, '<p id="static">static text</p>');

interface Stringified {
  /** The JSON was a dom event (rrweb's). */
  snapshot: boolean;
  /** JSON.stringify ran in the task that started the recorder. */
  sameTask: boolean;
}

type RrwebLike = { type: number; data?: { node?: unknown } };
const domEvents = (rs: Received[]): RrwebLike[] =>
  [...rs]
    .sort((a, b) => a.batch.seq - b.batch.seq)
    .flatMap((r) => r.batch.events)
    .filter((e: ReplayEvent) => e.kind === 'dom')
    .map((e) => e.data as RrwebLike);

async function open(path: string): Promise<Page> {
  h.ingest.pages.set(path, PAGE);
  const page = await h.browser.newPage();
  await page.goto(`${h.ingest.base}${path}`);
  await page.waitForFunction(() => typeof window.Reprise?.init === 'function');
  return page;
}

/** Starts the recorder in one task, runs `sameTask` in it, and logs which dom events were stringified in that task. */
async function startAndLog(page: Page, sameTask: string): Promise<{ sid: string; log: Stringified[] }> {
  return page.evaluate(async (body) => {
    const w = window as unknown as { __stringified: Stringified[] | null; __inStartTask: boolean };
    const log: Stringified[] = [];
    w.__stringified = log;
    w.__inStartTask = true;
    setTimeout(() => (w.__inStartTask = false), 0);
    const handle = window.Reprise!.init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000 });
    const sid = handle.getSessionId()!;
    await (new Function('handle', `return (async () => { ${body} })()`) as (h: unknown) => Promise<void>)(handle);
    await new Promise((r) => setTimeout(r, 50));
    w.__stringified = null;
    return { sid, log };
  }, sameTask);
}

describe('full snapshot hand-off (rrweb adapter)', () => {
  it("handles rrweb's full snapshot in the next task, with DOM events of the same task queued behind it", async () => {
    const page = await open('/handoff');
    const { sid, log } = await startAndLog(
      page,
      // rrweb emits this mutation in a microtask of the starting task: it must wait behind the snapshot.
      `const p = document.createElement('p'); p.textContent = 'after-snapshot'; document.body.appendChild(p);`,
    );
    expect(log.some((e) => e.snapshot)).toBe(true);
    expect(log.filter((e) => e.sameTask)).toEqual([]);
    await page.evaluate(() => window.Reprise!.flush());
    const dom = domEvents(h.ingest.forSession(sid));
    const snap = dom.findIndex((e) => e.type === 2);
    const after = dom.findIndex((e) => JSON.stringify(e).includes('after-snapshot'));
    expect(snap).toBeGreaterThanOrEqual(0);
    expect(after).toBeGreaterThan(snap);
    // rrweb's Meta comes right before its snapshot, as the player needs.
    expect(dom[snap - 1]?.type).toBe(4);
    expect(await page.evaluate(() => window.Reprise!.stats()!.internalErrors)).toBe(0);
    // The env event's time zone comes from Temporal where the browser has it: the same zone Intl reports.
    // Env capture is in the lazy capture chunk, which a loaded machine may fetch after the flush above.
    const envOf = (): EnvData | undefined =>
      h.ingest
        .forSession(sid)
        .flatMap((r) => r.batch.events)
        .find((e) => e.kind === 'env')?.data as EnvData | undefined;
    await expect
      .poll(
        async () => {
          await page.evaluate(() => window.Reprise!.flush());
          return envOf() !== undefined;
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(envOf()?.timezone).toBe(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
    await page.close();
  });

  it('flush() in the starting task delivers the held snapshot with it', async () => {
    const page = await open('/handoff-flush');
    const { sid } = await startAndLog(page, 'await handle.flush();');
    // No waiting: the batch the flush sent (and awaited) must already hold the snapshot.
    expect(domEvents(h.ingest.forSession(sid)).some((e) => e.type === 2)).toBe(true);
    await page.close();
  });

  it('a pagehide in the starting task sends the held snapshot in the hide flush (seq 0)', async () => {
    const page = await open('/handoff-hide');
    const { sid } = await startAndLog(page, `window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));`);
    await expect.poll(() => h.ingest.forSession(sid).find((r) => r.batch.seq === 0), { timeout: 10_000 }).toBeDefined();
    const first = h.ingest.forSession(sid).find((r) => r.batch.seq === 0)!;
    expect(domEvents([first]).some((e) => e.type === 2)).toBe(true);
    await page.close();
  });

  it('stop() in the starting task delivers the held snapshot before stopping', async () => {
    const page = await open('/handoff-stop');
    const { sid } = await startAndLog(page, 'handle.stop();');
    await expect.poll(() => domEvents(h.ingest.forSession(sid)).some((e) => e.type === 2), { timeout: 10_000 }).toBe(true);
    await page.close();
  });

  it('holds at most a bounded number of events: past it, they are delivered at once, in order', async () => {
    const page = await open('/handoff-bound');
    // 1200 separate rrweb mutation events, all before the starting task ends.
    const { sid, log } = await startAndLog(
      page,
      `const el = document.getElementById('static');
       for (let i = 0; i < 1200; i++) { el.setAttribute('data-step', 'step-' + i); await Promise.resolve(); }`,
    );
    // Past the bound everything held (the snapshot too) went out within the starting task; unbounded
    // holding would have waited for the next one. (That the snapshot is held at all: first test.)
    expect(log.some((e) => e.snapshot && e.sameTask)).toBe(true);
    await page.evaluate(() => window.Reprise!.flush());
    const steps = domEvents(h.ingest.forSession(sid))
      .flatMap((e) => [...JSON.stringify(e).matchAll(/"data-step":"step-(\d+)"/g)])
      .map((m) => Number(m[1]));
    expect(steps.length).toBeGreaterThan(1000);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps[steps.length - 1]).toBe(1199);
    expect(domEvents(h.ingest.forSession(sid)).findIndex((e) => e.type === 2)).toBeLessThan(
      domEvents(h.ingest.forSession(sid)).findIndex((e) => JSON.stringify(e).includes('step-0"')),
    );
    await page.close();
  });
});
