import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ResolvedSessionError, SessionDetail } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { sessionIdOf, SHOPPER } from './support/shopper.js';
import { openViewer } from './support/viewer.js';

/**
 * The source maps flow end to end: a session recorded on the demo's minified checkout bundle hits
 * the TypeError, the build's map is uploaded with `reprise sourcemaps upload` and a project-scoped
 * token, and the viewer's Errors panel shows the error at its line and function in checkout.ts.
 */

const run = promisify(execFile);
const DEMO = new URL('../examples/demo-shop/', import.meta.url);
const CLI = new URL('../packages/server/dist/cli.js', import.meta.url).pathname;
const RELEASE = 'demo-shop@1.0.0';
const SOURCE_LINE =
  readFileSync(new URL('src/checkout.ts', DEMO), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('(lastOrder as Order).confirmation.id')) + 1;

// The bundle is part of `npm run build`; built again here so the test never reads a stale one.
await run(process.execPath, [new URL('build.mjs', DEMO).pathname]);

const h = useServerAndBrowser();

describe('source maps', () => {
  it('show the minified checkout TypeError at its checkout.ts line and function once the map is uploaded', async () => {
    const { server, browser } = h;
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(`${server.base}/demo/`);
    await page.click('[data-testid="add-to-cart-mug"]');
    await page.goto(`${server.base}/demo/checkout-bundled`);
    await page.fill('#email', SHOPPER.email);
    await page.type('#password', SHOPPER.password);
    await page.click('[data-testid="account-continue"]');
    await page.fill('#card-name', 'E2E Shopper');
    await page.type('#card-number', SHOPPER.card);
    await page.fill('#card-expiry', '01/20');
    await page.fill('#card-cvc', '123');
    await page.click('[data-testid="pay"]');
    await page.waitForSelector('[data-testid="checkout-error"]:visible');
    const thrown = new Promise<string>((resolve) => page.once('pageerror', (e) => resolve(e.stack ?? '')));
    await page.click('[data-testid="retry"]');
    expect(await thrown).toContain('/demo/assets/dist/checkout.min.js');
    const sessionId = await sessionIdOf(page);
    await page.goto('about:blank');
    await ctx.close();
    const session = await server.waitForSession(sessionId);
    expect((session as SessionDetail & { release?: string }).release).toBe(RELEASE);

    // Before the upload the API says why the frame is minified.
    const before = await server.api<{ errors: ResolvedSessionError[] }>(`/api/v1/sessions/${sessionId}/errors/resolved`);
    const typeError = before.errors.find((e) => e.message.includes('confirmation'));
    expect(typeError?.stack.frames[0]).toMatchObject({ unresolved: 'no_map' });

    // A CI token: write access to this project only.
    const token = await server.apiSend<{ token: string }>('POST', '/api/v1/tokens', {
      name: 'ci sourcemaps',
      scope: 'write',
      projectIds: [session.projectId],
    });
    expect(token.status).toBe(201);
    const upload = await run(
      process.execPath,
      [
        CLI,
        'sourcemaps',
        'upload',
        '--release',
        RELEASE,
        '--url-prefix',
        `${server.base}/demo/assets/dist/`,
        new URL('public/assets/dist', DEMO).pathname,
      ],
      { env: { ...process.env, REPRISE_URL: server.base, REPRISE_TOKEN: token.body.token } },
    );
    expect(upload.stdout).toContain('1 of 1 map(s) uploaded');

    const viewer = await openViewer(browser, server.base, sessionId);
    try {
      await viewer.page.click('[data-testid="tab-errors"]');
      const entry = viewer.page.locator('[data-testid="error-entry"]', { hasText: 'confirmation' }).first();
      const frame = entry.locator('[data-testid="stack-resolved"] [data-testid="stack-frame"]').first();
      await frame.waitFor({ timeout: 30_000 });
      expect(await frame.locator('[data-testid="frame-fn"]').textContent()).toBe('retryPayment');
      expect(await frame.locator('[data-testid="frame-where"]').textContent()).toMatch(
        new RegExp(`^src/checkout\\.ts:${SOURCE_LINE}:\\d+$`),
      );
      expect(await entry.locator('[data-testid="stack-context"]').textContent()).toContain('(lastOrder as Order).confirmation.id');
      // The minified frame stays one click away.
      await entry.locator('[data-testid="stack-toggle"]').click();
      expect(await entry.locator('[data-testid="stack-minified"] pre').textContent()).toContain('checkout.min.js');
      expect(viewer.errors).toEqual([]);
    } finally {
      await viewer.ctx.close();
    }
  }, 180_000);
});
