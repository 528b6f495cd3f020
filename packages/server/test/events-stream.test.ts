import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, type ReplayEvent } from '@reprise/protocol';
import { extractIndexRows } from '../src/ingest/extract.js';
import { exportSession } from '../src/lifecycle/transfer.js';
import { encodeBatchJson } from '../src/store/chunk-codec.js';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * Issue 12: `/events` streams chunk by chunk (never the whole session in memory), in exactly the
 * order a sort of the whole session gives, and reading never throws on anything stored.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.close());

const get = (url: string) => s.app.inject({ url, headers: { cookie: s.cookie } });
const custom = (t: number, n: number): ReplayEvent => ({ t, kind: 'custom', data: { type: 'mark', n } });

describe('GET /sessions/:id/events streams', () => {
  const SID = 'sess_stream_order';
  // Batches overlap in time and one tab clock is skewed back: the stream must still be sorted,
  // ties in seq order, then in batch order.
  const batches: ReplayEvent[][] = [
    [custom(100, 0), custom(300, 1), custom(500, 2), custom(500, 3)],
    [custom(200, 4), custom(500, 5), custom(400, 6)],
    [custom(50, 7), custom(100, 8)],
    [custom(600, 9)],
  ];

  beforeAll(async () => {
    for (const [seq, events] of batches.entries()) expect((await postBatch(s, makeBatch(SID, seq, events))).statusCode).toBe(200);
  });

  it('yields every event in time order, ties by seq then position, as one sort of the session would', async () => {
    const r = await get(`/api/v1/sessions/${SID}/events`);
    expect(r.statusCode).toBe(200);
    const ns = parseNdjson(r.body).map((e) => (e.data as { n: number }).n);
    expect(ns).toEqual([7, 0, 8, 4, 1, 6, 2, 3, 5, 9]);
  });

  it('keeps the time range filter', async () => {
    const r = await get(`/api/v1/sessions/${SID}/events?from=100&to=400`);
    expect(parseNdjson(r.body).map((e) => (e.data as { n: number }).n)).toEqual([0, 8, 4, 1, 6]);
  });

  it('sends the first batches while later ones are still being read', async () => {
    // The last batch's chunk read is held until the client has seen the earlier events: a
    // server that builds the whole body first never sends them, and the test fails.
    const chunks = s.store.chunks;
    const originalGet = chunks.get.bind(chunks);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    chunks.get = async (key, range) => {
      if (key.includes(`/${SID}/0000000003-`)) await gate;
      return originalGet(key, range);
    };
    await s.app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = s.app.server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', path: `/api/v1/sessions/${SID}/events`, headers: { cookie: s.cookie } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
            // Everything before the held batch's first event (t 600) can be sent already.
            if (parseNdjson(text.slice(0, text.lastIndexOf('\n') + 1)).length >= 9) release();
          });
          res.on('end', () => resolve(text));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      expect(parseNdjson(body)).toHaveLength(10);
    } finally {
      chunks.get = originalGet;
      release();
    }
  });
});

describe('reading never throws on what is stored', () => {
  const SID = 'sess_stored_deep';

  beforeAll(async () => {
    // An event 5,000 arrays deep, stored as it could be before ingest bounded depth (straight
    // through the store: JSON.stringify itself cannot build it).
    const deep = '['.repeat(5000) + '1' + ']'.repeat(5000);
    const raw = Buffer.from(
      `{"v":1,"sessionId":"${SID}","seq":1,"events":[{"t":2001,"kind":"custom","data":${deep}},{"t":2002,"kind":"custom","data":{"n":2}}]}`,
    );
    const stub: ReplayEvent[] = [custom(2001, 1), custom(2002, 2)];
    expect((await postBatch(s, makeBatch(SID, 0, [domEvent(2000)]))).statusCode).toBe(200);
    await s.store.appendBatch({
      projectId: (await s.store.listProjects())[0]!.id,
      batch: makeBatch(SID, 1, stub),
      facts: { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null },
      index: extractIndexRows(stub),
      receivedAt: Date.now(),
      chunk: await encodeBatchJson(raw, null, stub),
    });
    expect((await postBatch(s, makeBatch(SID, 2, [domEvent(2003)]))).statusCode).toBe(200);
  });

  it('/events answers 200 with every other event', async () => {
    const r = await get(`/api/v1/sessions/${SID}/events`);
    expect(r.statusCode).toBe(200);
    expect(parseNdjson(r.body).map((e) => e.t)).toEqual([2000, 2002, 2003]);
  });

  it('/timeline, the session and search answer 200', async () => {
    expect((await get(`/api/v1/sessions/${SID}/timeline`)).statusCode).toBe(200);
    expect((await get(`/api/v1/sessions/${SID}`)).statusCode).toBe(200);
    expect((await get(`/api/v1/sessions?q=${encodeURIComponent('url:"shop.example"')}`)).statusCode).toBe(200);
  });

  it('both export formats serialize, without the unreadable event', async () => {
    const reprise = await exportSession(s.store, SID, 'reprise');
    const text = JSON.stringify(reprise);
    expect(JSON.parse(text).batches.flatMap((b: { events: ReplayEvent[] }) => b.events.map((e) => e.t))).toEqual([2000, 2002, 2003]);
    expect(JSON.stringify(await exportSession(s.store, SID, 'rrweb'))).toContain('"timestamp":2003');
  });
});
