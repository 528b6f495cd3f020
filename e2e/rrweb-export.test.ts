import { describe, expect, it } from 'vitest';
import { useServerAndBrowser } from './support/harness.js';
import { sessionIdOf } from './support/shopper.js';
import { pageShape } from './support/page-shape.js';
import { replayToEnd } from '../test-support/rrweb-replay.js';
import { runCli } from '../test-support/cli.js';

const h = useServerAndBrowser();

describe('rrweb export', () => {
  it("An exported rrweb file plays in rrweb-player (rrweb's Replayer, run in Chromium)", async () => {
    // Record the demo shop with the real recorder: products, two items added to the cart.
    const ctx = await h.browser.newContext({ viewport: { width: 1100, height: 800 } });
    const shop = await ctx.newPage();
    await shop.goto(`${h.server.base}/demo/`);
    await shop.click('[data-testid="add-to-cart-mug"]');
    await shop.click('[data-testid="add-to-cart-hoodie"]');
    // The buttons say "Added ✓" for a moment, then change back: compare the page once it is still,
    // so the recording's end and the live page are the same moment however late the flush runs.
    await shop.waitForFunction(() => !document.body.innerText.includes('Added'), undefined, { timeout: 30_000 });
    const sessionId = await sessionIdOf(shop);
    const live = await pageShape(shop);
    expect(live.text).toContain('Products');
    // Deliver everything before leaving: this test is about the export, not about pagehide.
    await shop.evaluate(() => (window as unknown as { Reprise: { flush(): Promise<void> } }).Reprise.flush());
    await shop.goto('about:blank');
    await h.server.waitForSession(sessionId);

    // `npx reprise export <id> --format rrweb`, as a user would run it.
    const { stdout } = await runCli(['export', sessionId, '--format', 'rrweb'], { ...process.env, REPRISE_DATA_DIR: h.server.dataDir });
    const events = JSON.parse(stdout) as { type: number; timestamp: number }[];
    expect(Array.isArray(events)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining([4, 2, 3]));
    for (let i = 1; i < events.length; i++) expect(events[i]!.timestamp).toBeGreaterThanOrEqual(events[i - 1]!.timestamp);

    // Play the file in a blank page with rrweb's Replayer and seek to its end. When the last
    // event was the second add-to-cart, seeking to the end exactly showed "Cart (1)".
    const { frame, totalTime, errors } = await replayToEnd(ctx, events);
    expect(totalTime).toBeGreaterThan(0);
    await expect.poll(async () => (await pageShape(frame)).text, { timeout: 10_000 }).toBe(live.text);
    expect((await pageShape(frame)).testIds).toEqual(live.testIds);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
