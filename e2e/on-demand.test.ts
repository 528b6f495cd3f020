import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parseNdjson, type CustomData, type ReplayEvent, type SessionList } from '@reprise/protocol';
import { launchChromium } from '../test-support/chromium.js';
import { ADMIN, startServer, type RunningServer } from './support/server.js';
import { sessionIdOf } from './support/shopper.js';

interface CreatedLink {
  id: string;
  url: string;
  expiresAt: number;
}

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  // The demo shop loads only the on-demand loader: nothing records without a link.
  server = await startServer({ REPRISE_DEMO_MODE: 'on-demand' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function createLink(body: Record<string, unknown>): Promise<CreatedLink> {
  const r = await server.apiSend<CreatedLink>('POST', '/api/v1/links', {
    targetUrl: `${server.base}/demo/`,
    expiresInSeconds: 3600,
    ...body,
  });
  expect(r.status).toBe(201);
  return r.body;
}

async function login(page: Page, next: string): Promise<void> {
  await page.goto(`${server.base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('input[name="email"]', ADMIN.email);
  await page.fill('input[name="password"]', ADMIN.password);
  await page.click('[data-testid="login-submit"]');
}

const listSessions = () => server.api<SessionList>('/api/v1/sessions?limit=500');

describe('support links on the demo shop', () => {
  it('records one tagged session across two pages until Stop, and nothing after', async () => {
    const link = await createLink({ label: 'TICKET-123' });
    const token = link.url.split('/l/')[1]!;
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(link.url);
    expect(await page.textContent('body')).toMatch(/password/i); // says what is never recorded
    await page.click('[data-testid="consent-start"]');
    await page.waitForURL(/\/demo\/$/);
    expect(page.url()).not.toContain(token); // removed from the address bar

    const badge = page.locator('reprise-badge');
    await expect.poll(() => badge.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    expect(await badge.getByText('Recording for support').isVisible()).toBe(true);

    await page.click('[data-testid="add-to-cart-mug"]');
    await page.click('[data-testid="nav-cart"]');
    await page.waitForURL(/\/demo\/cart/);
    await expect.poll(() => badge.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);
    await page.click('[data-testid="qty-increase"]');
    const sessionId = await sessionIdOf(page);
    await badge.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => badge.count()).toBe(0);
    // Activity after Stop must not be recorded, on this page or the next.
    await page.click('[data-testid="qty-increase"]');
    await page.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<p>after stop marker</p>'));
    await page.click('[data-testid="nav-products"]');
    await page.waitForURL(/\/demo\/$/);
    await page.waitForTimeout(1500);
    await ctx.close();

    const d = await server.waitForSession(sessionId);
    expect(d.linkId).toBe(link.id);
    expect(d.linkLabel).toBe('TICKET-123');
    const tagged = (await listSessions()).sessions.filter((s) => s.linkId === link.id);
    expect(tagged.map((s) => s.id)).toEqual([sessionId]);

    const text = await server.apiText(`/api/v1/sessions/${sessionId}/events`);
    const events = parseNdjson(text);
    const urls = events.filter((e) => e.kind === 'nav').map((e) => (e.data as { url: string }).url);
    expect(urls.some((u) => /\/demo\/$/.test(u))).toBe(true);
    expect(urls.some((u) => /\/demo\/cart$/.test(u))).toBe(true);
    const last = events[events.length - 1] as ReplayEvent<'custom', CustomData>;
    expect(last.kind).toBe('custom');
    expect(last.data).toMatchObject({ type: 'stop', by: 'user' });
    expect(text).not.toContain('after stop marker');
    expect(text).not.toContain(token);

    const links = await server.api<{ links: { id: string; sessions: string[]; status: string }[] }>('/api/v1/links');
    expect(links.links.find((l) => l.id === link.id)?.sessions).toEqual([sessionId]);
  });

  it('refuses expired, revoked, tampered and used-up links with a clear page, and records nothing', async () => {
    const expired = await createLink({ label: 'expired', expiresInSeconds: 1 });
    const revoked = await createLink({ label: 'revoked' });
    expect((await server.apiSend('DELETE', `/api/v1/links/${revoked.id}`)).status).toBe(204);
    const good = await createLink({ label: 'tampered' });
    const tampered = good.url.slice(0, -4) + (good.url.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const used = await createLink({ label: 'used-up', maxSessions: 1 });
    // Use up the only session in one tab.
    const first = await browser.newContext();
    const p1 = await first.newPage();
    await p1.goto(used.url);
    await p1.click('[data-testid="consent-start"]');
    await p1.waitForURL(/\/demo\/$/);
    const usedSession = await sessionIdOf(p1);
    await server.waitForSession(usedSession);
    await first.close();
    await new Promise((r) => setTimeout(r, 1100)); // let `expired` expire

    const before = (await listSessions()).sessions.length;
    // The four links side by side, each in its own context: each waits to see that nothing records.
    const links = [
      [expired.url, 'expired'],
      [revoked.url, 'revoked'],
      [tampered, 'invalid'],
      [used.url, 'used_up'],
    ] as const;
    await Promise.all(
      links.map(async ([url, reason]) => {
        const ctx = await browser.newContext();
        const page = await ctx.newPage();
        const res = await page.goto(url);
        expect(res!.status(), reason).toBeGreaterThanOrEqual(400);
        expect(await page.getAttribute('[data-testid="link-error"]', 'data-reason')).toBe(reason);
        expect(await page.locator('[data-testid="consent-start"]').count()).toBe(0);
        // Going straight to the app with the token records nothing either.
        const token = url.split('/l/')[1]!;
        await page.goto(`${server.base}/demo/#reprise_token=${token}`);
        // The recorder cannot tell a refused token from a good one: it takes it (out of the address
        // bar, into the tab's storage) and ends once the server refuses its first batch, dropping
        // the token and the badge. Waited for, not timed: under load that takes longer.
        const settled = () =>
          page.evaluate(() => ({
            taken: !location.hash.includes('reprise_token'),
            stored: sessionStorage.getItem('reprise:link') !== null,
            badges: document.querySelectorAll('reprise-badge').length,
          }));
        await expect.poll(settled, { timeout: 20_000, message: reason }).toEqual({ taken: true, stored: false, badges: 0 });
        await ctx.close();
      }),
    );
    expect((await listSessions()).sessions.length).toBe(before);
  });

  it('a page with the loader and no token makes no request to Reprise and registers no listeners', async () => {
    const count = async (blockLoader: boolean) => {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const hits: string[] = [];
      page.on('request', (r) => {
        const u = new URL(r.url());
        if (
          u.pathname.startsWith('/ingest/') ||
          u.pathname.startsWith('/api/') ||
          (u.pathname.startsWith('/sdk/') && u.pathname !== '/sdk/loader.js')
        )
          hits.push(u.pathname);
      });
      if (blockLoader) await page.route('**/sdk/loader.js', (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body: '' }));
      await page.addInitScript(() => {
        const w = window as unknown as { __listeners: number };
        w.__listeners = 0;
        const orig = EventTarget.prototype.addEventListener;
        EventTarget.prototype.addEventListener = function (...args: Parameters<typeof orig>) {
          w.__listeners++;
          return orig.apply(this, args);
        };
      });
      await page.goto(`${server.base}/demo/`);
      await page.click('[data-testid="add-to-cart-tee"]');
      await page.waitForTimeout(1000);
      const listeners = await page.evaluate(() => (window as unknown as { __listeners: number }).__listeners);
      const hasRecorder = await page.evaluate(() => 'Reprise' in window);
      await ctx.close();
      return { hits, listeners, hasRecorder };
    };
    const withLoader = await count(false);
    const without = await count(true);
    expect(withLoader.hits).toEqual([]);
    expect(withLoader.hasRecorder).toBe(false);
    expect(withLoader.listeners).toBe(without.listeners);
  });

  it('creates a link on the Links page and shows its status and label', async () => {
    const page = await (await browser.newContext()).newPage();
    await login(page, '/links');
    await page.waitForSelector('[data-testid="create-link"]');
    await page.fill('[data-testid="link-target"]', `${server.base}/demo/`);
    await page.fill('[data-testid="link-label-input"]', 'TICKET-UI-7');
    await page.fill('[data-testid="link-expires"]', '24');
    await page.click('[data-testid="create-link"]');
    const url = await page.inputValue('[data-testid="created-link-url"]');
    expect(url).toMatch(/\/l\/[A-Za-z0-9_-]{22,}$/);
    const row = page.locator('[data-testid="link-row"]', { hasText: 'TICKET-UI-7' });
    await expect.poll(() => row.getAttribute('data-status')).toBe('created');

    // The customer opens it: the Links page follows the status.
    const customer = await (await browser.newContext()).newPage();
    await customer.goto(url);
    await customer.click('[data-testid="consent-start"]');
    await customer.waitForURL(/\/demo\/$/);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('recording');
    // The session list shows the link's label.
    await page.goto(`${server.base}/`);
    await expect.poll(() => page.locator('[data-testid="link-label"]', { hasText: 'TICKET-UI-7' }).count()).toBe(1);
    await customer.context().close();
    await page.context().close();
  });

  it('shows a DOM change from the recorded tab in an open viewer, live', async () => {
    const link = await createLink({ label: 'LIVE-1' });
    const customer = await (await browser.newContext()).newPage();
    await customer.goto(link.url);
    await customer.click('[data-testid="consent-start"]');
    await customer.waitForURL(/\/demo\/$/);
    const sessionId = await sessionIdOf(customer);
    await expect.poll(async () => (await listSessions()).sessions.some((s) => s.id === sessionId), { timeout: 10_000 }).toBe(true);

    const viewer = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await login(viewer, `/sessions/${sessionId}`);
    await viewer.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
    await viewer.waitForSelector('[data-testid="live-indicator"]');
    const frame = (await (await viewer.waitForSelector('[data-testid="player"] iframe')).contentFrame())!;
    await viewer.waitForTimeout(500);

    // The change arrives in the open viewer without a reload. How fast (the 2 s goal) is a figure
    // for a benchmark, not an assert: on a loaded CI machine a timing assert fails for the load.
    await customer.evaluate(() => document.body.insertAdjacentHTML('afterbegin', '<h2 id="live-probe">live probe 42</h2>'));
    await frame.waitForSelector('#live-probe', { timeout: 15_000 });

    // Scrubbing back leaves the live edge and shows the page as it was then.
    const scrubber = viewer.locator('[data-testid="scrubber"]');
    await scrubber.fill('0');
    await expect.poll(() => frame.locator('#live-probe').count()).toBe(0);
    // A change made while the viewer looks back arrives (the scrub bar grows) but stays unseen…
    const maxBefore = Number(await scrubber.getAttribute('max'));
    await customer.evaluate(() => document.body.insertAdjacentHTML('afterbegin', '<h2 id="live-probe-2">while behind</h2>'));
    await expect.poll(async () => Number(await scrubber.getAttribute('max')), { timeout: 5000 }).toBeGreaterThan(maxBefore);
    expect(await frame.locator('#live-probe-2').count()).toBe(0);
    // …until "Go live" returns to the edge, which holds both changes.
    await viewer.click('[data-testid="go-live"]');
    await frame.waitForSelector('#live-probe-2', { timeout: 5000 });
    expect(await frame.locator('#live-probe').count()).toBe(1);
    await viewer.waitForSelector('[data-testid="go-live"]', { state: 'detached' });

    // Stop on the customer's badge ends the live view without a reload.
    await customer.locator('reprise-badge').getByRole('button', { name: 'Stop' }).click();
    await viewer.waitForSelector('[data-testid="live-ended"]', { timeout: 5000 });
    expect(await viewer.locator('[data-testid="live-indicator"]').count()).toBe(0);
    await customer.context().close();
    await viewer.context().close();
  });
});

describe('flight recorder and feedback (script tag on a customer site)', () => {
  let site: Server;
  let siteBase = '';
  const pages: Record<string, string> = {};

  beforeAll(async () => {
    site = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pages[req.url ?? ''] ?? 'not found');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteBase = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => site.close(() => r())));

  const tag = (attrs: string) => `<script src="${server.base}/sdk/reprise.js" data-project-key="${server.projectKey}" ${attrs}></script>`;

  it('buffer mode uploads only about the last 4 s, starting with a full snapshot, when the page throws', async () => {
    pages['/buffer'] =
      `<!doctype html><html><head>${tag('data-mode="buffer" data-buffer-seconds="4"')}</head><body><p id="now">start</p></body></html>`;
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${siteBase}/buffer`);
    const before = (await listSessions()).sessions.length;
    // Act for 10 s: the page shows a new numbered tick every 250 ms (only the newest is in the DOM).
    await page.evaluate(async () => {
      const now = document.getElementById('now')!;
      for (let i = 1; i <= 40; i++) {
        now.textContent = `tick-${String(i).padStart(2, '0')}`;
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    expect((await listSessions()).sessions.length).toBe(before); // nothing uploaded before the error
    const thrownAt = Date.now();
    await page.evaluate(() =>
      setTimeout(() => {
        throw new Error('buffer trigger');
      }, 0),
    );
    await page.waitForTimeout(200);
    const sessionId = await page.evaluate(() => (window as unknown as { Reprise: { getSessionId(): string } }).Reprise.getSessionId());
    await server.waitForSession(sessionId);
    await page.context().close();
    expect(errors).toEqual(['buffer trigger']);

    const events = parseNdjson(await server.apiText(`/api/v1/sessions/${sessionId}/events`));
    const dom = events.filter((e) => e.kind === 'dom');
    const types = dom.map((e) => (e.data as { type: number }).type);
    expect(types.indexOf(2)).toBeGreaterThanOrEqual(0);
    expect(types.slice(0, types.indexOf(2)).every((t) => t === 4)).toBe(true); // starts with a full snapshot
    const oldest = events[0]!.t;
    expect(thrownAt - oldest).toBeGreaterThanOrEqual(3_600); // about the 4 s before the error…
    // …and nothing much older: one checkout interval (bufferSeconds/2) of slack, and 1 s for timers.
    expect(thrownAt - oldest).toBeLessThanOrEqual(7_000);
    const text = JSON.stringify(events);
    for (let i = 1; i <= 5; i++) expect(text).not.toContain(`tick-0${i}`); // the first seconds are gone
    expect(text).toContain('tick-40');
    expect(events.some((e) => e.kind === 'error' && (e.data as { message: string }).message.includes('buffer trigger'))).toBe(true);
  }, 60_000);

  it('feedback from the widget shows on the session', async () => {
    pages['/feedback'] =
      `<!doctype html><html><head>${tag('data-feedback="true" data-flush-interval-ms="500"')}</head><body><p>app</p></body></html>`;
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${siteBase}/feedback`);
    const widget = page.locator('reprise-feedback');
    await widget.getByRole('button', { name: 'Report a problem' }).click();
    await widget.locator('textarea').fill('The pay button does nothing');
    await widget.getByRole('button', { name: 'Submit' }).click();
    const sessionId = await page.evaluate(() => (window as unknown as { Reprise: { getSessionId(): string } }).Reprise.getSessionId());
    await server.waitForSession(sessionId);
    await page.context().close();
    const d = await server.api<{ counts: { feedback: number } }>(`/api/v1/sessions/${sessionId}`);
    expect(d.counts.feedback).toBe(1);

    const viewer = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await login(viewer, `/sessions/${sessionId}`);
    await viewer.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
    expect(await viewer.locator('[data-testid="marker"][data-kind="feedback"]').count()).toBe(1);
    await viewer.click('[data-testid="tab-feedback"]');
    expect(await viewer.locator('[data-testid="feedback-entry"]').innerText()).toContain('The pay button does nothing');
    // …and on the session list.
    await viewer.goto(`${server.base}/`);
    const row = viewer.locator('[data-testid="session-row"]', { hasText: siteBase });
    await expect.poll(() => row.locator('[data-testid="problem-feedback"]').count()).toBe(1);
    await viewer.context().close();
  });
});
