import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { extractIndexRows } from '../packages/server/src/ingest/extract.js';
import { decodeOtlp } from '../packages/server/src/otlp/decode.js';
import { OtlpRedactor } from '../packages/server/src/otlp/redact.js';
import { SqliteStore } from '../packages/server/src/store/sqlite/sqlite-store.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';

export interface OtlpBenchOptions {
  runs: number;
  /** Export requests per run, each of `spansPerRequest` spans (an SDK batch exporter sends up to 512). */
  requests: number;
  spansPerRequest: number;
  command: string;
  log?: (line: string) => void;
}

export function otlpOptions(args: { runs?: number; smoke: boolean; command: string }): OtlpBenchOptions {
  return {
    runs: args.runs ?? (args.smoke ? 1 : 5),
    requests: args.smoke ? 4 : 100,
    spansPerRequest: args.smoke ? 50 : 200,
    command: args.command,
  };
}

const SPECS: MetricSpec[] = [
  { key: 'spansPerS', label: 'decode + redact + append (SQLite, durable): spans per second', unit: 'spans/s', role: 'reprise' },
  { key: 'floorSpansPerS', label: 'floor: protobuf decode of the same bodies only', unit: 'spans/s', role: 'baseline' },
  { key: 'ratio', label: 'ingest / decode-only floor', unit: 'ratio', role: 'ratio' },
  { key: 'bodyKB', label: 'one export request (protobuf)', unit: 'KB', role: 'info' },
];

interface ProtoType {
  fromObject(o: object): unknown;
  encode(m: unknown): { finish(): Uint8Array };
}
const ExportTraceServiceRequest = (
  otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } } } }
).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** One export request as an SDK sends it: a server span per trace with a few children (HTTP, SQL, an error now and then). */
function exportBody(traceIds: string[], spans: number, t0: number): Buffer {
  const list = Array.from({ length: spans }, (_, i) => {
    const traceId = traceIds[i % traceIds.length]!;
    const start = BigInt(t0 + i) * 1_000_000n;
    return {
      traceId: Buffer.from(traceId, 'hex'),
      spanId: randomBytes(8),
      parentSpanId: i % 4 === 0 ? undefined : randomBytes(8),
      name: i % 4 === 0 ? 'POST /api/checkout' : i % 4 === 1 ? 'SELECT orders' : 'charge card',
      kind: i % 4 === 0 ? 2 : 1,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 3_000_000n).toString(),
      attributes: [
        { key: 'http.route', value: { stringValue: '/api/checkout' } },
        { key: 'db.statement', value: { stringValue: `SELECT * FROM orders WHERE id = ${i} AND status = 'open'` } },
        { key: 'user.email', value: { stringValue: 'ada@example.com' } },
        { key: 'retry.count', value: { intValue: 2 } },
      ],
      events:
        i % 16 === 3
          ? [
              {
                name: 'exception',
                timeUnixNano: start.toString(),
                attributes: [{ key: 'exception.message', value: { stringValue: 'card expired' } }],
              },
            ]
          : [],
      status: i % 16 === 3 ? { code: 2, message: 'card expired' } : {},
    };
  });
  const msg = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout-api' } }] },
        scopeSpans: [{ scope: { name: 'bench' }, spans: list }],
      },
    ],
  };
  return Buffer.from(ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(msg)).finish());
}

/**
 * Spans ingested per second, store included (decode, redaction, one SQLite transaction per request
 * with synchronous=FULL), against decoding the same bodies only. Every trace id belongs to a
 * recorded request, so every span is stored (the pending area is not involved).
 */
export async function runOtlp(opts: OtlpBenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const rows: Record<string, number>[] = [];
  const redactor = new OtlpRedactor();
  for (let run = 0; run < opts.runs; run++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'reprise-bench-otlp-'));
    const store = new SqliteStore(dir);
    try {
      const project = await store.createProject({ name: 'bench', allowedOrigins: ['*'] });
      const t0 = Date.now() - 60_000;
      const traceIds = Array.from({ length: 64 }, () => randomBytes(16).toString('hex'));
      const events = traceIds.map((traceId, i) => ({
        t: t0 + i,
        kind: 'network' as const,
        data: {
          id: `r${i}`,
          initiator: 'fetch',
          method: 'POST',
          url: 'https://shop.example/api/checkout',
          status: 200,
          startedAt: t0 + i,
          durationMs: 5,
          traceId,
        },
      }));
      await store.appendBatch({
        projectId: project.id,
        batch: { v: 1, sessionId: `bench_otlp_${run}`, seq: 0, events, meta: { url: 'https://shop.example/' } },
        facts: { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null },
        index: extractIndexRows(events),
        receivedAt: Date.now(),
      });
      const bodies = Array.from({ length: opts.requests }, (_, i) => exportBody(traceIds, opts.spansPerRequest, t0 + i * 1000));
      const total = opts.requests * opts.spansPerRequest;

      let t = performance.now();
      for (const b of bodies) decodeOtlp('traces', 'protobuf', b);
      const floorMs = performance.now() - t;

      t = performance.now();
      let stored = 0;
      for (const b of bodies) {
        const p = decodeOtlp('traces', 'protobuf', b);
        const r = await store.appendOtlp({
          projectId: project.id,
          spans: p.spans.map((s) => redactor.span(s)),
          logs: [],
          receivedAt: Date.now(),
          pendingMaxBytes: 64 * 1024 * 1024,
        });
        stored += r.stored;
      }
      const ingestMs = performance.now() - t;
      if (stored !== total) throw new Error(`stored ${stored} of ${total} spans`);
      const row = {
        spansPerS: total / (ingestMs / 1000),
        floorSpansPerS: total / (floorMs / 1000),
        ratio: floorMs / ingestMs,
        bodyKB: bodies[0]!.length / 1024,
      };
      rows.push(row);
      log(
        `otlp run ${run + 1}/${opts.runs}: ${row.spansPerS.toFixed(0)} spans/s stored, floor ${row.floorSpansPerS.toFixed(0)} spans/s, ratio ${row.ratio.toFixed(3)}`,
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    name: 'otlp',
    title: 'OTLP span ingest against decoding alone',
    measured:
      `${opts.requests} protobuf export requests of ${opts.spansPerRequest} spans each (one service; a server span and children with HTTP, SQL ` +
      'and e-mail attributes, an exception now and then), every trace id recorded by a browser batch beforehand, so every span is stored. ' +
      'Reprise: decode (protobufjs over the official OTLP definitions), redact (keys, SQL literals) and Store.appendOtlp on SQLite ' +
      '(one transaction per request, synchronous=FULL), in process, one request at a time.',
    baseline: 'Decoding the same bodies only (protobuf to spans), in the same run.',
    machine: describeMachine(null),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: { requests: opts.requests, spansPerRequest: opts.spansPerRequest, revision: gitRevision() },
    metrics: collectMetrics(SPECS, rows),
    headline: ['spansPerS', 'floorSpansPerS', 'ratio'],
    notes: ['Ratio = decode-only time / ingest time (1 would mean storing costs nothing).'],
  };
}
