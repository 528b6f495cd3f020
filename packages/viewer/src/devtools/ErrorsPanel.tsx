/** Errors tab: uncaught errors, unhandled rejections, failed resource loads and Errors logged with console.error, with stacks. */
import { memo } from 'react';
import type { ErrorData } from '@reprise/protocol';
import { clock } from '../format';
import { ResolvedStack } from './ResolvedStack';
import type { Entry, UnreadableData } from './model';
import { GuardedRow, interleave, UnreadableItem } from './Unreadable';
import { currentIndex, rowActivation, timeAttrs, useFollowCurrent } from './sync';

interface Props {
  entries: Entry<ErrorData>[];
  unreadable: Entry<UnreadableData>[];
  nowMs: number;
  onSeek: (offsetMs: number) => void;
}

export function ErrorsPanel({ entries, unreadable, nowMs, onSeek }: Props) {
  const current = currentIndex(entries, nowMs);
  const listRef = useFollowCurrent<HTMLDivElement>(entries[current]);
  return (
    <div className="dt-tab">
      <div className="dt-list" ref={listRef}>
        {entries.length + unreadable.length === 0 && <p className="dt-empty muted">No errors recorded.</p>}
        {interleave(entries, unreadable).map((it) =>
          it.bad ? (
            <UnreadableItem key={`u${it.bad.index}`} item={it.bad} onSeek={onSeek} />
          ) : (
            <GuardedRow key={it.entry.index} offset={it.entry.offset} kind="error" onSeek={onSeek}>
              <ErrorRow entry={it.entry} future={it.entry.offset > nowMs} current={it.pos === current} onSeek={onSeek} />
            </GuardedRow>
          ),
        )}
      </div>
    </div>
  );
}

const ORIGIN: Record<NonNullable<ErrorData['origin']>, string> = {
  error: 'Uncaught',
  unhandledrejection: 'Unhandled rejection',
  resource: 'Failed to load',
  console: 'Logged',
};

const ErrorRow = memo(function ErrorRow({
  entry,
  future,
  current,
  onSeek,
}: {
  entry: Entry<ErrorData>;
  future: boolean;
  current: boolean;
  onSeek: (offsetMs: number) => void;
}) {
  const d = entry.data;
  const where = d.source ? `${d.source}${d.line !== undefined ? `:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : ''}` : '';
  return (
    <div
      className="dt-row error-row"
      data-testid="error-entry"
      {...timeAttrs(future, current)}
      {...rowActivation(() => onSeek(entry.offset))}
    >
      <span className="dt-time">{clock(Math.max(0, entry.offset))}</span>
      <div className="error-body">
        <div className="error-message">
          {d.origin && <span className="error-origin">{ORIGIN[d.origin] ?? d.origin}</span>}
          {d.name && !d.message.startsWith(d.name) ? `${d.name}: ` : ''}
          {d.message}
        </div>
        {where && <div className="muted error-where">{where}</div>}
        {d.stack && <ResolvedStack stack={d.stack} />}
      </div>
    </div>
  );
});
