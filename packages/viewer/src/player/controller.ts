/**
 * Playback of one session, without React: owns rrweb's Replayer (made by an injected factory,
 * mount.ts in the browser), the events handed to it window by window, the clock against rrweb's
 * (replayClock.ts) and the player's states: playing, paused, following a live session, waiting
 * for a window, stalled at the end of what is loaded, ended. The Player component subscribes
 * (`useSyncExternalStore`) and renders `getSnapshot()`.
 *
 * The data source is injected too: `ensureLoaded` (range loading) says when a moment can be
 * shown, `addEvents` hands over windows and live events, `complete` says every window is in.
 */
import type { Replayer } from '@rrweb/replay';
import type { SketchPoint } from '@reprise/protocol';
import type { Speed } from './Controls';
import { feedReplayer } from './feed';
import { LoadedSeek, type EnsureLoaded } from './loadedSeek';
import type { MountedReplayer, ReplayerFactory } from './mount';
import type { PickedElement } from './pickElement';
import { ReplayClock } from './replayClock';
import { browserScheduler, type Scheduler } from './scheduler';
import type { RrwebEvent, Timeline } from './timeline';

export interface Size {
  width: number;
  height: number;
}

/** What the player shows; a new object on every change. */
export interface PlayerState {
  /** The first frame is on screen: the controls work. */
  ready: boolean;
  playing: boolean;
  /** The playhead (ms from the session's start). */
  currentMs: number;
  durationMs: number;
  speed: Speed;
  skipInactive: boolean;
  /** The recorded page's viewport, which the replay is scaled from. */
  viewport: Size;
  /** Live sessions: the view is at the newest events and follows new ones. */
  following: boolean;
  /** A seek waits for its window; the previous frame stays meanwhile. */
  waiting: boolean;
  /** Playback ran out of loaded events before the end and goes on when the next window arrives. */
  stalled: boolean;
  /** Playback reached the end of the session. */
  ended: boolean;
  /** The replayer could not be loaded or started. */
  error: string | null;
}

export interface ControllerOptions {
  /** The moment the URL names (`?t=`), read once: later rewrites come from this player. */
  initialMs: number;
  /** Records the moment on screen as the shareable one (the URL's `?t=`). */
  writeTime(ms: number): void;
  scheduler?: Scheduler;
}

/** How long scrubbing must pause before `?t=` is rewritten (browsers throttle replaceState). */
const URL_WRITE_DELAY_MS = 250;

const INITIAL: PlayerState = {
  ready: false,
  playing: false,
  currentMs: 0,
  durationMs: 0,
  speed: 1,
  // On by default, as in other replay tools: idle gaps are what engineers skip first.
  skipInactive: true,
  viewport: { width: 1280, height: 800 },
  following: false,
  waiting: false,
  stalled: false,
  ended: false,
  error: null,
};

const noop = (): void => undefined;

function isSize(v: unknown): v is Size {
  const s = v as Partial<Size> | null;
  return !!s && typeof s.width === 'number' && typeof s.height === 'number' && s.width > 0 && s.height > 0;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PlaybackController {
  private state: PlayerState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private readonly sched: Scheduler;
  private readonly clock = new ReplayClock();
  private readonly seeks: LoadedSeek<Replayer>;
  private mounted: MountedReplayer | null = null;
  /** Playback ran out of loaded events at this offset; it resumes when the next window arrives. */
  private stalledAt: number | null = null;
  /** Events that arrived before the replayer existed; it is created with them. */
  private queued: RrwebEvent[] = [];
  private complete = true;
  private live = false;
  /** A live session opens at its live edge once, unless the user moved the playhead first. */
  private autoLiveDone = false;
  private cancelTick = noop;
  private cancelReady = noop;
  private cancelFollow = noop;
  private cancelUrl = noop;

  constructor(private readonly opts: ControllerOptions) {
    this.sched = opts.scheduler ?? browserScheduler;
    this.seeks = new LoadedSeek(
      () => this.mounted?.replayer ?? null,
      (waiting) => this.set({ waiting }),
    );
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): PlayerState => this.state;

  /** The data source and the session's liveness; call again whenever one changes. */
  configure(source: { ensureLoaded?: EnsureLoaded; complete: boolean; live: boolean }): void {
    this.seeks.ensure = source.ensureLoaded;
    this.complete = source.complete;
    this.live = source.live;
    // Playback that ran out of loaded events and got none after them once all are in has ended.
    if (this.complete && this.stalledAt !== null) {
      this.stalledAt = null;
      this.end();
    }
    this.autoLive();
  }

  /** The replayer could not be loaded. */
  fail(error: string): void {
    this.set({ error });
  }

  /** Creates the replayer for the first window's `timeline` and shows the frame at `?t=`. */
  attach(timeline: Timeline, create: ReplayerFactory): void {
    const initial = this.queued.length > 0 ? [...timeline.dom, ...this.queued].sort((a, b) => a.timestamp - b.timestamp) : timeline.dom;
    this.queued = [];
    let mounted: MountedReplayer;
    try {
      mounted = create(initial, { speed: this.state.speed, skipInactive: this.state.skipInactive });
    } catch (err) {
      this.set({ error: `The replay could not be started: ${message(err)}` });
      return;
    }
    this.mounted = mounted;
    const r = mounted.replayer;
    // The session's length, not rrweb's: with range loading the replayer holds only part of it.
    const total = Math.max(timeline.durationMs, r.getMetaData().endTime - timeline.startTime);
    this.clock.reset(timeline.startTime, initial);
    r.on('resize', (dim) => {
      if (isSize(dim)) this.set({ viewport: { width: dim.width, height: dim.height } });
    });
    r.on('finish', () => this.finished(r));
    const start = Math.min(this.opts.initialMs, total);
    this.set({ durationMs: total, viewport: timeline.viewport, currentMs: start });
    // The first window holds the start; should it not, show the snapshot held until it does.
    if (!this.seeks.whenLoaded(start, (rr) => this.goTo(rr, start, 'pause'))) this.goTo(r, start, 'pause');
    // pause(offset) applies every event up to `start` synchronously; one frame later the
    // iframe has laid out, which is what "ready" promises to tests and users.
    this.cancelReady = this.sched.frame(() => {
      this.set({ ready: true });
      this.autoLive();
    });
  }

  /** Destroys the replayer (the component unmounts, or gets another session). */
  detach(): void {
    this.cancelReady();
    const m = this.mounted;
    if (!m) return;
    this.mounted = null;
    m.destroy();
    this.set({ ready: false, playing: false });
  }

  /** Stops every timer and the replayer; `attach` may start over. */
  dispose(): void {
    this.detach();
    this.cancelFollow();
    this.cancelUrl();
  }

  readonly togglePlay = (): void => {
    const r = this.replayer;
    if (!r || !this.state.ready) return;
    this.autoLiveDone = true;
    const { playing, currentMs, durationMs } = this.state;
    if (playing) {
      const t = this.stalledAt ?? Math.min(this.clock.fromRrweb(r), durationMs);
      r.pause();
      this.stalledAt = null;
      this.seeks.cancel();
      this.set({ currentMs: t, playing: false, following: false, stalled: false });
      this.rememberTime(t);
    } else if (this.live && currentMs >= durationMs) {
      // At the end of a live session "play" means: follow what comes next.
      this.set({ following: true });
    } else {
      // rrweb's play() defaults to offset 0, so always pass where we are; restart at the end.
      const from = currentMs >= durationMs ? 0 : currentMs;
      this.set({ currentMs: from, playing: true, ended: false });
      this.seeks.whenLoaded(from, (rr) => this.goTo(rr, from, 'play'));
    }
  };

  /** The scrub bar: shows `ms` (clamped), playing on from there if playing. */
  readonly seek = (ms: number): void => {
    if (!this.replayer) return;
    this.autoLiveDone = true;
    const t = this.clamp(ms);
    this.stalledAt = null;
    this.seeks.whenLoaded(t, (rr) => this.goTo(rr, t, this.state.playing ? 'play' : 'pause'));
    this.set({ currentMs: t, following: false, stalled: false, ended: false });
    this.rememberTime(t, URL_WRITE_DELAY_MS);
  };

  /** Seek and pause: used by panel entries and markers, which name one moment to inspect. */
  readonly seekAndPause = (ms: number): void => {
    const r = this.replayer;
    if (!r || !this.state.ready) return;
    this.autoLiveDone = true;
    const t = this.clamp(ms);
    this.stalledAt = null;
    if (this.state.playing) r.pause();
    this.seeks.whenLoaded(t, (rr) => this.goTo(rr, t, 'pause'));
    this.set({ playing: false, currentMs: t, following: false, stalled: false, ended: false });
    this.rememberTime(t);
  };

  /** Pauses where playback is (a comment pins the moment on screen); nothing when paused. */
  readonly pause = (): void => {
    if (this.state.playing) this.togglePlay();
  };

  /** ← and →: moves the playhead by `deltaMs` (clamped), playing on if playing. */
  readonly step = (deltaMs: number): void => {
    if (!this.state.ready) return;
    this.seek(this.state.currentMs + deltaMs);
  };

  /** The element under a page point of the frame on screen; null before the replay exists. */
  readonly elementAt = (p: SketchPoint): PickedElement | null => this.mounted?.elementAt?.(p) ?? null;

  /** An element's box in page coordinates at the moment on screen, by rrweb node id. */
  readonly elementBox = (nodeId: number): PickedElement['box'] | null => this.mounted?.elementBox?.(nodeId) ?? null;

  /** Jumps to the newest event and keeps following new ones. */
  readonly goLive = (): void => {
    if (!this.replayer || !this.state.ready) return;
    const end = this.state.durationMs;
    this.stalledAt = null;
    // rrweb applies events strictly before the offset: +1 ms includes the newest one.
    this.seeks.whenLoaded(end, (rr) => this.goTo(rr, end, 'pause', 1));
    this.set({ playing: false, currentMs: end, following: true, stalled: false, ended: false });
  };

  /**
   * Appends rrweb events (sorted). `live` ones arrived over the stream: the scrubber grows and, at
   * the live edge, playback follows. `loaded` ones are a window of range loading, anywhere in the session.
   */
  readonly addEvents = (events: RrwebEvent[], source: 'live' | 'loaded' = 'live'): void => {
    if (events.length === 0) return;
    const m = this.mounted;
    if (!m) this.queued.push(...events);
    else if (source === 'loaded') this.addLoaded(m.replayer, events);
    else this.addLive(m, events);
  };

  readonly setSpeed = (speed: Speed): void => {
    this.set({ speed });
    this.replayer?.setConfig({ speed });
  };

  readonly setSkipInactive = (skipInactive: boolean): void => {
    this.set({ skipInactive });
    this.replayer?.setConfig({ skipInactive });
  };

  private get replayer(): Replayer | null {
    return this.mounted?.replayer ?? null;
  }

  private clamp(ms: number): number {
    return Math.max(0, Math.min(ms, this.state.durationMs));
  }

  private goTo(r: Replayer, ms: number, mode: 'pause' | 'play', past = 0): void {
    this.clock.goTo(r, ms, mode, () => this.mounted?.flushScrolls(), past);
  }

  private addLoaded(r: Replayer, events: RrwebEvent[]): void {
    feedReplayer(r, events, this.state.playing && this.stalledAt === null);
    this.clock.noteSnapshots(events);
    // Playback that ran out of loaded events goes on once later ones are in.
    const at = this.stalledAt;
    if (at !== null && events[events.length - 1]!.timestamp > this.clock.startTime + at) {
      this.stalledAt = null;
      this.set({ stalled: false });
      if (this.state.playing) this.goTo(r, at, 'play');
    }
  }

  private addLive(m: MountedReplayer, events: RrwebEvent[]): void {
    const r = m.replayer;
    let last = 0;
    for (const e of events) {
      r.addEvent(e);
      if (e.timestamp > last) last = e.timestamp;
    }
    // addEvent applies an event older than the playhead at once (later, in a microtask): a scroll
    // among those is held by deferSeekScrolls until a flush.
    this.sched.later(() => this.mounted?.flushScrolls(), 0);
    const total = Math.max(this.state.durationMs, last - this.clock.startTime);
    this.set({ durationMs: total });
    if (!this.state.following) return;
    // At the live edge, show the newest state at once: playing from the old position would
    // replay the idle gap before the new event in real time, adding seconds of latency.
    // addEvent hands events to rrweb's state machine asynchronously: jump once they are in.
    this.cancelFollow();
    this.cancelFollow = this.sched.later(() => {
      if (this.mounted !== m || !this.state.following) return;
      // rrweb applies events strictly before the offset: +1 ms includes the newest one.
      this.goTo(r, total, 'pause', 1);
      this.set({ playing: false, currentMs: total });
    }, 0);
  }

  /** rrweb played its last event. */
  private finished(r: Replayer): void {
    // A seek while paused can cast the last loaded event too: only the end of playback counts.
    if (!this.state.playing) return;
    if (!this.complete) {
      // Out of loaded events before the end: wait for the next window (addEvents resumes).
      this.stalledAt = this.clock.fromRrweb(r);
      this.set({ stalled: true });
      return;
    }
    this.end();
  }

  private end(): void {
    const end = this.state.durationMs;
    this.set({ playing: false, currentMs: end, stalled: false, ended: true });
    // At the live edge the URL would only churn; it names no moment worth sharing.
    if (!this.state.following) this.rememberTime(end);
  }

  /** A live session opens at its live edge unless the URL names a moment or the user moved first. */
  private autoLive(): void {
    if (!this.live || !this.state.ready || this.autoLiveDone) return;
    this.autoLiveDone = true;
    if (this.opts.initialMs === 0) this.goLive();
  }

  private rememberTime(ms: number, delay = 0): void {
    this.cancelUrl();
    this.cancelUrl = noop;
    if (delay === 0) this.opts.writeTime(ms);
    else this.cancelUrl = this.sched.later(() => this.opts.writeTime(ms), delay);
  }

  /** Advances the playhead every frame while playing (not while waiting for data). */
  private readonly tick = (): void => {
    const r = this.replayer;
    if (r && this.stalledAt === null && !this.seeks.waiting)
      this.set({ currentMs: Math.min(this.clock.fromRrweb(r), this.state.durationMs) });
    this.cancelTick = this.sched.frame(this.tick);
  };

  private set(patch: Partial<PlayerState>): void {
    const prev = this.state;
    if ((Object.keys(patch) as (keyof PlayerState)[]).every((k) => Object.is(prev[k], patch[k]))) return;
    this.state = { ...prev, ...patch };
    if (this.state.playing !== prev.playing) {
      this.cancelTick();
      this.cancelTick = this.state.playing ? this.sched.frame(this.tick) : noop;
    }
    for (const l of this.listeners) l();
  }
}
