import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useServerAndBrowser } from './support/harness.js';
import { ADMIN } from './support/server.js';
import { checkoutWithExpiredCard, sessionIdOf } from './support/shopper.js';

/**
 * Handing a session on (issue 19): a share link opened in a fresh browser without login, then
 * revoked and refused; a webhook added on the Webhooks page, fired by a feedback report, received
 * by a local receiver that verifies its signature as docs/webhooks.md shows.
 */

const h = useServerAndBrowser();

async function login(page: Page, next: string): Promise<void> {
  await page.goto(`${h.server.base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('input[name="email"]', ADMIN.email);
  await page.fill('input[name="password"]', ADMIN.password);
  await page.click('[data-testid="login-submit"]');
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
}

/** The verification of docs/webhooks.md, as a receiver would write it. */
function verify(secret: string, header: string, rawBody: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return (
    typeof parts.v1 === 'string' && parts.v1.length === expected.length && timingSafeEqual(Buffer.from(parts.v1), Buffer.from(expected))
  );
}

describe('share links (real Chromium)', () => {
  it('opens in a fresh context without login, shows when it was opened, then is revoked and refused', async () => {
    const shopper = await h.browser.newContext();
    const shop = await shopper.newPage();
    await checkoutWithExpiredCard(shop, h.server.base);
    const sessionId = await sessionIdOf(shop);
    await shopper.close();
    await h.server.waitForSession(sessionId);

    const adminCtx = await h.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const stranger = await h.browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const admin = await adminCtx.newPage();
      await login(admin, `/sessions/${sessionId}`);
      await admin.click('[data-testid="share-toggle"]');
      await admin.selectOption('[data-testid="share-view-select"]', 'strict');
      await admin.click('[data-testid="create-share"]');
      const url = await admin.locator('[data-testid="created-share-url"]').inputValue({ timeout: 15_000 });
      expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);

      // A fresh context: no cookie, no token. The player replays and the panels show the failed payment.
      const page = await stranger.newPage();
      const apiCalls: string[] = [];
      page.on('request', (r) => {
        if (new URL(r.url()).pathname.startsWith('/api/')) apiCalls.push(r.url());
      });
      await page.goto(url);
      await page.waitForSelector('[data-testid="share-view"][data-view="strict"]');
      await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
      expect(await page.getByTestId('share-note').innerText()).toContain('Network bodies and console arguments are hidden');
      await page.click('[data-testid="tab-network"]');
      await page.waitForSelector('text=422');
      expect(apiCalls).toEqual([]);
      // The link opens nothing else: the API answers this context 401.
      expect((await stranger.request.get(`${h.server.base}/api/v1/sessions/${sessionId}`)).status()).toBe(401);
      expect(page.url()).toBe(url);

      // The session page lists the link with its last open, and revokes it.
      await admin.reload();
      await admin.click('[data-testid="share-toggle"]');
      const row = admin.locator('[data-testid="share-row"]');
      await row.waitFor();
      expect(await row.getByTestId('share-last-opened').innerText()).toMatch(/last opened .*\(1×\)/);
      admin.once('dialog', (d) => void d.accept());
      await row.getByTestId('revoke-share').click();
      await row.waitFor({ state: 'detached' });

      // Refused: a clear page, and no session data.
      const res = await page.goto(url);
      expect(res!.status()).toBe(410);
      await page.waitForSelector('[data-testid="share-error"][data-reason="revoked"]');
      expect(await page.content()).not.toContain('/demo/');
      expect((await stranger.request.get(`${url}/events`)).status()).toBe(410);
    } finally {
      await adminCtx.close();
      await stranger.close();
    }
  }, 180_000);
});

describe('webhooks (real Chromium)', () => {
  let receiver: Server;
  let receiverUrl = '';
  let site: Server;
  let siteBase = '';
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/reprise`;
    // A customer site with the feedback widget.
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><script src="${h.server.base}/sdk/reprise.js" data-project-key="${h.server.projectKey}" data-feedback="true" data-flush-interval-ms="500"></script></head><body><p>app</p></body></html>`,
      );
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteBase = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
    await new Promise<void>((r) => site.close(() => r()));
  });

  it('is added on the Webhooks page, fires on a feedback report, and its signature verifies', async () => {
    const adminCtx = await h.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const customer = await h.browser.newContext();
    try {
      const admin = await adminCtx.newPage();
      await login(admin, '/webhooks');
      await admin.fill('[data-testid="webhook-url"]', receiverUrl);
      await admin.click('[data-testid="create-webhook"]');
      const secret = await admin.locator('[data-testid="created-webhook-secret"]').inputValue({ timeout: 15_000 });
      expect(secret).toMatch(/^whsec_/);

      const page = await customer.newPage();
      await page.goto(`${siteBase}/`);
      const widget = page.locator('reprise-feedback');
      await widget.getByRole('button', { name: 'Report a problem' }).click();
      await widget.locator('textarea').fill('Checkout is stuck');
      await widget.getByRole('button', { name: 'Submit' }).click();
      const sessionId = await page.evaluate(() => (window as unknown as { Reprise: { getSessionId(): string } }).Reprise.getSessionId());

      for (let i = 0; i < 120 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 500));
      expect(got.length).toBeGreaterThan(0);
      const delivery = got[0]!;
      expect(verify(secret, String(delivery.headers['x-reprise-signature']), delivery.body)).toBe(true);
      expect(verify(secret, String(delivery.headers['x-reprise-signature']), delivery.body + ' ')).toBe(false);
      const payload = JSON.parse(delivery.body) as { event: string; session: { id: string; url: string }; feedback: { message: string } };
      expect(payload.event).toBe('feedback');
      expect(payload.session.id).toBe(sessionId);
      expect(payload.session.url).toMatch(new RegExp(`/sessions/${sessionId}$`));
      expect(payload.feedback.message).toBe('Checkout is stuck');

      // The delivery log on the page.
      await admin.waitForSelector('[data-testid="delivery-row"][data-status="delivered"]', { timeout: 30_000 });
      expect(await admin.locator('[data-testid="delivery-row"] [data-testid="delivery-last"]').first().innerText()).toBe('HTTP 204');
    } finally {
      await adminCtx.close();
      await customer.close();
    }
  }, 180_000);
});
