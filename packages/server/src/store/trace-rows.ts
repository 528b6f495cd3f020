import { createHash } from 'node:crypto';
import type { BackendLog, BackendSpan, SessionTrace, SessionTraces } from '@reprise/protocol';
import type { IndexSealer } from './index-seal.js';

/**
 * Backend traces in both stores (docs/otlp.md): the statements and row values written once
 * (`$n` placeholders, like store/core/sql.ts), and the reading of a session's traces. Each
 * backend runs them in its own transactions (sqlite/trace-index.ts, postgres/trace-index.ts):
 * - a browser batch adds its requests' trace ids (`trace_requests`) and takes over what was
 *   pending for them, in the batch's transaction;
 * - an OTLP export stores spans and logs of known trace ids for every session that recorded the
 *   trace, and parks the others in `otlp_pending` (per project, up to a byte cap).
 */

/** One recorded request's trace context (ingest/extract.ts), written with its batch. */
export interface TraceRow {
  t: number;
  traceId: string;
  requestId: string;
}

/** What an OTLP export hands the store: spans and logs already redacted (otlp/redact.ts). */
export interface AppendOtlpInput {
  projectId: string;
  spans: BackendSpan[];
  logs: BackendLog[];
  receivedAt: number;
  /** Bytes of pending data a project may hold; what would pass it is dropped (and counted). */
  pendingMaxBytes: number;
}

export interface AppendOtlpResult {
  /** Spans and logs stored for a recorded request (a retry of a stored one counts again). */
  stored: number;
  /** Parked until a batch names their trace id. */
  pending: number;
  /** Dropped because the project's pending area was full. */
  dropped: number;
}

export const TRACE_SQL = {
  insertRequest:
    'INSERT INTO trace_requests (session_id, project_id, trace_id, request_id, t) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
  insertSpan: `INSERT INTO backend_spans (session_id, trace_id, span_id, service, name, start_ms, error, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
  insertLog: `INSERT INTO backend_logs (session_id, trace_id, log_key, service, time_ms, error, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
  addErrors: 'UPDATE sessions SET backend_errors = backend_errors + $1 WHERE id = $2',
  insertPending: `INSERT INTO otlp_pending (project_id, trace_id, kind, item_key, received_at, bytes, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
  pendingBytes: 'SELECT coalesce(sum(bytes), 0) AS n FROM otlp_pending WHERE project_id = $1',
  expirePending: 'DELETE FROM otlp_pending WHERE received_at < $1',
} as const;

/** How a backend matches `trace_id` against a list given as one parameter (`$2`). */
export interface TraceIdList {
  /** The condition on `trace_id`, e.g. `= ANY($2::text[])`. */
  readonly condition: string;
  param(ids: string[]): unknown;
}

/** Pending rows of some trace ids of a project (`$1`, `$2`). */
export const pendingOf = (l: TraceIdList): string =>
  `SELECT trace_id, kind, item_key, data FROM otlp_pending WHERE project_id = $1 AND trace_id ${l.condition}`;
export const deletePendingOf = (l: TraceIdList): string => `DELETE FROM otlp_pending WHERE project_id = $1 AND trace_id ${l.condition}`;
/** The sessions that recorded some trace ids in a project (`$1`, `$2`). */
export const sessionsOf = (l: TraceIdList): string =>
  `SELECT DISTINCT session_id, trace_id FROM trace_requests WHERE project_id = $1 AND trace_id ${l.condition}`;

/** A pending row as stored (data sealed when the index is encrypted). */
export interface PendingRow {
  trace_id: string;
  kind: string;
  item_key: string;
  data: string;
}

/** A span or log on its way into a table: everything its row holds. */
export type TraceItem = { kind: 'span'; value: BackendSpan } | { kind: 'log'; value: BackendLog };

export function spanIsError(s: BackendSpan): boolean {
  return s.status === 'error' || s.events.some((e) => e.name === 'exception');
}

/** ERROR (17) or worse; SDKs that only set the text say ERROR, FATAL or CRITICAL. */
export function logIsError(l: BackendLog): boolean {
  return l.severityNumber >= 17 || /^(error|fatal|critical|crit|emerg|alert)/i.test(l.severityText);
}

/** A digest of a log record: a retried export stores it once. */
export function logKey(l: BackendLog): string {
  return createHash('sha256').update(JSON.stringify(l)).digest('hex').slice(0, 32);
}

export function itemKey(item: TraceItem): string {
  return item.kind === 'span' ? item.value.spanId : logKey(item.value);
}

export function itemIsError(item: TraceItem): boolean {
  return item.kind === 'span' ? spanIsError(item.value) : logIsError(item.value);
}

/** The items of an export, in order: spans, then logs. */
export function exportItems(input: Pick<AppendOtlpInput, 'spans' | 'logs'>): TraceItem[] {
  return [
    ...input.spans.map((value) => ({ kind: 'span' as const, value })),
    ...input.logs.map((value) => ({ kind: 'log' as const, value })),
  ];
}

/** Statement and values that store one item for a session. */
export function itemInsert(sessionId: string, item: TraceItem, sealer: IndexSealer | null): { sql: string; values: unknown[] } {
  const data = seal(JSON.stringify(item.value), sealer);
  const error = itemIsError(item) ? 1 : 0;
  if (item.kind === 'span') {
    const s = item.value;
    return { sql: TRACE_SQL.insertSpan, values: [sessionId, s.traceId, s.spanId, s.service, s.name, Math.round(s.startTime), error, data] };
  }
  const l = item.value;
  return { sql: TRACE_SQL.insertLog, values: [sessionId, l.traceId, logKey(l), l.service, Math.round(l.time), error, data] };
}

/** Values of TRACE_SQL.insertPending for one item, and its size against the cap. */
export function pendingValues(projectId: string, item: TraceItem, receivedAt: number, sealer: IndexSealer | null): unknown[] {
  const json = JSON.stringify(item.value);
  const data = seal(json, sealer);
  return [projectId, item.value.traceId, item.kind, itemKey(item), receivedAt, Buffer.byteLength(data), data];
}

/** A pending row back as an item (null when it cannot be read: dropped with the rest). */
export function pendingItem(row: PendingRow, sealer: IndexSealer | null): TraceItem | null {
  try {
    const value = JSON.parse(open(row.data, sealer)) as BackendSpan & BackendLog;
    return row.kind === 'span' ? { kind: 'span', value } : { kind: 'log', value };
  } catch {
    return null;
  }
}

function seal(text: string, sealer: IndexSealer | null): string {
  return sealer ? sealer.seal(text) : text;
}

function open(text: string, sealer: IndexSealer | null): string {
  return sealer ? sealer.open(text) : text;
}

/** The trace ids of a list, each once, sorted (locks are taken in this order). */
export function distinctTraceIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}

export interface TraceRequestDbRow {
  trace_id: string;
  request_id: string;
  t: number;
}

/** A session's traces from its rows: every recorded trace id, with what arrived for it. */
export function toSessionTraces(
  requests: TraceRequestDbRow[],
  spans: { trace_id: string; data: string }[],
  logs: { trace_id: string; data: string }[],
  sealer: IndexSealer | null,
): SessionTraces {
  const byTrace = new Map<string, SessionTrace>();
  const traceOf = (traceId: string, requestId: string | null): SessionTrace => {
    let t = byTrace.get(traceId);
    if (!t) {
      t = { traceId, requestId, spans: [], logs: [], error: false };
      byTrace.set(traceId, t);
    }
    return t;
  };
  for (const r of requests) traceOf(r.trace_id, r.request_id);
  for (const row of spans) {
    const span = parse<BackendSpan>(row.data, sealer);
    if (!span) continue;
    const t = traceOf(row.trace_id, null);
    t.spans.push(span);
    if (spanIsError(span)) t.error = true;
  }
  for (const row of logs) {
    const log = parse<BackendLog>(row.data, sealer);
    if (!log) continue;
    const t = traceOf(row.trace_id, null);
    t.logs.push(log);
    if (logIsError(log)) t.error = true;
  }
  for (const t of byTrace.values()) {
    t.spans.sort((a, b) => a.startTime - b.startTime || a.spanId.localeCompare(b.spanId));
    t.logs.sort((a, b) => a.time - b.time);
  }
  return { traces: [...byTrace.values()] };
}

function parse<T>(data: string, sealer: IndexSealer | null): T | null {
  try {
    return JSON.parse(open(data, sealer)) as T;
  } catch {
    return null;
  }
}
