/**
 * A recorded stack as its original source: each frame's original function, file, line and
 * column (from the release's source maps), source context around the top in-app frame, and the
 * minified stack on demand. Frames that are not resolved say why; without any resolution the
 * stack shows as recorded.
 */
import { useState } from 'react';
import { UNRESOLVED_REASON_TEXT, topFrame, type ResolvedFrame } from '@reprise/protocol';
import { useResolvedStack } from './stackResolver';

export function ResolvedStack({ stack }: { stack: string }) {
  const state = useResolvedStack(stack);
  const [minified, setMinified] = useState(false);
  const frames = state?.status === 'done' ? state.frames : null;
  const resolved = frames?.some((f) => f.original) ?? false;
  if (!frames || !resolved || minified) {
    return (
      <div className="rstack" data-testid="stack-minified">
        <pre className="error-stack">{stack}</pre>
        {resolved && <ToggleButton minified onClick={() => setMinified(false)} />}
        {frames && !resolved && <Unresolved frames={frames} />}
      </div>
    );
  }
  const top = topFrame(frames);
  return (
    <div className="rstack" data-testid="stack-resolved">
      <ol className="rstack-frames">
        {frames.map((f, i) => (
          <li key={i} className={f.inApp ? 'rframe in-app' : 'rframe'} data-testid="stack-frame">
            <FrameLine frame={f} />
            {f === top && f.original?.context && <Context frame={f} />}
          </li>
        ))}
      </ol>
      <ToggleButton minified={false} onClick={() => setMinified(true)} />
    </div>
  );
}

function FrameLine({ frame }: { frame: ResolvedFrame }) {
  const o = frame.original;
  if (!o) {
    const where = [frame.file, frame.line, frame.column].filter((p) => p !== null).join(':');
    return (
      <span className="muted" title={frame.unresolved ? UNRESOLVED_REASON_TEXT[frame.unresolved] : undefined}>
        {frame.fn ? `${frame.fn} ` : ''}
        {where}
      </span>
    );
  }
  return (
    <span>
      <span className="rframe-fn" data-testid="frame-fn">
        {o.fn ?? frame.fn ?? '(anonymous)'}
      </span>{' '}
      <span className="rframe-where" data-testid="frame-where">
        {o.file}:{o.line}:{o.column}
      </span>
    </span>
  );
}

function Context({ frame }: { frame: ResolvedFrame }) {
  const o = frame.original!;
  const ctx = o.context!;
  return (
    <pre className="rstack-context" data-testid="stack-context">
      {ctx.lines.map((l, i) => {
        const n = ctx.startLine + i;
        return (
          <div key={n} className={n === o.line ? 'rctx-line on' : 'rctx-line'}>
            <span className="rctx-n">{n}</span> {l}
          </div>
        );
      })}
    </pre>
  );
}

function Unresolved({ frames }: { frames: ResolvedFrame[] }) {
  // A session without a release expects no maps: nothing to explain.
  const reasons = [...new Set(frames.filter((f) => f.inApp && f.unresolved && f.unresolved !== 'no_release').map((f) => f.unresolved!))];
  if (reasons.length === 0) return null;
  return (
    <p className="muted rstack-note" data-testid="stack-unresolved">
      Not de-minified: {reasons.map((r) => UNRESOLVED_REASON_TEXT[r]).join('; ')}.
    </p>
  );
}

function ToggleButton({ minified, onClick }: { minified: boolean; onClick: () => void }) {
  return (
    <button
      type="button"
      className="link-button rstack-toggle"
      data-testid="stack-toggle"
      onClick={(e) => {
        // Rows seek the player on click: this button only switches the view.
        e.stopPropagation();
        onClick();
      }}
    >
      {minified ? 'Show original stack' : 'Show minified stack'}
    </button>
  );
}
