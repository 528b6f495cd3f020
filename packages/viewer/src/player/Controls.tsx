/** Transport controls under the replay: play/pause, scrubber, clock, speed, skip, copy link. */
import { useEffect, useState } from 'react';
import { clock } from '../format';

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
}

export function Controls(p: ControlsProps) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');

  useEffect(() => {
    if (copied === 'idle') return;
    const id = setTimeout(() => setCopied('idle'), 1500);
    return () => clearTimeout(id);
  }, [copied]);

  return (
    <div className="controls">
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
      <span className="clock" data-testid="current-time">
        {clock(p.currentMs)} / {clock(p.durationMs)}
      </span>
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
      <label className="check">
        <input
          type="checkbox"
          data-testid="skip-inactive"
          checked={p.skipInactive}
          disabled={!p.enabled}
          onChange={(e) => p.onSkipInactive(e.currentTarget.checked)}
        />
        Skip inactivity
      </label>
      <button
        type="button"
        disabled={!p.enabled}
        onClick={() => p.onCopyLink().then(() => setCopied('copied'), () => setCopied('failed'))}
      >
        {copied === 'copied' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy link'}
      </button>
    </div>
  );
}
