/** "unreadable event" rows: stored data a panel cannot read, or a row that failed to render, shown in place. */
import type { ReactNode } from 'react';
import { ErrorBoundary } from '../ErrorBoundary';
import { clock } from '../format';
import type { Entry, UnreadableData } from './model';
import { rowActivation } from './sync';

export function UnreadableRow({
  offset,
  kind,
  reason,
  onSeek,
}: {
  offset: number;
  kind: string;
  reason: string;
  onSeek: (offsetMs: number) => void;
}) {
  return (
    <div
      className="dt-row unreadable-row"
      data-testid="unreadable-event"
      data-kind={kind}
      title={reason}
      {...rowActivation(() => onSeek(offset))}
    >
      <span className="dt-time">{clock(Math.max(0, offset))}</span>
      <span className="muted">
        unreadable event{' '}
        <span className="unreadable-reason">
          ({kind}: {reason})
        </span>
      </span>
    </div>
  );
}

/** One list row behind its own boundary: if it throws while rendering, it becomes an unreadable row. */
export function GuardedRow({
  offset,
  kind,
  onSeek,
  children,
}: {
  offset: number;
  kind: string;
  onSeek: (offsetMs: number) => void;
  children: ReactNode;
}) {
  return (
    <ErrorBoundary
      fallback={(err) => <UnreadableRow offset={offset} kind={kind} reason={`could not be shown: ${err.message}`} onSeek={onSeek} />}
    >
      {children}
    </ErrorBoundary>
  );
}

export type ListItem<D> =
  { entry: Entry<D>; pos: number; bad?: undefined } | { bad: Entry<UnreadableData>; entry?: undefined; pos?: undefined };

/** The shown entries (`pos` = index among them) with the unreadable ones merged in by offset. */
export function interleave<D>(shown: Entry<D>[], bad: Entry<UnreadableData>[]): ListItem<D>[] {
  if (bad.length === 0) return shown.map((entry, pos) => ({ entry, pos }));
  const out: ListItem<D>[] = [];
  let j = 0;
  shown.forEach((entry, pos) => {
    while (j < bad.length && bad[j].offset < entry.offset) out.push({ bad: bad[j++] });
    out.push({ entry, pos });
  });
  while (j < bad.length) out.push({ bad: bad[j++] });
  return out;
}

export function UnreadableItem({ item, onSeek }: { item: Entry<UnreadableData>; onSeek: (offsetMs: number) => void }) {
  return <UnreadableRow offset={item.offset} kind={item.data.kind} reason={item.data.reason} onSeek={onSeek} />;
}
