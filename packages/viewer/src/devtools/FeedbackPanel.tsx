/** Feedback tab: what users wrote in the "Report a problem" widget, on the player's clock. */
import type { CustomData } from '@reprise/protocol';
import { clock } from '../format';
import type { Entry, UnreadableData } from './model';
import { interleave, UnreadableItem } from './Unreadable';
import { currentIndex, rowActivation, timeAttrs, useFollowCurrent } from './sync';

type Feedback = Extract<CustomData, { type: 'feedback' }>;

interface Props {
  entries: Entry<Feedback>[];
  unreadable: Entry<UnreadableData>[];
  nowMs: number;
  onSeek: (offsetMs: number) => void;
}

export function FeedbackPanel({ entries, unreadable, nowMs, onSeek }: Props) {
  const current = currentIndex(entries, nowMs);
  const listRef = useFollowCurrent<HTMLDivElement>(entries[current]);
  return (
    <div className="dt-tab">
      <div className="dt-list" ref={listRef}>
        {entries.length + unreadable.length === 0 && <p className="dt-empty muted">No feedback was sent in this session.</p>}
        {interleave(entries, unreadable).map((it) =>
          it.bad ? (
            <UnreadableItem key={`u${it.bad.index}`} item={it.bad} onSeek={onSeek} />
          ) : (
            <div
              key={it.entry.index}
              className="dt-row feedback-row"
              data-testid="feedback-entry"
              {...timeAttrs(it.entry.offset > nowMs, it.pos === current)}
              {...rowActivation(() => onSeek(it.entry.offset))}
            >
              <span className="dt-time">{clock(Math.max(0, it.entry.offset))}</span>
              <div className="error-body">
                <div className="feedback-message">{it.entry.data.message}</div>
                {typeof it.entry.data.email === 'string' && it.entry.data.email && <div className="muted">{it.entry.data.email}</div>}
              </div>
            </div>
          ),
        )}
      </div>
    </div>
  );
}
