import { describe, expect, it } from 'vitest';
import type { IssueList } from '@reprise/protocol';
import { ADMIN } from './support/server.js';
import { useServerAndBrowser } from './support/harness.js';
import { checkoutWithExpiredCard, sessionIdOf } from './support/shopper.js';

const h = useServerAndBrowser();

describe('Issues page', () => {
  it('lists the checkout TypeError as an issue, opens its session at the error, and resolves it', async () => {
    // A real recording: the expired-card checkout whose Retry throws a TypeError.
    const shopper = await h.browser.newContext();
    const shop = await shopper.newPage();
    await checkoutWithExpiredCard(shop, h.server.base);
    const sessionId = await sessionIdOf(shop);
    await shop.goto('about:blank');
    await shopper.close();
    await h.server.waitForSession(sessionId);
    const { issues } = await h.server.api<IssueList>('/api/v1/issues');
    const issue = issues.find((i) => i.type === 'TypeError');
    expect(issue, JSON.stringify(issues)).toBeDefined();

    const ctx = await h.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.server.base}/login?next=${encodeURIComponent('/issues')}`);
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await page.click('[data-testid="login-submit"]');
    const row = page.locator(`[data-testid="issue-row"][data-issue="${issue!.id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('[data-testid="issue-count"]').innerText()).toBe(String(issue!.count));
    // Today's bar of the sparkline carries the occurrences.
    expect(await row.locator('[data-testid="sparkline"] rect').last().getAttribute('data-count')).toBe(String(issue!.count));

    // The issue opens its sessions; the session opens the replay at the error.
    await row.locator('[data-testid="issue-link"]').click();
    await page.waitForURL((u) => new URL(u).pathname === `/issues/${issue!.id}`);
    const link = page.locator('[data-testid="issue-session-link"]').first();
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    await page.waitForURL((u) => new URL(u).pathname === `/sessions/${sessionId}` && Number(new URL(u).searchParams.get('t')) > 0);
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });

    // Resolve from the issue page: the status shows it, and the API agrees.
    await page.goBack();
    await page.locator('button', { hasText: 'Resolve' }).click();
    await page.locator('[data-testid="issue-status"]', { hasText: 'resolved' }).waitFor({ timeout: 30_000 });
    expect((await h.server.api<IssueList>('/api/v1/issues?status=resolved')).issues.map((i) => i.id)).toContain(issue!.id);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
