import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Frame, Page } from 'playwright-core';

// The viewer's player: @rrweb/replay's Replayer (rrweb-player is a UI around the same class).
const replayDist = path.dirname(
  createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), '../packages/viewer/package.json')).resolve('@rrweb/replay'),
);

export interface ReplayedPage {
  /** The blank page the Replayer runs in. */
  page: Page;
  /** The replayed document (the Replayer's iframe). */
  frame: Frame;
  /** Its recording's length, ms. */
  totalTime: number;
  /** Uncaught errors of the player page. */
  errors: string[];
}

/** Plays rrweb events in a new blank page of `ctx` with rrweb's Replayer and seeks to their end, as the viewer does. */
export async function replayToEnd(ctx: Pick<BrowserContext, 'newPage'>, events: readonly unknown[]): Promise<ReplayedPage> {
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setContent('<!doctype html><html><body><div id="player"></div></body></html>');
  await page.addStyleTag({ path: path.join(replayDist, 'style.css') });
  await page.addScriptTag({ path: path.join(replayDist, 'replay.umd.cjs') });
  const totalTime = await page.evaluate((evs) => {
    type Replayer = { getMetaData(): { totalTime: number }; pause(t: number): void };
    const { Replayer } = (window as unknown as { rrwebReplay: { Replayer: new (e: unknown[], o: object) => Replayer } }).rrwebReplay;
    const replayer = new Replayer(evs, { root: document.getElementById('player')! });
    const { totalTime } = replayer.getMetaData();
    // Past the end: rrweb applies events before the target at once but hands those exactly at
    // it to its timer, which pausing clears, so pause(totalTime) would drop the last event (the
    // viewer adds the same 1 ms, replayClock.ts).
    replayer.pause(totalTime + 1);
    return totalTime;
  }, events as unknown[]);
  const iframe = await page.waitForSelector('#player iframe');
  return { page, frame: (await iframe.contentFrame())!, totalTime, errors };
}

export interface FreshReplays {
  page: Page;
  /** The state (`stateJs` applied to the replayed body) of a new Replayer of the pristine events paused at `t` (epoch ms). */
  stateAt(t: number): Promise<unknown>;
}

/**
 * A page that answers "what does a replay freshly built and moved to `t` show": each call parses
 * the events again and builds a new Replayer (virtual DOM off, as the viewer), so nothing an
 * earlier replay did to the events can leak into it.
 */
export async function freshReplays(
  ctx: Pick<BrowserContext, 'newPage'>,
  events: readonly unknown[],
  stateJs: string,
): Promise<FreshReplays> {
  const page = await ctx.newPage();
  await page.setContent('<!doctype html><html><body><div id="player"></div></body></html>');
  await page.addStyleTag({ path: path.join(replayDist, 'style.css') });
  await page.addScriptTag({ path: path.join(replayDist, 'replay.umd.cjs') });
  await page.evaluate(`window.__events = ${JSON.stringify(JSON.stringify(events))}; window.__state = ${stateJs};`);
  return {
    page,
    stateAt: (t) =>
      page.evaluate(`(function (t) {
        if (window.__fresh) window.__fresh.destroy();
        var events = JSON.parse(window.__events);
        var r = new window.rrwebReplay.Replayer(events, { root: document.getElementById('player'), showWarning: false, useVirtualDom: false, triggerFocus: false });
        window.__fresh = r;
        r.pause(t - r.getMetaData().startTime);
        return window.__state(r.iframe.contentDocument.body);
      })(${t})`),
  };
}
