import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { SessionDetail, SessionTimeline } from '@reprise/protocol';
import { launchChromium } from '../test-support/chromium.js';
import { generateLongSession, type LongSession } from '../test-support/long-session.js';
import { ADMIN, startServer, type RunningServer } from './support/server.js';

// A 20-minute recording (a checkout every 2 minutes, the recorder's default; a page load every ~10),
// ingested through the real ingest endpoint. The viewer must open it from a window of events, not the
// whole log, and still show any moment correctly and list every event in the panels eventually.
const SESSION_ID = 'long_session_e2e';
const DURATION_MS = 20 * 60_000;
const LIVE_WINDOW_MS = 10_000;

let server: RunningServer;
let browser: Browser;
let session: LongSession;
let ingestedAt = 0;

beforeAll(async () => {
  server = await startServer();
  session = generateLongSession({
    seed: 5,
    startTime: Date.now() - DURATION_MS - 120_000,
    durationMs: DURATION_MS,
    checkoutEveryMs: 2 * 60_000,
    batchEveryMs: 10_000,
    pageEveryMs: 10 * 60_000,
    nodes: 600,
  });
  for (const [seq, events] of session.batches.entries()) {
    const body = gzipSync(JSON.stringify({ v: 1, sessionId: SESSION_ID, seq, events, meta: { url: 'https://shop.example/page-1' } }));
    const res = await fetch(`${server.base}/ingest/v1/batch?key=${server.projectKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    expect(res.status, await res.text()).toBe(200);
  }
  ingestedAt = Date.now();
  browser = await launchChromium();
  // A session is live for 10 s after its last batch, and a live one opens at its end: wait that out.
  await new Promise((r) => setTimeout(r, Math.max(0, ingestedAt + LIVE_WINDOW_MS + 500 - Date.now())));
  expect((await server.api<SessionDetail>(`/api/v1/sessions/${SESSION_ID}`)).live).toBe(false);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface EventsRequest {
  at: number;
  from: number | null;
  to: number | null;
}

/** Logs in and opens the session page, recording every request for its events. */
async function openSession(query = ''): Promise<{ page: Page; requests: EventsRequest[]; close(): Promise<void> }> {
  const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await ctx.newPage();
  const requests: EventsRequest[] = [];
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (!/^\/api\/v1\/sessions\/[^/]+\/events$/.test(u.pathname)) return;
    const num = (k: string) => (u.searchParams.has(k) ? Number(u.searchParams.get(k)) : null);
    requests.push({ at: Date.now(), from: num('from'), to: num('to') });
  });
  await page.goto(`${server.base}/login?next=${encodeURIComponent(`/sessions/${SESSION_ID}${query}`)}`);
  await page.fill('input[name="email"]', ADMIN.email);
  await page.fill('input[name="password"]', ADMIN.password);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
  return { page, requests, close: () => ctx.close() };
}

const clockText = (page: Page) =>
  page.evaluate(
    () => document.querySelector<HTMLIFrameElement>('.replay-mount iframe')?.contentDocument?.getElementById('clock')?.textContent ?? null,
  );

/** Sets the scrubber as a drag does (value + input event). */
async function scrub(page: Page, ms: number): Promise<void> {
  await page.evaluate((v) => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="scrubber"]')!;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(v));
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
}

describe('a long session opens from a window of events', () => {
  it('loads only the first window before the first frame, seeks near the end by content, and fills the panels', async () => {
    const timeline = await server.api<SessionTimeline>(`/api/v1/sessions/${SESSION_ID}/timeline`);
    expect(timeline.snapshots.length).toBeGreaterThanOrEqual(4); // first page, checkouts, a page load
    const start = timeline.snapshots[0]!.startT;
    expect(start).toBe(session.startTime);

    const { page, requests, close } = await openSession();
    try {
      // The first frame: the first page as recorded.
      await expect.poll(() => clockText(page), { timeout: 10_000 }).toBe(session.clockAt(start + 2));
      // Before the frame, one bounded window from the first snapshot was read, never the whole log.
      const first = requests[0]!;
      expect(first.from).toBe(start);
      expect(first.to).not.toBeNull();
      expect(first.to! - first.from!).toBeLessThanOrEqual(60_000);
      // The scrub bar spans the whole session at once (from the index).
      const durationMs = timeline.endedAt - start;
      expect(Number(await page.getAttribute('[data-testid="scrubber"]', 'max'))).toBe(Math.round(durationMs));

      // Near the end: the frame shows what the recording showed then.
      const target = Math.floor((durationMs - 30_000) / 100) * 100;
      await scrub(page, target);
      await expect.poll(() => clockText(page), { timeout: 10_000 }).toBe(session.clockAt(start + target));
      // And back near the start (an earlier snapshot, another rebuild).
      await scrub(page, 65_000);
      await expect.poll(() => clockText(page), { timeout: 10_000 }).toBe(session.clockAt(start + 65_000));

      // The rest streamed in windows: every request is bounded on at least one side, and together
      // the panels end up listing the whole session's console lines and requests.
      await page.click('[data-testid="tab-console"]');
      const lines = page.locator('[data-testid="console-entry"]');
      await expect.poll(() => lines.count(), { timeout: 20_000 }).toBe(session.minuteLines);
      expect(await lines.first().innerText()).toContain('minute 0');
      expect(await lines.last().innerText()).toContain(`minute ${session.minuteLines - 1}`);
      await page.click('[data-testid="tab-network"]');
      await expect.poll(() => page.locator('[data-testid="network-entry"]').count(), { timeout: 20_000 }).toBe(session.requests);
      expect(requests.length).toBeGreaterThan(2);
      for (const r of requests) expect(r.from !== null || r.to !== null, JSON.stringify(r)).toBe(true);
    } finally {
      await close();
    }
  });

  it('a link opened in a new tab asks for the index and the first window before the viewer renders, once each', async () => {
    const timeline = await server.api<SessionTimeline>(`/api/v1/sessions/${SESSION_ID}/timeline`);
    const start = timeline.snapshots[0]!.startT;
    const at = 7 * 60_000 + 12_300;
    const snapshot = [...timeline.snapshots].reverse().find((s) => s.startT <= start + at)!;
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    try {
      const login = await ctx.request.post(`${server.base}/api/v1/auth/login`, { data: ADMIN });
      expect(login.ok()).toBe(true);
      const page = await ctx.newPage();
      const api: string[] = [];
      page.on('request', (req) => {
        const u = new URL(req.url());
        if (u.pathname.startsWith('/api/')) api.push(u.pathname + u.search);
      });
      await page.goto(`${server.base}/sessions/${SESSION_ID}?t=${at / 1000}`);
      await expect.poll(() => clockText(page), { timeout: 10_000 }).toBe(session.clockAt(start + at));
      // The index is asked for as the bundle runs, before React renders the header (which asks who is logged in).
      const index = api.indexOf(`/api/v1/sessions/${SESSION_ID}/timeline`);
      expect(index).toBeGreaterThanOrEqual(0);
      expect(index).toBeLessThan(api.indexOf('/api/v1/auth/me'));
      expect(api.filter((x) => x.endsWith('/timeline'))).toHaveLength(1);
      // The prefetched first window is the one the player needs: from the deep link's snapshot, asked for once.
      const events = api.filter((x) => x.includes('/events'));
      expect(new URLSearchParams(events[0]!.split('?')[1]).get('from')).toBe(String(snapshot.startT));
      expect(events.filter((x) => x === events[0])).toHaveLength(1);
    } finally {
      await ctx.close();
    }
  });

  it('a seek that needs a window drops the background reads in flight, and they are read again after its frame', async () => {
    const timeline = await server.api<SessionTimeline>(`/api/v1/sessions/${SESSION_ID}/timeline`);
    const start = timeline.snapshots[0]!.startT;
    const target = Math.floor((timeline.endedAt - start - 30_000) / 100) * 100;
    const snapshot = [...timeline.snapshots].reverse().find((s) => s.startT <= start + target)!;
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    try {
      const login = await ctx.request.post(`${server.base}/api/v1/auth/login`, { data: ADMIN });
      expect(login.ok()).toBe(true);
      // The first window goes through; later reads wait here until the test lets them go.
      const held: { url: string; release(): Promise<void> }[] = [];
      let first = true;
      let open = false;
      await ctx.route(/\/api\/v1\/sessions\/[^/]+\/events/, (route) => {
        if (first || open) {
          first = false;
          return route.continue();
        }
        held.push({ url: route.request().url(), release: () => route.continue() });
      });
      const page = await ctx.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      await page.goto(`${server.base}/sessions/${SESSION_ID}`);
      await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
      await expect.poll(() => held.length).toBe(2); // the background keeps two reads going
      const background = held.map((h) => h.url);

      await scrub(page, target);
      await expect.poll(() => held.length).toBe(3);
      expect(new URL(held[2]!.url).searchParams.get('from')).toBe(String(snapshot.startT));
      // The server would answer them beside the seek's read: they are dropped, and nothing else starts.
      await expect.poll(() => failed.sort()).toEqual([...background].sort());
      expect(await page.getAttribute('[data-testid="player"]', 'data-waiting')).toBe('true');
      expect(held).toHaveLength(3);

      // The seek's window: its frame, then the rest, the dropped windows included.
      await held[2]!.release();
      await expect.poll(() => clockText(page), { timeout: 10_000 }).toBe(session.clockAt(start + target));
      open = true;
      for (const h of held.slice(3)) await h.release();
      await page.click('[data-testid="tab-console"]');
      const lines = page.locator('[data-testid="console-entry"]');
      await expect.poll(() => lines.count(), { timeout: 20_000 }).toBe(session.minuteLines);
    } finally {
      await ctx.close();
    }
  });

  it('a deep link starts loading at the snapshot before its moment', async () => {
    const timeline = await server.api<SessionTimeline>(`/api/v1/sessions/${SESSION_ID}/timeline`);
    const start = timeline.snapshots[0]!.startT;
    const at = 12 * 60_000 + 34_500;
    const snapshot = [...timeline.snapshots].reverse().find((s) => s.startT <= start + at)!;
    expect(snapshot.startT).toBeGreaterThan(start);

    const { page, requests, close } = await openSession(`?t=${at / 1000}`);
    try {
      await expect.poll(() => clockText(page), { timeout: 10_000 }).toBe(session.clockAt(start + at));
      expect(requests[0]!.from).toBe(snapshot.startT);
      // Earlier moments come from windows loaded afterwards.
      await scrub(page, 30_000);
      await expect.poll(() => clockText(page), { timeout: 10_000 }).toBe(session.clockAt(start + 30_000));
    } finally {
      await close();
    }
  });
});
