import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseNdjson, type SessionComment } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { ADMIN } from './support/server.js';
import { checkoutWithExpiredCard, sessionIdOf } from './support/shopper.js';
import { openViewer, scrubTo, settled } from './support/viewer.js';

/**
 * The player with room for comments: the scrub bar's own row and the tabs at 1280 and 1920 px
 * (geometry asserted, screenshots kept in test-results/ to look at), the keyboard shortcuts, and a
 * comment with a sketch on an element that is still on the element after a reload at another size.
 */

const h = useServerAndBrowser();
let sessionId = '';
const SHOTS = path.resolve('test-results/player-layout');
const MUG = '[data-testid="add-to-cart-mug"]';
/** The moment (player offset) just before the mug was added to the cart: the product list is on screen. */
let beforeClickMs = 0;

beforeAll(async () => {
  const ctx = await h.browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  await checkoutWithExpiredCard(page, h.server.base);
  sessionId = await sessionIdOf(page);
  await page.goto('about:blank');
  await ctx.close();
  await h.server.waitForSession(sessionId);
  const events = parseNdjson(await h.server.apiText(`/api/v1/sessions/${sessionId}/events`));
  const start = events.find((e) => e.kind === 'dom')!.t;
  const click = events.find((e) => e.kind === 'click' && (e.data as { selector: string }).selector.includes('add-to-cart-mug'))!;
  // The shopper clicks the mug as soon as it shows, so "200 ms before the click" may be before the
  // recording holds it (a loaded machine once made it so). Take the middle between the last DOM event
  // before the click that holds the mug (the page's snapshot or the mutation that added it) and the click.
  const holdsMug = events.filter((e) => e.kind === 'dom' && e.t < click.t && JSON.stringify(e.data).includes('add-to-cart-mug'));
  const mugAt = holdsMug[holdsMug.length - 1]!.t;
  beforeClickMs = Math.floor((mugAt + click.t) / 2 - start);
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);

type Box = { x: number; y: number; width: number; height: number };

/** The screen box (viewer page coordinates) of an element of the replayed page. */
function replayBox(page: Page, selector: string): Promise<Box | null> {
  return page.evaluate((sel) => {
    const frame = (window as unknown as { __repriseReplayer: { iframe: HTMLIFrameElement } }).__repriseReplayer.iframe;
    const el = frame.contentDocument?.querySelector(sel);
    if (!el) return null;
    const f = frame.getBoundingClientRect();
    const scale = f.width / frame.offsetWidth;
    const r = el.getBoundingClientRect();
    return { x: f.left + r.left * scale, y: f.top + r.top * scale, width: r.width * scale, height: r.height * scale };
  }, selector);
}

/** The element's box once two reads 100 ms apart agree (the player settles after a resize). */
async function steadyBox(page: Page, selector: string): Promise<Box> {
  let last: Box | null = null;
  await expect
    .poll(
      async () => {
        const box = await replayBox(page, selector);
        const same = box !== null && last !== null && JSON.stringify(box) === JSON.stringify(last);
        last = box;
        return same;
      },
      { interval: 100, timeout: 15_000 },
    )
    .toBe(true);
  return last!;
}

/** The rrweb node id of an element of the replayed page. */
function replayNodeId(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const r = (window as unknown as { __repriseReplayer: { iframe: HTMLIFrameElement; getMirror(): { getId(n: Node): number } } })
      .__repriseReplayer;
    return r.getMirror().getId(r.iframe.contentDocument!.querySelector(sel)!);
  }, selector);
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const hh = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && hh > 0 ? w * hh : 0;
}

describe('player layout', () => {
  for (const width of [1280, 1920]) {
    it(`gives the scrub bar its own row and shows every tab at ${width} px`, async () => {
      const { ctx, page, errors } = await openViewer(h.browser, h.server.base, sessionId, { viewport: { width, height: 1000 } });
      try {
        await page.getByTestId('activity-strip').waitFor();
        await page.screenshot({ path: path.join(SHOTS, `player-${width}.png`) });
        const player = (await page.getByTestId('player-section').boundingBox())!;
        const scrub = (await page.getByTestId('scrubber').boundingBox())!;
        expect(scrub.width, `scrub bar ${scrub.width} px of a ${player.width} px player`).toBeGreaterThanOrEqual(0.8 * player.width);
        const strip = (await page.getByTestId('activity-strip').boundingBox())!;
        expect(strip.width).toBeGreaterThanOrEqual(0.8 * player.width);
        // The error and the 422 of the checkout are on the strip.
        expect(await page.locator('.act-error').count()).toBeGreaterThanOrEqual(1);
        expect(await page.locator('.act-active').count()).toBeGreaterThanOrEqual(1);

        const strip2 = page.getByTestId('devtools-tabs');
        const tabsBox = (await strip2.boundingBox())!;
        const scrolls = await strip2.evaluate((el) => el.scrollWidth > el.clientWidth && getComputedStyle(el).overflowX !== 'hidden');
        const tabs = page.locator('[data-testid="devtools-tabs"] [role="tab"]');
        expect(await tabs.count()).toBe(7);
        for (let i = 0; i < (await tabs.count()); i++) {
          const b = (await tabs.nth(i).boundingBox())!;
          const inside =
            b.x >= tabsBox.x - 0.5 &&
            b.x + b.width <= tabsBox.x + tabsBox.width + 0.5 &&
            b.y >= tabsBox.y - 0.5 &&
            b.y + b.height <= tabsBox.y + tabsBox.height + 0.5;
          expect(inside || scrolls, `${await tabs.nth(i).innerText()} is cut off`).toBe(true);
        }
        await expect.poll(() => page.getByTestId('tab-environment').isVisible()).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await ctx.close();
      }
    });
  }

  it('answers the keyboard shortcuts, and lists them under ?', async () => {
    const { ctx, page } = await openViewer(h.browser, h.server.base, sessionId, { viewport: { width: 1280, height: 900 } });
    try {
      await page.keyboard.press('?');
      const overlay = page.getByTestId('shortcuts-overlay');
      await overlay.waitFor();
      for (const label of ['Play or pause', 'Previous error', 'Next error', 'Comment on this moment'])
        expect(await overlay.innerText()).toContain(label);
      await page.screenshot({ path: path.join(SHOTS, 'shortcuts-1280.png') });
      await page.keyboard.press('Escape');
      await overlay.waitFor({ state: 'detached' });

      // A just-recorded session opens at its live edge: start from the beginning. The playhead
      // is read from the scrubber (ms), not the clock: the first error may come within 0:00.
      const at = async () => Number(await page.getByTestId('scrubber').inputValue());
      await scrubTo(page, 0);
      await expect.poll(at).toBe(0);
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press(']');
      await expect.poll(at).toBeGreaterThan(0);
      const atError = await at();
      await page.keyboard.press('ArrowLeft');
      await expect.poll(at).not.toBe(atError);
      await page.keyboard.press(']');
      await expect.poll(at).toBe(atError);
      await page.keyboard.press(' ');
      await expect.poll(() => page.getByTestId('play-toggle').getAttribute('aria-label')).toBe('Pause');
      await page.keyboard.press(' ');
      await expect.poll(() => page.getByTestId('play-toggle').getAttribute('aria-label')).toBe('Play');
      // `c` opens the comment box; typing `c` in it is text, not another comment.
      await page.keyboard.press('c');
      await page.getByTestId('comment-text').waitFor();
      await page.keyboard.type('ccc [ ]');
      expect(await page.getByTestId('comment-text').inputValue()).toBe('ccc [ ]');
      await page.keyboard.press('Escape');
      await page.getByTestId('comment-composer').waitFor({ state: 'detached' });
    } finally {
      await ctx.close();
    }
  });
});

describe('comments with sketches', () => {
  it('pins a sketch to an element that stays on it after a reload at another size', async () => {
    const { ctx, page, errors } = await openViewer(h.browser, h.server.base, sessionId, { viewport: { width: 1280, height: 900 } });
    try {
      await scrubTo(page, beforeClickMs);
      await settled(page);
      await expect.poll(() => replayBox(page, MUG)).not.toBeNull();
      await page.getByTestId('comment-start').click();
      await page.getByTestId('comment-composer').waitFor();
      // Name the element by clicking it, then draw a box and an arrow onto it.
      await page.getByTestId('sketch-tool-element').click();
      // Measured once the comment box is open: opening it resizes the player and the replay's scale.
      const field = await steadyBox(page, MUG);
      await page.mouse.click(field.x + field.width / 2, field.y + field.height / 2);
      await page.getByTestId('comment-element').waitFor();
      await page.getByTestId('sketch-tool-rect').click();
      await page.mouse.move(field.x - 6, field.y - 6);
      await page.mouse.down();
      await page.mouse.move(field.x + field.width / 2, field.y + field.height / 2, { steps: 3 });
      await page.mouse.move(field.x + field.width + 6, field.y + field.height + 6, { steps: 3 });
      await page.mouse.up();
      await page.getByTestId('sketch-tool-arrow').click();
      await page.mouse.move(field.x + field.width + 120, field.y + field.height + 80);
      await page.mouse.down();
      await page.mouse.move(field.x + field.width + 2, field.y + field.height / 2, { steps: 4 });
      await page.mouse.up();
      await page.getByTestId('comment-text').fill('Adding the mug does nothing the first time');
      await page.getByTestId('comment-save').click();
      await page.screenshot({ path: path.join(SHOTS, 'comment-saved-1280.png') });
      await page.locator('[data-testid="note-entry"]').first().waitFor();
      await page.screenshot({ path: path.join(SHOTS, 'comment-1280.png') });

      const stored = (await h.server.api<{ comments: SessionComment[] }>(`/api/v1/sessions/${sessionId}/comments`)).comments;
      expect(stored).toHaveLength(1);
      const c = stored[0]!;
      expect(c.text).toBe('Adding the mug does nothing the first time');
      expect(c.authorEmail).toBe(ADMIN.email);
      expect(c.element?.nodeId).toBe(await replayNodeId(page, MUG));
      expect(c.element?.selector).toContain('add-to-cart-mug');
      expect(c.shapes.map((s) => s.kind)).toEqual(['rect', 'rect', 'arrow']);
      expect(await page.locator('[data-testid="marker"][data-kind="comment"]').count()).toBe(1);

      // A larger window: the replay is drawn at another scale, the sketch must follow the element.
      await page.setViewportSize({ width: 1920, height: 1200 });
      await page.goto(`${h.server.base}/sessions/${sessionId}?t=${c.offsetMs / 1000}&comment=${c.id}`);
      await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
      const sketch = page.getByTestId('comment-sketch');
      await sketch.waitFor();
      const after = (await replayBox(page, MUG))!;
      expect(Math.abs(after.width - field.width), 'the replay is drawn at another scale').toBeGreaterThan(2);
      const rects = sketch.locator('rect');
      expect(await rects.count()).toBe(2);
      for (let i = 0; i < 2; i++) {
        const r = (await rects.nth(i).boundingBox())!;
        expect(overlap(r, after), `sketch box ${JSON.stringify(r)} vs element ${JSON.stringify(after)}`).toBeGreaterThan(
          0.8 * after.width * after.height,
        );
      }
      // The arrow's head ends at the element's right edge.
      const arrow = (await sketch.locator('[data-kind="arrow"]').boundingBox())!;
      expect(arrow.x).toBeLessThanOrEqual(after.x + after.width + 16);
      expect(await page.getByTestId('tab-notes').getAttribute('aria-selected')).toBe('true');
      expect(await page.locator('[data-testid="note-entry"]').first().innerText()).toContain(ADMIN.email);
      await page.screenshot({ path: path.join(SHOTS, 'comment-1920.png') });

      // Search finds it.
      const found = await h.server.api<{ sessions: { id: string }[] }>(
        `/api/v1/sessions?q=${encodeURIComponent('comment:"the first time"')}`,
      );
      expect(found.sessions.map((x) => x.id)).toEqual([sessionId]);
      expect(errors).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
