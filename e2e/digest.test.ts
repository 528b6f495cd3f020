import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Digest, StepList } from '@reprise/protocol';
import { launchChromium } from '../test-support/chromium.js';
import { ADMIN, startServer, type RunningServer } from './support/server.js';
import { checkoutWithExpiredCard, sessionIdOf, SHOPPER } from './support/shopper.js';
import { playheadT } from './support/viewer.js';

/** The digest and the reproduction steps of a real recording: the demo shop's failing checkout. */

let server: RunningServer;
let browser: Browser;
let sessionId = '';
let digest: Digest;
let steps: StepList & { markdown: string };

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  await checkoutWithExpiredCard(page, server.base);
  sessionId = await sessionIdOf(page);
  await page.goto('about:blank');
  await ctx.close();
  await server.waitForSession(sessionId);
  digest = await server.api<Digest>(`/api/v1/sessions/${sessionId}/digest`);
  steps = await server.api<StepList & { markdown: string }>(`/api/v1/sessions/${sessionId}/steps`);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('digest and steps of the demo-shop checkout', () => {
  it('has the Pay click, the 422 with its body and the TypeError in one problem chain', () => {
    const chain = digest.problems.find((p) => p.chain.includes('POST /demo/api/checkout 422'));
    expect(chain, digest.text).toBeDefined();
    expect(chain!.chain).toContain("clicked 'Pay' ([data-testid=pay])");
    expect(chain!.chain).toContain('card_expired');
    expect(digest.text).toMatch(/uncaught TypeError: Cannot read properties of undefined \(reading '\w+'\) at checkout\.js:\d+:\d+/);
    expect(digest.tokens).toBeLessThanOrEqual(2000);
    // Masked fields stay masked: no typed secret, and the card field is said to be masked.
    for (const secret of [SHOPPER.password, SHOPPER.card, '01/20']) expect(digest.text).not.toContain(secret);
    expect(digest.text).toMatch(/into .*\(masked\)/);
  });

  it('names Pay in the steps and says what followed it', () => {
    const pay = steps.steps.find((s) => s.target?.testId === 'pay');
    expect(pay, steps.markdown).toBeDefined();
    expect(pay!.target!.name).toBe('Pay');
    expect(pay!.text).toMatch(/^Click 'Pay' \(\[data-testid=pay\]\): the server answers 422/);
    expect(steps.steps[0]!.text).toBe('Open /demo/');
    expect(steps.steps.some((s) => s.kind === 'input' && s.masked && s.value === null)).toBe(true);
    expect(steps.markdown).toMatch(/\?t=\d+(\.\d)?\)$/);
    for (const secret of [SHOPPER.password, SHOPPER.card]) expect(JSON.stringify(steps)).not.toContain(secret);
  });

  it('shows the steps in the viewer; a step seeks the player and Copy as Markdown copies them', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
    const page = await ctx.newPage();
    await page.goto(`${server.base}/login?next=/sessions/${sessionId}`);
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
    await page.click('[data-testid="tab-steps"]');
    const rows = page.locator('[data-testid="step"]');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(steps.steps.length);

    const payIndex = steps.steps.findIndex((s) => s.target?.testId === 'pay');
    const payRow = rows.nth(payIndex);
    expect(await payRow.innerText()).toContain("Click 'Pay'");
    await payRow.click();
    const now = () => playheadT(page);
    // A seek lands once the window holding its moment has loaded (range loading): poll for it.
    await expect.poll(async () => Math.abs((await now()) - steps.steps[payIndex]!.t), { timeout: 20_000 }).toBeLessThanOrEqual(100);
    expect(await payRow.getAttribute('data-current')).toBe('true');

    await page.click('[data-testid="steps-copy"]');
    await page.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain(`${payIndex + 1}. Click 'Pay'`);
    const link = /\((http[^)]+)\)$/.exec(copied)?.[1];
    expect(link).toContain(`/sessions/${sessionId}?t=`);
    // "Rewrite" is off unless a model is configured.
    expect(await page.locator('[data-testid="steps-rewrite"]').count()).toBe(0);

    // The deep link opens the replay at the moment of the error.
    await page.goto(link!);
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
    await expect.poll(async () => Math.abs((await now()) - steps.firstProblemAt!), { timeout: 20_000 }).toBeLessThanOrEqual(200);
    await ctx.close();
  }, 120_000);
});
