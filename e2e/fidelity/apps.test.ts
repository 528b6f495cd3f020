import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TodoAppName } from '@reprise/todo-apps';
import { checkpointer, flushRecorder, stateDifference, type Checkpoint } from '../support/checkpoints.js';
import { useServerAndBrowser } from '../support/harness.js';
import { pixelDiff, type PixelDiff } from '../support/pixel-diff.js';
import { sessionIdOf } from '../support/shopper.js';
import { serveTodoApp, useTodos } from '../support/todo-apps.js';
import { openViewer, replayState, scrubTo, settled } from '../support/viewer.js';

// The fidelity suite: the same todo list built with React, Vue and web components (shadow DOM,
// examples/todo-apps) is recorded in Chromium while a scripted user adds, completes, edits,
// filters, deletes and clears; the viewer then shows each checkpoint, and the replay must match
// the live page in text, element state and pixels (same viewport, same browser).
//
// Pixel threshold: at most 0.1 % of the viewport (480 px of 800 × 600) may differ at a checkpoint,
// a pixel differing when a channel is off by more than 24/255. Same browser, fonts and viewport on
// both sides: every checkpoint of every app measured 0 px here, so the margin only absorbs
// anti-aliasing that another machine may render differently. What a wrong replay changes is far
// above it: one todo row is 480 × 45 px (4.5 %), a struck-through label ~0.6 %, a few changed
// glyphs ~0.1–0.2 %. Text and element state (checked, classes, order) are compared exactly besides.

const VIEWPORT = { width: 800, height: 600 };
const MAX_DIFF_RATIO = 0.001;
const APPS: TodoAppName[] = ['react', 'vue', 'elements'];
const REPORT = path.resolve('test-results/fidelity.json');

const h = useServerAndBrowser();

interface AppRecording {
  sessionId: string;
  checkpoints: Checkpoint[];
}

interface Row {
  app: TodoAppName;
  checkpoint: string;
  stateMatches: boolean;
  diff: PixelDiff;
}

const recordings = new Map<TodoAppName, AppRecording>();
const report: Row[] = [];

afterAll(() => {
  if (report.length === 0) return;
  const apps = APPS.map((app) => {
    const rows = report.filter((r) => r.app === app);
    const ratios = rows.map((r) => r.diff.ratio);
    return {
      app,
      checkpoints: rows.length,
      statesMatching: rows.filter((r) => r.stateMatches).length,
      maxDiffPercent: +(Math.max(0, ...ratios) * 100).toFixed(3),
      meanDiffPercent: +((ratios.reduce((a, b) => a + b, 0) / Math.max(1, ratios.length)) * 100).toFixed(3),
      maxDiffPixels: Math.max(0, ...rows.map((r) => r.diff.differing)),
    };
  });
  mkdirSync(path.dirname(REPORT), { recursive: true });
  writeFileSync(REPORT, JSON.stringify({ viewport: VIEWPORT, maxDiffRatio: MAX_DIFF_RATIO, apps, checkpoints: report }, null, 2));
  console.log(`fidelity (pixels differing per checkpoint, max / mean; report ${path.relative(process.cwd(), REPORT)}):`);
  for (const a of apps)
    console.log(
      `  ${a.app.padEnd(8)} ${a.statesMatching}/${a.checkpoints} states, ${a.maxDiffPercent}% / ${a.meanDiffPercent}% (${a.maxDiffPixels} px)`,
    );
});

describe('fidelity: framework apps replay as they were seen', () => {
  it('records the three todo apps in Chromium with checkpoints and screenshots', async () => {
    // Recorded side by side: the checkpoints carry their own times, so load does not skew them.
    await Promise.all(
      APPS.map(async (app) => {
        const ctx = await h.browser.newContext({ viewport: VIEWPORT });
        const url = await serveTodoApp(ctx, h.server.base, h.server.projectKey, app, { 'data-flush-interval-ms': '1000' });
        const page = await ctx.newPage();
        await page.goto(url);
        const cp = checkpointer(page, { screenshots: true, quietMs: 300 });
        await useTodos(page, cp.take);
        const sessionId = await sessionIdOf(page);
        // rrweb emits mouse moves in batches up to 500 ms late: let the last checkpoint's quiet
        // period reach the recording, or a slow machine ends the recording just before that checkpoint.
        await page.waitForTimeout(600);
        await flushRecorder(page);
        await page.goto('about:blank');
        await ctx.close();
        await h.server.waitForSession(sessionId);
        recordings.set(app, { sessionId, checkpoints: cp.list });
      }),
    );
    for (const app of APPS) expect(recordings.get(app)?.checkpoints.length, app).toBe(15);
  });

  for (const app of APPS) {
    it(`${app}: every checkpoint replays with the same text, element state and pixels`, async () => {
      const rec = recordings.get(app)!;
      const v = await openViewer(h.browser, h.server.base, rec.sessionId, { viewport: { width: 1700, height: 1000 } });
      try {
        const { page } = v;
        // The replay at its recorded size (scale 1) and without rrweb's mouse cursor, so a screenshot
        // of its iframe is comparable with the live page's.
        await page.addStyleTag({ content: '.replayer-mouse, .replayer-mouse-tail { display: none !important; }' });
        const mount = page.locator('.replay-mount');
        expect(await mount.evaluate((el) => getComputedStyle(el).transform)).toMatch(/^matrix\(1, 0, 0, 1,/);
        const iframe = page.locator('.replay-mount iframe');
        const durationMs = Number(await page.getByTestId('scrubber').getAttribute('max'));
        const bad: string[] = [];
        for (const cp of rec.checkpoints) {
          expect(cp.t - v.startT, `${cp.label} is inside the recording`).toBeLessThan(durationMs);
          await scrubTo(page, Math.ceil((cp.t - v.startT + 1) / 100) * 100);
          await settled(page);
          const state = await replayState(page);
          // The stage centres the replay at a fractional offset: clip whole pixels at its size.
          const box = (await iframe.boundingBox())!;
          const clip = { x: Math.round(box.x), y: Math.round(box.y), ...VIEWPORT };
          const png = await page.screenshot({ clip, animations: 'disabled', caret: 'hide' });
          const diff = await pixelDiff(page, cp.png!, png);
          const difference = stateDifference(cp.state, state);
          report.push({ app, checkpoint: cp.label, stateMatches: !difference, diff });
          if (difference) bad.push(`${cp.label}: ${difference}`);
          if (diff.ratio > MAX_DIFF_RATIO) bad.push(`${cp.label}: ${(diff.ratio * 100).toFixed(2)}% of pixels differ`);
        }
        expect(bad).toEqual([]);
        expect(v.errors).toEqual([]);
      } finally {
        await v.ctx.close();
      }
    });
  }
});
