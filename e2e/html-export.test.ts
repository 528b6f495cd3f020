import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame } from 'playwright-core';
import { parseNdjson, type NetworkData } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { ADMIN } from './support/server.js';
import { checkoutWithExpiredCard, sessionIdOf } from './support/shopper.js';

/**
 * Issue 19's self-contained export: the demo checkout recorded, downloaded as one HTML file the
 * way the viewer's "Download" link does (login cookie), written to disk and opened from file:// in
 * a fresh context with the network off. It must replay the checkout and show the 422 in its
 * Network panel without attempting a single request.
 */
const h = useServerAndBrowser();
const UNCAPTURED = 'never-captured.png';
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function loginCookie(base: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  return r.headers.get('set-cookie')!.split(';')[0]!;
}

async function replayText(frame: Frame | null): Promise<string> {
  return frame ? frame.evaluate(() => document.body?.innerText ?? '') : '';
}

/** The file opened from disk in a fresh context with the network off; every request it tries is counted (and failed). */
async function openOffline(file: string) {
  const ctx = await h.browser.newContext({ viewport: { width: 1500, height: 1000 } });
  await ctx.setOffline(true);
  const attempted: string[] = [];
  await ctx.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    attempted.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await ctx.newPage();
  // Also what the page asked for and its CSP refused before the network: the replay must not even try.
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  return { ctx, page, attempted, requests, pageErrors };
}

describe('HTML export', () => {
  it('replays the checkout and shows its 422 from a file opened offline, with no request attempted', async () => {
    const rec = await h.browser.newContext();
    const shop = await rec.newPage();
    await checkoutWithExpiredCard(shop, h.server.base);
    // An image Reprise cannot capture (loopback is refused): the replay must never ask for it.
    await shop.evaluate((name) => {
      const img = document.createElement('img');
      img.src = `http://127.0.0.1:9/${name}`;
      document.body.append(img);
    }, UNCAPTURED);
    const id = await sessionIdOf(shop);
    await rec.close();
    const detail = await h.server.waitForSession(id);

    const res = await fetch(`${h.server.base}/api/v1/sessions/${id}/export.html`, {
      headers: { cookie: await loginCookie(h.server.base) },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="reprise-${id}.html"`);
    const html = await res.text();
    // What the server stored as redacted stays so: the typed password never reached the file.
    expect(html).not.toContain('Sup3r-Secret-Pa55!');
    expect(html).toContain(UNCAPTURED);
    dir = await mkdtemp(path.join(tmpdir(), 'reprise-export-'));
    const file = path.join(dir, `reprise-${id}.html`);
    await writeFile(file, html);

    const { ctx, page, attempted, requests, pageErrors } = await openOffline(file);
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 60_000 });

    // The Network panel holds the failed payment; choosing it seeks the replay to that moment.
    await page.click('[data-testid="tab-network"]');
    const failed = page.locator('[data-testid="network-entry"][data-status="422"]');
    await expect.poll(() => failed.count()).toBe(1);
    expect((await page.locator('[data-testid="network-entry"]').allInnerTexts()).some((u) => u.includes('/demo/api/products'))).toBe(true);
    await failed.click();
    const body = await page.locator('[data-testid="network-detail"] [data-testid="response-body"]').innerText();
    expect(body).toContain('card_expired');

    // The replay shows the recorded checkout page, rebuilt in rrweb's sandboxed frame.
    const frame = await (await page.waitForSelector('.replay-mount iframe')).contentFrame();
    await expect.poll(() => replayText(frame), { timeout: 30_000 }).toContain('Checkout');
    expect(await replayText(frame)).toContain('Payment');
    expect(await page.locator('.replay-mount iframe').getAttribute('sandbox')).not.toContain('allow-scripts');

    // Play a little, so anything the replay would load on the way is asked for too.
    await page.click('[data-testid="play-toggle"]');
    await page.waitForTimeout(1500);
    expect(attempted).toEqual([]);
    expect(requests).toEqual([]);
    expect(pageErrors).toEqual([]);
    await ctx.close();

    // A slice from the failed payment on: it opens on the checkout page at that moment, and its
    // panels hold nothing from before (the products page's requests).
    const failedAt = parseNdjson(await h.server.apiText(`/api/v1/sessions/${id}/events`)).find(
      (e) => e.kind === 'network' && (e.data as NetworkData).status === 422,
    )!.t;
    const from = failedAt - detail.startedAt;
    const sliceRes = await fetch(`${h.server.base}/api/v1/sessions/${id}/export.html?from=${from}`, {
      headers: { cookie: await loginCookie(h.server.base) },
    });
    expect(sliceRes.status).toBe(200);
    const sliceFile = path.join(dir, 'slice.html');
    await writeFile(sliceFile, await sliceRes.text());
    const slice = await openOffline(sliceFile);
    await slice.page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 60_000 });
    await slice.page.getByTestId('export-range').waitFor();
    const sliceFrame = await (await slice.page.waitForSelector('.replay-mount iframe')).contentFrame();
    await expect.poll(() => replayText(sliceFrame), { timeout: 30_000 }).toContain('Payment');
    await slice.page.click('[data-testid="tab-network"]');
    await expect.poll(() => slice.page.locator('[data-testid="network-entry"][data-status="422"]').count()).toBe(1);
    const urls = await slice.page.locator('[data-testid="network-entry"]').allInnerTexts();
    expect(urls.some((u) => u.includes('/demo/api/products'))).toBe(false);
    expect(slice.attempted).toEqual([]);
    expect(slice.requests).toEqual([]);
    expect(slice.pageErrors).toEqual([]);
    await slice.ctx.close();
  });
});
