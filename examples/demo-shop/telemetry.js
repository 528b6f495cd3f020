// OpenTelemetry for the demo shop's API: real SDK tracer and logger providers exporting OTLP
// (protobuf) to the Reprise server the shop runs in, so a recorded checkout shows its backend
// spans and logs next to the request. Nothing is registered globally (the Reprise process is
// not instrumented, only this plugin's routes), and nothing starts until the first API request
// arrives on a listening server (tests that inject requests or never call the API pay nothing).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';

export const SERVICE_NAME = 'demo-shop-api';
/** The header that carries the project's ingest key to Reprise's OTLP receiver (docs/otlp.md). */
export const INGEST_KEY_HEADER = 'x-reprise-key';
// Short, so spans reach the viewer a moment after the request they belong to.
const EXPORT_DELAY_MS = 250;
const EXPORT_TIMEOUT_MS = 3000;
// The longest a server close waits for spans still in the batch. Short: once the server is
// closing it answers 503 to new requests, its own OTLP receiver included, so spans ended in the
// last moments before a close are lost rather than delaying it.
const SHUTDOWN_MS = 300;

/**
 * @typedef {object} Telemetry
 * @property {import('@opentelemetry/api').Tracer} tracer
 * @property {import('@opentelemetry/api-logs').Logger} logger
 * @property {() => Promise<void>} shutdown
 */

/**
 * The OTLP base URL of the server this plugin runs in (its own listening address), or null while
 * it does not listen (fastify.inject).
 * @param {import('fastify').FastifyInstance} app
 */
export function ownOtlpBase(app) {
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') return null;
  const host =
    addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return `http://${host}:${addr.port}/otlp`;
}

/**
 * @param {{ otlpBase: string, projectKey: string }} opts
 * @returns {Telemetry}
 */
export function startTelemetry({ otlpBase, projectKey }) {
  const resource = resourceFromAttributes({ 'service.name': SERVICE_NAME, 'service.version': '0.1.0' });
  const headers = { [INGEST_KEY_HEADER]: projectKey };
  const tracerProvider = new BasicTracerProvider({
    resource,
    // Parent-based: a request the browser recorded arrives sampled, so all of its spans are kept.
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpBase}/v1/traces`, headers, timeoutMillis: EXPORT_TIMEOUT_MS }), {
        scheduledDelayMillis: EXPORT_DELAY_MS,
      }),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${otlpBase}/v1/logs`, headers, timeoutMillis: EXPORT_TIMEOUT_MS }),
        scheduledDelayMillis: EXPORT_DELAY_MS,
      }),
    ],
  });
  return {
    tracer: tracerProvider.getTracer('@reprise/demo-shop'),
    logger: loggerProvider.getLogger('@reprise/demo-shop'),
    shutdown: async () => {
      /** @type {NodeJS.Timeout | undefined} */
      let timer;
      const giveUp = new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_MS)));
      await Promise.race([Promise.allSettled([tracerProvider.shutdown(), loggerProvider.shutdown()]), giveUp]);
      clearTimeout(timer);
    },
  };
}

const propagator = new W3CTraceContextPropagator();

/**
 * Starts the server span of an API request as a child of the caller's `traceparent` (the
 * recorder's), or of nothing.
 * @param {Telemetry} t
 * @param {import('fastify').FastifyRequest} request
 */
export function startServerSpan(t, request) {
  const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
  const route = request.routeOptions.url ?? request.url.split('?')[0];
  const span = t.tracer.startSpan(
    `${request.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/**
 * Ends a server span with the response status (5xx is an error on a server span; 4xx is the
 * client's).
 * @param {import('@opentelemetry/api').Span} span
 * @param {number} status
 */
export function endServerSpan(span, status) {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * The payment step as its own span: an expired card is recorded as the span's exception and
 * logged at ERROR with the span's trace and span ids.
 * @param {Telemetry} t
 * @param {import('@opentelemetry/api').Context} parent
 * @param {{ totalCents: number, items: number, expired: { month: number, year: number } | null }} charge
 */
export function chargeCardSpan(t, parent, charge) {
  const span = t.tracer.startSpan(
    'charge card',
    {
      kind: SpanKind.INTERNAL,
      attributes: { 'payment.provider': 'demo-pay', 'order.total': charge.totalCents / 100, 'order.items': charge.items },
    },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  if (charge.expired) {
    const { month, year } = charge.expired;
    const err = new Error(`card expired: valid through ${String(month).padStart(2, '0')}/${year}`);
    err.name = 'CardExpiredError';
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    t.logger.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      body: `payment declined: ${err.message}`,
      attributes: { 'error.type': err.name, 'order.total': charge.totalCents / 100 },
      context: ctx,
    });
  } else {
    t.logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'payment captured', context: ctx });
  }
  span.end();
}
