/**
 * The replay of one session: the stage rrweb draws into and the transport controls. Playback
 * itself (the Replayer, loaded windows, clock, states) is the controller's (controller.ts); this
 * component feeds it the props and renders its state.
 * React never renders children into the mount node; rrweb owns everything inside it.
 */
import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { Controls } from './Controls';
import type { Marker } from '../devtools/markers';
import { copyText } from './clipboard';
import { PlaybackController, type Size } from './controller';
import { momentWriter, readStartMs, urlAt } from './deepLink';
import type { EnsureLoaded } from './loadedSeek';
import { browserReplayer } from './mount';
import { loadRrweb, type ReplayModule } from './rrweb';
import type { RrwebEvent, Timeline } from './timeline';

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
  /** Where the replay opens (offset ms); the URL's `?t=` by default. */
  initialMs?: number;
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

export function Player(props: PlayerProps) {
  const { timeline, error, loadedCount, markers, errorMoments, live = false, liveEnded = false } = props;
  const stageRef = useRef<HTMLDivElement>(null);
  const mountRef = useRef<HTMLDivElement>(null);
  const { controller, s } = usePlayback(props, mountRef);
  const stage = useSize(stageRef);

  const failure = error ?? s.error;
  const state = failure ? 'error' : s.ready ? 'ready' : 'loading';
  const { viewport } = s;
  const scale = stage.width > 0 && stage.height > 0 ? Math.min(1, stage.width / viewport.width, stage.height / viewport.height) : 1;
  const x = Math.max(0, (stage.width - viewport.width * scale) / 2);
  const y = Math.max(0, (stage.height - viewport.height * scale) / 2);

  return (
    <section className="player">
      <div className="stage" ref={stageRef} data-testid="player" data-state={state} data-waiting={s.waiting ? 'true' : undefined}>
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
          <div className="overlay muted">{timeline ? 'Rendering…' : `Loading events…${loadedCount > 0 ? ` (${loadedCount})` : ''}`}</div>
        )}
        {failure && (
          <div className="overlay error" role="alert">
            {failure}
          </div>
        )}
        {s.waiting && !failure && <div className="loading-window muted">Loading…</div>}
      </div>
      <Controls
        enabled={state === 'ready'}
        playing={s.playing}
        currentMs={s.currentMs}
        durationMs={s.ready ? s.durationMs : (props.durationHintMs ?? s.durationMs)}
        speed={s.speed}
        skipInactive={s.skipInactive}
        onTogglePlay={controller.togglePlay}
        onSeek={controller.seek}
        onSpeed={controller.setSpeed}
        onSkipInactive={controller.setSkipInactive}
        onCopyLink={() => copyText(urlAt(s.currentMs))}
        markers={markers ?? []}
        errorMoments={errorMoments ?? []}
        onSeekAndPause={controller.seekAndPause}
        live={live}
        liveEnded={liveEnded}
        following={s.following}
        onGoLive={controller.goLive}
      />
    </section>
  );
}

/** The session's playback controller, fed the props; its state, re-rendered on every change. */
function usePlayback(props: PlayerProps, mountRef: { current: HTMLDivElement | null }) {
  const { timeline, ensureLoaded, complete = true, live = false, apiRef, onTimeChange, onReady } = props;
  const [controller] = useState(() => new PlaybackController({ initialMs: props.initialMs ?? readStartMs(), writeTime: momentWriter() }));
  const s = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const rrweb = useRrweb(controller);

  useEffect(() => controller.configure({ ensureLoaded, complete, live }), [controller, ensureLoaded, complete, live]);
  useEffect(() => () => controller.dispose(), [controller]);

  // Create the replayer once the events are here, and render the frame at `?t=`.
  useEffect(() => {
    const root = mountRef.current;
    if (!timeline || !root || !rrweb) return;
    controller.attach(timeline, browserReplayer(rrweb, root));
    return () => controller.detach();
  }, [controller, timeline, rrweb, mountRef]);

  useEffect(() => {
    if (!apiRef) return;
    apiRef.current = { seek: controller.seekAndPause, addEvents: controller.addEvents };
    return () => {
      apiRef.current = null;
    };
  }, [apiRef, controller]);

  useEffect(() => {
    onTimeChange?.(s.currentMs);
  }, [onTimeChange, s.currentMs]);

  useEffect(() => {
    if (s.ready) onReady?.();
  }, [s.ready, onReady]);

  useSpaceToggles(controller.togglePlay);
  return { controller, s };
}

/** rrweb's module, loaded from mount on, alongside the session's events. */
function useRrweb(controller: PlaybackController): ReplayModule | null {
  const [rrweb, setRrweb] = useState<ReplayModule | null>(null);
  useEffect(() => {
    let mounted = true;
    loadRrweb().then(
      (m) => mounted && setRrweb(m),
      (err: unknown) => mounted && controller.fail(`The replayer could not be loaded: ${err instanceof Error ? err.message : String(err)}`),
    );
    return () => {
      mounted = false;
    };
  }, [controller]);
  return rrweb;
}

/** The element's size, so the recorded viewport can be scaled to fit it. */
function useSize(ref: { current: HTMLElement | null }): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      setSize({ width: entry.contentRect.width, height: entry.contentRect.height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

/** Space toggles playback unless the user is typing or a focused control handles it. */
function useSpaceToggles(toggle: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ' ' || e.repeat) return;
      const t = e.target;
      if (t instanceof HTMLElement && t.closest('input, textarea, select, button, [contenteditable]')) return;
      e.preventDefault();
      toggle();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggle]);
}
