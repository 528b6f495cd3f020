import { afterAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { parseNdjson } from '@reprise/protocol';
import { freshReplays, type FreshReplays } from '../test-support/rrweb-replay.js';
import { checkpointer, flushRecorder, stateDifference, type Checkpoint } from './support/checkpoints.js';
import { DOM_STATE_JS } from './support/dom-state.js';
import { useServerAndBrowser } from './support/harness.js';
import { checkoutWithCheckpoints, sessionIdOf } from './support/shopper.js';
import { serveTodoApp, useTodos } from './support/todo-apps.js';
import {
  clickScrubber,
  dragScrubber,
  openViewer,
  playToEnd,
  replayState,
  sampled,
  samplePlayback,
  scrubKeys,
  scrubTo,
  settled,
  type OpenViewer,
} from './support/viewer.js';

// The replay must never show a page that did not exist, however the user moved around before
// playing. A recorded app's live DOM (text, classes, checked state, values, order) is captured at
// checkpoints; in the viewer the session is scrubbed back and forth with the mouse and the keyboard
// (before the first snapshot, across range-loading windows that are still loading), played, and
// every checkpoint the playback passes must show what the live page showed. Then every checkpoint
// is sought to and compared with the live page and with a replay built fresh for that moment, and
// the events the player holds are compared with those of a viewer that never scrubbed.

const h = useServerAndBrowser();

interface Recorded {
  sessionId: string;
  checkpoints: Checkpoint[];
  /** The session's rrweb events as stored. */
  events: unknown[];
}

async function recorded(page: Page, ctx: BrowserContext, checkpoints: Checkpoint[]): Promise<Recorded> {
  const sessionId = await sessionIdOf(page);
  await flushRecorder(page);
  // Leaving the page fires pagehide, which flushes the rest with keepalive.
  await page.goto('about:blank');
  await ctx.close();
  await h.server.waitForSession(sessionId);
  const events = parseNdjson(await h.server.apiText(`/api/v1/sessions/${sessionId}/events`))
    .filter((e) => e.kind === 'dom')
    .map((e) => e.data);
  return { sessionId, checkpoints, events };
}

const sessions: Record<'shop' | 'todos', Recorded | null> = { shop: null, todos: null };
const viewers: OpenViewer[] = [];
afterAll(async () => {
  for (const v of viewers) await v.ctx.close();
});

/** Labels of the checkpoints whose replayed state differs from the live one (with the first differing line). */
function mismatches(cps: Checkpoint[], states: Record<number, string[]>, only?: Set<number>): string[] {
  const bad: string[] = [];
  cps.forEach((cp, k) => {
    if (only && !only.has(k)) return;
    const got = states[k];
    if (!got) return void bad.push(`${cp.label}: not sampled`);
    const diff = stateDifference(cp.state, got);
    if (diff) bad.push(`${cp.label}: ${diff}`);
  });
  return bad;
}

function removesOf(events: unknown[]): number {
  let n = 0;
  for (const e of events as { type: number; data: { source?: number; removes?: unknown[] } }[]) {
    if (e.type === 3 && e.data.source === 0) n += e.data.removes?.length ?? 0;
  }
  return n;
}

/** Player offset a checkpoint is shown at: the next step of the scrub bar (100 ms) after it; the page stays still for 400 ms after each. */
const offsetOf = (v: OpenViewer, cp: Checkpoint) => Math.ceil((cp.t - v.startT + 1) / 100) * 100;

/**
 * Every event the player holds, as JSON without rrweb's `delay` (which rrweb sets on each play,
 * from the position played from), sorted: windows may arrive in another order.
 */
function heldEvents(page: Page): Promise<string[]> {
  return page.evaluate(`window.__repriseReplayer.service.state.context.events.map(function (e) {
    return JSON.stringify(Object.assign({}, e, { delay: undefined }));
  }).sort()`) as Promise<string[]>;
}

/** Null when both hold the same events, else the first difference. */
function heldDifference(got: string[], want: string[]): string | null {
  if (got.length !== want.length) return `${got.length} events held, ${want.length} by a viewer that never scrubbed`;
  const i = got.findIndex((g, k) => g !== want[k]);
  if (i < 0) return null;
  const a = got[i]!;
  const b = want[i]!;
  let c = 0;
  while (a[c] === b[c]) c++;
  const near = (x: string) => x.slice(Math.max(0, c - 200), c + 200);
  return `event ${i}, from character ${c}: …${near(a)}… ≠ …${near(b)}…`;
}

async function countMissingNodes(page: Page): Promise<void> {
  await page.evaluate(`(function () {
    var r = window.__repriseReplayer;
    window.__notFound = 0;
    var warn = r.warnNodeNotFound.bind(r);
    r.warnNodeNotFound = function (d, id) { window.__notFound++; return warn(d, id); };
  })()`);
}

/** Scrubs, plays and compares; returns nothing, asserts as it goes. */
async function scrubAndCompare(rec: Recorded): Promise<void> {
  const v = await openViewer(h.browser, h.server.base, rec.sessionId, { smallWindows: true, eventsDelayMs: 150 });
  viewers.push(v);
  const { page } = v;
  const cps = rec.checkpoints;
  const times = cps.map((c) => c.t);
  await countMissingNodes(page);
  await page.getByTestId('speed-8').click();

  // Round 1: while the windows still stream in (each held 150 ms), far clicks, drags and keys,
  // ending before the first snapshot (Home: offset 0 is the first snapshot's Meta).
  await clickScrubber(page, 0.95);
  await clickScrubber(page, 0.35);
  await dragScrubber(page, 0.35, 0.8, 6);
  await scrubKeys(page, ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowLeft', 'PageDown', 'ArrowRight', 'PageUp', 'PageUp']);
  await settled(page);
  await clickScrubber(page, 0.55);
  await settled(page);
  await scrubKeys(page, ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowRight', 'End', 'PageDown', 'PageDown', 'ArrowLeft']);
  await settled(page);
  await dragScrubber(page, 0.9, 0.2, 5);
  await scrubKeys(page, ['Home']);
  await settled(page);
  await samplePlayback(page, times);
  await playToEnd(page);
  expect(mismatches(cps, await sampled(page)), 'played from the start after scrubbing').toEqual([]);

  // Round 2: the same, now that every window is in; play from the middle.
  await dragScrubber(page, 0.1, 0.7, 8);
  for (const f of [0.25, 0.85, 0.45, 0.6]) await clickScrubber(page, f);
  await scrubKeys(page, ['ArrowRight', 'ArrowRight', 'ArrowLeft', 'ArrowRight', 'ArrowRight', 'ArrowRight']);
  await clickScrubber(page, 0.4);
  await settled(page);
  const from = v.startT + Number(await page.getByTestId('scrubber').inputValue());
  await samplePlayback(page, times);
  await playToEnd(page);
  const after = new Set(cps.flatMap((c, k) => (c.t > from + 100 ? [k] : [])));
  expect(after.size).toBeGreaterThan(2);
  expect(mismatches(cps, await sampled(page), after), 'played from the middle after scrubbing').toEqual([]);

  // Round 3: scrub across the whole session both ways (the keys in 100 ms steps), then show each checkpoint.
  await dragScrubber(page, 0, 1, 15);
  await dragScrubber(page, 1, 0, 15);
  await scrubKeys(
    page,
    Array.from({ length: 30 }, () => 'ArrowRight'),
  );
  await settled(page);
  await clickScrubber(page, 0.5);
  await scrubKeys(
    page,
    Array.from({ length: 30 }, () => 'ArrowRight'),
  );
  await scrubKeys(page, ['End', 'PageDown', 'PageDown', 'PageDown', 'Home', 'PageUp', 'PageUp']);
  await settled(page);
  const fresh: FreshReplays = await freshReplays(v.ctx, rec.events, DOM_STATE_JS);
  const shown: Record<number, string[]> = {};
  const rebuilt: Record<number, string[]> = {};
  for (const [k, cp] of cps.entries()) {
    const ms = offsetOf(v, cp);
    await scrubTo(page, ms);
    await settled(page);
    shown[k] = await replayState(page);
    rebuilt[k] = (await fresh.stateAt(v.startT + ms)) as string[];
  }
  expect(mismatches(cps, rebuilt), 'a fresh replay at each checkpoint').toEqual([]);
  expect(mismatches(cps, shown), 'each checkpoint sought after scrubbing').toEqual([]);
  const unlikeFresh = cps.flatMap((cp, k) => {
    const diff = stateDifference(rebuilt[k]!, shown[k]!);
    return diff ? [`${cp.label}: ${diff}`] : [];
  });
  expect(unlikeFresh, 'each checkpoint sought after scrubbing, against a fresh replay of that moment').toEqual([]);
  expect(await page.evaluate('window.__notFound'), 'rrweb: "Node with id N not found"').toBe(0);
  // What the player holds is still the session as recorded (rrweb used to delete removes from it).
  const held = await page.evaluate(`window.__repriseReplayer.service.state.context.events.reduce(function (n, e) {
    return n + (e.type === 3 && e.data.source === 0 ? e.data.removes.length : 0);
  }, 0)`);
  expect(held, 'removes of the mutations the player holds').toBe(removesOf(rec.events));
  // All of it: the same events as a viewer that opened the session and loaded every window, unscrubbed.
  const scrubbed = await heldEvents(page);
  const other = await openViewer(h.browser, h.server.base, rec.sessionId);
  viewers.push(other);
  // A function, not a string: a string predicate that must be polled is compiled in the page, which the viewer's CSP refuses.
  await other.page.waitForFunction(
    (n) =>
      (window as unknown as { __repriseReplayer: { service: { state: { context: { events: unknown[] } } } } }).__repriseReplayer.service
        .state.context.events.length >= n,
    scrubbed.length,
    { timeout: 60_000 },
  );
  expect(heldDifference(scrubbed, await heldEvents(other.page)), 'events the player holds after scrubbing').toBeNull();
  expect(v.errors).toEqual([]);
}

describe('scrubbing, then playing, shows only pages that existed', () => {
  it('records the demo shop (cart, failing checkout) and a React todo list (add, complete, edit, filter, delete, clear), with checkpoints', async () => {
    // Side by side: the checkpoints carry their own times, so load does not skew them.
    const shop = async () => {
      const ctx = await h.browser.newContext({ viewport: { width: 1100, height: 800 } });
      const page = await ctx.newPage();
      const cp = checkpointer(page);
      await checkoutWithCheckpoints(page, h.server.base, cp.take);
      sessions.shop = await recorded(page, ctx, cp.list);
    };
    const todos = async () => {
      const ctx = await h.browser.newContext({ viewport: { width: 1000, height: 700 } });
      // Small batches and a checkout every 3 s: many windows and several snapshots to cross.
      const url = await serveTodoApp(ctx, h.server.base, h.server.projectKey, 'react', {
        'data-flush-interval-ms': '500',
        'data-checkout-every-ms': '3000',
      });
      const page = await ctx.newPage();
      await page.goto(url);
      const cp = checkpointer(page);
      await useTodos(page, cp.take);
      sessions.todos = await recorded(page, ctx, cp.list);
    };
    await Promise.all([shop(), todos()]);
    expect(sessions.shop!.checkpoints.length).toBe(10);
    expect(sessions.todos!.checkpoints.length).toBe(15);
  });

  // Three rounds of scrubbing and playing, every checkpoint sought, a second viewer: minutes on a loaded machine.
  it(
    'demo shop: scrubbed with mouse and keyboard, played and sought, every checkpoint matches the live page',
    { timeout: 300_000 },
    async () => {
      await scrubAndCompare(sessions.shop!);
    },
  );

  it(
    'todo list: scrubbed with mouse and keyboard, played and sought, every checkpoint matches the live page',
    { timeout: 300_000 },
    async () => {
      await scrubAndCompare(sessions.todos!);
    },
  );
});
