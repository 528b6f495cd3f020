import { describe, expect, it } from 'vitest';
import type { BackendSpan, NetworkData } from '@reprise/protocol';
import { buildMarkers } from '../src/devtools/markers';
import { buildDevtools, type Entry } from '../src/devtools/model';
import { readNetwork } from '../src/devtools/guards';
import {
  backendErrorMoments,
  errorSummary,
  exceptionsOf,
  indexTraces,
  logsInOrder,
  readSessionTraces,
  waterfall,
} from '../src/devtools/traces';

const TRACE = 'a'.repeat(32);
const T0 = 1_700_000_000_000;

function span(id: string, parent: string | null, start: number, end: number, extra: Partial<BackendSpan> = {}): BackendSpan {
  return {
    traceId: TRACE,
    spanId: id.padStart(16, '0'),
    parentSpanId: parent === null ? null : parent.padStart(16, '0'),
    name: `span ${id}`,
    service: 'api',
    kind: 'internal',
    startTime: T0 + start,
    endTime: T0 + end,
    status: 'unset',
    attributes: {},
    events: [],
    ...extra,
  };
}

describe('waterfall', () => {
  it('orders the tree depth-first, children by start, with bars inside the trace range', () => {
    // Given out of order, as exporters send them (children usually end, and arrive, first).
    const rows = waterfall([span('3', '1', 60, 100), span('2', '1', 10, 50), span('4', '2', 20, 30), span('1', 'f', 0, 100)]);
    expect(rows.map((r) => [r.span.name, r.depth])).toEqual([
      ['span 1', 0],
      ['span 2', 1],
      ['span 4', 2],
      ['span 3', 1],
    ]);
    expect(rows[0]).toMatchObject({ left: 0, width: 1, hasParent: false });
    expect(rows[1]).toMatchObject({ left: 0.1, width: 0.4, hasParent: true });
    expect(rows[3].left).toBeCloseTo(0.6);
  });

  it('keeps spans whose parent never arrived as roots, in start order, and shows each span once', () => {
    const rows = waterfall([span('9', 'missing', 50, 60), span('1', null, 0, 100), span('1', null, 0, 100), span('2', '1', 5, 6)]);
    expect(rows.map((r) => [r.span.name, r.depth, r.hasParent])).toEqual([
      ['span 1', 0, false],
      ['span 2', 1, true],
      ['span 9', 0, false],
    ]);
  });

  it('survives parent cycles and zero-length traces', () => {
    const rows = waterfall([span('1', '2', 0, 0), span('2', '1', 0, 0), span('3', '3', 0, 0)]);
    expect(rows.map((r) => r.span.name).sort()).toEqual(['span 1', 'span 2', 'span 3']);
    for (const r of rows) expect(r).toMatchObject({ left: 0, width: 0 });
    expect(waterfall([])).toEqual([]);
  });
});

describe('reading traces', () => {
  const answer = {
    traces: [
      {
        traceId: TRACE,
        requestId: 'r1',
        error: false,
        spans: [
          span('1', null, 0, 40, { kind: 'server', name: 'POST /api/checkout' }),
          span('2', '1', 10, 20, {
            name: 'charge card',
            status: 'error',
            events: [
              {
                name: 'exception',
                time: T0 + 15,
                attributes: {
                  'exception.type': 'CardExpiredError',
                  'exception.message': 'card expired',
                  'exception.stacktrace': 'at charge',
                },
              },
            ],
          }),
          { spanId: 'no trace id' },
          'junk',
        ],
        logs: [
          {
            traceId: TRACE,
            spanId: '2'.padStart(16, '0'),
            time: T0 + 16,
            severityText: 'ERROR',
            severityNumber: 17,
            body: 'declined',
            service: 'api',
            attributes: {},
          },
          {
            traceId: TRACE,
            spanId: null,
            time: T0 + 5,
            severityText: 'INFO',
            severityNumber: 9,
            body: { msg: 'start' },
            service: 'api',
            attributes: null,
          },
          { time: 'bad' },
        ],
      },
      { nope: true },
    ],
  };

  it('keeps what is readable, derives the error flag, and lists exceptions and logs in time order', () => {
    const [t, ...rest] = readSessionTraces(answer);
    expect(rest).toEqual([]);
    expect(t.spans.map((s) => s.name)).toEqual(['POST /api/checkout', 'charge card']);
    // The server said no error, but a span failed: the viewer's reading wins.
    expect(t.error).toBe(true);
    expect(exceptionsOf(t)).toMatchObject([{ type: 'CardExpiredError', message: 'card expired', stacktrace: 'at charge' }]);
    expect(logsInOrder(t).map((l) => l.severityText)).toEqual(['INFO', 'ERROR']);
    expect(errorSummary(t)).toEqual({ time: T0 + 15, text: 'api: CardExpiredError: card expired' });
    expect(readSessionTraces({ traces: 'x' })).toEqual([]);
    expect(readSessionTraces(null)).toEqual([]);
  });

  it('marks a backend error at its request, within the request, and only for failed traces', () => {
    const traces = indexTraces(readSessionTraces(answer));
    const net = (traceId: string | undefined, offset: number): Entry<NetworkData> => ({
      index: 0,
      t: T0 + offset,
      offset,
      data: { ...readNetwork({ method: 'POST', url: 'https://shop/api/checkout', status: 422, durationMs: 8 }), traceId },
    });
    // 15 ms into the trace, capped at the 8 ms the request took in the browser.
    expect(backendErrorMoments([net(TRACE, 1000), net(undefined, 2000), net('b'.repeat(32), 3000)], traces)).toEqual([
      { offset: 1008, label: 'Backend error: api: CardExpiredError: card expired' },
    ]);
  });

  it('puts backend-error markers on the scrub bar', () => {
    const dt = buildDevtools({
      dom: [],
      other: [
        {
          t: T0 + 500,
          kind: 'network',
          data: {
            id: 'r1',
            initiator: 'fetch',
            method: 'POST',
            url: 'https://shop/api/checkout',
            status: 422,
            requestHeaders: {},
            responseHeaders: {},
            requestBody: null,
            responseBody: null,
            startedAt: T0 + 500,
            durationMs: 30,
            traceId: TRACE,
            spanId: '1'.repeat(16),
          },
        },
      ],
      startTime: T0,
      durationMs: 10_000,
      viewport: { width: 1, height: 1 },
      firstSnapshotMs: 0,
      unreadable: 0,
    });
    expect(dt.network[0].data.traceId).toBe(TRACE);
    const markers = buildMarkers(
      dt,
      { dom: [], other: [], startTime: T0, durationMs: 10_000, viewport: { width: 1, height: 1 }, firstSnapshotMs: 0, unreadable: 0 },
      indexTraces(readSessionTraces(answer)),
    );
    expect(markers.filter((m) => m.kind === 'backend-error').map((m) => m.offset)).toEqual([515]);
  });

  it('drops malformed trace ids from network events', () => {
    const d = readNetwork({ method: 'GET', url: 'u', status: 200, traceId: 'XYZ', spanId: 'b'.repeat(16) });
    expect(d.traceId).toBeUndefined();
    expect(d.spanId).toBe('b'.repeat(16));
  });
});
