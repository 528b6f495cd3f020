/** Network tab: filters, a waterfall of requests on the session clock, and the selected request's detail. */
import { memo, useCallback, useMemo, useState } from 'react';
import type { NetworkData } from '@reprise/protocol';
import { filterNetwork, methodsOf, STATUS_FILTERS, type StatusFilter } from './filters';
import { statusClass, type Entry, type UnreadableData } from './model';
import { GuardedRow, interleave, UnreadableItem, UnreadableRow } from './Unreadable';
import { ErrorBoundary } from '../ErrorBoundary';
import { formatMs } from '../format';
import type { TraceStatus } from './BackendView';
import { NetworkDetail } from './NetworkDetail';
import type { TraceIndex } from './traces';
import { currentIndex, rowActivation, timeAttrs, useFollowCurrent } from './sync';

interface Props {
  entries: Entry<NetworkData>[];
  unreadable: Entry<UnreadableData>[];
  durationMs: number;
  nowMs: number;
  onSeek: (offsetMs: number) => void;
  /** Backend traces that arrived, by trace id. */
  traces?: TraceIndex;
  traceStatus?: TraceStatus;
}

const NO_TRACES: TraceIndex = new Map();

export function urlPath(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

export function NetworkPanel({ entries, unreadable, durationMs, nowMs, onSeek, traces = NO_TRACES, traceStatus = 'done' }: Props) {
  const [status, setStatus] = useState<StatusFilter>('all');
  const [method, setMethod] = useState('all');
  const [text, setText] = useState('');
  const [selected, setSelected] = useState<Entry<NetworkData> | null>(null);
  const methods = useMemo(() => methodsOf(entries), [entries]);
  const shown = useMemo(() => filterNetwork(entries, status, method, text), [entries, status, method, text]);
  const current = currentIndex(shown, nowMs);
  const listRef = useFollowCurrent<HTMLDivElement>(shown[current]);
  const filtering = status !== 'all' || method !== 'all' || text.trim() !== '';
  const items = useMemo(() => interleave(shown, filtering ? [] : unreadable), [shown, unreadable, filtering]);
  // The waterfall spans the replay, stretched if a request outlives the last dom event.
  const span = useMemo(
    () => entries.reduce((max, e) => Math.max(max, e.offset + (e.data.durationMs || 0)), Math.max(durationMs, 1)),
    [entries, durationMs],
  );

  const open = useCallback(
    (e: Entry<NetworkData>) => {
      setSelected(e);
      onSeek(e.offset);
    },
    [onSeek],
  );

  return (
    <div className={selected ? 'dt-tab split' : 'dt-tab'}>
      <NetworkFilters
        methods={methods}
        status={status}
        onStatus={setStatus}
        method={method}
        onMethod={setMethod}
        text={text}
        onText={setText}
      />
      <div className="dt-list" ref={listRef}>
        {items.length === 0 && <p className="dt-empty muted">{entries.length ? 'No matching requests.' : 'No requests recorded.'}</p>}
        {items.map((it) =>
          it.bad ? (
            <UnreadableItem key={`u${it.bad.index}`} item={it.bad} onSeek={onSeek} />
          ) : (
            <GuardedRow key={it.entry.index} offset={it.entry.offset} kind="network" onSeek={onSeek}>
              <NetworkRow
                entry={it.entry}
                span={span}
                future={it.entry.offset > nowMs}
                current={it.pos === current}
                selected={it.entry === selected}
                backendError={!!it.entry.data.traceId && traces.get(it.entry.data.traceId)?.error === true}
                onOpen={open}
              />
            </GuardedRow>
          ),
        )}
      </div>
      {selected && (
        <ErrorBoundary
          resetKey={selected}
          fallback={(err) => (
            <UnreadableRow offset={selected.offset} kind="network" reason={`could not be shown: ${err.message}`} onSeek={onSeek} />
          )}
        >
          <NetworkDetail
            entry={selected}
            onClose={() => setSelected(null)}
            trace={selected.data.traceId ? traces.get(selected.data.traceId) : undefined}
            traceStatus={traceStatus}
          />
        </ErrorBoundary>
      )}
    </div>
  );
}

function NetworkFilters(p: {
  methods: string[];
  status: StatusFilter;
  onStatus(s: StatusFilter): void;
  method: string;
  onMethod(m: string): void;
  text: string;
  onText(t: string): void;
}) {
  return (
    <div className="dt-filters">
      <select
        data-testid="network-status-filter"
        aria-label="Status"
        value={p.status}
        onChange={(e) => p.onStatus(e.currentTarget.value as StatusFilter)}
      >
        {STATUS_FILTERS.map((s) => (
          <option key={s} value={s}>
            {s === 'all' ? 'All statuses' : s}
          </option>
        ))}
      </select>
      <select data-testid="network-method-filter" aria-label="Method" value={p.method} onChange={(e) => p.onMethod(e.currentTarget.value)}>
        <option value="all">All methods</option>
        {p.methods.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      <input
        type="search"
        data-testid="network-filter"
        placeholder="Filter URLs"
        aria-label="Filter requests by URL"
        value={p.text}
        onChange={(e) => p.onText(e.currentTarget.value)}
      />
    </div>
  );
}

const NetworkRow = memo(function NetworkRow({
  entry,
  span,
  future,
  current,
  selected,
  backendError,
  onOpen,
}: {
  entry: Entry<NetworkData>;
  span: number;
  future: boolean;
  current: boolean;
  selected: boolean;
  /** Its backend trace has an error. */
  backendError: boolean;
  onOpen: (e: Entry<NetworkData>) => void;
}) {
  const d = entry.data;
  const cls = statusClass(d);
  const left = Math.max(0, Math.min(1, entry.offset / span));
  const width = Math.max(0, Math.min(1 - left, (d.durationMs || 0) / span));
  return (
    <div
      className={`dt-row network-row status-${cls}${selected ? ' selected' : ''}`}
      data-testid="network-entry"
      data-status={d.status}
      data-method={d.method.toUpperCase()}
      data-backend-error={backendError ? 'true' : undefined}
      title={backendError ? `${d.url}\nIts backend trace has an error` : d.url}
      {...timeAttrs(future, current)}
      {...rowActivation(() => onOpen(entry))}
    >
      <span className="net-method">{d.method.toUpperCase()}</span>
      <span className="net-path">{urlPath(d.url)}</span>
      {backendError && (
        <span className="net-backend-error" data-testid="backend-error-badge" aria-label="backend error">
          ⚠
        </span>
      )}
      <span className="net-status">{d.error ?? (d.status || 'failed')}</span>
      <span className="net-duration">{formatMs(d.durationMs)}</span>
      <span className="net-track" aria-hidden="true">
        <span className="net-bar" style={{ left: `${left * 100}%`, width: `max(2px, ${width * 100}%)` }} />
      </span>
    </div>
  );
});
