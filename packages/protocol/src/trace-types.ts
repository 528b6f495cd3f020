/**
 * Backend traces linked to recorded requests (OpenTelemetry, W3C Trace Context). The recorder
 * puts `traceId`/`spanId` on a request's NetworkData; the server keeps the spans and logs that
 * OTLP exporters send for those trace ids and serves them per session.
 */

/** A span as the viewer shows it: ids in lowercase hex, times in epoch milliseconds (fractional). */
export interface BackendSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** The resource's `service.name` ("unknown_service" when absent, as the SDKs name it). */
  service: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer' | 'unspecified';
  startTime: number;
  endTime: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  /** Redacted like network bodies. */
  attributes: Record<string, unknown>;
  /** Span events; an exception is an event named `exception` with exception.type/message/stacktrace. */
  events: { name: string; time: number; attributes: Record<string, unknown> }[];
}

export interface BackendLog {
  traceId: string;
  spanId: string | null;
  time: number;
  severityText: string;
  severityNumber: number;
  body: unknown;
  service: string;
  attributes: Record<string, unknown>;
}

/** One recorded request's trace: `GET /api/v1/sessions/:id/traces` answers every trace that arrived. */
export interface SessionTrace {
  traceId: string;
  /** The NetworkData.id of the request that carried it, when known. */
  requestId: string | null;
  spans: BackendSpan[];
  logs: BackendLog[];
  /** Whether any span has status error or an exception event, or any log is ERROR or worse. */
  error: boolean;
}

export interface SessionTraces {
  traces: SessionTrace[];
}
