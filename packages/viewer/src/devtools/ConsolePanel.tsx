/** Console tab: level and text filters, then one row per console call with inspectable args. */
import { memo, useMemo, useState } from 'react';
import type { ConsoleData } from '@reprise/protocol';
import { clock } from '../format';
import { filterConsole, LEVEL_GROUPS, levelGroup, type LevelGroup } from './filters';
import type { Entry } from './model';
import { currentIndex, rowActivation, timeAttrs, useFollowCurrent } from './sync';
import { Stack, ValueTree } from './ValueTree';

interface Props {
  entries: Entry<ConsoleData>[];
  nowMs: number;
  onSeek: (offsetMs: number) => void;
}

export function ConsolePanel({ entries, nowMs, onSeek }: Props) {
  const [level, setLevel] = useState<LevelGroup | 'all'>('all');
  const [text, setText] = useState('');
  const shown = useMemo(() => filterConsole(entries, level, text), [entries, level, text]);
  const current = currentIndex(shown, nowMs);
  const listRef = useFollowCurrent<HTMLDivElement>(shown[current]);

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
        {shown.length === 0 && <p className="dt-empty muted">{entries.length ? 'No matching messages.' : 'No console output recorded.'}</p>}
        {shown.map((e, i) => (
          <ConsoleRow
            key={e.index}
            entry={e}
            future={e.offset > nowMs}
            current={i === current}
            onSeek={onSeek}
          />
        ))}
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
