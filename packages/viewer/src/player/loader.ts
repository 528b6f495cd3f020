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

/** Reads the events with `from <= t <= to` (an infinite end is left open). */
export type FetchRange = (range: Range, signal: AbortSignal) => Promise<ReplayEvent[]>;

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

export class SessionLoader {
  private readonly coverage = new Coverage();
  private readonly windows: Range[];
  private readonly ctrl = new AbortController();
  private readonly inflight = new Set<{ range: Range; done: Promise<void> }>();
  /** Where the user is: background windows continue from here. */
  private focus: number;
  private received = 0;
  private running = false;
  /** Seeks waiting for their window: the background holds back (it would compete for the server and the main thread). */
  private urgent = 0;
  private calm: Promise<void> = Promise.resolve();
  private calmDone: () => void = () => undefined;
  /** The newest seek target, and the request pass loading for a seek. */
  private wanted: number | null = null;
  private seeking: Promise<void> | null = null;

  constructor(
    private readonly index: SessionTimeline,
    private readonly fetchRange: FetchRange,
    private readonly onEvents: (events: ReplayEvent[], received: number) => void,
    private readonly opts: LoaderOptions = DEFAULT_LOADER_OPTIONS,
  ) {
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
    return this.fetch(firstWindow(this.index, t, this.opts), false);
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
    if (this.urgent++ === 0) this.calm = new Promise((r) => (this.calmDone = r));
    try {
      while (!this.isLoaded(t) && this.wanted === t) {
        this.seeking ??= this.load(t).finally(() => (this.seeking = null));
        await this.seeking;
      }
    } finally {
      if (--this.urgent === 0) this.calmDone();
    }
  }

  /** One pass at what `t` lacks: requests for the missing parts, or a wait for requests already covering them. */
  private async load(t: number): Promise<void> {
    const need = neededFor(this.index, t);
    const busy = [...this.inflight].filter((f) => f.range.from <= need.to && need.from <= f.range.to);
    const missing = this.coverage.gaps(need).filter((g) => !busy.some((f) => f.range.from <= g.from && g.to <= f.range.to));
    if (missing.length === 0) {
      await Promise.allSettled(busy.map((f) => f.done));
      return;
    }
    await Promise.all(
      missing.map((g) => this.fetch(g.to >= t ? { from: g.from, to: Math.max(g.to, t + this.opts.seekAfterMs) } : g, true)),
    );
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
      while (this.urgent > 0) await this.calm;
      const gap = this.nextGap();
      if (!gap) return;
      await this.fetch(gap, true);
    }
  }

  stop(): void {
    this.ctrl.abort();
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

  private async fetch(range: Range, deliver: boolean): Promise<ReplayEvent[]> {
    let settle!: () => void;
    const entry = { range, done: new Promise<void>((r) => (settle = r)) };
    this.inflight.add(entry);
    try {
      const events = await this.fetchRange(range, this.ctrl.signal);
      // Anything already covered arrived with an earlier response.
      const fresh = events.filter((e) => !this.coverage.has(e.t));
      this.coverage.add(range);
      this.received += fresh.length;
      if (deliver && fresh.length > 0) this.onEvents(fresh, this.received);
      return fresh;
    } finally {
      this.inflight.delete(entry);
      settle();
    }
  }
}
