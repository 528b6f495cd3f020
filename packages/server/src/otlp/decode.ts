import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { BackendLog, BackendSpan } from '@reprise/protocol';
// The official OTLP definitions (opentelemetry-proto) compiled by protobufjs's pbjs, as the
// OpenTelemetry JS project ships them; decoded with protobufjs.
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { HttpError } from '../http/errors.js';
import { anyValue, asArray, asInt, asObject, asString, cut, idHex, keyValues, nanosToMs } from './any-value.js';
import { OTLP_LIMITS, OtlpInputError, type OtlpPayload, type OtlpSignal } from './model.js';

const gunzipAsync = promisify(gunzip);

interface ProtoType {
  decode(bytes: Uint8Array): unknown;
}
interface ProtoRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: ProtoType } };
        logs: { v1: { ExportLogsServiceRequest: ProtoType } };
      };
    };
  };
}
const collector = (otlpRoot as unknown as ProtoRoot).opentelemetry.proto.collector;
const REQUEST_TYPES: Record<OtlpSignal, ProtoType> = {
  traces: collector.trace.v1.ExportTraceServiceRequest,
  logs: collector.logs.v1.ExportLogsServiceRequest,
};

export type OtlpEncoding = 'protobuf' | 'json';

/** The body as sent: gzip (Content-Encoding) inflated with a cap, anything else but identity refused. */
export async function inflateOtlp(body: Buffer, contentEncoding: string | undefined): Promise<Buffer> {
  const enc = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (enc === 'identity' || enc === '') return body;
  if (enc !== 'gzip') throw new HttpError(415, 'unsupported_encoding', `Content-Encoding ${enc} is not supported; send gzip or none`);
  try {
    return await gunzipAsync(body, { maxOutputLength: OTLP_LIMITS.maxDecodedBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new HttpError(413, 'body_too_large', `the request inflates past ${OTLP_LIMITS.maxDecodedBytes} bytes`);
    }
    throw new HttpError(400, 'bad_gzip', 'the body is not valid gzip');
  }
}

/** Decodes an export request; a body that is not one is a 400 `bad_otlp`. */
export function decodeOtlp(signal: OtlpSignal, encoding: OtlpEncoding, bytes: Buffer): OtlpPayload {
  let message: unknown;
  try {
    message = encoding === 'protobuf' ? REQUEST_TYPES[signal].decode(bytes) : JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    const what = encoding === 'protobuf' ? 'protobuf' : 'JSON';
    throw new HttpError(400, 'bad_otlp', `the body is not a valid OTLP ${what} export request: ${(err as Error).message}`);
  }
  try {
    return signal === 'traces' ? readTraces(message) : readLogs(message);
  } catch (err) {
    if (err instanceof OtlpInputError) throw new HttpError(400, 'bad_otlp', `not an OTLP export request: ${err.message}`);
    throw err;
  }
}

const SPAN_KINDS: BackendSpan['kind'][] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS: BackendSpan['status'][] = ['unset', 'ok', 'error'];

/** The `service.name` of a resource, as the SDKs default it. */
function serviceOf(resourceAttrs: Record<string, unknown>): string {
  const name = resourceAttrs['service.name'];
  return typeof name === 'string' && name !== '' ? name : 'unknown_service';
}

function readTraces(message: unknown): OtlpPayload {
  const out: OtlpPayload = { spans: [], logs: [], rejected: 0 };
  for (const rs of asArray(asObject(message, 'request').resourceSpans, 'resourceSpans')) {
    const r = asObject(rs, 'ResourceSpans');
    const service = serviceOf(keyValues(asObject(r.resource, 'resource').attributes));
    for (const ss of asArray(r.scopeSpans, 'scopeSpans')) {
      for (const raw of asArray(asObject(ss, 'ScopeSpans').spans, 'spans')) {
        const span = readSpan(asObject(raw, 'Span'), service);
        if (span && out.spans.length < OTLP_LIMITS.maxItems) out.spans.push(span);
        else out.rejected++;
      }
    }
  }
  return out;
}

/** A span, or null when it has no usable trace or span id (counted as rejected). */
function readSpan(s: Record<string, unknown>, service: string): BackendSpan | null {
  const traceId = idHex(s.traceId, 16);
  const spanId = idHex(s.spanId, 8);
  const status = asObject(s.status, 'status');
  const events = asArray(s.events, 'events')
    .slice(0, OTLP_LIMITS.maxEvents)
    .map((e) => {
      const o = asObject(e, 'Event');
      return { name: asString(o.name, 'event name'), time: nanosToMs(o.timeUnixNano, 'timeUnixNano'), attributes: keyValues(o.attributes) };
    });
  const span: BackendSpan = {
    traceId: traceId ?? '',
    spanId: spanId ?? '',
    parentSpanId: idHex(s.parentSpanId, 8),
    name: asString(s.name, 'name'),
    service,
    kind: SPAN_KINDS[asInt(s.kind, 'kind')] ?? 'unspecified',
    startTime: nanosToMs(s.startTimeUnixNano, 'startTimeUnixNano'),
    endTime: nanosToMs(s.endTimeUnixNano, 'endTimeUnixNano'),
    status: STATUS[asInt(status.code, 'status.code')] ?? 'unset',
    attributes: keyValues(s.attributes),
    events,
  };
  const statusMessage = asString(status.message, 'status.message');
  if (statusMessage) span.statusMessage = statusMessage;
  return traceId && spanId ? span : null;
}

function readLogs(message: unknown): OtlpPayload {
  const out: OtlpPayload = { spans: [], logs: [], rejected: 0 };
  for (const rl of asArray(asObject(message, 'request').resourceLogs, 'resourceLogs')) {
    const r = asObject(rl, 'ResourceLogs');
    const service = serviceOf(keyValues(asObject(r.resource, 'resource').attributes));
    for (const sl of asArray(r.scopeLogs, 'scopeLogs')) {
      for (const raw of asArray(asObject(sl, 'ScopeLogs').logRecords, 'logRecords')) {
        const log = readLog(asObject(raw, 'LogRecord'), service);
        if (log && out.logs.length < OTLP_LIMITS.maxItems) out.logs.push(log);
        else out.rejected++;
      }
    }
  }
  return out;
}

/** A log record, or null without a trace id: only logs linked to a trace can belong to a recorded request. */
function readLog(l: Record<string, unknown>, service: string): BackendLog | null {
  const traceId = idHex(l.traceId, 16);
  const time = nanosToMs(l.timeUnixNano, 'timeUnixNano') || nanosToMs(l.observedTimeUnixNano, 'observedTimeUnixNano');
  const log: BackendLog = {
    traceId: traceId ?? '',
    spanId: idHex(l.spanId, 8),
    time,
    severityText: cut(asString(l.severityText, 'severityText')),
    severityNumber: asInt(l.severityNumber, 'severityNumber'),
    body: anyValue(l.body),
    service,
    attributes: keyValues(l.attributes),
  };
  return traceId ? log : null;
}
