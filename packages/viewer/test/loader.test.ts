import { describe, expect, it } from 'vitest';
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import { Coverage, type Range } from '../src/player/coverage';
import { insertSorted } from '../src/player/feed';
import { SessionLoader, type LoaderOptions, type Pace } from '../src/player/loader';
import { neededFor, planWindows, snapshotFor } from '../src/player/plan';
import type { RrwebEvent } from '../src/player/timeline';

describe('Coverage', () => {
  it('merges intervals and reports what is missing', () => {
    const c = new Coverage();
    c.add({ from: 10, to: 20 });
    c.add({ from: 30, to: 40 });
    expect(c.gaps({ from: 0, to: 50 })).toEqual([
      { from: 0, to: 10 },
      { from: 20, to: 30 },
      { from: 40, to: 50 },
    ]);
    expect(c.covers({ from: 12, to: 18 })).toBe(true);
    expect(c.covers({ from: 12, to: 31 })).toBe(false);
    c.add({ from: 20, to: 30 });
    expect(c.ranges()).toEqual([{ from: 10, to: 40 }]);
    expect(c.gaps({ from: 15, to: 35 })).toEqual([]);
    expect(c.gaps({ from: 45, to: 45 })).toEqual([{ from: 45, to: 45 }]);
    c.add({ from: -Infinity, to: 5 });
    expect(c.has(-1e15)).toBe(true);
    expect(c.has(7)).toBe(false);
  });
});

function index(): SessionTimeline {
  // Batches of 10 s and 100 bytes from t=1000 to 101_000; snapshots at the start and every 30 s.
  const batches = Array.from({ length: 10 }, (_, i) => ({
    seq: i,
    tMin: 1000 + i * 10_000,
    tMax: 1000 + i * 10_000 + 9_999,
    eventCount: 10,
    bytes: 100,
  }));
  return {
    sessionId: 's',
    startedAt: 1000,
    endedAt: 100_999,
    live: false,
    batches,
    snapshots: [0, 30_000, 60_000, 90_000].map((d) => ({ t: 1001 + d, startT: 1000 + d })),
  };
}

describe('plan', () => {
  it('finds the snapshot a moment is rebuilt from, and what it needs', () => {
    const ix = index();
    expect(snapshotFor(ix, 500)?.t).toBe(1001); // before the first: the first
    expect(snapshotFor(ix, 31_000)?.t).toBe(31_001);
    expect(snapshotFor(ix, 30_999)?.t).toBe(1001);
    expect(neededFor(ix, 45_000)).toEqual({ from: 31_000, to: 45_000 });
  });

  it('cuts the whole time axis into windows of whole batches by bytes and span', () => {
    const w = planWindows(index(), { maxBytes: 300, maxSpanMs: 60_000 });
    expect(w[0]!.from).toBe(-Infinity);
    expect(w[w.length - 1]!.to).toBe(Infinity);
    for (let i = 1; i < w.length; i++) expect(w[i]!.from).toBe(w[i - 1]!.to);
    expect(w.map((x) => x.to).slice(0, -1)).toEqual([31_000, 61_000, 91_000]);
    expect(
      planWindows(index(), { maxBytes: 1e9, maxSpanMs: 25_000 })
        .map((x) => x.from)
        .slice(1),
    ).toEqual([21_000, 41_000, 61_000, 81_000]);
  });
});

/** Ten events per second of session, as a server would filter them. */
const ALL: ReplayEvent[] = Array.from({ length: 1000 }, (_, i) => ({ t: 1000 + i * 100, kind: 'console', data: i }));

/** Answers ranges of ALL; while `hold` is set, each answer waits until the test releases it. */
function fakeServer() {
  const calls: Range[] = [];
  /** Responses whose body was read (after the loader's pace let them), in order. */
  const reads: Range[] = [];
  const held: { resolve(): void }[] = [];
  let hold = false;
  const fetchRange = async (r: Range, signal: AbortSignal, pace: Pace): Promise<ReplayEvent[]> => {
    calls.push(r);
    if (hold)
      await new Promise<void>((resolve, reject) => {
        held.push({ resolve });
        signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    // The response is in; its body is read as the browser's reader would, after the pace.
    await pace();
    reads.push(r);
    return ALL.filter((e) => e.t >= r.from && e.t <= r.to);
  };
  /** Stops holding, and answers every request held so far. */
  const releaseAll = () => {
    hold = false;
    for (const h of held.splice(0)) h.resolve();
  };
  return { calls, reads, fetchRange, held, setHold: (v: boolean) => (hold = v), releaseAll };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

const OPTS: LoaderOptions = { window: { maxBytes: 300, maxSpanMs: 60_000 }, startAfterMs: 5_000, seekAfterMs: 5_000 };

/** A loader past its first window whose background reads the server holds, and a seek to `t` asked for meanwhile. */
async function seekWhileBackgroundHeld(t: number, onEvents: (events: ReplayEvent[]) => void = () => undefined) {
  const srv = fakeServer();
  const loader = new SessionLoader(index(), srv.fetchRange, onEvents, OPTS);
  await loader.start(0);
  srv.setHold(true);
  const background = loader.run();
  await settle();
  const seek = loader.ensure(t);
  await settle();
  return { srv, loader, background, seek };
}

/** Answers every held read: the seek shows `t`, then the background loads all the rest. */
async function releaseAndFinish(held: Awaited<ReturnType<typeof seekWhileBackgroundHeld>>, t: number): Promise<void> {
  held.srv.releaseAll();
  await held.seek;
  expect(held.loader.isLoaded(t)).toBe(true);
  await held.background;
  expect(held.loader.complete).toBe(true);
}

describe('SessionLoader', () => {
  it('starts with one window from the snapshot, then hands over every other event exactly once', async () => {
    const srv = fakeServer();
    const delivered: ReplayEvent[] = [];
    const loader = new SessionLoader(index(), srv.fetchRange, (ev) => delivered.push(...ev), OPTS);
    const first = await loader.start(45_000);
    expect(srv.calls).toEqual([{ from: 31_000, to: 50_000 }]);
    expect(first.length).toBe(191);
    expect(loader.isLoaded(45_000)).toBe(true);
    expect(loader.isLoaded(70_000)).toBe(false);
    expect(loader.complete).toBe(false);

    await loader.run();
    expect(loader.complete).toBe(true);
    const all = [...first, ...delivered].map((e) => e.t).sort((a, b) => a - b);
    expect(all).toEqual(ALL.map((e) => e.t));
    // From the playhead onwards first, then what lies before it.
    expect(srv.calls[1]!.from).toBe(50_000);
    expect(srv.calls[srv.calls.length - 1]!.to).toBe(31_000);
  });

  it('loads a seek target from its snapshot first, and holds the background back meanwhile', async () => {
    const delivered: ReplayEvent[] = [];
    const held = await seekWhileBackgroundHeld(95_000, (ev) => delivered.push(...ev));
    const { srv } = held;
    // The background's first two requests (it keeps two going) and the seek's window are out; nothing else starts.
    expect(srv.calls.slice(1)).toEqual([
      { from: -Infinity, to: 0 },
      { from: 5000, to: 31_000 },
      { from: 91_000, to: 100_000 },
    ]);
    await releaseAndFinish(held, 95_000);
    const ts = delivered.map((e) => e.t);
    expect(new Set(ts).size).toBe(ts.length);
  });

  it('a seek that needs a window drops the background reads in flight; they are read again once it is shown', async () => {
    const delivered: ReplayEvent[][] = [];
    const { srv, loader, background, seek } = await seekWhileBackgroundHeld(95_000, (ev) => delivered.push(ev));
    expect(srv.calls.slice(1)).toEqual([
      { from: -Infinity, to: 0 },
      { from: 5000, to: 31_000 },
      { from: 91_000, to: 100_000 },
    ]);
    expect(srv.reads).toEqual([{ from: 0, to: 5000 }]);
    srv.setHold(false);
    srv.held[2]!.resolve();
    await seek;
    // The seek's window came first; then the background starts over where it was.
    expect(delivered[0]!.map((e) => e.t)).toEqual(ALL.filter((e) => e.t >= 91_000 && e.t <= 100_000).map((e) => e.t));
    await background;
    // From the seek's moment onwards first, the dropped reads among the rest.
    expect(srv.calls[4]).toEqual({ from: 100_000, to: Infinity });
    expect(srv.calls.slice(5)).toContainEqual({ from: -Infinity, to: 0 });
    expect(srv.calls.slice(5)).toContainEqual({ from: 5000, to: 31_000 });
    expect(loader.complete).toBe(true);
    const ts = delivered.flat().map((e) => e.t);
    expect(ts.length).toBe(ALL.length - 41);
    expect(new Set(ts).size).toBe(ts.length);
  });

  it('a seek whose window the background is already reading waits for that read instead of holding it back', async () => {
    const held = await seekWhileBackgroundHeld(20_000);
    const { srv } = held;
    // [5000, 31000] is being read already: no request of its own.
    expect(srv.calls.slice(1)).toEqual([
      { from: -Infinity, to: 0 },
      { from: 5000, to: 31_000 },
    ]);
    await releaseAndFinish(held, 20_000);
  });

  it('hands nothing over once stopped, not even a read answered while a seek held it back', async () => {
    const delivered: ReplayEvent[][] = [];
    // The seek at 20 s needs only [5000, 31000], which the background is reading: [-Infinity, 0] is not dropped.
    const { srv, loader, seek, background } = await seekWhileBackgroundHeld(20_000, (ev) => delivered.push(ev));
    const ended = Promise.allSettled([seek, background]);
    srv.held[0]!.resolve();
    await settle();
    expect(srv.reads).toEqual([{ from: 0, to: 5000 }]); // its answer waits behind the seek
    loader.stop();
    srv.releaseAll();
    const outcomes = await ended;
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).name : o.status))).toEqual(['AbortError', 'AbortError']);
    await settle();
    expect(delivered).toEqual([]);
  });

  it('fetches only the newest of several seeks asked for while one is loading', async () => {
    const srv = fakeServer();
    const loader = new SessionLoader(index(), srv.fetchRange, () => undefined, OPTS);
    await loader.start(0);
    srv.setHold(true);
    const seeks = [loader.ensure(95_000), loader.ensure(65_000), loader.ensure(45_000)];
    await new Promise((r) => setTimeout(r, 0));
    expect(srv.calls.slice(1)).toEqual([{ from: 91_000, to: 100_000 }]);
    srv.releaseAll();
    await Promise.all(seeks);
    expect(srv.calls.slice(2)).toEqual([{ from: 31_000, to: 50_000 }]);
    expect(loader.isLoaded(45_000)).toBe(true);
    expect(loader.isLoaded(65_000)).toBe(false);
  });

  it('reads a session without snapshot rows in one piece', async () => {
    const srv = fakeServer();
    const loader = new SessionLoader({ ...index(), snapshots: [] }, srv.fetchRange, () => undefined, OPTS);
    expect((await loader.start(0)).length).toBe(ALL.length);
    expect(srv.calls).toEqual([{ from: -Infinity, to: Infinity }]);
    expect(loader.complete).toBe(true);
    expect(loader.isLoaded(99_000)).toBe(true);
  });
});

describe('insertSorted', () => {
  const ev = (timestamp: number, tag = ''): RrwebEvent => ({ type: 5, timestamp, data: { tag, payload: null } }) as RrwebEvent;
  it('merges in place, existing events first on equal timestamps', () => {
    const list = [ev(1), ev(5, 'old'), ev(9)];
    const same = list;
    insertSorted(list, [ev(0), ev(5, 'new'), ev(10)]);
    expect(same).toBe(list);
    expect(list.map((e) => `${e.timestamp}${(e.data as { tag: string }).tag}`)).toEqual(['0', '1', '5old', '5new', '9', '10']);
  });
});
