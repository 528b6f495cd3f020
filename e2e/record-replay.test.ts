import { describe, expect, it } from 'vitest';
import { parseNdjson, type SessionDetail, type SessionList } from '@reprise/protocol';
import { ADMIN } from './support/server.js';
import { useServerAndBrowser } from './support/harness.js';
import { storedBytes } from './support/stored-bytes.js';
import { checkoutWithExpiredCard, sessionIdOf, SHOPPER } from './support/shopper.js';
import { pageShape } from './support/page-shape.js';

const { password: PASSWORD, email: EMAIL, card: CARD } = SHOPPER;

const h = useServerAndBrowser();

describe('record the demo shop in Chromium, replay it in the viewer', () => {
  let sessionId = '';
  let live: Awaited<ReturnType<typeof pageShape>>;
  const pageErrors: string[] = [];

  it('records a shopper through products, cart and a failing checkout', async () => {
    const ctx = await h.browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await checkoutWithExpiredCard(page, h.server.base);
    expect(pageErrors.some((m) => /TypeError|Cannot read/.test(m))).toBe(true);

    sessionId = await sessionIdOf(page);
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    live = await pageShape(page);
    expect(live.text).toContain('card_expiry invalid format');

    // Leaving the page fires pagehide, which flushes the rest with keepalive.
    await page.goto('about:blank');
    await ctx.close();
    await h.server.waitForSession(sessionId);
  });

  it('serves the session through the API with its summary and time-ordered events', async () => {
    const list = await h.server.api<SessionList>('/api/v1/sessions');
    const s = list.sessions.find((x) => x.id === sessionId)!;
    expect(s.firstUrl).toMatch(/\/demo\/$/);
    expect(s.browser).toMatch(/Chrom/);
    expect(s.os).toBe('Linux');
    expect(s.device).toBe('desktop');
    expect(s.durationMs).toBeGreaterThan(0);

    const events = parseNdjson(await h.server.apiText(`/api/v1/sessions/${sessionId}/events`));
    const dom = events.filter((e) => e.kind === 'dom');
    // One full snapshot per page load: products, cart, checkout.
    expect(dom.filter((e) => (e.data as { type: number }).type === 2).length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < events.length; i++) expect(events[i]!.t).toBeGreaterThanOrEqual(events[i - 1]!.t);
  });

  it('never stores the typed password, email or card number', () => {
    const bytes = storedBytes(h.server.dataDir);
    expect(bytes.length).toBeGreaterThan(1000);
    for (const secret of [PASSWORD, EMAIL, CARD]) expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
  });

  it('replays it in the viewer: the final frame shows what the live page showed', async () => {
    const ctx = await h.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await ctx.newPage();
    const viewerErrors: string[] = [];
    page.on('pageerror', (e) => viewerErrors.push(e.message));
    const d = await h.server.api<SessionDetail>(`/api/v1/sessions/${sessionId}`);
    const endSeconds = Math.ceil(d.durationMs / 1000) + 1;

    await page.goto(`${h.server.base}/sessions/${sessionId}?t=${endSeconds}`);
    await page.waitForURL(/\/login/);
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL(new RegExp(`/sessions/${sessionId}`));
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });

    const iframe = await page.waitForSelector('[data-testid="player"] iframe');
    expect(await iframe.getAttribute('sandbox')).not.toContain('allow-scripts');
    const frame = (await iframe.contentFrame())!;
    // The account email sits in a data-reprise-mask element: rrweb replays it as one * per character.
    const expectedText = live.text.replace(EMAIL, '*'.repeat(EMAIL.length));
    expect(expectedText).not.toBe(live.text);
    await expect.poll(async () => (await pageShape(frame)).text, { timeout: 10_000 }).toBe(expectedText);
    const replayed = await pageShape(frame);
    expect(replayed.testIds).toEqual(live.testIds);
    expect(replayed.title).toBe(live.title);
    // Masked inputs replay masked: the typed email is not in the replayed form.
    expect(await frame.evaluate(() => (document.querySelector('#email') as HTMLInputElement | null)?.value)).not.toBe(EMAIL);

    // Player controls exist and work.
    for (const id of ['play-toggle', 'scrubber', 'speed-1', 'speed-2', 'speed-4', 'speed-8', 'skip-inactive', 'current-time']) {
      expect(await page.locator(`[data-testid="${id}"]`).count(), id).toBe(1);
    }
    expect(viewerErrors).toEqual([]);
    await ctx.close();
  });
});
