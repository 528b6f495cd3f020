import { describe, expect, it } from 'vitest';
import type { SketchShape } from '@reprise/protocol';
import { activityStrip, isUserActivity } from '../src/player/activity';
import { commentUrl, readCommentId } from '../src/player/deepLink';
import { shortcutFor, SHORTCUTS, type KeyPress } from '../src/player/shortcuts';
import { fitViewport, mapShape, rectBetween, shapeBounds, thinPoints, toPage, toScreen } from '../src/player/sketch';
import type { RrwebEvent } from '../src/player/timeline';

const key = (k: string, extra: Partial<KeyPress> = {}): KeyPress => ({ key: k, typing: false, ...extra });

describe('keyboard shortcuts', () => {
  it('maps space, arrows, brackets, c, ? and Escape', () => {
    expect(shortcutFor(key(' '))).toBe('toggle-play');
    expect(shortcutFor(key('ArrowLeft'))).toBe('step-back');
    expect(shortcutFor(key('ArrowRight'))).toBe('step-forward');
    expect(shortcutFor(key('['))).toBe('prev-error');
    expect(shortcutFor(key(']'))).toBe('next-error');
    expect(shortcutFor(key('c'))).toBe('comment');
    expect(shortcutFor(key('?'))).toBe('help');
    expect(shortcutFor(key('Escape'))).toBe('close');
    expect(shortcutFor(key('x'))).toBeNull();
  });

  it('does nothing while typing, except Escape', () => {
    for (const k of [' ', 'c', '[', ']', 'ArrowLeft', '?']) expect(shortcutFor(key(k, { typing: true })), k).toBeNull();
    expect(shortcutFor(key('Escape', { typing: true }))).toBe('close');
  });

  it('leaves modified keys to the browser, and Space and arrows to a focused control', () => {
    expect(shortcutFor(key('c', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('[', { metaKey: true }))).toBeNull();
    expect(shortcutFor(key('ArrowLeft', { altKey: true }))).toBeNull();
    expect(shortcutFor(key(' ', { onControl: true }))).toBeNull();
    expect(shortcutFor(key('ArrowRight', { onControl: true }))).toBeNull();
    expect(shortcutFor(key('c', { onControl: true }))).toBe('comment');
  });

  it('lists every action in the overlay', () => {
    const listed = new Set(SHORTCUTS.map((s) => s.action));
    for (const k of [' ', 'ArrowLeft', 'ArrowRight', '[', ']', 'c', '?', 'Escape']) expect(listed.has(shortcutFor(key(k))!), k).toBe(true);
  });
});

describe('sketch coordinates', () => {
  it('fits the recorded viewport: scaled down to the stage, never up, centred', () => {
    expect(fitViewport({ width: 640, height: 800 }, { width: 1280, height: 800 })).toEqual({ scale: 0.5, x: 0, y: 200 });
    expect(fitViewport({ width: 2000, height: 1000 }, { width: 1280, height: 800 })).toEqual({ scale: 1, x: 360, y: 100 });
    expect(fitViewport({ width: 0, height: 0 }, { width: 1280, height: 800 }).scale).toBe(1);
  });

  it('maps page ↔ screen both ways at any player size', () => {
    const page = { x: 412.5, y: 96 };
    for (const stage of [
      { width: 640, height: 800 },
      { width: 1000, height: 500 },
      { width: 1920, height: 1080 },
    ]) {
      const fit = fitViewport(stage, { width: 1280, height: 800 });
      const screen = toScreen(page, fit);
      expect(screen.x).toBeCloseTo(fit.x + 412.5 * fit.scale, 6);
      expect(toPage(screen, fit)).toEqual(page);
    }
  });

  it('keeps a shape on the same page spot when the player is resized', () => {
    const stored: SketchShape = rectBetween({ x: 300, y: 200 }, { x: 100, y: 150 });
    expect(stored).toEqual({ kind: 'rect', x: 100, y: 150, w: 200, h: 50 });
    const small = fitViewport({ width: 640, height: 400 }, { width: 1280, height: 800 });
    const large = fitViewport({ width: 1600, height: 1200 }, { width: 1280, height: 800 });
    const onSmall = mapShape(stored, (p) => toScreen(p, small));
    const onLarge = mapShape(stored, (p) => toScreen(p, large));
    expect(shapeBounds(onSmall)).toEqual({ x: 50, y: 75, w: 100, h: 25 });
    expect(shapeBounds(onLarge)).toEqual({ x: 160 + 100, y: 200 + 150, w: 200, h: 50 });
    // Drawn on the small player, stored, shown on the large one: the same page box.
    const back = mapShape(onSmall, (p) => toPage(p, small));
    expect(back).toEqual(stored);
  });

  it('maps arrows and freehand lines point by point, and thins dense strokes', () => {
    const fit = { x: 10, y: 20, scale: 0.5 };
    expect(mapShape({ kind: 'arrow', from: { x: 0, y: 0 }, to: { x: 100, y: 40 } }, (p) => toScreen(p, fit))).toEqual({
      kind: 'arrow',
      from: { x: 10, y: 20 },
      to: { x: 60, y: 40 },
    });
    const line = {
      kind: 'freehand' as const,
      points: [
        { x: 0, y: 0 },
        { x: 0.5, y: 0 },
        { x: 3, y: 0 },
        { x: 3, y: 1 },
        { x: 10, y: 0 },
      ],
    };
    expect(thinPoints(line.points)).toEqual([
      { x: 0, y: 0 },
      { x: 3, y: 0 },
      { x: 10, y: 0 },
    ]);
    expect(shapeBounds(line)).toEqual({ x: 0, y: 0, w: 10, h: 1 });
  });
});

describe('activity strip', () => {
  const ev = (t: number, source: number) => ({ type: 3, timestamp: t, data: { source } }) as unknown as RrwebEvent;

  it('counts what the user does, not what the page does by itself', () => {
    expect(isUserActivity(ev(0, 2))).toBe(true);
    expect(isUserActivity(ev(0, 5))).toBe(true);
    expect(isUserActivity(ev(0, 0))).toBe(false);
    expect(isUserActivity({ type: 2, timestamp: 0, data: {} } as unknown as RrwebEvent)).toBe(false);
  });

  it('draws stretches of activity and ticks for errors, requests and comments', () => {
    const S = 1_000;
    const strip = activityStrip(
      {
        dom: [ev(S + 0, 1), ev(S + 100, 2), ev(S + 5_000, 0), ev(S + 9_950, 5)],
        startTime: S,
        durationMs: 10_000,
        errorOffsets: [5_000],
        requestOffsets: [1_000, 1_001, 7_500],
        commentOffsets: [2_500, 2_500],
      },
      10,
    );
    expect(strip.active).toEqual([
      [0, 0.1],
      [0.9, 1],
    ]);
    expect(strip.errors).toEqual([0.5]);
    expect(strip.requests).toEqual([0.1, 0.75]);
    expect(strip.comments).toEqual([0.25]);
    expect(
      activityStrip({ dom: [], startTime: 0, durationMs: 0, errorOffsets: [1], requestOffsets: [], commentOffsets: [] }).errors,
    ).toEqual([]);
  });
});

describe('comment deep links', () => {
  it('names the moment and the comment, and reads only a plausible id back', () => {
    const url = commentUrl('https://r.example/sessions/s1?t=3', 12_345, 'cmt_abc');
    expect(new URL(url).searchParams.get('t')).toBe('12.3');
    expect(readCommentId(new URL(url).search)).toBe('cmt_abc');
    expect(readCommentId('?comment=%3Cscript%3E')).toBeNull();
    expect(readCommentId('?t=1')).toBeNull();
  });
});
