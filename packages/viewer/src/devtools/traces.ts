/**
 * Backend traces of recorded requests (`GET /api/v1/sessions/:id/traces`): read defensively
 * (a span that cannot be read is left out, not the whole trace), indexed by trace id, and laid
 * out as a waterfall (span tree in start order, each bar placed within the trace's time range).
 */
import type { BackendLog, BackendSpan, NetworkData, SessionTrace } from '@reprise/protocol';
import type { Entry } from './model';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const attrs = (v: unknown): Record<string, unknown> => (isObj(v) ? v : {});

const KINDS: BackendSpan['kind'][] = ['internal', 'server', 'client', 'producer', 'consumer', 'unspecified'];
const STATUSES: BackendSpan['status'][] = ['unset', 'ok', 'error'];

function readSpan(v: unknown): BackendSpan | null {
  if (!isObj(v) || !isStr(v.traceId) || !isStr(v.spanId) || !isNum(v.startTime)) return null;
  const end = isNum(v.endTime) && v.endTime >= v.startTime ? v.endTime : v.startTime;
  const events = Array.isArray(v.events)
    ? v.events.flatMap((e) =>
        isObj(e) && isStr(e.name) && isNum(e.time) ? [{ name: e.name, time: e.time, attributes: attrs(e.attributes) }] : [],
      )
    : [];
  return {
    traceId: v.traceId,
    spanId: v.spanId,
    parentSpanId: isStr(v.parentSpanId) && v.parentSpanId !== '' ? v.parentSpanId : null,
    name: isStr(v.name) ? v.name : '(unnamed span)',
    service: isStr(v.service) ? v.service : 'unknown_service',
    kind: KINDS.includes(v.kind as BackendSpan['kind']) ? (v.kind as BackendSpan['kind']) : 'unspecified',
    startTime: v.startTime,
    endTime: end,
    status: STATUSES.includes(v.status as BackendSpan['status']) ? (v.status as BackendSpan['status']) : 'unset',
    statusMessage: isStr(v.statusMessage) && v.statusMessage !== '' ? v.statusMessage : undefined,
    attributes: attrs(v.attributes),
    events,
  };
}

function readLog(v: unknown): BackendLog | null {
  if (!isObj(v) || !isStr(v.traceId) || !isNum(v.time)) return null;
  return {
    traceId: v.traceId,
    spanId: isStr(v.spanId) && v.spanId !== '' ? v.spanId : null,
    time: v.time,
    severityText: isStr(v.severityText) ? v.severityText : '',
    severityNumber: isNum(v.severityNumber) ? v.severityNumber : 0,
    body: v.body,
    service: isStr(v.service) ? v.service : 'unknown_service',
    attributes: attrs(v.attributes),
  };
}

/** The traces of an answer, whatever came back (an unreadable answer is no traces). */
export function readSessionTraces(v: unknown): SessionTrace[] {
  if (!isObj(v) || !Array.isArray(v.traces)) return [];
  return v.traces.flatMap((t): SessionTrace[] => {
    if (!isObj(t) || !isStr(t.traceId)) return [];
    const spans = Array.isArray(t.spans) ? t.spans.map(readSpan).filter((s): s is BackendSpan => s !== null) : [];
    const logs = Array.isArray(t.logs) ? t.logs.map(readLog).filter((l): l is BackendLog => l !== null) : [];
    const trace = { traceId: t.traceId, requestId: isStr(t.requestId) ? t.requestId : null, spans, logs, error: false };
    return [{ ...trace, error: t.error === true || hasError(trace) }];
  });
}

/** OpenTelemetry's ERROR severity starts at 17. */
export const SEVERITY_ERROR = 17;

/** A span with error status or an exception event, or a log at ERROR or worse. */
export function hasError(t: Pick<SessionTrace, 'spans' | 'logs'>): boolean {
  return t.spans.some(spanFailed) || t.logs.some((l) => logIsError(l));
}

export function spanFailed(s: BackendSpan): boolean {
  return s.status === 'error' || s.events.some((e) => e.name === 'exception');
}

export function logIsError(l: BackendLog): boolean {
  return l.severityNumber >= SEVERITY_ERROR || /^(error|fatal|critical)/i.test(l.severityText);
}

/** One row of the waterfall: a span, its depth in the tree, and its bar as fractions of the trace's range. */
export interface WaterfallRow {
  span: BackendSpan;
  depth: number;
  /** 0..1 from the trace's first start. */
  left: number;
  /** 0..1 of the trace's range (0 for an instant span; the view draws a minimum). */
  width: number;
  /** Whether its parent is in the trace (false: a root, or a span whose parent never arrived). */
  hasParent: boolean;
}

/**
 * The span tree in depth-first order, children by start time. A span whose parent is not in the
 * trace (a root, or its parent was never exported) starts a tree of its own; a parent cycle in
 * bad data is cut where it closes.
 */
export function waterfall(spans: BackendSpan[]): WaterfallRow[] {
  if (spans.length === 0) return [];
  const byId = new Map<string, BackendSpan>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const unique = [...byId.values()];
  const start = Math.min(...unique.map((s) => s.startTime));
  const end = Math.max(...unique.map((s) => s.endTime));
  const range = end - start;
  const children = new Map<string, BackendSpan[]>();
  const roots: BackendSpan[] = [];
  for (const s of unique) {
    const parent = s.parentSpanId !== null && s.parentSpanId !== s.spanId ? byId.get(s.parentSpanId) : undefined;
    if (parent) {
      const list = children.get(parent.spanId) ?? [];
      list.push(s);
      children.set(parent.spanId, list);
    } else roots.push(s);
  }
  const byStart = (a: BackendSpan, b: BackendSpan) => a.startTime - b.startTime || a.endTime - b.endTime;
  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (s: BackendSpan, depth: number, hasParent: boolean): void => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    rows.push({
      span: s,
      depth,
      hasParent,
      left: range > 0 ? (s.startTime - start) / range : 0,
      width: range > 0 ? (s.endTime - s.startTime) / range : 0,
    });
    for (const c of (children.get(s.spanId) ?? []).sort(byStart)) visit(c, depth + 1, true);
  };
  for (const r of roots.sort(byStart)) visit(r, 0, false);
  // Spans only reachable through a cycle: shown as roots rather than lost.
  for (const s of unique.sort(byStart)) if (!seen.has(s.spanId)) visit(s, 0, false);
  return rows;
}

/** An exception a span recorded (its `exception` events), with the span it belongs to. */
export interface BackendException {
  span: BackendSpan;
  time: number;
  type: string;
  message: string;
  stacktrace: string;
}

export function exceptionsOf(t: SessionTrace): BackendException[] {
  const out: BackendException[] = [];
  for (const span of t.spans) {
    for (const e of span.events) {
      if (e.name !== 'exception') continue;
      const a = e.attributes;
      out.push({
        span,
        time: e.time,
        type: isStr(a['exception.type']) ? a['exception.type'] : 'Exception',
        message: isStr(a['exception.message']) ? a['exception.message'] : '',
        stacktrace: isStr(a['exception.stacktrace']) ? a['exception.stacktrace'] : '',
      });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

export function logsInOrder(t: SessionTrace): BackendLog[] {
  return [...t.logs].sort((a, b) => a.time - b.time);
}

/** Traces by trace id. */
export type TraceIndex = ReadonlyMap<string, SessionTrace>;

export function indexTraces(traces: SessionTrace[]): TraceIndex {
  const m = new Map<string, SessionTrace>();
  for (const t of traces) m.set(t.traceId, t);
  return m;
}

/** What made a trace fail, in a few words: the first exception, failed span or error log. */
export function errorSummary(t: SessionTrace): { time: number; text: string } | null {
  const ex = exceptionsOf(t)[0];
  if (ex) return { time: ex.time, text: `${ex.span.service}: ${ex.type}${ex.message ? `: ${ex.message}` : ''}` };
  const failed = t.spans.filter((s) => s.status === 'error').sort((a, b) => a.endTime - b.endTime)[0];
  if (failed)
    return {
      time: failed.endTime,
      text: `${failed.service}: ${failed.name}${failed.statusMessage ? `: ${failed.statusMessage}` : ''} failed`,
    };
  const log = logsInOrder(t).find(logIsError);
  if (log) return { time: log.time, text: `${log.service}: ${typeof log.body === 'string' ? log.body : 'error log'}` };
  return null;
}

/**
 * Where backend errors sit on the player clock: at their recorded request, moved by how far into
 * the trace the error happened (backend and browser clocks differ, durations within a trace do not),
 * but never past the request's end.
 */
export function backendErrorMoments(network: Entry<NetworkData>[], traces: TraceIndex): { offset: number; label: string }[] {
  const out: { offset: number; label: string }[] = [];
  for (const e of network) {
    const t = e.data.traceId ? traces.get(e.data.traceId) : undefined;
    if (!t?.error) continue;
    const summary = errorSummary(t);
    const start = t.spans.length ? Math.min(...t.spans.map((s) => s.startTime)) : (summary?.time ?? 0);
    const into = summary ? Math.max(0, Math.min(summary.time - start, e.data.durationMs || 0)) : 0;
    out.push({ offset: e.offset + into, label: `Backend error: ${summary?.text ?? e.data.url}` });
  }
  return out;
}
