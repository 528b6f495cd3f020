/**
 * Loads a session's events in windows instead of all at once. `start` reads only the events
 * from the last full snapshot at or before the start position to a little after it (what the
 * first frame needs); `run` then streams every other window in time order, beginning at the
 * playhead, and `ensure` jumps the queue for a seek to a moment that is not loaded yet. Every
 * event is handed over exactly once (overlapping responses are de-duplicated by time coverage).
 */
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import { Coverage, type Range } from './coverage';
import { neededFor, planWindows, type WindowLimits } from './plan';

/**
 * Reads the events with `from <= t <= to` (an infinite end is left open), awaiting `pace` between
 * the parts of the response it parses: a background read holds there while a seek waits.
 */
export type FetchRange = (range: Range, signal: AbortSignal, pace: Pace) => Promise<ReplayEvent[]>;

/** Resolves when a read may go on. */
export type Pace = () => Promise<void>;

export interface LoaderOptions {
  /** Background windows. */
  window: WindowLimits;
  /** How far past the start position the first window reaches. */
  startAfterMs: number;
  /** How far past a seek target its window reaches, so playing on from there has data. */
  seekAfterMs: number;
}

/**
 * Background windows of ~256 KB stored (about 1.5 MB of JSON, tens of ms to parse) keep each
 * step short enough not to stall a seek that arrives meanwhile. The first window and a seek's
 * reach a little past their moment only: the background continues from there.
 */
export const DEFAULT_LOADER_OPTIONS: LoaderOptions = {
  window: { maxBytes: 256 * 1024, maxSpanMs: 5 * 60_000 },
  startAfterMs: 10_000,
  seekAfterMs: 5_000,
};

/** The events the first frame at `t` (epoch ms) needs: from its snapshot to a little after `t`. */
export function firstWindow(index: SessionTimeline, t: number, opts: LoaderOptions = DEFAULT_LOADER_OPTIONS): Range {
  const need = index.snapshots.length > 0 ? neededFor(index, t) : { from: -Infinity, to: Infinity };
  let to = Math.max(need.to, t + opts.startAfterMs);
  if (to >= index.endedAt) to = Infinity;
  return { from: need.from, to };
}

/** Background requests in flight: the server reads the next window while the page parses the last. */
const BACKGROUND_REQUESTS = 2;

interface Fetching {
  range: Range;
  done: Promise<void>;
  /** For a seek, or one a seek waits for: never held back. */
  urgent: boolean;
  /** Aborts a background read a seek does not need; it is read again later. */
  drop: AbortController;
}

export class SessionLoader {
  private readonly coverage = new Coverage();
  private readonly windows: Range[];
  private readonly ctrl = new AbortController();
  private readonly inflight = new Set<Fetching>();
  /** Where the user is: background windows continue from here. */
  private focus: number;
  private received = 0;
  private running = false;
  /**
   * Seeks waiting for their window. Meanwhile the background holds back, as it would compete for
   * the server and the main thread: its reads the seek does not need are dropped (and read again
   * later), no new one starts, and an answer already in is neither read on nor handed over until
   * the seek's frame is shown.
   */
  private urgent = 0;
  /** Resolves on the next change of `urgent` or of a request's urgency. */
  private changed: Promise<void>;
  private notify!: () => void;
  /** The newest seek target, and the request pass loading for a seek. */
  private wanted: number | null = null;
  private seeking: Promise<void> | null = null;

  constructor(
    private readonly index: SessionTimeline,
    private readonly fetchRange: FetchRange,
    private readonly onEvents: (events: ReplayEvent[], received: number) => void,
    private readonly opts: LoaderOptions = DEFAULT_LOADER_OPTIONS,
    /** Resolves once the frame a seek applied is shown (in the browser: after the next paint). */
    private readonly shown: () => Promise<void> = () => Promise.resolve(),
  ) {
    this.changed = this.nextChange();
    // A session without any snapshot row (stored before the index existed, or never replayable)
    // is read in one piece, as before range loading.
    this.windows = index.snapshots.length > 0 ? planWindows(index, opts.window) : [{ from: -Infinity, to: Infinity }];
    this.focus = index.startedAt;
  }

  /** Events received so far. */
  get receivedCount(): number {
    return this.received;
  }

  get complete(): boolean {
    return this.windows.every((w) => this.coverage.covers(w));
  }

  /**
   * The first window: from the snapshot the moment `t` (epoch ms) is rebuilt from, to a little
   * after `t`. Its events are returned, not handed to `onEvents`.
   */
  async start(t: number): Promise<ReplayEvent[]> {
    this.focus = t;
    return this.fetch(firstWindow(this.index, t, this.opts), false, true);
  }

  /** Whether the moment `t` can be shown now: its snapshot and every event since are loaded. */
  isLoaded(t: number): boolean {
    return this.index.snapshots.length === 0 || this.coverage.covers(neededFor(this.index, t));
  }

  /**
   * Resolves once the moment `t` can be shown (see isLoaded), loading what it needs first; or,
   * without loading it, once a later `ensure` supersedes it (a drag across unloaded time asks for
   * many moments: only the newest is fetched, one seek request at a time).
   */
  async ensure(t: number): Promise<void> {
    this.focus = t;
    if (this.isLoaded(t)) return;
    this.wanted = t;
    this.urgent++;
    try {
      while (!this.isLoaded(t) && this.wanted === t) {
        this.seeking ??= this.load(t).finally(() => (this.seeking = null));
        await this.seeking;
      }
    } finally {
      // The caller applies the seek when this resolves: the background waits until its frame is shown.
      if (--this.urgent === 0) void this.shown().then(() => this.notify());
    }
  }

  /**
   * One pass at what `t` lacks: requests for the missing parts, and a wait for requests already
   * covering the others (they are no longer held back).
   */
  private async load(t: number): Promise<void> {
    const gaps = this.coverage.gaps(neededFor(this.index, t));
    const holds = (f: Fetching, g: Range) => f.range.from <= g.from && g.to <= f.range.to;
    const busy = [...this.inflight].filter((f) => gaps.some((g) => holds(f, g)));
    const missing = gaps.filter((g) => !busy.some((f) => holds(f, g)));
    if (missing.length > 0) {
      // The server would answer them beside the seek's request, and it answers one at a time.
      for (const f of this.inflight) if (!f.urgent && !busy.includes(f)) f.drop.abort();
    }
    if (busy.some((f) => !f.urgent)) {
      for (const f of busy) f.urgent = true;
      this.notify();
    }
    await Promise.all([
      ...busy.map((f) => f.done),
      ...missing.map((g) => this.fetch(g.to >= t ? { from: g.from, to: Math.max(g.to, t + this.opts.seekAfterMs) } : g, true, true)),
    ]);
  }

  /** Streams every window not loaded yet, from the focus onwards (BACKGROUND_REQUESTS at a time). */
  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(Array.from({ length: BACKGROUND_REQUESTS }, () => this.stream()));
    } finally {
      this.running = false;
    }
  }

  private async stream(): Promise<void> {
    for (;;) {
      await this.clear(null);
      const gap = this.nextGap();
      if (!gap) return;
      await this.fetch(gap, true, false);
    }
  }

  stop(): void {
    this.ctrl.abort();
    this.notify();
  }

  /** Resolves once the background read `f` (null: a new one) may go on. */
  private async clear(f: Fetching | null): Promise<void> {
    while (this.urgent > 0 && !f?.urgent && !this.ctrl.signal.aborted) await this.changed;
  }

  private nextChange(): Promise<void> {
    return new Promise((resolve) => {
      this.notify = () => {
        this.changed = this.nextChange();
        resolve();
      };
    });
  }

  /**
   * The first missing part, not being fetched already, of the windows at or after the focus; else
   * of those before it.
   */
  private nextGap(): Range | null {
    const fetching = [...this.inflight].map((f) => f.range);
    const free = (g: Range) => !fetching.some((f) => f.from < g.to && g.from < f.to);
    const after = this.windows.filter((w) => w.to >= this.focus);
    const before = this.windows.filter((w) => w.to < this.focus);
    for (const w of [...after, ...before]) {
      const gap = this.coverage.gaps(w).find(free);
      if (gap) return gap;
    }
    return null;
  }

  private async fetch(range: Range, deliver: boolean, urgent: boolean): Promise<ReplayEvent[]> {
    let settle!: () => void;
    const entry: Fetching = { range, done: new Promise<void>((r) => (settle = r)), urgent, drop: new AbortController() };
    this.inflight.add(entry);
    // Stopping the loader drops every read (not AbortSignal.any: Safari before 17.4 lacks it).
    const stop = () => entry.drop.abort();
    this.ctrl.signal.addEventListener('abort', stop);
    if (this.ctrl.signal.aborted) stop();
    try {
      const pace = () => this.clear(entry);
      let events: ReplayEvent[];
      try {
        events = await this.fetchRange(range, entry.drop.signal, pace);
      } catch (err) {
        if (entry.drop.signal.aborted && !this.ctrl.signal.aborted) return [];
        throw err;
      }
      await pace();
      // A read held until the loader stopped hands nothing over (as an aborted request would not).
      this.ctrl.signal.throwIfAborted();
      // Anything already covered arrived with an earlier response (or while this one was held).
      const fresh = events.filter((e) => !this.coverage.has(e.t));
      this.coverage.add(range);
      this.received += fresh.length;
      if (deliver && fresh.length > 0) this.onEvents(fresh, this.received);
      return fresh;
    } finally {
      this.ctrl.signal.removeEventListener('abort', stop);
      this.inflight.delete(entry);
      settle();
    }
  }
}
