import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { BENCH_DIR } from './results.js';

/**
 * In-page measurement for the replay benchmark. Both players are checked the same way: on every
 * animation frame (the moment a frame is about to be painted), the text of `#clock` inside the
 * replay iframe is compared with what the recording shows at that moment.
 */

/** The replay iframe of either page: the Reprise viewer's `.replay-mount` or the baseline's `#player`. */
const IFRAME = '.replay-mount iframe, #player iframe';

declare global {
  interface Window {
    __benchFirstFrame?: { expected: string; at: number | null };
    __benchReplayer?: { pause(offset: number): void };
  }
}

/**
 * Added before navigation: records `performance.now()` (ms since navigation start) at the first
 * animation frame whose replay iframe shows `expected` in `#clock`, uncovered.
 */
export async function watchFirstFrame(context: BrowserContext, expected: string): Promise<void> {
  // tsx compiles with esbuild's keepNames: functions sent to the page call its `__name` helper.
  await context.addInitScript({ content: 'globalThis.__name ??= (f) => f;' });
  await context.addInitScript(
    ({ expected, selector }) => {
      if (window.top !== window) return;
      const state = { expected, at: null as number | null };
      window.__benchFirstFrame = state;
      const check = () => {
        const frame = document.querySelector<HTMLIFrameElement>(selector);
        // The viewer covers the replay with a "Loading…" overlay until its frame is ready.
        const covered = document.querySelector('[data-testid="player"] .overlay') !== null;
        if (!covered && frame?.contentDocument?.getElementById('clock')?.textContent === state.expected) state.at = performance.now();
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    },
    { expected, selector: IFRAME },
  );
}

export async function firstFrameMs(page: Page, timeoutMs = 60_000): Promise<number> {
  await page.waitForFunction(() => window.__benchFirstFrame?.at != null, undefined, { timeout: timeoutMs, polling: 50 });
  return page.evaluate(() => window.__benchFirstFrame!.at!);
}

export interface SeekOutcome {
  /** Action to the first frame showing `expected`; null when it never did within the timeout. */
  ms: number | null;
  /** The Reprise player waited for a window of events (`data-waiting`) during this seek. */
  loadedWindow: boolean;
  /** What `#clock` showed at the end. */
  shown: string | null;
}

/**
 * One seek, timed in the page: the scrub action (Reprise: the scrubber's value set and an `input`
 * event, as a drag does; baseline: `replayer.pause(offset)`, which is what rrweb-player's goto()
 * does when paused), then animation frames until `#clock` shows `expected`.
 */
export function seek(
  page: Page,
  mode: 'reprise' | 'baseline',
  offsetMs: number,
  expected: string,
  timeoutMs = 15_000,
): Promise<SeekOutcome> {
  return page.evaluate(
    ({ mode, offsetMs, expected, timeoutMs, selector }) =>
      new Promise<SeekOutcome>((resolve) => {
        const clock = () =>
          document.querySelector<HTMLIFrameElement>(selector)?.contentDocument?.getElementById('clock')?.textContent ?? null;
        const player = document.querySelector<HTMLElement>('[data-testid="player"]');
        let loadedWindow = false;
        const t0 = performance.now();
        if (mode === 'reprise') {
          const input = document.querySelector<HTMLInputElement>('[data-testid="scrubber"]')!;
          Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, String(offsetMs));
          input.dispatchEvent(new Event('input', { bubbles: true }));
        } else {
          window.__benchReplayer!.pause(offsetMs);
        }
        const check = () => {
          if (player?.dataset.waiting === 'true') loadedWindow = true;
          const shown = clock();
          const elapsed = performance.now() - t0;
          if (shown === expected) resolve({ ms: elapsed, loadedWindow, shown });
          else if (elapsed > timeoutMs) resolve({ ms: null, loadedWindow, shown });
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
    { mode, offsetMs, expected, timeoutMs, selector: IFRAME },
  );
}

/** Bytes of `/events` responses (and their count) the first frame waited for: received before `beforeMs` (ms since navigation start) and asked for before the first one arrived, from Resource Timing. */
export function eventBytesBefore(page: Page, beforeMs: number): Promise<{ requests: number; bytes: number }> {
  return page.evaluate((before) => {
    let requests = 0;
    let bytes = 0;
    const reads = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((e) =>
      /\/api\/v1\/sessions\/[^/]+\/events/.test(e.name),
    );
    // Reads the viewer asked for once the first window had arrived load ahead for later seeks;
    // on a slow machine they may finish before the first frame, but it never waited for them.
    const firstArrived = Math.min(...reads.map((e) => e.responseEnd));
    for (const e of reads) {
      if (e.responseEnd > before || e.startTime > firstArrived) continue;
      requests++;
      bytes += e.encodedBodySize;
    }
    return { requests, bytes };
  }, beforeMs);
}

const replayDist = path.dirname(createRequire(path.join(BENCH_DIR, '..', 'packages/viewer/package.json')).resolve('@rrweb/replay'));

/**
 * The baseline: a blank page on the Reprise origin (so the login cookie applies) that fetches the
 * whole events file from the API, keeps the rrweb events and hands them to rrweb's `Replayer` with
 * its default options; its constructor renders the first full snapshot by itself.
 * Served from memory by request interception: `/__bench/baseline?session=<id>`.
 */
export async function routeBaseline(context: BrowserContext, base: string): Promise<void> {
  const js = readFileSync(path.join(replayDist, 'replay.umd.min.cjs'));
  const css = readFileSync(path.join(replayDist, 'style.min.css'));
  const html = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/__bench/replay.css">
<script src="/__bench/replay.js"></script></head><body><div id="player"></div><script>
(async () => {
  const id = new URLSearchParams(location.search).get('session');
  const text = await (await fetch('/api/v1/sessions/' + encodeURIComponent(id) + '/events')).text();
  const events = [];
  for (const line of text.split('\\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.kind === 'dom') events.push(e.data);
  }
  window.__benchReplayer = new rrwebReplay.Replayer(events, { root: document.getElementById('player') });
})();
</script></body></html>`;
  await context.route(`${base}/__bench/**`, (route) => {
    const p = new URL(route.request().url()).pathname;
    if (p === '/__bench/baseline') return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
    if (p === '/__bench/replay.js') return route.fulfill({ contentType: 'text/javascript', body: js });
    if (p === '/__bench/replay.css') return route.fulfill({ contentType: 'text/css', body: css });
    return route.fulfill({ status: 404, body: 'not found' });
  });
}
