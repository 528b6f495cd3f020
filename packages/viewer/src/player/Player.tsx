/**
 * Mounts an rrweb Replayer for one session and drives it from React state.
 *
 * Safety: rrweb builds its own iframe sandboxed with only `allow-same-origin` (no
 * `allow-scripts`) as long as UNSAFE_replayCanvas stays false, so recorded scripts never run.
 * Canvas frames are drawn by the viewer instead (replay-hygiene.ts).
 * React never renders children into the mount node; rrweb owns everything inside it.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Replayer } from '@rrweb/replay';
import { Controls, type Speed } from './Controls';
import type { Marker } from '../devtools/markers';
import { copyText } from './clipboard';
import { readStartMs, urlAt, writeStartMs } from './deepLink';
import { feedReplayer } from './feed';
import { copyMutationsOnApply } from './mutationCopies';
import { loadRrweb, type ReplayModule } from './rrweb';
import { attachReplayHygiene } from './replay-hygiene';
import { useReplayClock } from './replayClock';
import { deferSeekScrolls, type SeekScrolls } from './seekScrolls';
import type { RrwebEvent, Timeline } from './timeline';
import { useLoadedSeek, type EnsureLoaded } from './useLoadedSeek';

interface PlayerProps {
  /** Null while the events are still loading; may hold only the first window (see ensureLoaded). */
  timeline: Timeline | null;
  /** The session's length, shown on the clock before the first window is in. */
  durationHintMs?: number | null;
  /**
   * Range loading: null when the moment (an offset) can be shown with what the player has,
   * else a promise that resolves once its window has been handed over through `addEvents`.
   */
  ensureLoaded?: EnsureLoaded;
  /** Every window is loaded (playback reaching the end of the loaded events then really ended). */
  complete?: boolean;
  /** The first frame is on screen. */
  onReady?: () => void;
  /** Loading or parsing failed; shown instead of the replay. */
  error: string | null;
  /** Events received so far, for the loading message. */
  loadedCount: number;
  /** Called whenever the displayed playhead moves (every frame while playing). */
  onTimeChange?: (ms: number) => void;
  /** Filled with the player's imperative API once it exists, for panels beside it. */
  apiRef?: { current: PlayerApi | null };
  /** Moments drawn on the scrub bar. */
  markers?: Marker[];
  /** Offsets the previous/next error buttons jump between, sorted ascending. */
  errorMoments?: number[];
  /** The session is still recording: new events arrive through `PlayerApi.addEvents`. */
  live?: boolean;
  /** The session was live while open here and has since stopped recording. */
  liveEnded?: boolean;
}

/** What the devtools panel may do with the player. */
export interface PlayerApi {
  /** Jumps to `offsetMs` (clamped) and pauses there. */
  seek(offsetMs: number): void;
  /**
   * Appends rrweb events. `live` ones arrived over the stream: the scrubber grows and, at the live
   * edge, playback follows. `loaded` ones are a window of range loading, anywhere in the session.
   */
  addEvents(events: RrwebEvent[], source?: 'live' | 'loaded'): void;
}

interface Size {
  width: number;
  height: number;
}

/** How long scrubbing must pause before `?t=` is rewritten (browsers throttle replaceState). */
const URL_WRITE_DELAY_MS = 250;

function isSize(v: unknown): v is Size {
  const s = v as Partial<Size> | null;
  return !!s && typeof s.width === 'number' && typeof s.height === 'number' && s.width > 0 && s.height > 0;
}

export function Player(props: PlayerProps) {
  const { timeline, error, loadedCount, onTimeChange, apiRef, markers, errorMoments, live = false, liveEnded = false } = props;
  const stageRef = useRef<HTMLDivElement>(null);
  const mountRef = useRef<HTMLDivElement>(null);
  const replayerRef = useRef<Replayer | null>(null);
  const scrollsRef = useRef<SeekScrolls | null>(null);

  // Read once: later `t` rewrites come from this player and must not re-seek it.
  const [initialMs] = useState(readStartMs);
  const [sessionPath] = useState(() => window.location.pathname);

  const [ready, setReady] = useState(false);
  const [mountError, setMountError] = useState<string | null>(null);
  // Loaded from mount on, alongside the session's events.
  const [rrweb, setRrweb] = useState<ReplayModule | null>(null);
  useEffect(() => {
    let mounted = true;
    loadRrweb().then(
      (m) => mounted && setRrweb(m),
      (err: unknown) => mounted && setMountError(`The replayer could not be loaded: ${err instanceof Error ? err.message : String(err)}`),
    );
    return () => {
      mounted = false;
    };
  }, []);
  const [playing, setPlaying] = useState(false);
  const [currentMs, setCurrentMs] = useState(0);
  const [durationMs, setDurationMs] = useState(0);
  const [speed, setSpeed] = useState<Speed>(1);
  // On by default, as in other replay tools: idle gaps are what engineers skip first.
  const [skipInactive, setSkipInactive] = useState(true);
  const [viewport, setViewport] = useState<Size>({ width: 1280, height: 800 });
  const [stage, setStage] = useState<Size>({ width: 0, height: 0 });
  // Live sessions: whether the view follows the newest events (the "live edge").
  const [following, setFollowing] = useState(false);
  const followingRef = useRef(false);
  followingRef.current = following;
  const durationRef = useRef(0);
  const playingRef = useRef(false);
  playingRef.current = playing;
  const completeRef = useRef(props.complete ?? true);
  completeRef.current = props.complete ?? true;
  const { startTime: startTimeRef, reset: resetClock, noteSnapshots, fromRrweb, goTo } = useReplayClock(scrollsRef);
  const { whenLoaded, cancel: cancelSeek, waiting, waitingRef } = useLoadedSeek(replayerRef, props.ensureLoaded);
  /** Playback ran out of loaded events at this offset; it resumes when the next window arrives. */
  const stalledAt = useRef<number | null>(null);
  /** Live events that arrived before the replayer existed; it is created with them. */
  const queued = useRef<RrwebEvent[]>([]);
  const followTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(followTimer.current), []);

  // Settings live in a ref too so a (re)created replayer starts with the current choice.
  const settings = useRef({ speed, skipInactive });
  settings.current = { speed, skipInactive };

  const urlTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const rememberTime = useCallback(
    (ms: number, delay = 0) => {
      clearTimeout(urlTimer.current);
      const write = () => {
        // Never rewrite the URL of a page the user has navigated to since.
        if (window.location.pathname === sessionPath) writeStartMs(ms);
      };
      if (delay === 0) write();
      else urlTimer.current = setTimeout(write, delay);
    },
    [sessionPath],
  );
  useEffect(() => () => clearTimeout(urlTimer.current), []);

  // Create the replayer once the events are here, and render the frame at `?t=`.
  useEffect(() => {
    const root = mountRef.current;
    if (!timeline || !root || !rrweb) return;
    let replayer: Replayer;
    const initial = queued.current.length > 0 ? [...timeline.dom, ...queued.current].sort((a, b) => a.timestamp - b.timestamp) : timeline.dom;
    queued.current = [];
    try {
      replayer = new rrweb.Replayer(initial, {
        root,
        UNSAFE_replayCanvas: false,
        triggerFocus: false,
        mouseTail: true,
        showWarning: false,
        // Seeking applies the events since the last snapshot at once; rrweb's virtual DOM for that
        // copies and diffs the whole page on every seek. Without it, and with the seek's scrolls
        // applied once (seekScrolls.ts), seeks on the 1500-node page of bench/replay.ts were
        // several times faster.
        useVirtualDom: false,
        speed: settings.current.speed,
        skipInactive: settings.current.skipInactive,
      });
    } catch (err) {
      setMountError(`The replay could not be started: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    replayerRef.current = replayer;
    copyMutationsOnApply(replayer);
    // Canvas frames and placeholders for unrecorded frames, drawn without scripts in the sandbox.
    const detachHygiene = attachReplayHygiene(replayer);
    scrollsRef.current = deferSeekScrolls(replayer);
    window.__repriseReplayer = replayer;

    // The session's length, not rrweb's: with range loading the replayer holds only part of it.
    const total = Math.max(timeline.durationMs, replayer.getMetaData().endTime - timeline.startTime);
    durationRef.current = total;
    resetClock(timeline.startTime, initial);
    setDurationMs(total);
    setViewport(timeline.viewport);
    replayer.on('resize', (dim) => {
      if (isSize(dim)) setViewport({ width: dim.width, height: dim.height });
    });
    replayer.on('finish', () => {
      // A seek while paused can cast the last loaded event too: only the end of playback counts.
      if (!playingRef.current) return;
      if (!completeRef.current) {
        // Out of loaded events before the end: wait for the next window (addEvents resumes).
        stalledAt.current = fromRrweb(replayer);
        return;
      }
      const end = durationRef.current;
      setPlaying(false);
      setCurrentMs(end);
      // At the live edge the URL would only churn; it names no moment worth sharing.
      if (!followingRef.current) rememberTime(end);
    });

    const start = Math.min(initialMs, total);
    setCurrentMs(start);
    // The loader's first window holds the start; should it not, show the snapshot held until it does.
    if (!whenLoaded(start, (r) => goTo(r, start, 'pause'))) goTo(replayer, start, 'pause');
    // pause(offset) applies every event up to `start` synchronously; one frame later the
    // iframe has laid out, which is what "ready" promises to tests and users.
    const raf = requestAnimationFrame(() => setReady(true));

    return () => {
      cancelAnimationFrame(raf);
      replayerRef.current = null;
      if (window.__repriseReplayer === replayer) delete window.__repriseReplayer;
      detachHygiene();
      replayer.destroy();
      setReady(false);
      setPlaying(false);
    };
  }, [timeline, rrweb, initialMs, rememberTime, goTo, fromRrweb, resetClock, whenLoaded]);

  // Advance the clock and scrubber while playing.
  useEffect(() => {
    if (!playing) return;
    let id = 0;
    const tick = () => {
      const r = replayerRef.current;
      // While a window loads (or playback waits for one) rrweb's clock is not the playhead.
      if (r && stalledAt.current === null && !waitingRef.current) setCurrentMs(Math.min(fromRrweb(r), durationRef.current));
      id = requestAnimationFrame(tick);
    };
    id = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(id);
  }, [playing, durationMs, fromRrweb]);

  // Playback that ran out of loaded events and got none after them once all are in has ended.
  useEffect(() => {
    if (!props.complete || stalledAt.current === null) return;
    stalledAt.current = null;
    const end = durationRef.current;
    setPlaying(false);
    setCurrentMs(end);
    if (!followingRef.current) rememberTime(end);
  }, [props.complete, rememberTime]);

  // Track the stage size so the recorded viewport can be scaled to fit it.
  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      setStage({ width: entry.contentRect.width, height: entry.contentRect.height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const autoLiveDone = useRef(false);

  const togglePlay = useCallback(() => {
    const r = replayerRef.current;
    if (!r || !ready) return;
    autoLiveDone.current = true;
    if (playing) {
      const t = stalledAt.current ?? Math.min(fromRrweb(r), durationMs);
      r.pause();
      stalledAt.current = null;
      cancelSeek();
      setCurrentMs(t);
      setPlaying(false);
      setFollowing(false);
      rememberTime(t);
    } else if (live && currentMs >= durationMs) {
      // At the end of a live session "play" means: follow what comes next.
      setFollowing(true);
    } else {
      // rrweb's play() defaults to offset 0, so always pass where we are; restart at the end.
      const from = currentMs >= durationMs ? 0 : currentMs;
      setCurrentMs(from);
      setPlaying(true);
      whenLoaded(from, (rr) => goTo(rr, from, 'play'));
    }
  }, [ready, playing, currentMs, durationMs, live, rememberTime, fromRrweb, goTo, whenLoaded, cancelSeek]);

  const seek = useCallback(
    (ms: number) => {
      const r = replayerRef.current;
      if (!r) return;
      autoLiveDone.current = true;
      const t = Math.max(0, Math.min(ms, durationMs));
      stalledAt.current = null;
      whenLoaded(t, (rr) => goTo(rr, t, playingRef.current ? 'play' : 'pause'));
      setCurrentMs(t);
      setFollowing(false);
      rememberTime(t, URL_WRITE_DELAY_MS);
    },
    [durationMs, rememberTime, goTo, whenLoaded],
  );

  /** Seek and pause: used by panel entries and markers, which name one moment to inspect. */
  const seekAndPause = useCallback(
    (ms: number) => {
      const r = replayerRef.current;
      if (!r || !ready) return;
      autoLiveDone.current = true;
      const t = Math.max(0, Math.min(ms, durationMs));
      stalledAt.current = null;
      if (playingRef.current) r.pause();
      whenLoaded(t, (rr) => goTo(rr, t, 'pause'));
      setPlaying(false);
      setCurrentMs(t);
      setFollowing(false);
      rememberTime(t);
    },
    [ready, durationMs, rememberTime, goTo, whenLoaded],
  );

  /** Jumps to the newest event and keeps following new ones. */
  const goLive = useCallback(() => {
    const r = replayerRef.current;
    if (!r || !ready) return;
    const end = durationRef.current;
    stalledAt.current = null;
    // rrweb applies events strictly before the offset: +1 ms includes the newest one.
    whenLoaded(end, (rr) => goTo(rr, end, 'pause', 1));
    setPlaying(false);
    setCurrentMs(end);
    setFollowing(true);
  }, [ready, goTo, whenLoaded]);

  const addEvents = useCallback((events: RrwebEvent[], source: 'live' | 'loaded' = 'live') => {
    if (events.length === 0) return;
    const r = replayerRef.current;
    if (!r) {
      queued.current.push(...events);
      return;
    }
    if (source === 'loaded') {
      feedReplayer(r, events, playingRef.current && stalledAt.current === null);
      noteSnapshots(events);
      // Playback that ran out of loaded events goes on once later ones are in.
      const at = stalledAt.current;
      if (at !== null && events[events.length - 1].timestamp > startTimeRef.current + at) {
        stalledAt.current = null;
        if (playingRef.current) goTo(r, at, 'play');
      }
      return;
    }
    let last = 0;
    for (const e of events) {
      r.addEvent(e);
      if (e.timestamp > last) last = e.timestamp;
    }
    // addEvent applies an event older than the playhead at once (later, in a microtask): a scroll
    // among those is held by deferSeekScrolls until a flush.
    setTimeout(() => scrollsRef.current?.flush(), 0);
    const total = Math.max(durationRef.current, last - startTimeRef.current);
    durationRef.current = total;
    setDurationMs(total);
    if (!followingRef.current) return;
    // At the live edge, show the newest state at once: playing from the old position would
    // replay the idle gap before the new event in real time, adding seconds of latency.
    // addEvent hands events to rrweb's state machine asynchronously: jump once they are in.
    clearTimeout(followTimer.current);
    followTimer.current = setTimeout(() => {
      if (replayerRef.current !== r || !followingRef.current) return;
      // rrweb applies events strictly before the offset: +1 ms includes the newest one.
      goTo(r, total, 'pause', 1);
      setPlaying(false);
      setCurrentMs(total);
    }, 0);
  }, [noteSnapshots, goTo]);

  // A live session opens at its live edge unless the URL names a moment (`?t=`)
  // or the user already moved the playhead (the session's `live` flag can arrive after ready).
  useEffect(() => {
    if (!live || !ready || autoLiveDone.current) return;
    autoLiveDone.current = true;
    if (initialMs === 0) goLive();
  }, [live, ready, initialMs, goLive]);

  useEffect(() => {
    if (!apiRef) return;
    apiRef.current = { seek: seekAndPause, addEvents };
    return () => {
      apiRef.current = null;
    };
  }, [apiRef, seekAndPause, addEvents]);

  useEffect(() => {
    onTimeChange?.(currentMs);
  }, [onTimeChange, currentMs]);

  const onReady = props.onReady;
  useEffect(() => {
    if (ready) onReady?.();
  }, [ready, onReady]);

  const changeSpeed = useCallback((s: Speed) => {
    setSpeed(s);
    replayerRef.current?.setConfig({ speed: s });
  }, []);

  const changeSkip = useCallback((skip: boolean) => {
    setSkipInactive(skip);
    replayerRef.current?.setConfig({ skipInactive: skip });
  }, []);

  const copyLink = useCallback(() => copyText(urlAt(currentMs)), [currentMs]);

  // Space toggles playback unless the user is typing or a focused control handles it.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' || e.repeat) return;
      const t = e.target;
      if (t instanceof HTMLElement && t.closest('input, textarea, select, button, [contenteditable]')) return;
      e.preventDefault();
      togglePlay();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [togglePlay]);

  const failure = error ?? mountError;
  const state = failure ? 'error' : ready ? 'ready' : 'loading';
  const scale =
    stage.width > 0 && stage.height > 0
      ? Math.min(1, stage.width / viewport.width, stage.height / viewport.height)
      : 1;
  const x = Math.max(0, (stage.width - viewport.width * scale) / 2);
  const y = Math.max(0, (stage.height - viewport.height * scale) / 2);

  return (
    <section className="player">
      <div className="stage" ref={stageRef} data-testid="player" data-state={state} data-waiting={waiting ? 'true' : undefined}>
        <div
          ref={mountRef}
          className="replay-mount"
          style={{
            width: viewport.width,
            height: viewport.height,
            transform: `translate(${x}px, ${y}px) scale(${scale})`,
          }}
        />
        {state === 'loading' && (
          <div className="overlay muted">
            {timeline ? 'Rendering…' : `Loading events…${loadedCount > 0 ? ` (${loadedCount})` : ''}`}
          </div>
        )}
        {failure && (
          <div className="overlay error" role="alert">
            {failure}
          </div>
        )}
        {waiting && !failure && <div className="loading-window muted">Loading…</div>}
      </div>
      <Controls
        enabled={state === 'ready'}
        playing={playing}
        currentMs={currentMs}
        durationMs={ready ? durationMs : (props.durationHintMs ?? durationMs)}
        speed={speed}
        skipInactive={skipInactive}
        onTogglePlay={togglePlay}
        onSeek={seek}
        onSpeed={changeSpeed}
        onSkipInactive={changeSkip}
        onCopyLink={copyLink}
        markers={markers ?? []}
        errorMoments={errorMoments ?? []}
        onSeekAndPause={seekAndPause}
        live={live}
        liveEnded={liveEnded}
        following={following}
        onGoLive={goLive}
      />
    </section>
  );
}
