/**
 * One request in full: general facts, headers both ways, and both bodies; for a request that
 * carried a trace, its Backend view (spans, exceptions, logs) beside them.
 */
import { useState, type ReactNode } from 'react';
import type { BodyCapture, NetworkData, SessionTrace } from '@reprise/protocol';
import { formatMs, localDateTime } from '../format';
import { BackendView, type TraceStatus } from './BackendView';
import type { Entry } from './model';
import { fromJson, ValueTree } from './ValueTree';

interface Props {
  entry: Entry<NetworkData>;
  onClose: () => void;
  /** The request's backend trace, when it arrived. */
  trace?: SessionTrace;
  traceStatus?: TraceStatus;
}

export function NetworkDetail({ entry, onClose, trace, traceStatus = 'done' }: Props) {
  const d = entry.data;
  const [view, setView] = useState<'request' | 'backend'>('request');
  const shown = d.traceId ? view : 'request';
  return (
    <div className="network-detail" data-testid="network-detail">
      <div className="nd-head">
        <strong className="nd-title" title={d.url}>
          {d.method.toUpperCase()} {d.url}
        </strong>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close request details">
          ✕
        </button>
      </div>
      {d.traceId && (
        <div className="nd-views" role="tablist">
          {(['request', 'backend'] as const).map((v) => (
            <button
              key={v}
              type="button"
              role="tab"
              aria-selected={shown === v}
              className={shown === v ? 'dt-tabbtn on' : 'dt-tabbtn'}
              data-testid={`nd-view-${v}`}
              onClick={() => setView(v)}
            >
              {v === 'request' ? 'Request' : 'Backend'}
              {v === 'backend' && trace?.error && (
                <span className="dt-count bad" title="the backend trace has an error">
                  !
                </span>
              )}
            </button>
          ))}
        </div>
      )}
      {shown === 'backend' && d.traceId ? (
        <BackendView traceId={d.traceId} trace={trace} status={traceStatus} />
      ) : (
        <RequestView entry={entry} />
      )}
    </div>
  );
}

function RequestView({ entry }: { entry: Entry<NetworkData> }) {
  const d = entry.data;
  const status = d.status ? `${d.status}${d.statusText ? ` ${d.statusText}` : ''}` : 'no response';
  return (
    <>
      <Section title="General">
        <dl className="kv">
          <Row k="URL" v={d.url} />
          <Row k="Method" v={d.method.toUpperCase()} />
          <Row k="Status" v={status} />
          <Row k="Started" v={`${localDateTime(entry.t)} (+${formatMs(entry.offset)})`} />
          <Row k="Duration" v={formatMs(d.durationMs)} />
          <Row k="Initiator" v={d.initiator} />
          {d.error && <Row k="Error" v={d.errorMessage ? `${d.error}: ${d.errorMessage}` : d.error} />}
          {d.traceId && <Row k="Trace" v={d.traceId} />}
        </dl>
      </Section>
      <Section title="Request headers">
        <Headers headers={d.requestHeaders} />
      </Section>
      <Section title="Response headers">
        <Headers headers={d.responseHeaders} />
      </Section>
      <Section title="Request body">
        <Body body={d.requestBody} />
      </Section>
      <Section title="Response body" testId="response-body">
        <Body body={d.responseBody} />
      </Section>
    </>
  );
}

function Section({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return (
    <details className="nd-section" open data-testid={testId}>
      <summary>{title}</summary>
      <div className="nd-body">{children}</div>
    </details>
  );
}

function Row({ k, v }: { k: string; v: string }) {
  return (
    <div>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </div>
  );
}

function Headers({ headers }: { headers: Record<string, string> | undefined }) {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return <p className="muted">None recorded.</p>;
  return (
    <dl className="kv">
      {entries.map(([k, v]) => (
        <Row key={k} k={k} v={v} />
      ))}
    </dl>
  );
}

function sizeText(size: number | undefined): string {
  if (size === undefined) return '';
  return size >= 1024 ? `${(size / 1024).toFixed(1)} KB` : `${size} B`;
}

function Body({ body }: { body: BodyCapture | null }) {
  if (!body) return <p className="muted">No body.</p>;
  const size = sizeText(body.size);
  const notes = [
    body.kind !== 'json' && body.kind !== 'text' ? body.kind : '',
    size,
    body.truncated ? 'truncated at the capture limit' : '',
  ].filter(Boolean);
  if (body.kind === 'omitted' || body.kind === 'binary' || body.value === undefined) {
    return (
      <p className="muted body-note">
        {body.kind === 'binary' ? 'Binary body' : 'Body not captured'}
        {body.reason ? `: ${body.reason}` : ''}
        {size ? ` (${size})` : ''}
      </p>
    );
  }
  return (
    <>
      {notes.length > 0 && <p className="muted body-note">{notes.join(' · ')}</p>}
      {typeof body.value === 'string' ? <pre className="body-text">{body.value}</pre> : <ValueTree value={fromJson(body.value)} />}
    </>
  );
}
