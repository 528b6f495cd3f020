/** Feedback tab: what users wrote in the "Report a problem" widget, on the player's clock. */
import type { CustomData } from '@reprise/protocol';
import { clock } from '../format';
import type { Entry } from './model';
import { currentIndex, rowActivation, timeAttrs, useFollowCurrent } from './sync';

type Feedback = Extract<CustomData, { type: 'feedback' }>;

interface Props {
  entries: Entry<Feedback>[];
  nowMs: number;
  onSeek: (offsetMs: number) => void;
}

export function FeedbackPanel({ entries, nowMs, onSeek }: Props) {
  const current = currentIndex(entries, nowMs);
  const listRef = useFollowCurrent<HTMLDivElement>(entries[current]);
  return (
    <div className="dt-tab">
      <div className="dt-list" ref={listRef}>
        {entries.length === 0 && <p className="dt-empty muted">No feedback was sent in this session.</p>}
        {entries.map((e, i) => (
          <div
            key={e.index}
            className="dt-row feedback-row"
            data-testid="feedback-entry"
            {...timeAttrs(e.offset > nowMs, i === current)}
            {...rowActivation(() => onSeek(e.offset))}
          >
            <span className="dt-time">{clock(Math.max(0, e.offset))}</span>
            <div className="error-body">
              <div className="feedback-message">{e.data.message}</div>
              {typeof e.data.email === 'string' && e.data.email && <div className="muted">{e.data.email}</div>}
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}
