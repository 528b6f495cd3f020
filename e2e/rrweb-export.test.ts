import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test-support/chromium.js';
import { startServer, type RunningServer } from './support/server.js';
import { sessionIdOf } from './support/shopper.js';
import { pageShape } from './support/page-shape.js';

const root = path.resolve(__dirname, '..');
// rrweb-player is not a dependency of Reprise; its player is a UI around @rrweb/replay's
// Replayer, which the viewer uses and which is what plays the file here.
const replayDist = path.dirname(createRequire(path.join(root, 'packages/viewer/package.json')).resolve('@rrweb/replay'));

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});


describe('rrweb export', () => {
  it('An exported rrweb file plays in rrweb-player (rrweb\'s Replayer, run in Chromium)', async () => {
    // Record the demo shop with the real recorder: products, two items added to the cart.
    const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const shop = await ctx.newPage();
    await shop.goto(`${server.base}/demo/`);
    await shop.click('[data-testid="add-to-cart-mug"]');
    await shop.click('[data-testid="add-to-cart-hoodie"]');
    await shop.waitForTimeout(300);
    const sessionId = await sessionIdOf(shop);
    const live = await pageShape(shop);
    expect(live.text).toContain('Products');
    // Deliver everything before leaving: this test is about the export, not about pagehide.
    await shop.evaluate(() => (window as unknown as { Reprise: { flush(): Promise<void> } }).Reprise.flush());
    await shop.goto('about:blank');
    await server.waitForSession(sessionId);

    // `npx reprise export <id> --format rrweb`, as a user would run it.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'packages/server/src/cli.ts', 'export', sessionId, '--format', 'rrweb'],
      { cwd: root, env: { ...process.env, REPRISE_DATA_DIR: server.dataDir }, maxBuffer: 64 << 20 },
    );
    const events = JSON.parse(stdout) as { type: number; timestamp: number }[];
    expect(Array.isArray(events)).toBe(true);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining([4, 2, 3]));
    for (let i = 1; i < events.length; i++) expect(events[i]!.timestamp).toBeGreaterThanOrEqual(events[i - 1]!.timestamp);

    // Play the file in a blank page with rrweb's Replayer and seek to its end.
    const player = await ctx.newPage();
    const errors: string[] = [];
    player.on('pageerror', (e) => errors.push(e.message));
    await player.setContent('<!doctype html><html><body><div id="player"></div></body></html>');
    await player.addStyleTag({ path: path.join(replayDist, 'style.css') });
    await player.addScriptTag({ path: path.join(replayDist, 'replay.umd.cjs') });
    const totalTime = await player.evaluate((evs) => {
      const { Replayer } = (window as unknown as { rrwebReplay: { Replayer: new (e: unknown[], o: object) => { getMetaData(): { totalTime: number }; pause(t: number): void } } }).rrwebReplay;
      const replayer = new Replayer(evs, { root: document.getElementById('player')! });
      const { totalTime } = replayer.getMetaData();
      // Past the end: rrweb applies events before the target at once but hands those exactly at
      // it to its timer, which pausing clears, so pause(totalTime) would drop the last event (the
      // viewer adds the same 1 ms, replayClock.ts). When that event was the second add-to-cart,
      // the replay showed "Cart (1)".
      replayer.pause(totalTime + 1);
      return totalTime;
    }, events);
    expect(totalTime).toBeGreaterThan(0);

    const iframe = await player.waitForSelector('#player iframe');
    const frame = (await iframe.contentFrame())!;
    await expect.poll(async () => (await pageShape(frame)).text, { timeout: 10_000 }).toBe(live.text);
    expect((await pageShape(frame)).testIds).toEqual(live.testIds);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
