import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNdjson, type ReplayEvent, type SessionTimeline } from '@reprise/protocol';
import { extractIndexRows } from '../src/ingest/extract.js';
import { exportSession, importSession } from '../src/lifecycle/transfer.js';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeEach(async () => (s = await startTestServer()));
afterEach(async () => s.close());

const T0 = Date.now() - 60_000;
const meta = (t: number) => domEvent(t, 4, { href: 'https://shop.example/', width: 800, height: 600 });
const full = (t: number) => domEvent(t, 2, { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { top: 0, left: 0 } });
const moves = (from: number, n: number) => Array.from({ length: n }, (_, i) => domEvent(from + i * 10));

/**
 * seq 0: the first page (Meta, a console line in between, full snapshot) and activity;
 * seq 1: activity only; seq 2: a checkout (Meta + snapshot) and a Meta cut off at the end;
 * seq 3: that Meta's snapshot, alone; seq 4: empty.
 */
function batches(sid: string) {
  return [
    makeBatch(sid, 0, [meta(T0), { t: T0 + 1, kind: 'console', data: { level: 'log', args: [] } }, full(T0 + 2), ...moves(T0 + 5, 20)]),
    makeBatch(sid, 1, moves(T0 + 5000, 30)),
    makeBatch(sid, 2, [...moves(T0 + 10_000, 5), meta(T0 + 10_100), full(T0 + 10_101), ...moves(T0 + 10_200, 5), meta(T0 + 10_900)]),
    makeBatch(sid, 3, [full(T0 + 11_000), ...moves(T0 + 11_010, 3)]),
    makeBatch(sid, 4, []),
  ];
}

async function timeline(sid: string): Promise<SessionTimeline> {
  const res = await s.app.inject({ url: `/api/v1/sessions/${sid}/timeline`, headers: { cookie: s.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as SessionTimeline;
}

async function snapshotRows(sid: string): Promise<number> {
  return Number((await s.query<{ n: number }>('SELECT count(*) AS n FROM full_snapshots WHERE session_id = ?', sid))[0]!.n);
}

describe('replay index (full snapshots) and GET /api/v1/sessions/:id/timeline', () => {
  it('records full snapshots with the Meta before them, and every batch range, at ingest', async () => {
    const sid = 'sess_timeline_01';
    for (const b of batches(sid)) expect((await postBatch(s, b)).statusCode).toBe(200);
    // A re-sent batch is a duplicate: no second row.
    expect((await postBatch(s, batches(sid)[2]!)).json()).toMatchObject({ duplicate: true });

    const tl = await timeline(sid);
    expect(tl.sessionId).toBe(sid);
    expect(tl.startedAt).toBe(T0);
    expect(tl.endedAt).toBe(T0 + 11_030);
    expect(tl.live).toBe(true);
    expect(tl.snapshots).toEqual([
      { t: T0 + 2, startT: T0 },
      { t: T0 + 10_101, startT: T0 + 10_100 },
      // Its Meta went out with the previous batch: it starts at itself.
      { t: T0 + 11_000, startT: T0 + 11_000 },
    ]);
    expect(tl.batches.map((b) => [b.seq, b.tMin, b.tMax, b.eventCount])).toEqual([
      [0, T0, T0 + 195, 23],
      [1, T0 + 5000, T0 + 5290, 30],
      [2, T0 + 10_000, T0 + 10_900, 13],
      [3, T0 + 11_000, T0 + 11_030, 4],
    ]);
    for (const b of tl.batches) expect(b.bytes, `seq ${b.seq}`).toBeGreaterThan(0);
    expect(await snapshotRows(sid)).toBe(3);

    // A range read from a snapshot's startT holds what rrweb needs to start there: Meta, then the snapshot.
    const from = tl.snapshots[1]!;
    const ev = await s.app.inject({
      url: `/api/v1/sessions/${sid}/events?from=${from.startT}&to=${from.t}`,
      headers: { cookie: s.cookie },
    });
    expect(parseNdjson(ev.body).map((e) => (e.data as { type: number }).type)).toEqual([4, 2]);

    // Windows open at one end (the viewer's first and last ones).
    const read = async (q: string) => {
      const res = await s.app.inject({ url: `/api/v1/sessions/${sid}/events?${q}`, headers: { cookie: s.cookie } });
      expect(res.statusCode, res.body).toBe(200);
      return parseNdjson(res.body).map((e) => e.t);
    };
    expect(await read(`from=${T0 + 11_000}`)).toEqual([T0 + 11_000, T0 + 11_010, T0 + 11_020, T0 + 11_030]);
    expect(await read(`to=${T0 + 2}`)).toEqual([T0, T0 + 1, T0 + 2]);
  });

  it('answers 404 for an unknown session, and the rows go with a deleted session', async () => {
    expect((await s.app.inject({ url: '/api/v1/sessions/sess_nope_nope/timeline', headers: { cookie: s.cookie } })).statusCode).toBe(404);
    const sid = 'sess_timeline_02';
    for (const b of batches(sid)) await postBatch(s, b);
    expect(await snapshotRows(sid)).toBe(3);
    expect(await s.store.deleteSession(sid)).toBe(true);
    expect(await snapshotRows(sid)).toBe(0);
    expect((await s.app.inject({ url: `/api/v1/sessions/${sid}/timeline`, headers: { cookie: s.cookie } })).statusCode).toBe(404);
  });

  it('is rebuilt by an import (Reprise and rrweb formats)', async () => {
    const sid = 'sess_timeline_03';
    for (const b of batches(sid)) await postBatch(s, b);
    const original = await timeline(sid);

    const file = await exportSession(s.store, sid, 'reprise');
    const again = await importSession(s.store, file);
    expect(again.takenId).toBe(sid);
    expect((await timeline(again.sessionId)).snapshots).toEqual(original.snapshots);

    // rrweb's own format has no batches to cut a Meta from its snapshot: every snapshot starts at its Meta.
    const rr = await importSession(s.store, await exportSession(s.store, sid, 'rrweb'));
    expect((await timeline(rr.sessionId)).snapshots).toEqual([
      { t: T0 + 2, startT: T0 },
      { t: T0 + 10_101, startT: T0 + 10_100 },
      { t: T0 + 11_000, startT: T0 + 10_900 },
    ]);
  });
});

describe('snapshot extraction', () => {
  const rr = (t: number, type: number): ReplayEvent => domEvent(t, type, {});

  it('starts a snapshot at the first event of the Meta / DomContentLoaded / Load run before it', () => {
    const rows = extractIndexRows([
      rr(1, 0),
      rr(2, 4),
      { t: 3, kind: 'nav', data: { url: 'https://a.example/', type: 'load' } },
      rr(4, 2),
      rr(5, 3),
      rr(6, 4),
      rr(7, 3),
      rr(8, 2), // an incremental between Meta and snapshot breaks the run
      rr(9, 2), // a snapshot right after a snapshot
    ]).snapshots;
    expect(rows).toEqual([
      { t: 4, startT: 1 },
      { t: 8, startT: 8 },
      { t: 9, startT: 9 },
    ]);
  });

  it('ignores malformed dom events', () => {
    const rows = extractIndexRows([
      { t: 1, kind: 'dom', data: null },
      { t: 2, kind: 'dom', data: { type: '2' } },
      { t: Number.NaN, kind: 'dom', data: { type: 2 } },
      rr(3, 2),
    ]).snapshots;
    expect(rows).toEqual([{ t: 3, startT: 3 }]);
  });
});
