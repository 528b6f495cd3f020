/**
 * Transport controls under the replay. The scrub bar has a row of its own, the player's full
 * width, with its markers and the activity strip under it (activity.ts); the buttons are the row
 * below: play/pause, ← →, previous/next error, clock, Comment, speed, skip, copy link, shortcuts.
 */
import { memo, useEffect, useState, type ReactNode } from 'react';
import { clock } from '../format';
import type { Marker } from '../devtools/markers';
import { nextMoment, prevMoment } from '../devtools/markers';
import type { ActivityStrip } from './activity';
import { STEP_MS } from './shortcuts';

export const SPEEDS = [1, 2, 4, 8] as const;
export type Speed = (typeof SPEEDS)[number];

interface ControlsProps {
  enabled: boolean;
  playing: boolean;
  currentMs: number;
  durationMs: number;
  speed: Speed;
  skipInactive: boolean;
  onTogglePlay: () => void;
  onSeek: (ms: number) => void;
  onSpeed: (speed: Speed) => void;
  onSkipInactive: (skip: boolean) => void;
  onCopyLink: () => Promise<void>;
  markers: Marker[];
  /** Sorted offsets of error-like moments for the previous/next buttons. */
  errorMoments: number[];
  onSeekAndPause: (ms: number) => void;
  /** A marker was clicked (comment markers open their comment). */
  onMarker: (m: Marker) => void;
  activity: ActivityStrip | null;
  onStep: (deltaMs: number) => void;
  /** Starts a comment at the playhead; absent when the caller may not write. */
  onComment?: () => void;
  onShortcuts: () => void;
  /** Live session: show the LIVE indicator and the "Go live" button. */
  live?: boolean;
  /** The session was live while watched here and has stopped recording. */
  liveEnded?: boolean;
  /** The view is at the live edge and follows new events. */
  following?: boolean;
  onGoLive?: () => void;
}

export function Controls(p: ControlsProps) {
  return (
    <div className="controls">
      <div className="scrub-row" data-testid="scrub-row">
        <Scrubber
          currentMs={p.currentMs}
          durationMs={p.durationMs}
          enabled={p.enabled}
          markers={p.markers}
          activity={p.activity}
          onSeek={p.onSeek}
          onMarker={p.onMarker}
        />
      </div>
      <div className="button-row">
        <button
          type="button"
          className="play"
          data-testid="play-toggle"
          disabled={!p.enabled}
          onClick={p.onTogglePlay}
          aria-label={p.playing ? 'Pause' : 'Play'}
        >
          {p.playing ? '❚❚' : '▶'}
        </button>
        <span className="group" role="group" aria-label="Step">
          <button type="button" className="step" disabled={!p.enabled} onClick={() => p.onStep(-STEP_MS)} title="Back 5 s (←)">
            −5s
          </button>
          <button type="button" className="step" disabled={!p.enabled} onClick={() => p.onStep(STEP_MS)} title="Forward 5 s (→)">
            +5s
          </button>
        </span>
        <ErrorSteps errorMoments={p.errorMoments} currentMs={p.currentMs} enabled={p.enabled} onSeekAndPause={p.onSeekAndPause} />
        <span className="clock" data-testid="current-time">
          {clock(p.currentMs)} / {clock(p.durationMs)}
        </span>
        <LiveStatus live={p.live} liveEnded={p.liveEnded} following={p.following} enabled={p.enabled} onGoLive={p.onGoLive} />
        <span className="spacer" />
        {p.onComment && (
          <button type="button" data-testid="comment-start" disabled={!p.enabled} onClick={p.onComment} title="Comment on this moment (c)">
            Comment
          </button>
        )}
        <Speeds speed={p.speed} enabled={p.enabled} onSpeed={p.onSpeed} />
        <label className="check" title="Skip inactivity: jump over stretches where the user did nothing">
          <input
            type="checkbox"
            data-testid="skip-inactive"
            checked={p.skipInactive}
            disabled={!p.enabled}
            onChange={(e) => p.onSkipInactive(e.currentTarget.checked)}
          />
          Skip idle
        </label>
        <CopyLinkButton enabled={p.enabled} onCopyLink={p.onCopyLink} />
        <button type="button" className="help-button" data-testid="shortcuts-button" onClick={p.onShortcuts} title="Keyboard shortcuts (?)">
          ?
        </button>
      </div>
    </div>
  );
}

/** Previous/next error-like moment from the playhead. */
function ErrorSteps(p: Pick<ControlsProps, 'errorMoments' | 'currentMs' | 'enabled' | 'onSeekAndPause'>) {
  const prev = prevMoment(p.errorMoments, p.currentMs);
  const next = nextMoment(p.errorMoments, p.currentMs);
  return (
    <>
      <ErrorStepButton testId="prev-error" label="Previous error" to={prev} enabled={p.enabled} onSeekAndPause={p.onSeekAndPause}>
        ‹ Error
      </ErrorStepButton>
      <ErrorStepButton testId="next-error" label="Next error" to={next} enabled={p.enabled} onSeekAndPause={p.onSeekAndPause}>
        Error ›
      </ErrorStepButton>
    </>
  );
}

function ErrorStepButton(p: {
  testId: string;
  label: string;
  /** The moment it seeks to; null when there is none that way. */
  to: number | null;
  enabled: boolean;
  onSeekAndPause: (ms: number) => void;
  children: ReactNode;
}) {
  const { to } = p;
  return (
    <button
      type="button"
      className="step"
      data-testid={p.testId}
      title={p.label}
      aria-label={p.label}
      disabled={!p.enabled || to === null}
      onClick={() => to !== null && p.onSeekAndPause(to)}
    >
      {p.children}
    </button>
  );
}

function Scrubber(p: Pick<ControlsProps, 'currentMs' | 'durationMs' | 'enabled' | 'markers' | 'activity' | 'onSeek' | 'onMarker'>) {
  return (
    <span className="scrub">
      <span className="scrub-track">
        <input
          type="range"
          className="scrubber"
          data-testid="scrubber"
          aria-label="Position"
          min={0}
          max={Math.max(0, Math.round(p.durationMs))}
          step={100}
          value={Math.round(Math.min(p.currentMs, p.durationMs))}
          disabled={!p.enabled}
          onChange={(e) => p.onSeek(Number(e.currentTarget.value))}
        />
        {p.enabled && p.durationMs > 0 && <Markers markers={p.markers} durationMs={p.durationMs} onMarker={p.onMarker} />}
      </span>
      {p.activity && <Activity strip={p.activity} />}
    </span>
  );
}

/** Where a fraction of the session sits on the strip, lined up with the range input's track (8 px insets). */
const at = (f: number) => `calc(8px + (100% - 16px) * ${Math.min(1, Math.max(0, f))})`;

/** The activity strip: user activity as stretches, then ticks for requests, errors and comments. */
const Activity = memo(function Activity({ strip }: { strip: ActivityStrip }) {
  return (
    <span className="activity" data-testid="activity-strip" aria-hidden="true">
      {strip.active.map(([from, to], i) => (
        <span key={`a${i}`} className="act-active" style={{ left: at(from), width: `calc((100% - 16px) * ${to - from})` }} />
      ))}
      {strip.requests.map((f, i) => (
        <span key={`r${i}`} className="act-tick act-request" style={{ left: at(f) }} />
      ))}
      {strip.errors.map((f, i) => (
        <span key={`e${i}`} className="act-tick act-error" style={{ left: at(f) }} />
      ))}
      {strip.comments.map((f, i) => (
        <span key={`c${i}`} className="act-tick act-comment" data-testid="activity-comment" style={{ left: at(f) }} />
      ))}
    </span>
  );
});

/** "Copy link", saying "Copied" or "Copy failed" for a moment after a click. */
function CopyLinkButton(p: Pick<ControlsProps, 'enabled' | 'onCopyLink'>) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (copied === 'idle') return;
    const id = setTimeout(() => setCopied('idle'), 1500);
    return () => clearTimeout(id);
  }, [copied]);

  return (
    <button
      type="button"
      disabled={!p.enabled}
      onClick={() =>
        p.onCopyLink().then(
          () => setCopied('copied'),
          () => setCopied('failed'),
        )
      }
    >
      {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy link'}
    </button>
  );
}

/** The LIVE indicator and "Go live" while the session records; "Recording ended" once it stopped. */
function LiveStatus(p: Pick<ControlsProps, 'live' | 'liveEnded' | 'following' | 'enabled' | 'onGoLive'>) {
  if (!p.live) {
    return p.liveEnded ? (
      <span className="live-ended muted" data-testid="live-ended" title="No new events are arriving">
        Recording ended
      </span>
    ) : null;
  }
  return (
    <>
      <span
        className={p.following ? 'live-indicator' : 'live-indicator behind'}
        data-testid="live-indicator"
        data-following={p.following ? 'true' : 'false'}
        title={p.following ? 'Showing events as they arrive' : 'Live session: you are looking at an earlier moment'}
      >
        LIVE
      </span>
      {!p.following && (
        <button type="button" data-testid="go-live" disabled={!p.enabled} onClick={p.onGoLive}>
          Go live
        </button>
      )}
    </>
  );
}

function Speeds(p: Pick<ControlsProps, 'speed' | 'enabled' | 'onSpeed'>) {
  return (
    <span className="group" role="group" aria-label="Speed">
      {SPEEDS.map((s) => (
        <button
          key={s}
          type="button"
          data-testid={`speed-${s}`}
          className={s === p.speed ? 'toggle on' : 'toggle'}
          aria-pressed={s === p.speed}
          disabled={!p.enabled}
          onClick={() => p.onSpeed(s)}
        >
          {s}×
        </button>
      ))}
    </span>
  );
}

/** Hundreds of spans: rendered again only when they change, not on every tick of the playhead. */
const Markers = memo(function Markers(p: { markers: Marker[]; durationMs: number; onMarker: (m: Marker) => void }) {
  return (
    <span className="markers">
      {p.markers.map((m, i) => (
        <span
          key={i}
          className={`marker marker-${m.kind}`}
          data-testid="marker"
          data-kind={m.kind}
          data-comment-id={m.commentId}
          title={`${clock(m.offset)} ${m.label}`}
          style={{ left: at(m.offset / p.durationMs) }}
          onClick={() => p.onMarker(m)}
        />
      ))}
    </span>
  );
});
