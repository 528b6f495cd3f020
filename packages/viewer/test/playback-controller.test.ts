import { describe, expect, it } from 'vitest';
import type { Replayer } from '@rrweb/replay';
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import type { Range } from '../src/player/coverage';
import { PlaybackController, type PlayerState } from '../src/player/controller';
import { SessionLoader } from '../src/player/loader';
import type { MountedReplayer, ReplaySettings } from '../src/player/mount';
import type { Scheduler } from '../src/player/scheduler';
import type { RrwebEvent, Timeline } from '../src/player/timeline';

// The playback controller without a browser: the real controller, clock, seek-while-loading and
// the real SessionLoader over an in-memory server; rrweb's Replayer (a third-party boundary that
// needs a DOM) is a stand-in that keeps rrweb's clock and event list and says which snapshot the
// page on screen was built from. The assertions are on the controller's states.

/** Epoch ms of offset 0: the first snapshot's Meta. */
const S = 1_000_000;
const END = 60_000;

const meta = (t: number) => ({ type: 4, timestamp: t, data: { href: 'https://shop.test/', width: 1000, height: 700 } }) as RrwebEvent;
const full = (t: number) =>
  ({ type: 2, timestamp: t, data: { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { top: 0, left: 0 } } }) as RrwebEvent;
const change = (t: number) =>
  ({ type: 3, timestamp: t, data: { source: 0, texts: [], attributes: [], removes: [], adds: [] } }) as RrwebEvent;

/** A minute: snapshots at 0 and 30 s (each after its Meta), a DOM change every second. */
function session(): RrwebEvent[] {
  const events = [meta(S), full(S + 1), meta(S + 30_000), full(S + 30_001)];
  for (let t = 1000; t <= END; t += 1000) events.push(change(S + t));
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

function index(): SessionTimeline {
  const batches = Array.from({ length: 6 }, (_, i) => ({
    seq: i,
    tMin: S + i * 10_000,
    tMax: S + i * 10_000 + 9_999,
    eventCount: 10,
    bytes: 1000,
  }));
  return {
    sessionId: 's',
    startedAt: S,
    endedAt: S + END,
    live: false,
    batches,
    snapshots: [
      { t: S + 1, startT: S },
      { t: S + 30_001, startT: S + 30_000 },
    ],
  };
}

type Handler = (payload?: unknown) => void;

/** rrweb's Replayer as the controller sees it: its event list, clock, frontier and events. */
class FakeReplayer {
  readonly service = { state: { context: { events: [] as RrwebEvent[], lastPlayedEvent: null as RrwebEvent | null } } };
  playing = false;
  destroyed = false;
  /** Epoch ms of rrweb's playhead. */
  at: number;
  /** Every synchronous application (`pause`/`play` with an offset), at epoch ms. */
  readonly jumps: { at: number; mode: 'pause' | 'play' }[] = [];
  private readonly handlers = new Map<string, Handler[]>();

  constructor(
    events: RrwebEvent[],
    readonly config: ReplaySettings,
  ) {
    this.events.push(...[...events].sort((a, b) => a.timestamp - b.timestamp));
    this.at = this.events[0]!.timestamp;
  }

  get events(): RrwebEvent[] {
    return this.service.state.context.events;
  }

  getMetaData() {
    const startTime = this.events[0]!.timestamp;
    const endTime = this.events[this.events.length - 1]!.timestamp;
    return { startTime, endTime, totalTime: endTime - startTime };
  }

  getCurrentTime(): number {
    return this.at - this.getMetaData().startTime;
  }

  pause(offset?: number): void {
    if (offset !== undefined) this.jump(offset, 'pause');
    this.playing = false;
  }

  play(offset = 0): void {
    this.jump(offset, 'play');
    this.playing = true;
  }

  addEvent(e: RrwebEvent): void {
    const i = this.events.findIndex((x) => x.timestamp > e.timestamp);
    this.events.splice(i < 0 ? this.events.length : i, 0, e);
  }

  on(name: string, fn: Handler): void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), fn]);
  }

  setConfig(c: Partial<ReplaySettings>): void {
    Object.assign(this.config, c);
  }

  backToNormal(): void {}

  destroy(): void {
    this.destroyed = true;
  }

  /** rrweb's timer: plays `ms` of recording; past the last event it finishes. */
  advance(ms: number): void {
    if (!this.playing) return;
    const end = this.getMetaData().endTime;
    this.at = Math.min(this.at + ms * this.config.speed, end);
    this.service.state.context.lastPlayedEvent = this.events.filter((e) => e.timestamp <= this.at).pop() ?? null;
    if (this.at >= end) {
      this.playing = false;
      for (const fn of this.handlers.get('finish') ?? []) fn();
    }
  }

  /** The full snapshot the page on screen was built from; null for none (rrweb shows nothing new). */
  page(): number | null {
    return this.events.filter((e) => e.type === 2 && e.timestamp < this.at).pop()?.timestamp ?? null;
  }

  private jump(offset: number, mode: 'pause' | 'play'): void {
    // rrweb applies the events strictly before the offset at once.
    this.at = this.getMetaData().startTime + offset;
    this.jumps.push({ at: this.at, mode });
    this.service.state.context.lastPlayedEvent = this.events.filter((e) => e.timestamp < this.at).pop() ?? null;
  }
}

/** Frames and timers run when the test says. */
class ManualScheduler implements Scheduler {
  private frames = new Set<() => void>();
  private timers = new Set<() => void>();
  frame(fn: () => void) {
    this.frames.add(fn);
    return () => void this.frames.delete(fn);
  }
  later(fn: () => void) {
    this.timers.add(fn);
    return () => void this.timers.delete(fn);
  }
  nextFrame(): void {
    const due = [...this.frames];
    this.frames.clear();
    for (const fn of due) fn();
  }
  runTimers(): void {
    const due = [...this.timers];
    this.timers.clear();
    for (const fn of due) fn();
  }
}

/** Lets the loader's fetches and the controller's waiting seeks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** An in-memory events endpoint whose answers can be held back. */
function server(events: RrwebEvent[]) {
  const calls: Range[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  return {
    calls,
    hold: (v: boolean) => {
      hold = v;
      if (!v) for (const release of held.splice(0)) release();
    },
    fetchRange: async (r: Range): Promise<ReplayEvent[]> => {
      calls.push(r);
      if (hold) await new Promise<void>((release) => held.push(release));
      return events.filter((e) => e.timestamp >= r.from && e.timestamp <= r.to).map((e) => ({ t: e.timestamp, kind: 'dom', data: e }));
    },
  };
}

function timelineOf(dom: RrwebEvent[]): Timeline {
  return { dom, other: [], startTime: S, durationMs: END, viewport: { width: 1000, height: 700 }, firstSnapshotMs: 1, unreadable: 0 };
}

/** A controller wired as the session page wires it: range loading from `initialMs`, a fake replayer. */
async function open(opts: { initialMs?: number; live?: boolean; everything?: boolean } = {}) {
  const initialMs = opts.initialMs ?? 0;
  const sched = new ManualScheduler();
  const written: number[] = [];
  const c = new PlaybackController({ initialMs, writeTime: (ms) => written.push(ms), scheduler: sched });
  const srv = server(session());
  const toDom = (evs: ReplayEvent[]) => evs.map((e) => e.data as RrwebEvent).sort((a, b) => a.timestamp - b.timestamp);
  const loader = new SessionLoader(index(), srv.fetchRange, (evs) => c.addEvents(toDom(evs), 'loaded'), {
    window: { maxBytes: 500, maxSpanMs: END },
    startAfterMs: 5000,
    seekAfterMs: 5000,
  });
  // As the session page: a deep link's moment, else a live session's newest events, else the start.
  const first = toDom(await loader.start(initialMs > 0 || !opts.live ? S + initialMs : S + END));
  const state = { complete: false };
  const configure = () =>
    c.configure({
      ensureLoaded: (ms) => (loader.isLoaded(S + ms) ? null : loader.ensure(S + ms)),
      complete: state.complete,
      live: opts.live ?? false,
    });
  configure();
  let replayer: FakeReplayer | null = null;
  c.attach(timelineOf(first), (events, settings) => {
    const r = new FakeReplayer(events, { ...settings });
    replayer = r;
    return { replayer: r as unknown as Replayer, flushScrolls: () => undefined, destroy: () => r.destroy() } satisfies MountedReplayer;
  });
  sched.nextFrame();
  const all = async () => {
    await loader.run();
    state.complete = loader.complete;
    configure();
  };
  if (opts.everything) await all();
  return { c, sched, srv, loader, written, r: replayer! as FakeReplayer, loadAll: all, s: (): PlayerState => c.getSnapshot() };
}

describe('PlaybackController', () => {
  it('opens at the start, ready one frame after the first frame is applied', async () => {
    const sched = new ManualScheduler();
    const c = new PlaybackController({ initialMs: 0, writeTime: () => undefined, scheduler: sched });
    let r: FakeReplayer | null = null;
    c.attach(timelineOf(session()), (events, settings) => {
      r = new FakeReplayer(events, { ...settings });
      return { replayer: r as unknown as Replayer, flushScrolls: () => undefined, destroy: () => r!.destroy() };
    });
    expect(c.getSnapshot()).toMatchObject({ ready: false, currentMs: 0, durationMs: END, viewport: { width: 1000, height: 700 } });
    sched.nextFrame();
    expect(c.getSnapshot().ready).toBe(true);
    // Offset 0 is the Meta; the page shown is the first snapshot's.
    expect(r!.page()).toBe(S + 1);
    c.dispose();
    expect(r!.destroyed).toBe(true);
    expect(c.getSnapshot()).toMatchObject({ ready: false, playing: false });
  });

  it('seek while loading: the frame stays until the window is in, and only the newest seek is shown', async () => {
    const { c, srv, r, s } = await open();
    expect(r.page()).toBe(S + 1);
    const jumps = r.jumps.length;
    srv.hold(true);
    c.seek(45_000);
    expect(s()).toMatchObject({ waiting: true, currentMs: 45_000, playing: false });
    c.seek(50_000);
    await settle();
    expect(s()).toMatchObject({ waiting: true, currentMs: 50_000 });
    expect(r.jumps.length, 'the old frame stays meanwhile').toBe(jumps);
    srv.hold(false);
    await settle();
    expect(s()).toMatchObject({ waiting: false, currentMs: 50_000, playing: false });
    expect(r.jumps.slice(jumps)).toEqual([{ at: S + 50_000, mode: 'pause' }]);
    expect(r.page(), 'rebuilt from the 30 s snapshot').toBe(S + 30_001);
    expect(r.events.some((e) => e.timestamp === S + 50_000)).toBe(true);
  });

  it('a seek while playing waits for its window, then plays on from there; playback stalls at the end of what is loaded and resumes', async () => {
    const { c, sched, srv, r, s, loader } = await open();
    c.togglePlay();
    expect(s()).toMatchObject({ playing: true });
    r.advance(2000);
    sched.nextFrame();
    // Offset 0 is the Meta: rrweb starts just past the first full snapshot.
    expect(s().currentMs).toBe(2002);
    srv.hold(true);
    c.seek(40_000);
    r.advance(500);
    sched.nextFrame();
    expect(s(), 'the clock does not run while the window loads').toMatchObject({ waiting: true, currentMs: 40_000, playing: true });
    srv.hold(false);
    await settle();
    expect(s()).toMatchObject({ waiting: false, playing: true });
    expect(r.jumps[r.jumps.length - 1]).toEqual({ at: S + 40_000, mode: 'play' });
    // The seek's window reaches 5 s past it: playback runs out of events there and waits.
    r.advance(10_000);
    expect(r.playing).toBe(false);
    expect(s()).toMatchObject({ playing: true, stalled: true, ended: false });
    const stalledMs = s().currentMs;
    sched.nextFrame();
    expect(s().currentMs).toBe(stalledMs);
    await loader.run();
    expect(s()).toMatchObject({ playing: true, stalled: false });
    expect(r.playing, 'playback went on once later events were in').toBe(true);
    expect(r.at).toBeGreaterThanOrEqual(S + 45_000);
  });

  it('end of session: playback stops at the end, and play starts over from the beginning', async () => {
    const { c, sched, r, s, written, loadAll } = await open();
    await loadAll();
    c.seek(55_000);
    c.togglePlay();
    r.advance(10_000);
    expect(s()).toMatchObject({ playing: false, ended: true, currentMs: END });
    expect(written[written.length - 1]).toBe(END);
    sched.nextFrame();
    expect(s().currentMs).toBe(END);
    c.togglePlay();
    expect(s()).toMatchObject({ playing: true, ended: false, currentMs: 0 });
    expect(r.jumps[r.jumps.length - 1]!.mode).toBe('play');
    expect(r.page()).toBe(S + 1);
  });

  it('end of session reached while the last windows load: playback waits, then ends once everything is in', async () => {
    const { c, r, s, loader } = await open();
    c.togglePlay();
    r.advance(END);
    expect(s()).toMatchObject({ playing: true, stalled: true });
    // The other windows arrive: playback goes on, and runs out again at the last event before
    // the loader reports every window in.
    await loader.run();
    r.advance(END);
    expect(s()).toMatchObject({ playing: true, stalled: true });
    c.configure({ complete: true, live: false });
    expect(s()).toMatchObject({ playing: false, stalled: false, ended: true, currentMs: END });
  });

  it('scrubbing back before the first snapshot shows the first snapshot, also when its window loads first', async () => {
    // Opened at 40 s: the replayer holds only what follows the 30 s snapshot.
    const { c, r, s } = await open({ initialMs: 40_000 });
    expect(s().currentMs).toBe(40_000);
    expect(r.page()).toBe(S + 30_001);
    c.seek(0);
    expect(s()).toMatchObject({ waiting: true, currentMs: 0 });
    await settle();
    expect(s()).toMatchObject({ waiting: false, currentMs: 0 });
    // The offset handed to rrweb is past the first full snapshot (the Meta before it is offset 0).
    expect(r.page()).toBe(S + 1);
    c.seek(35_000);
    c.seek(-5000);
    expect(s().currentMs).toBe(0);
    expect(r.page()).toBe(S + 1);
  });

  it('go live: a live session opens at its newest event and follows new ones until the user looks back', async () => {
    const { c, sched, r, s, loadAll, written } = await open({ live: true });
    expect(s()).toMatchObject({ following: true, currentMs: END, playing: false });
    expect(r.jumps[r.jumps.length - 1]).toEqual({ at: S + END + 1, mode: 'pause' });
    await loadAll();
    c.addEvents([change(S + END + 2000)]);
    expect(s().durationMs).toBe(END + 2000);
    sched.runTimers();
    expect(s()).toMatchObject({ following: true, currentMs: END + 2000 });
    expect(r.jumps[r.jumps.length - 1]).toEqual({ at: S + END + 2001, mode: 'pause' });
    // Looking back stops following; new events only grow the scrub bar.
    c.seek(10_000);
    sched.runTimers();
    c.addEvents([change(S + END + 3000)]);
    sched.runTimers();
    expect(s()).toMatchObject({ following: false, currentMs: 10_000, durationMs: END + 3000 });
    expect(written[written.length - 1]).toBe(10_000);
    c.goLive();
    expect(s()).toMatchObject({ following: true, currentMs: END + 3000 });
    // At the live edge, play means: follow what comes next.
    c.togglePlay();
    expect(s()).toMatchObject({ following: true, playing: false });
  });

  it('a live session opened at a moment the URL names stays there', async () => {
    const { s } = await open({ live: true, initialMs: 20_000 });
    expect(s()).toMatchObject({ following: false, currentMs: 20_000 });
  });

  it('live events that arrive before the replayer exists are replayed with the first window', async () => {
    const sched = new ManualScheduler();
    const c = new PlaybackController({ initialMs: 0, writeTime: () => undefined, scheduler: sched });
    c.addEvents([change(S + END + 500)]);
    let r: FakeReplayer | null = null;
    c.attach(timelineOf(session()), (events, settings) => {
      r = new FakeReplayer(events, { ...settings });
      return { replayer: r as unknown as Replayer, flushScrolls: () => undefined, destroy: () => undefined };
    });
    expect(r!.events[r!.events.length - 1]!.timestamp).toBe(S + END + 500);
    expect(c.getSnapshot().durationMs).toBe(END + 500);
  });

  it('speed and skipping apply to the replayer and to the next one', async () => {
    const { c, r, s } = await open();
    c.setSpeed(4);
    c.setSkipInactive(false);
    expect(r.config).toEqual({ speed: 4, skipInactive: false });
    expect(s()).toMatchObject({ speed: 4, skipInactive: false });
  });

  it('a replayer that cannot be built is an error, not a crash', () => {
    const c = new PlaybackController({ initialMs: 0, writeTime: () => undefined, scheduler: new ManualScheduler() });
    c.attach(timelineOf(session()), () => {
      throw new Error('bad snapshot');
    });
    expect(c.getSnapshot()).toMatchObject({ ready: false, error: 'The replay could not be started: bad snapshot' });
  });
});
