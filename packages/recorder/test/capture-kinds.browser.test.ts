import { beforeAll, describe, expect, it } from 'vitest';
import type { ErrorData, NavData, NetworkData, ReplayEvent, VitalData } from '@reprise/protocol';
import { html, sdkTag } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

const h = useHarness();
let events: ReplayEvent[] = [];
const pageErrors: string[] = [];
/** Date.now() when the page's 120 ms long task began. */
let busyFrom = 0;

beforeAll(async () => {
  const { ingest, browser } = h;
  ingest.pages.set('/kinds', html(sdkTag(), '<h1>kinds</h1>'));
  const page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${ingest.base}/kinds`);
  await page.waitForFunction(() => !!window.Reprise?.getSessionId());
  const sid = await page.evaluate(() => window.Reprise!.getSessionId()!);
  // What is recorded here, not how late the lazy chunks may come (lazy-chunks tests): the page
  // leaves below, so start once the capture chunk (its env event) and the network chunk (a
  // recorded request) are here.
  const ready = (): boolean => {
    const got = h.ingest.forSession(sid).flatMap((r) => r.batch.events);
    return got.some((e) => e.kind === 'env') && got.some((e) => e.kind === 'network');
  };
  for (const until = Date.now() + 10_000; !ready();) {
    if (Date.now() > until) throw new Error('the lazy chunks never arrived');
    await page.evaluate(() => fetch('/kinds-ready').then(() => window.Reprise!.flush()));
    await new Promise((r) => setTimeout(r, 100));
  }
  busyFrom = await page.evaluate(async () => {
    // XHR with a urlencoded body.
    await new Promise<void>((resolve) => {
      const x = new XMLHttpRequest();
      x.open('POST', '/xhr-target');
      x.setRequestHeader('content-type', 'application/x-www-form-urlencoded');
      x.onloadend = () => resolve();
      x.send('q=shoes&password=pw-xhr');
    });
    // A network failure and an abort, as the app sees them.
    await fetch('http://127.0.0.1:9/unreachable').catch(() => undefined);
    const ac = new AbortController();
    const p = fetch('/kinds', { signal: ac.signal }).catch(() => undefined);
    ac.abort();
    await p;
    // SPA navigation.
    history.pushState({}, '', '/kinds/step-2');
    location.hash = 'details';
    await new Promise((r) => setTimeout(r, 50));
    // A long task, a failed image, an unhandled rejection.
    const busy = Date.now();
    const until = performance.now() + 120;
    while (performance.now() < until) {
      /* busy */
    }
    const img = document.createElement('img');
    img.src = '/missing.png';
    document.body.appendChild(img);
    void Promise.reject(new Error('rejected on purpose'));
    await new Promise((r) => setTimeout(r, 300));
    return busy;
  });
  // Leaving reports the vitals and flushes.
  await page.goto('about:blank');
  await page.close();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !h.ingest.forSession(sid).some((r) => r.text.includes('"vital"')))
    await new Promise((r) => setTimeout(r, 100));
  events = h.ingest.forSession(sid).flatMap((r) => r.batch.events);
}, 60_000);

const of = <D>(kind: string) => events.filter((e) => e.kind === kind).map((e) => e.data as D);

describe('capture kinds in Chromium', () => {
  it('records XHR with its urlencoded body redacted', () => {
    const x = of<NetworkData>('network').find((n) => n.url.endsWith('/xhr-target'))!;
    expect(x).toMatchObject({ initiator: 'xhr', method: 'POST', status: 404 });
    expect(x.requestBody).toMatchObject({ kind: 'urlencoded', value: { q: 'shoes', password: '[redacted]' } });
  });

  it('records network failures and aborts as failures', () => {
    const net = of<NetworkData>('network');
    expect(net.find((n) => n.url.includes('/unreachable'))).toMatchObject({ status: 0, error: 'network' });
    expect(net.find((n) => n.error === 'abort')).toBeDefined();
  });

  it('records SPA navigations', () => {
    const nav = of<NavData>('nav');
    expect(nav[0]).toMatchObject({ type: 'load' });
    expect(nav.find((n) => n.type === 'pushState')?.url).toMatch(/\/kinds\/step-2$/);
    expect(nav.find((n) => n.type === 'hashchange')?.url).toMatch(/#details$/);
  });

  it('records unhandled rejections and resource load errors', () => {
    const errs = of<ErrorData>('error');
    expect(errs.find((e) => e.origin === 'unhandledrejection')).toMatchObject({ message: expect.stringContaining('rejected on purpose') });
    expect(errs.find((e) => e.origin === 'resource')?.source).toMatch(/missing\.png$/);
    // The page still sees its own rejection, exactly as without the recorder.
    expect(pageErrors.some((m) => m.includes('rejected on purpose'))).toBe(true);
  });

  it('records long tasks, at the time each began, and paint and navigation timings', () => {
    const vitals = of<VitalData>('vital');
    // Other long tasks (page load under a busy CI machine) may be recorded too. Ours is stamped
    // when it began (the task holds the busy loop), not when it was reported (after its 120 ms).
    const longtasks = events.filter((e) => e.kind === 'vital' && (e.data as VitalData).name === 'longtask');
    expect(longtasks.filter((e) => (e.data as VitalData).value >= 100).map((e) => e.t - busyFrom)).toContainEqual(
      expect.toSatisfy((d: number) => d >= -20 && d < 60),
    );
    expect(vitals.some((v) => v.name === 'FCP')).toBe(true);
    expect(vitals.some((v) => v.name === 'TTFB')).toBe(true);
  });
});
