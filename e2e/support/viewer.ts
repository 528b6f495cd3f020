import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { SessionTimeline } from '@reprise/protocol';
import { DOM_STATE_JS } from './dom-state.js';
import { ADMIN } from './server.js';

export interface ViewerOptions {
  viewport?: { width: number; height: number };
  /**
   * Range loading in small windows: the replay index the viewer reads claims every batch is
   * large, so each batch becomes a window of its own (the planner cuts at ~256 KB).
   */
  smallWindows?: boolean;
  /** Holds every events response this long, so scrubbing meets windows not loaded yet. */
  eventsDelayMs?: number;
}

export interface OpenViewer {
  ctx: BrowserContext;
  page: Page;
  /** Epoch ms of the player's offset 0 (the first snapshot's Meta). */
  startT: number;
  /** Page errors of the viewer. */
  errors: string[];
}

/** Logs in (API), opens a session in the viewer and waits for its first frame. */
export async function openViewer(browser: Browser, base: string, sessionId: string, opts: ViewerOptions = {}): Promise<OpenViewer> {
  const ctx = await browser.newContext({ viewport: opts.viewport ?? { width: 1600, height: 1100 } });
  const login = await ctx.request.post(`${base}/api/v1/auth/login`, { data: ADMIN });
  if (!login.ok()) throw new Error(`login failed: ${login.status()}`);
  const timeline = (await (await ctx.request.get(`${base}/api/v1/sessions/${sessionId}/timeline`)).json()) as SessionTimeline;
  if (opts.smallWindows) {
    await ctx.route(
      (u) => u.pathname === `/api/v1/sessions/${sessionId}/timeline`,
      async (route) => {
        const res = await route.fetch();
        const index = (await res.json()) as SessionTimeline;
        await route.fulfill({ response: res, json: { ...index, batches: index.batches.map((b) => ({ ...b, bytes: 1 << 20 })) } });
      },
    );
  }
  const delay = opts.eventsDelayMs ?? 0;
  if (delay > 0) {
    await ctx.route(
      (u) => u.pathname === `/api/v1/sessions/${sessionId}/events`,
      async (route) => {
        await new Promise((r) => setTimeout(r, delay));
        await route.continue();
      },
    );
  }
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/sessions/${sessionId}`);
  await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
  // The viewer page can read the replay: the sampler below and the comparisons use the same function.
  await page.evaluate(`window.__domState = ${DOM_STATE_JS}`);
  return { ctx, page, startT: timeline.snapshots[0]!.startT, errors };
}

/** The replayed document's state. */
export function replayState(page: Page): Promise<string[]> {
  return page.evaluate(`window.__domState(window.__repriseReplayer.iframe.contentDocument.body)`) as Promise<string[]>;
}

/** Waits until no seek waits for its window. */
export async function settled(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="player"]:not([data-waiting])');
}

/** Clicks the scrub bar at `fraction` (0..1) of its width with the mouse. */
export async function clickScrubber(page: Page, fraction: number): Promise<void> {
  const box = (await page.getByTestId('scrubber').boundingBox())!;
  await page.mouse.click(box.x + 1 + fraction * (box.width - 2), box.y + box.height / 2);
}

/** Drags on the scrub bar from one fraction to another in `steps` mouse moves (each a seek). */
export async function dragScrubber(page: Page, from: number, to: number, steps: number): Promise<void> {
  const box = (await page.getByTestId('scrubber').boundingBox())!;
  const x = (f: number) => box.x + 1 + f * (box.width - 2);
  const y = box.y + box.height / 2;
  await page.mouse.move(x(from), y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) await page.mouse.move(x(from + ((to - from) * i) / steps), y);
  await page.mouse.up();
}

/** Presses keys on the focused scrub bar (ArrowLeft/Right: 100 ms, PageUp/Down: 10%, Home, End). */
export async function scrubKeys(page: Page, keys: string[]): Promise<void> {
  await page.getByTestId('scrubber').focus();
  for (const k of keys) await page.keyboard.press(k);
}

/** Seeks to a player offset as a drag of the scrub bar does (its value moves in steps of 100 ms). */
export async function scrubTo(page: Page, ms: number): Promise<void> {
  await page.evaluate((v) => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="scrubber"]')!;
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(v));
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
}

/**
 * Samples the replayed DOM at each moment of `times` (epoch ms) while the player plays: right
 * after the last event at or before the moment is applied and before the next one (mouse moves
 * aside: they change no DOM). Exact at any speed. Read the result with `sampled`.
 */
export async function samplePlayback(page: Page, times: number[]): Promise<void> {
  await page.evaluate(`(function (times) {
    var r = window.__repriseReplayer;
    window.__sampled = {};
    window.__sampleTimes = times;
    function quiet(e) { return e.type === 3 && e.data && e.data.source === 1; }
    // Called once every event up to e is applied: samples the moments before the next DOM event.
    function sample(e) {
      if (quiet(e)) return;
      var list = r.service.state.context.events;
      var next = null;
      var i = list.indexOf(e);
      for (var j = i + 1; j < list.length; j++) {
        if (!quiet(list[j]) && (i >= 0 || list[j].timestamp > e.timestamp)) { next = list[j]; break; }
      }
      window.__sampleTimes.forEach(function (t, k) {
        if (!(k in window.__sampled) && e.timestamp <= t && (!next || next.timestamp > t)) window.__sampled[k] = window.__domState(r.iframe.contentDocument.body);
      });
    }
    // The page on screen: a play from here applies only what follows.
    var shown = r.service.state.context.lastPlayedEvent;
    if (shown) sample(shown);
    if (r.__sampling) return;
    r.__sampling = true;
    r.on('event-cast', sample);
  })(${JSON.stringify(times)})`);
}

export function sampled(page: Page): Promise<Record<number, string[]>> {
  return page.evaluate('window.__sampled') as Promise<Record<number, string[]>>;
}

/** Plays from where the playhead is and waits until playback ends. */
export async function playToEnd(page: Page): Promise<void> {
  await page.getByTestId('play-toggle').click();
  await page.waitForSelector('[data-testid="play-toggle"][aria-label="Pause"]');
  await page.waitForSelector('[data-testid="play-toggle"][aria-label="Play"]', { timeout: 60_000 });
}

/**
 * The epoch ms of the frame on screen. rrweb counts its time from the first event it holds, which
 * is neither the session's first event (a DomContentLoaded before the Meta, a window not loaded yet)
 * nor fixed (earlier windows join later), so tests compare epoch ms with the events' own times.
 */
export function playheadT(page: Page): Promise<number> {
  return page.evaluate(() => {
    const r = (window as unknown as { __repriseReplayer: { getMetaData(): { startTime: number }; getCurrentTime(): number } })
      .__repriseReplayer;
    return r.getMetaData().startTime + r.getCurrentTime();
  });
}
