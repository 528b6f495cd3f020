/** Console tab: level and text filters, then one row per console call with inspectable args. */
import { memo, useMemo, useState } from 'react';
import type { ConsoleData } from '@reprise/protocol';
import { clock } from '../format';
import { filterConsole, LEVEL_GROUPS, levelGroup, type LevelGroup } from './filters';
import type { Entry, UnreadableData } from './model';
import { GuardedRow, interleave, UnreadableItem } from './Unreadable';
import { currentIndex, rowActivation, timeAttrs, useFollowCurrent } from './sync';
import { Stack, ValueTree } from './ValueTree';

interface Props {
  entries: Entry<ConsoleData>[];
  unreadable: Entry<UnreadableData>[];
  nowMs: number;
  onSeek: (offsetMs: number) => void;
}

export function ConsolePanel({ entries, unreadable, nowMs, onSeek }: Props) {
  const [level, setLevel] = useState<LevelGroup | 'all'>('all');
  const [text, setText] = useState('');
  const shown = useMemo(() => filterConsole(entries, level, text), [entries, level, text]);
  const current = currentIndex(shown, nowMs);
  const listRef = useFollowCurrent<HTMLDivElement>(shown[current]);
  // Unreadable events have no level or text: listed unless a filter is on.
  const items = useMemo(() => interleave(shown, level === 'all' && !text.trim() ? unreadable : []), [shown, unreadable, level, text]);

  return (
    <div className="dt-tab">
      <div className="dt-filters">
        <select
          data-testid="console-level-filter"
          aria-label="Level"
          value={level}
          onChange={(e) => setLevel(e.currentTarget.value as LevelGroup | 'all')}
        >
          <option value="all">All levels</option>
          {LEVEL_GROUPS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
        <input
          type="search"
          data-testid="console-filter"
          placeholder="Filter output"
          aria-label="Filter console output"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
        />
      </div>
      <div className="dt-list" ref={listRef}>
        {items.length === 0 && <p className="dt-empty muted">{entries.length ? 'No matching messages.' : 'No console output recorded.'}</p>}
        {items.map((it) =>
          it.bad ? (
            <UnreadableItem key={`u${it.bad.index}`} item={it.bad} onSeek={onSeek} />
          ) : (
            <GuardedRow key={it.entry.index} offset={it.entry.offset} kind="console" onSeek={onSeek}>
              <ConsoleRow entry={it.entry} future={it.entry.offset > nowMs} current={it.pos === current} onSeek={onSeek} />
            </GuardedRow>
          ),
        )}
      </div>
    </div>
  );
}

const ConsoleRow = memo(function ConsoleRow({
  entry,
  future,
  current,
  onSeek,
}: {
  entry: Entry<ConsoleData>;
  future: boolean;
  current: boolean;
  onSeek: (offsetMs: number) => void;
}) {
  const { level, args, stack } = entry.data;
  return (
    <div
      className={`dt-row console-row level-${levelGroup(level)}`}
      data-testid="console-entry"
      data-level={level}
      {...timeAttrs(future, current)}
      {...rowActivation(() => onSeek(entry.offset))}
    >
      <span className="dt-time">{clock(Math.max(0, entry.offset))}</span>
      <div className="console-args">
        {level !== 'log' && <span className="console-level">{level}</span>}
        {args.length === 0 && <span className="muted">(no arguments)</span>}
        {args.map((a, i) => (
          <ValueTree key={i} value={a} topLevel />
        ))}
        {stack && <Stack stack={stack} />}
      </div>
    </div>
  );
});
