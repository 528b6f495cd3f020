import { randomBytes } from 'node:crypto';
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import type { ReplayEvent, SessionTraces } from '@reprise/protocol';
import { makeBatch, postBatch, type TestServer } from './helpers.js';

/** Helpers of the OTLP tests: ids, browser batches carrying trace ids, protobuf bodies, reading traces back. */

export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A network event as the recorder writes it for a request that carried `traceId`. */
export function tracedRequest(t: number, traceId: string, id = `req_${traceId.slice(0, 8)}`, status = 422): ReplayEvent {
  return {
    t,
    kind: 'network',
    data: {
      id,
      initiator: 'fetch',
      method: 'POST',
      url: 'https://shop.example/api/checkout',
      status,
      requestHeaders: {},
      responseHeaders: {},
      requestBody: null,
      responseBody: null,
      startedAt: t - 20,
      durationMs: 20,
      traceId,
      spanId: hex(8),
    },
  };
}

/** Posts a batch whose requests carried these trace ids. */
export async function recordTraces(s: TestServer, sessionId: string, seq: number, traceIds: string[]): Promise<void> {
  const t = Date.now() - 5_000;
  const res = await postBatch(
    s,
    makeBatch(
      sessionId,
      seq,
      traceIds.map((id, i) => tracedRequest(t + i, id)),
    ),
  );
  if (res.statusCode !== 200) throw new Error(`batch refused: ${res.body}`);
}

export async function sessionTraces(s: TestServer, sessionId: string): Promise<SessionTraces> {
  const res = await s.app.inject({ url: `/api/v1/sessions/${sessionId}/traces`, headers: { cookie: s.cookie } });
  if (res.statusCode !== 200) throw new Error(`traces: ${res.statusCode} ${res.body}`);
  return res.json() as SessionTraces;
}

interface ProtoType {
  fromObject(o: object): unknown;
  encode(m: unknown): { finish(): Uint8Array };
}
const collector = (
  otlpRoot as unknown as {
    opentelemetry: {
      proto: {
        collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } }; logs: { v1: { ExportLogsServiceRequest: ProtoType } } };
      };
    };
  }
).opentelemetry.proto.collector;

const ms = (t: number) => String(BigInt(Math.round(t)) * 1_000_000n);

/** An OTLP/JSON trace export of spans in one service (ids hex, times as decimal strings, as the spec maps them). */
export function jsonTraces(
  service: string,
  spans: { traceId: string; spanId?: string; name: string; error?: boolean; attributes?: Record<string, string> }[],
) {
  const now = Date.now();
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((s, i) => ({
              traceId: s.traceId,
              spanId: s.spanId ?? hex(8),
              name: s.name,
              kind: 2,
              startTimeUnixNano: ms(now + i),
              endTimeUnixNano: ms(now + i + 5),
              attributes: Object.entries(s.attributes ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
              status: s.error ? { code: 2, message: 'failed' } : {},
            })),
          },
        ],
      },
    ],
  };
}

/** The same export as protobuf bytes (the official definitions, encoded by protobufjs). */
export function protoTraces(json: ReturnType<typeof jsonTraces>): Buffer {
  const withBytes = {
    resourceSpans: json.resourceSpans.map((rs) => ({
      ...rs,
      scopeSpans: rs.scopeSpans.map((ss) => ({
        ...ss,
        spans: ss.spans.map((sp) => ({ ...sp, traceId: Buffer.from(sp.traceId, 'hex'), spanId: Buffer.from(sp.spanId, 'hex') })),
      })),
    })),
  };
  const T = collector.trace.v1.ExportTraceServiceRequest;
  return Buffer.from(T.encode(T.fromObject(withBytes)).finish());
}
