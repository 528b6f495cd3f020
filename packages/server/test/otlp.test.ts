import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SessionList } from '@reprise/protocol';
import { startTestServer, type TestServer } from './helpers.js';
import { hex, jsonTraces, protoTraces, recordTraces, sessionTraces } from './otlp-support.js';

/**
 * The OTLP receiver end to end, on the test project's backend: the real OpenTelemetry JS
 * exporters (protobuf and JSON, traces and logs) post to a listening server, and the spans and
 * logs come back through GET /api/v1/sessions/:id/traces, redacted, counted and searchable.
 */
let s: TestServer;
let base: string;
beforeAll(async () => {
  s = await startTestServer();
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = s.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/otlp/v1`;
});
afterAll(async () => s.close());

function tracing(exporter: ProtoTraceExporter | JsonTraceExporter, service: string) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

/** The browser's traceparent as the backend's parent context. */
function remoteParent(traceId: string): Context {
  return trace.setSpanContext(context.active(), { traceId, spanId: hex(8), traceFlags: 1, isRemote: true });
}

async function search(q: string): Promise<string[]> {
  const res = await s.app.inject({ url: `/api/v1/sessions?q=${encodeURIComponent(q)}`, headers: { cookie: s.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as SessionList).sessions.map((x) => x.id);
}

async function counts(sessionId: string) {
  const res = await s.app.inject({ url: `/api/v1/sessions/${sessionId}`, headers: { cookie: s.cookie } });
  return (res.json() as { counts: { backendErrors: number } }).counts;
}

describe('OTLP receiver with the OpenTelemetry JS exporters', () => {
  it('keeps the spans and logs of recorded requests, whichever arrives first, redacted', async () => {
    const early = hex(16); // the browser batch first, then the spans
    const late = hex(16); // the spans first (pending), then the batch
    const sid = 'sess_otlp_full_01';
    await recordTraces(s, sid, 0, [early]);

    const headers = { 'x-reprise-key': s.projectKey };
    const protoProvider = tracing(new ProtoTraceExporter({ url: `${base}/traces`, headers }), 'checkout-api');
    const tracer = protoProvider.getTracer('shop');
    const server = tracer.startSpan('POST /api/checkout', { kind: 1 }, remoteParent(early));
    const serverCtx = trace.setSpan(context.active(), server);
    const charge = tracer.startSpan(
      'charge card',
      {
        attributes: {
          'db.statement': "SELECT id FROM cards WHERE number = '4242424242424242' AND cvc = 123",
          'user.password': 'hunter2',
          'http.request.header.authorization': 'Bearer abcdefgh12345678',
          'payment.provider': 'stripe',
        },
      },
      serverCtx,
    );
    charge.recordException(Object.assign(new Error('card expired'), { name: 'CardExpired' }));
    charge.setStatus({ code: SpanStatusCode.ERROR, message: 'card expired' });
    charge.end();
    server.end();
    await protoProvider.forceFlush();

    // Logs of the charge span, protobuf and JSON.
    for (const Exporter of [ProtoLogExporter, JsonLogExporter]) {
      const logs = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': 'checkout-api' }),
        processors: [new SimpleLogRecordProcessor({ exporter: new Exporter({ url: `${base}/logs`, headers }) })],
      });
      logs.getLogger('shop').emit({
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: `payment declined (${Exporter === ProtoLogExporter ? 'proto' : 'json'})`,
        attributes: { 'card.number': '4242424242424242', order: 'A-17' },
        context: trace.setSpan(context.active(), charge),
      });
      await logs.forceFlush();
      await logs.shutdown();
    }

    // JSON exporter, before the batch that names its trace.
    const jsonProvider = tracing(new JsonTraceExporter({ url: `${base}/traces`, headers }), 'inventory');
    jsonProvider.getTracer('stock').startSpan('reserve stock', {}, remoteParent(late)).end();
    await jsonProvider.forceFlush();
    expect((await sessionTraces(s, sid)).traces.map((t) => t.traceId)).toEqual([early]);
    await recordTraces(s, sid, 1, [late]);
    await protoProvider.shutdown();
    await jsonProvider.shutdown();

    const { traces } = await sessionTraces(s, sid);
    const first = traces.find((t) => t.traceId === early)!;
    expect(first.requestId).toBe(`req_${early.slice(0, 8)}`);
    expect(first.error).toBe(true);
    expect(first.spans.map((x) => [x.name, x.service, x.kind, x.status])).toEqual(
      expect.arrayContaining([
        ['POST /api/checkout', 'checkout-api', 'server', 'unset'],
        ['charge card', 'checkout-api', 'internal', 'error'],
      ]),
    );
    const chargeSpan = first.spans.find((x) => x.name === 'charge card')!;
    expect(chargeSpan.parentSpanId).toBe(server.spanContext().spanId);
    expect(chargeSpan.statusMessage).toBe('card expired');
    expect(chargeSpan.attributes).toMatchObject({
      'db.statement': 'SELECT id FROM cards WHERE number = ? AND cvc = ?',
      'user.password': '[redacted]',
      'http.request.header.authorization': '[redacted]',
      'payment.provider': 'stripe',
    });
    expect(chargeSpan.events[0]).toMatchObject({
      name: 'exception',
      attributes: { 'exception.type': 'CardExpired', 'exception.message': 'card expired' },
    });
    expect(chargeSpan.endTime).toBeGreaterThanOrEqual(chargeSpan.startTime);
    expect(first.logs.map((l) => [l.body, l.severityNumber, l.spanId, l.attributes['card.number'], l.attributes.order])).toEqual(
      expect.arrayContaining([
        ['payment declined (proto)', 17, charge.spanContext().spanId, '[redacted]', 'A-17'],
        ['payment declined (json)', 17, charge.spanContext().spanId, '[redacted]', 'A-17'],
      ]),
    );
    const second = traces.find((t) => t.traceId === late)!;
    expect(second.spans.map((x) => [x.name, x.service])).toEqual([['reserve stock', 'inventory']]);
    expect(second.error).toBe(false);

    // The error span and the two ERROR logs.
    expect((await counts(sid)).backendErrors).toBe(3);
    // Nothing secret reached the stored rows.
    const rows = await s.query<{ data: string }>('SELECT data FROM backend_spans UNION ALL SELECT data FROM backend_logs');
    expect(rows.map((r) => r.data).join('\n')).not.toMatch(/hunter2|4242424242424242|abcdefgh12345678/);
  });

  it('stores an exporter retry once, searches by service, span, trace and backend errors, and deletes with the session', async () => {
    const traceId = hex(16);
    const other = 'sess_otlp_plain_02';
    const sid = 'sess_otlp_search_02';
    await recordTraces(s, sid, 0, [traceId]);
    await recordTraces(s, other, 0, [hex(16)]);
    const body = jsonTraces('billing', [{ traceId, name: 'refund order', error: true }]);
    for (let i = 0; i < 2; i++) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/otlp/v1/traces',
        headers: { 'content-type': 'application/x-protobuf', 'x-reprise-key': s.projectKey },
        payload: protoTraces(body),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toContain('application/x-protobuf');
    }
    expect((await sessionTraces(s, sid)).traces[0]!.spans).toHaveLength(1);
    expect((await counts(sid)).backendErrors).toBe(1);

    expect(await search('service:billing')).toEqual([sid]);
    expect(await search('span:"refund ord"')).toEqual([sid]);
    expect(await search(`trace:${traceId.toUpperCase()}`)).toEqual([sid]);
    expect(await search('has:backend-error service:billing')).toEqual([sid]);
    expect(await search('-has:backend-error')).toContain(other);
    expect(await search('-has:backend-error')).not.toContain(sid);
    expect(await search('service:nobody')).toEqual([]);

    const del = await s.app.inject({ method: 'DELETE', url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } });
    expect(del.statusCode, del.body).toBeLessThan(300);
    for (const table of ['backend_spans', 'trace_requests', 'backend_logs']) {
      expect(Number((await s.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE session_id = ?`, sid))[0]!.n)).toBe(0);
    }
  });

  it('drops pending spans after their time, and past the byte cap, and answers partialSuccess', async () => {
    const traceId = hex(16);
    const res = await s.app.inject({
      method: 'POST',
      url: '/otlp/v1/traces',
      headers: { 'content-type': 'application/json', 'x-reprise-key': s.projectKey },
      payload: jsonTraces('api', [{ traceId, name: 'never claimed' }]),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({});
    expect(await s.store.expireOtlpPending(Date.now() + 1)).toBeGreaterThanOrEqual(1);
    const sid = 'sess_otlp_expired_03';
    await recordTraces(s, sid, 0, [traceId]);
    expect((await sessionTraces(s, sid)).traces).toEqual([
      { traceId, requestId: `req_${traceId.slice(0, 8)}`, spans: [], logs: [], error: false },
    ]);

    // A cap of 1 byte: nothing fits.
    const full = await s.store.appendOtlp({
      projectId: (await s.store.getProjectByKey(s.projectKey))!.id,
      spans: [
        {
          traceId: hex(16),
          spanId: hex(8),
          parentSpanId: null,
          name: 'x',
          service: 'api',
          kind: 'server',
          startTime: 1,
          endTime: 2,
          status: 'unset',
          attributes: {},
          events: [],
        },
      ],
      logs: [],
      receivedAt: Date.now(),
      pendingMaxBytes: 1,
    });
    expect(full).toEqual({ stored: 0, pending: 0, dropped: 1 });
  });

  it('accepts a write token for one project and refuses a read token', async () => {
    const traceId = hex(16);
    const sid = 'sess_otlp_token_04';
    await recordTraces(s, sid, 0, [traceId]);
    const projectId = (await s.store.getProjectByKey(s.projectKey))!.id;
    const token = async (scope: 'read' | 'write') => {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { cookie: s.cookie },
        payload: { name: `otlp ${scope}`, scope, projectIds: [projectId] },
      });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { token: string }).token;
    };
    const post = (auth: string) =>
      s.app.inject({
        method: 'POST',
        url: '/otlp/v1/traces',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
        payload: jsonTraces('api', [{ traceId, name: 'with token' }]),
      });
    expect((await post(await token('read'))).statusCode).toBe(403);
    expect((await post('rpt_nope')).statusCode).toBe(401);
    expect((await sessionTraces(s, sid)).traces[0]!.spans).toHaveLength(0);
    const ok = await post(await token('write'));
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await sessionTraces(s, sid)).traces[0]!.spans.map((x) => x.name)).toEqual(['with token']);
  });
});
