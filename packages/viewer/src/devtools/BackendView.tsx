/**
 * A request's backend: the span waterfall of its trace (service, name, duration, status, and a
 * span's attributes and events when opened), the exceptions it recorded with their stack traces,
 * and its log records in time order. A trace that has not arrived says why that can happen.
 */
import { useMemo, useState } from 'react';
import type { BackendLog, SessionTrace } from '@reprise/protocol';
import { formatMs } from '../format';
import { exceptionsOf, logIsError, logsInOrder, spanFailed, waterfall, type WaterfallRow } from './traces';
import { fromJson, ValueTree } from './ValueTree';

export type TraceStatus = 'loading' | 'waiting' | 'done' | 'unavailable';

export function BackendView({ traceId, trace, status }: { traceId: string; trace: SessionTrace | undefined; status: TraceStatus }) {
  if (!trace) return <MissingTrace traceId={traceId} status={status} />;
  return (
    <div className="backend" data-testid="backend-view" data-trace-id={traceId}>
      <p className="muted bk-id">
        Trace <code>{traceId}</code>
        {status === 'waiting' && ' · more spans may still arrive'}
      </p>
      <h4>Spans</h4>
      <Waterfall trace={trace} />
      <Exceptions trace={trace} />
      <h4>Logs</h4>
      <Logs logs={logsInOrder(trace)} />
    </div>
  );
}

function MissingTrace({ traceId, status }: { traceId: string; status: TraceStatus }) {
  if (status === 'unavailable')
    return (
      <p className="muted" data-testid="backend-missing">
        This server does not serve backend traces.
      </p>
    );
  if (status === 'loading' || status === 'waiting')
    return (
      <p className="muted" data-testid="backend-waiting">
        Waiting for the backend trace <code>{traceId}</code>… exporters send spans in batches, a few seconds after the request.
      </p>
    );
  return (
    <div className="backend-missing" data-testid="backend-missing">
      <p>
        No backend spans or logs arrived for trace <code>{traceId}</code>.
      </p>
      <p className="muted">This happens when:</p>
      <ul className="muted">
        <li>the service that answered is not instrumented with OpenTelemetry, or does not export to this Reprise server (OTLP);</li>
        <li>
          the request&apos;s URL did not match the recorder&apos;s <code>tracePropagationTargets</code>, so no <code>traceparent</code>{' '}
          header was sent (see the request headers) or a proxy removed it;
        </li>
        <li>the backend&apos;s sampler dropped the trace (a parent-based sampler keeps every recorded request);</li>
        <li>the spans arrived long before or after the recording and were no longer held.</li>
      </ul>
    </div>
  );
}

function Waterfall({ trace }: { trace: SessionTrace }) {
  const rows = useMemo(() => waterfall(trace.spans), [trace.spans]);
  const [open, setOpen] = useState<string | null>(null);
  if (rows.length === 0) return <p className="muted">No spans (only logs arrived).</p>;
  return (
    <div className="bk-waterfall" role="list">
      {rows.map((r) => (
        <SpanRow
          key={r.span.spanId}
          row={r}
          open={open === r.span.spanId}
          onToggle={() => setOpen(open === r.span.spanId ? null : r.span.spanId)}
        />
      ))}
    </div>
  );
}

function SpanRow({ row, open, onToggle }: { row: WaterfallRow; open: boolean; onToggle: () => void }) {
  const s = row.span;
  const failed = spanFailed(s);
  return (
    <div
      role="listitem"
      className={`bk-span${failed ? ' failed' : ''}`}
      data-testid="backend-span"
      data-name={s.name}
      data-depth={row.depth}
      data-status={s.status}
    >
      <button type="button" className="bk-span-head" aria-expanded={open} onClick={onToggle} title={`${s.service} · ${s.kind} span`}>
        <span className="bk-name" style={{ paddingLeft: `${row.depth * 12}px` }}>
          <span className="bk-service">{s.service}</span> {s.name}
        </span>
        <span className="bk-status">{s.status === 'unset' ? '' : s.status}</span>
        <span className="bk-duration">{formatMs(s.endTime - s.startTime)}</span>
        <span className="bk-track" aria-hidden="true">
          <span className="bk-bar" style={{ left: `${row.left * 100}%`, width: `max(2px, ${row.width * 100}%)` }} />
        </span>
      </button>
      {open && (
        <div className="bk-span-detail" data-testid="backend-span-detail">
          {s.statusMessage && <p>Status: {s.statusMessage}</p>}
          {!row.hasParent && s.parentSpanId && <p className="muted">Its parent span {s.parentSpanId} did not arrive.</p>}
          <h5>Attributes</h5>
          {Object.keys(s.attributes).length ? <ValueTree value={fromJson(s.attributes)} /> : <p className="muted">None.</p>}
          {s.events.length > 0 && (
            <>
              <h5>Events</h5>
              <ul className="bk-events">
                {s.events.map((e, i) => (
                  <li key={i}>
                    +{formatMs(e.time - s.startTime)} <strong>{e.name}</strong>
                    {Object.keys(e.attributes).length > 0 && <ValueTree value={fromJson(e.attributes)} />}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </div>
  );
}

function Exceptions({ trace }: { trace: SessionTrace }) {
  const list = useMemo(() => exceptionsOf(trace), [trace]);
  if (list.length === 0) return null;
  return (
    <>
      <h4>Exceptions</h4>
      {list.map((x, i) => (
        <div key={i} className="bk-exception" data-testid="backend-exception">
          <p>
            <strong>{x.type}</strong>
            {x.message && `: ${x.message}`}{' '}
            <span className="muted">
              in {x.span.service} · {x.span.name}
            </span>
          </p>
          {x.stacktrace && <pre className="bk-stack">{x.stacktrace}</pre>}
        </div>
      ))}
    </>
  );
}

function logText(body: unknown): string {
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body) ?? '';
  } catch {
    return String(body);
  }
}

function Logs({ logs }: { logs: BackendLog[] }) {
  if (logs.length === 0) return <p className="muted">No log records.</p>;
  const t0 = logs[0].time;
  return (
    <ul className="bk-logs">
      {logs.map((l, i) => (
        <li key={i} className={logIsError(l) ? 'bk-log error' : 'bk-log'} data-testid="backend-log" data-severity={l.severityText}>
          <span className="muted">+{formatMs(l.time - t0)}</span>{' '}
          <span className="bk-sev">{l.severityText || `severity ${l.severityNumber}`}</span> <span className="bk-service">{l.service}</span>{' '}
          {logText(l.body)}
          {Object.keys(l.attributes).length > 0 && <ValueTree value={fromJson(l.attributes)} />}
        </li>
      ))}
    </ul>
  );
}
