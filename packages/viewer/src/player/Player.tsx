/**
 * The replay of one session: the stage rrweb draws into and the transport controls. Playback
 * itself (the Replayer, loaded windows, clock, states) is the controller's (controller.ts); this
 * component feeds it the props and renders its state.
 * React never renders children into the mount node; rrweb owns everything inside it.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { SessionComment } from '@reprise/protocol';
import { Controls } from './Controls';
import type { CommentDraft } from '../api';
import { CommentComposer, useCommentDraft } from '../comments/CommentComposer';
import { SketchLayer } from '../comments/SketchLayer';
import { nextMoment, prevMoment, type Marker } from '../devtools/markers';
import type { ActivityStrip } from './activity';
import { copyText } from './clipboard';
import { PlaybackController, type Size } from './controller';
import { momentWriter, readStartMs, urlAt } from './deepLink';
import { isControlTarget, isTypingTarget, shortcutFor, SHORTCUTS, STEP_MS, type ShortcutAction } from './shortcuts';
import { fitViewport } from './sketch';
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
  /** The activity strip under the scrub bar (null until every event is in). */
  activity?: ActivityStrip | null;
  /** The session's comments; the active one's sketch shows while paused at its moment. */
  comments?: SessionComment[];
  activeCommentId?: string | null;
  /** A comment was chosen (its marker), or none (null). */
  onSelectComment?: (id: string | null) => void;
  /** Stores a new comment; absent: no Comment button. */
  onCreateComment?: (draft: CommentDraft) => Promise<SessionComment>;
}

/** How close to a comment's moment the playhead must be for its sketch to show. */
const SKETCH_SHOWN_WITHIN_MS = 250;

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
  const { comments = [], activeCommentId = null, onSelectComment, onCreateComment } = props;
  const stageRef = useRef<HTMLDivElement>(null);
  const mountRef = useRef<HTMLDivElement>(null);
  const { controller, s } = usePlayback(props, mountRef);
  const stage = useSize(stageRef);
  const composer = useCommentDraft(controller.elementAt);
  const [help, setHelp] = useState(false);

  const failure = error ?? s.error;
  const state = failure ? 'error' : s.ready ? 'ready' : 'loading';
  const { viewport } = s;
  const fit = fitViewport(stage, viewport);
  const active = comments.find((c) => c.id === activeCommentId) ?? null;
  const showActive = active && !composer.draft && !s.playing && Math.abs(s.currentMs - active.offsetMs) <= SKETCH_SHOWN_WITHIN_MS;

  const startComment = useCallback(() => {
    if (!controller.getSnapshot().ready || !onCreateComment) return;
    controller.pause();
    onSelectComment?.(null);
    composer.start(controller.getSnapshot().currentMs);
  }, [controller, composer, onCreateComment, onSelectComment]);

  const saveComment = async () => {
    const d = composer.draft;
    if (!d || !onCreateComment) return;
    const created = await onCreateComment({ offsetMs: d.offsetMs, text: d.text.trim(), shapes: d.shapes, element: d.element });
    composer.cancel();
    controller.seekAndPause(created.offsetMs);
    onSelectComment?.(created.id);
  };

  const onMarker = useCallback(
    (m: Marker) => {
      if (m.commentId && onSelectComment) onSelectComment(m.commentId);
      else controller.seekAndPause(m.offset);
    },
    [controller, onSelectComment],
  );

  useShortcuts((action) => {
    const now = controller.getSnapshot().currentMs;
    switch (action) {
      case 'toggle-play':
        return controller.togglePlay();
      case 'step-back':
        return controller.step(-STEP_MS);
      case 'step-forward':
        return controller.step(STEP_MS);
      case 'prev-error':
      case 'next-error': {
        const to = (action === 'prev-error' ? prevMoment : nextMoment)(errorMoments ?? [], now);
        if (to !== null) controller.seekAndPause(to);
        return;
      }
      case 'comment':
        return startComment();
      case 'help':
        return setHelp((h) => !h);
      case 'close':
        if (help) setHelp(false);
        else composer.cancel();
        return;
    }
  });

  return (
    <section className="player" data-testid="player-section">
      <div className="stage" ref={stageRef} data-testid="player" data-state={state} data-waiting={s.waiting ? 'true' : undefined}>
        <div
          ref={mountRef}
          className="replay-mount"
          style={{
            width: viewport.width,
            height: viewport.height,
            transform: `translate(${fit.x}px, ${fit.y}px) scale(${fit.scale})`,
          }}
        />
        {composer.draft ? (
          <SketchLayer
            fit={fit}
            shapes={composer.draft.shapes}
            testId="sketch-draft"
            drawing={{ tool: composer.draft.tool, onShape: composer.addShape, onPick: composer.pick }}
          />
        ) : (
          showActive && <SketchLayer fit={fit} shapes={active.shapes} testId="comment-sketch" />
        )}
        {showActive && active.text && (
          <div className="comment-callout" data-testid="comment-callout">
            <strong>{active.authorEmail ?? 'Comment'}</strong> {active.text}
          </div>
        )}
        {state === 'loading' && (
          <div className="overlay muted">{timeline ? 'Rendering…' : `Loading events…${loadedCount > 0 ? ` (${loadedCount})` : ''}`}</div>
        )}
        {failure && (
          <div className="overlay error" role="alert">
            {failure}
          </div>
        )}
        {s.waiting && !failure && <div className="loading-window muted">Loading…</div>}
        {help && <ShortcutsOverlay onClose={() => setHelp(false)} />}
      </div>
      {composer.draft && (
        <CommentComposer draft={composer.draft} onChange={composer.patch} onSave={saveComment} onCancel={composer.cancel} />
      )}
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
        onMarker={onMarker}
        activity={props.activity ?? null}
        onStep={controller.step}
        onComment={onCreateComment ? startComment : undefined}
        onShortcuts={() => setHelp((h) => !h)}
        live={live}
        liveEnded={liveEnded}
        following={s.following}
        onGoLive={controller.goLive}
      />
    </section>
  );
}

/** The `?` overlay: every shortcut (shortcuts.ts). */
function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  return (
    <div className="shortcuts-overlay" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-overlay">
      <div className="shortcuts-card">
        <div className="shortcuts-head">
          <strong>Keyboard shortcuts</strong>
          <button type="button" onClick={onClose} aria-label="Close">
            ×
          </button>
        </div>
        <table>
          <tbody>
            {SHORTCUTS.map((sc) => (
              <tr key={sc.action}>
                <td>
                  {sc.keys.map((k) => (
                    <kbd key={k}>{k}</kbd>
                  ))}
                </td>
                <td>{sc.label}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
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

/** The player's keyboard shortcuts (shortcuts.ts), on the window; `run` may change every render. */
function useShortcuts(run: (action: ShortcutAction) => void): void {
  const ref = useRef(run);
  ref.current = run;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.repeat && e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const action = shortcutFor({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        typing: isTypingTarget(e.target),
        onControl: isControlTarget(e.target),
      });
      if (!action) return;
      e.preventDefault();
      ref.current(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
