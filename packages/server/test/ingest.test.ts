import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseNdjson, type SessionDetail, type SessionList } from '@reprise/protocol';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
beforeEach(async () => (s = await startTestServer()));
afterEach(async () => s.close());

describe('ingest and read back', () => {
  it('stores batches durably and serves events in time order, ignoring duplicate seqs', async () => {
    const sid = 'sess_aaaaaaaaaaaa';
    const b1 = makeBatch(
      sid,
      1,
      [domEvent(2000), { t: 2500, kind: 'console', data: { level: 'warn', args: ['x'] } }],
      'https://shop.example/cart',
    );
    const b0 = makeBatch(sid, 0, [domEvent(1000, 4, { href: 'https://shop.example/', width: 800, height: 600 }), domEvent(1500)]);
    // Out of order arrival, then a duplicate of seq 1 with different content.
    expect((await postBatch(s, b1)).json()).toEqual({ ok: true, sessionId: sid, seq: 1, duplicate: false });
    expect((await postBatch(s, b0)).json()).toMatchObject({ duplicate: false });
    const dup = await postBatch(s, makeBatch(sid, 1, [domEvent(9999)]));
    expect(dup.statusCode).toBe(200);
    expect(dup.json()).toMatchObject({ duplicate: true });

    const ev = await s.app.inject({ url: `/api/v1/sessions/${sid}/events`, headers: { cookie: s.cookie } });
    expect(ev.statusCode).toBe(200);
    expect(ev.headers['content-type']).toContain('application/x-ndjson');
    const events = parseNdjson(ev.body);
    expect(events.map((e) => e.t)).toEqual([1000, 1500, 2000, 2500]);
    expect(events[0]).toEqual({
      t: 1000,
      kind: 'dom',
      data: { type: 4, timestamp: 1000, data: { href: 'https://shop.example/', width: 800, height: 600 } },
    });

    const detail = (await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } })).json() as SessionDetail;
    expect(detail).toMatchObject({
      id: sid,
      startedAt: 1000,
      endedAt: 2500,
      durationMs: 1500,
      firstUrl: 'https://shop.example/',
      browser: 'Chrome',
      os: 'Windows',
      device: 'desktop',
      eventCount: 4,
      batchCount: 2,
      lastSeq: 1,
      missingSeqs: [],
    });
  });

  it('reports gaps in seq', async () => {
    const sid = 'sess_gapgapgap';
    await postBatch(s, makeBatch(sid, 0, [domEvent(1)]));
    await postBatch(s, makeBatch(sid, 3, [domEvent(2)]));
    const d = (await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } })).json() as SessionDetail;
    expect(d.missingSeqs).toEqual([1, 2]);
  });

  it('lists sessions newest first with a cursor', async () => {
    for (let i = 0; i < 5; i++) await postBatch(s, makeBatch(`sess_list_${i}xxxx`, 0, [domEvent(1000 * (i + 1))]));
    const p1 = (await s.app.inject({ url: '/api/v1/sessions?limit=2', headers: { cookie: s.cookie } })).json() as SessionList;
    expect(p1.sessions.map((x) => x.id)).toEqual(['sess_list_4xxxx', 'sess_list_3xxxx']);
    expect(Object.keys(p1.sessions[0]!).sort()).toEqual(
      [
        'browser',
        'counts',
        'device',
        'durationMs',
        'endedAt',
        'firstUrl',
        'id',
        'os',
        'projectId',
        'startedAt',
        'linkId',
        'linkLabel',
        'userId',
        'release',
        'tags',
        'live',
        'activeMs',
        'pageCount',
        'truncated',
      ].sort(),
    );
    const p2 = (
      await s.app.inject({ url: `/api/v1/sessions?limit=2&cursor=${p1.nextCursor}`, headers: { cookie: s.cookie } })
    ).json() as SessionList;
    expect(p2.sessions.map((x) => x.id)).toEqual(['sess_list_2xxxx', 'sess_list_1xxxx']);
    const p3 = (
      await s.app.inject({ url: `/api/v1/sessions?limit=2&cursor=${p2.nextCursor}`, headers: { cookie: s.cookie } })
    ).json() as SessionList;
    expect(p3.sessions.map((x) => x.id)).toEqual(['sess_list_0xxxx']);
    expect(p3.nextCursor).toBeNull();
  });
});

describe('devtools events', () => {
  it('counts errors, console levels and 4xx/5xx/failed requests at ingest and fills the index tables', async () => {
    const sid = 'sess_devtools01';
    const net = (t: number, status: number, extra: object = {}) => ({
      t,
      kind: 'network' as const,
      data: {
        id: `r${t}`,
        initiator: 'fetch',
        method: 'post',
        url: `https://shop.example/api/${t}`,
        status,
        requestHeaders: {},
        responseHeaders: {},
        requestBody: null,
        responseBody: null,
        startedAt: t,
        durationMs: 12,
        ...extra,
      },
    });
    const events = [
      domEvent(1000),
      { t: 1001, kind: 'console' as const, data: { level: 'error', args: [{ type: 'string', value: 'card_expiry invalid format' }] } },
      {
        t: 1002,
        kind: 'console' as const,
        data: { level: 'warn', args: [{ type: 'object', entries: [['status', { type: 'number', value: 422 }]] }] },
      },
      { t: 1003, kind: 'console' as const, data: { level: 'log', args: [] } },
      {
        t: 1004,
        kind: 'error' as const,
        data: {
          name: 'TypeError',
          message: "Cannot read properties of undefined (reading 'confirmation')",
          stack: 'TypeError: ...\n at retry (checkout.js:10:5)',
        },
      },
      net(1005, 422),
      net(1006, 404),
      net(1007, 503),
      net(1008, 0, { error: 'network' }),
      net(1009, 200),
      { t: 1010, kind: 'error' as const, data: 'garbage is skipped, not fatal' },
    ];
    expect((await postBatch(s, makeBatch(sid, 0, events))).statusCode).toBe(200);
    const counts = {
      errors: 1,
      consoleErrors: 1,
      consoleWarnings: 1,
      network4xx: 2,
      network5xx: 1,
      networkFailed: 1,
      feedback: 0,
      clicks: 0,
      keyPresses: 0,
      rageClicks: 0,
      deadClicks: 0,
      errorClicks: 0,
      backendErrors: 0,
    };
    const d = (await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } })).json() as SessionDetail;
    expect(d.counts).toEqual(counts);
    const l = (await s.app.inject({ url: '/api/v1/sessions', headers: { cookie: s.cookie } })).json() as SessionList;
    expect(l.sessions.find((x) => x.id === sid)!.counts).toEqual(counts);
    // A duplicate batch must not count twice.
    await postBatch(s, makeBatch(sid, 0, events));
    expect(
      ((await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } })).json() as SessionDetail).counts,
    ).toEqual(counts);

    // The index tables, on either backend.
    expect(await s.query('SELECT method, status, failed FROM network_requests WHERE session_id = ? ORDER BY t', sid)).toEqual([
      { method: 'POST', status: 422, failed: 0 },
      { method: 'POST', status: 404, failed: 0 },
      { method: 'POST', status: 503, failed: 0 },
      { method: 'POST', status: 0, failed: 1 },
      { method: 'POST', status: 200, failed: 0 },
    ]);
    expect(await s.query('SELECT level, text FROM console_messages WHERE session_id = ? ORDER BY t', sid)).toEqual([
      { level: 'error', text: 'card_expiry invalid format' },
      { level: 'warn', text: 'status: 422' },
      { level: 'log', text: '' },
    ]);
    expect(await s.query('SELECT name, message FROM errors WHERE session_id = ?', sid)).toEqual([
      { name: 'TypeError', message: "Cannot read properties of undefined (reading 'confirmation')" },
    ]);
  });
});

describe('accounts and auth', () => {
  it('answers 401 on every API route without login or token', async () => {
    for (const url of ['/api/v1/sessions', '/api/v1/sessions/x', '/api/v1/sessions/x/events', '/api/v1/projects', '/api/v1/auth/me']) {
      const r = await s.app.inject({ url });
      expect(r.statusCode, url).toBe(401);
      expect(r.json()).toMatchObject({ error: 'unauthorized' });
    }
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/tokens' })).statusCode).toBe(401);
  });

  it('rejects a wrong password and sets an httpOnly cookie on login', async () => {
    const bad = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'admin@test.local', password: 'nope' } });
    expect(bad.statusCode).toBe(401);
    const ok = await s.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { host: 'localhost:8080' },
      payload: { email: 'admin@test.local', password: 'correct horse battery staple' },
    });
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/reprise_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it('issues bearer tokens that work, and lists projects with their ingest key', async () => {
    const t = await s.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { cookie: s.cookie }, payload: { name: 'ci' } });
    expect(t.statusCode).toBe(201);
    const { token } = t.json() as { token: string };
    expect(token).toMatch(/^rpt_/);
    const p = await s.app.inject({ url: '/api/v1/projects', headers: { authorization: `Bearer ${token}` } });
    expect(p.statusCode).toBe(200);
    expect((p.json() as { projects: { key: string }[] }).projects[0]!.key).toBe(s.projectKey);
    expect((await s.app.inject({ url: '/api/v1/projects', headers: { authorization: 'Bearer rpt_wrong' } })).statusCode).toBe(401);
  });

  it('does not let an ingest key read anything', async () => {
    const r = await s.app.inject({
      url: `/api/v1/sessions?key=${s.projectKey}`,
      headers: { 'x-reprise-key': s.projectKey, authorization: `Bearer ${s.projectKey}` },
    });
    expect(r.statusCode).toBe(401);
  });
});
