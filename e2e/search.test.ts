import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { ErrorBody, FailingEndpoint, ProblemList, SavedSearch, SessionList } from '@reprise/protocol';
import { parseQuery } from '@reprise/protocol/query';
import { ADMIN } from './support/server.js';
import { useServerAndBrowser } from './support/harness.js';
import { checkoutWithExpiredCard, sessionIdOf } from './support/shopper.js';

const h = useServerAndBrowser();
let viewerCtx: BrowserContext;
let viewer: Page;

async function ids(q: string): Promise<string[]> {
  const list = await h.server.api<SessionList>(`/api/v1/sessions?limit=500&q=${encodeURIComponent(q)}`);
  return list.sessions.map((s) => s.id);
}

/** Records one tab with `script`, flushes it (pagehide) and waits until it is stored. */
async function record(script: (page: Page) => Promise<void>): Promise<string> {
  const ctx = await h.browser.newContext();
  const page = await ctx.newPage();
  await script(page);
  const id = await sessionIdOf(page);
  await page.goto('about:blank');
  await ctx.close();
  await h.server.waitForSession(id);
  return id;
}

/** Cart with one mug, then three quick clicks on "Apply coupon", which does nothing at all. */
async function rageOnDeadCoupon(page: Page): Promise<void> {
  await page.goto(`${h.server.base}/demo/`);
  await page.click('[data-testid="add-to-cart-mug"]');
  await page.click('[data-testid="nav-cart"]');
  await page.waitForURL(/\/demo\/cart/);
  await page.click('[data-testid="apply-coupon"]', { clickCount: 3 });
  // Nothing answers within the dead-click window (2.5 s); then a click that does change the
  // page, so the recording covers the whole window and the server can call the clicks dead.
  await page.waitForTimeout(3000);
  await page.click('[data-testid="qty-increase"]');
  await page.waitForTimeout(200);
}

const row = (id: string) => `[data-testid="session-row"][data-session-id="${id}"]`;

async function searchInBar(page: Page, q: string): Promise<void> {
  await page.fill('[data-testid="search-input"]', q);
  await page.press('[data-testid="search-input"]', 'Escape');
  await page.press('[data-testid="search-input"]', 'Enter');
  await page.waitForURL((u) => new URL(u).searchParams.get('q') === q);
}

describe('search, frustration signals and top problems', () => {
  let expired = '';
  let rage = '';

  it('finds an expired-card checkout by failed request and by console text (API)', async () => {
    expired = await record((page) => checkoutWithExpiredCard(page, h.server.base));
    expect(await ids('status:422 request:/api/checkout')).toContain(expired);
    expect(await ids('console:"card_expiry"')).toContain(expired);
    // The same fields with other values must not match, or the checks above prove nothing.
    expect(await ids('status:418 request:/api/checkout')).not.toContain(expired);
    expect(await ids('console:"no such message anywhere"')).not.toContain(expired);
  });

  it('shows a new rage-click session in an open, filtered list without a reload; has:rage and -has:error split them', async () => {
    viewerCtx = await h.browser.newContext({ viewport: { width: 1400, height: 900 } });
    viewer = await viewerCtx.newPage();
    await viewer.goto(`${h.server.base}/login?next=${encodeURIComponent('/?q=has:rage')}`);
    await viewer.fill('input[name="email"]', ADMIN.email);
    await viewer.fill('input[name="password"]', ADMIN.password);
    await viewer.click('[data-testid="login-submit"]');
    await viewer.waitForSelector('[data-testid="no-matches"]');
    expect(await viewer.inputValue('[data-testid="search-input"]')).toBe('has:rage');

    rage = await record(rageOnDeadCoupon);
    const apiRage = await ids('has:rage');
    expect(apiRage).toContain(rage);
    expect(apiRage).not.toContain(expired);
    const apiDead = await ids('has:dead');
    expect(apiDead).toContain(rage);
    expect(apiDead).not.toContain(expired);
    const clean = await ids('-has:error');
    expect(clean).toContain(rage);
    expect(clean).not.toContain(expired);

    // The list polls every ~5 s: the row arrives on its own, with its rage badge.
    await viewer.waitForSelector(row(rage), { timeout: 45_000 });
    expect(await viewer.locator(`${row(rage)} [data-testid="problem-rage"]`).count()).toBe(1);
    expect(await viewer.locator(`${row(rage)} [data-testid="problem-dead"]`).count()).toBe(1);
    expect(await viewer.locator(row(expired)).count()).toBe(0);
  });

  it('searches from the bar with keyboard suggestions; back and forward restore searches', async () => {
    const input = viewer.locator('[data-testid="search-input"]');
    await input.fill('');
    await input.pressSequentially('consol');
    const option = viewer.locator('[role="listbox"] [role="option"]', { hasText: 'console:' });
    await option.waitFor();
    expect(await input.getAttribute('aria-expanded')).toBe('true');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('console:');
    await input.pressSequentially('"card_expiry"');
    await input.press('Escape');
    expect(await input.getAttribute('aria-expanded')).toBe('false');
    await input.press('Enter');
    await viewer.waitForURL((u) => new URL(u).searchParams.get('q') === 'console:"card_expiry"');
    await viewer.waitForSelector(row(expired));
    expect(await viewer.locator(row(rage)).count()).toBe(0);

    // Values after `field:`: ↓ selects the first one, Enter takes it (and does not search yet).
    await input.fill('');
    await input.pressSequentially('has:rag');
    await viewer.locator('[role="option"]', { hasText: 'rage' }).first().waitFor();
    await input.press('ArrowDown');
    expect(await input.getAttribute('aria-activedescendant')).toBeTruthy();
    await input.press('Enter');
    expect(await input.inputValue()).toBe('has:rage ');
    expect(new URL(viewer.url()).searchParams.get('q')).toBe('console:"card_expiry"');

    await viewer.goBack();
    await viewer.waitForURL((u) => new URL(u).searchParams.get('q') === 'has:rage');
    await viewer.waitForSelector(row(rage));
    expect(await input.inputValue()).toBe('has:rage');
    await viewer.goForward();
    await viewer.waitForSelector(row(expired));
    expect(await input.inputValue()).toBe('console:"card_expiry"');

    await searchInBar(viewer, 'status:422 request:/api/checkout');
    await viewer.waitForSelector(row(expired));
    expect(await viewer.locator(row(rage)).count()).toBe(0);
  });

  it('marks a bad query at its position as it is typed, and the API answers 400 with the same position', async () => {
    const bad = 'status:422 (has:rage';
    const parsed = parseQuery(bad);
    if (parsed.ok) throw new Error(`expected "${bad}" not to parse`);
    const r = await h.server.apiSend<ErrorBody & { position: number; length: number }>(
      'GET',
      `/api/v1/sessions?q=${encodeURIComponent(bad)}`,
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_query');
    expect(r.body.position).toBe(parsed.error.position);

    const input = viewer.locator('[data-testid="search-input"]');
    await input.fill(bad);
    const err = viewer.locator('[data-testid="query-error"]');
    await err.waitFor();
    expect(await err.getAttribute('data-position')).toBe(String(parsed.error.position));
    expect(await err.innerText()).toContain(parsed.error.message);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    const marked = await viewer.locator('[data-testid="query-error-mark"]').innerText();
    const expected = bad.slice(parsed.error.position, parsed.error.position + parsed.error.length);
    expect(marked.trim()).toBe(expected.trim());

    // Submitted anyway: the server's refusal is shown the same way, and no stale rows remain.
    await input.press('Escape');
    await input.press('Enter');
    await viewer.waitForURL((u) => new URL(u).searchParams.get('q') === bad);
    await err.waitFor();
    // The error shown while typing is already there; the rows go once the server's 400 arrives.
    await expect.poll(() => viewer.locator('[data-testid="session-row"]').count()).toBe(0);

    // Fixing it clears the error.
    await input.fill('status:422 (has:rage)');
    await expect.poll(() => err.count()).toBe(0);
  });

  it('lists POST /demo/api/checkout 422 among failing endpoints (API and Problems page), linking to its sessions', async () => {
    const list = await h.server.api<ProblemList<FailingEndpoint>>('/api/v1/problems/endpoints');
    const checkout = list.rows.find((r) => r.method === 'POST' && r.route === '/demo/api/checkout');
    expect(checkout, JSON.stringify(list.rows)).toBeTruthy();
    expect(checkout!.statuses).toContain(422);
    expect(checkout!.sessions).toBe(1);
    expect(await ids(checkout!.query)).toEqual([expired]);

    await viewer.click('[data-testid="nav-problems"]');
    await viewer.waitForURL(/\/problems$/);
    const uiRow = viewer.locator('[data-testid="problems-endpoints"] [data-testid="problem-row"]', {
      hasText: '/demo/api/checkout',
    });
    await uiRow.waitFor();
    const text = await uiRow.innerText();
    expect(text).toContain('POST');
    expect(text).toContain('422');
    // The rage and dead clicks on the coupon button are listed too.
    const clicks = viewer.locator('[data-testid="problems-clicks"] [data-testid="problem-row"]', { hasText: 'apply-coupon' });
    await clicks.first().waitFor();
    expect((await clicks.allInnerTexts()).map((t) => t.split(/\s/)[0]).sort()).toEqual(['dead', 'rage']);

    await uiRow.locator('[data-testid="problem-link"]').click();
    await viewer.waitForURL((u) => new URL(u).pathname === '/' && new URL(u).searchParams.get('q') === checkout!.query);
    await viewer.waitForSelector(row(expired));
    expect(await viewer.locator(row(rage)).count()).toBe(0);
  });

  it('saves the current search, applies it from the list and deletes it', async () => {
    await searchInBar(viewer, 'has:rage');
    await viewer.waitForSelector(row(rage));
    await viewer.fill('[data-testid="saved-search-name"]', 'Rage on coupons');
    await viewer.click('[data-testid="saved-search-save"]');
    const saved = viewer.locator('[data-testid="saved-search"]', { hasText: 'Rage on coupons' });
    await saved.waitFor();
    const stored = await h.server.api<{ searches: SavedSearch[] }>('/api/v1/saved-searches');
    expect(stored.searches.map((s) => [s.name, s.query])).toContainEqual(['Rage on coupons', 'has:rage']);

    await searchInBar(viewer, 'status:422');
    await viewer.waitForSelector(row(expired));
    await saved.locator('.saved-apply').click();
    await viewer.waitForURL((u) => new URL(u).searchParams.get('q') === 'has:rage');
    await viewer.waitForSelector(row(rage));

    await saved.locator('[data-testid="saved-search-delete"]').click();
    await expect.poll(() => saved.count()).toBe(0);
    const after = await h.server.api<{ searches: SavedSearch[] }>('/api/v1/saved-searches');
    expect(after.searches.some((s) => s.name === 'Rage on coupons')).toBe(false);
    await viewerCtx.close();
  });
});
