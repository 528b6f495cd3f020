import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickProblem, ErrorGroup, FailingEndpoint, ProblemList, ReplayEvent, SavedSearch } from '@reprise/protocol';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
const NOW = Date.now();
const OLD = NOW - 30 * 86_400_000;

const request = (t: number, method: string, url: string, status: number, extra: object = {}): ReplayEvent => ({
  t,
  kind: 'network',
  data: {
    id: `r${t}`,
    initiator: 'fetch',
    method,
    url,
    status,
    requestHeaders: {},
    responseHeaders: {},
    requestBody: null,
    responseBody: null,
    startedAt: t,
    durationMs: 5,
    ...extra,
  },
});
const jsError = (t: number, message: string, name = 'TypeError'): ReplayEvent => ({ t, kind: 'error', data: { name, message } });
const click = (t: number, selector: string, x: number, text?: string): ReplayEvent => ({
  t,
  kind: 'click',
  data: { selector, x, y: 10, tag: 'button', interactive: true, ...(text ? { text } : {}) },
});
const mutation = (t: number) => domEvent(t, 3, { source: 0, adds: [], removes: [], texts: [{ id: 3, value: 'x' }], attributes: [] });

async function get<T>(url: string, expectStatus = 200): Promise<T> {
  const r = await s.app.inject({ url, headers: { cookie: s.cookie } });
  expect(r.statusCode, r.body).toBe(expectStatus);
  return r.json() as T;
}

beforeAll(async () => {
  s = await startTestServer();
  const t = NOW - 60_000;
  const batches: [string, ReplayEvent[]][] = [
    [
      'sess_prob_one',
      [
        request(t, 'POST', 'https://shop.example/demo/api/checkout', 500),
        request(t + 1, 'POST', 'https://shop.example/demo/api/checkout', 422),
        request(t + 2, 'POST', 'https://shop.example/demo/api/checkout', 422),
        request(t + 3, 'GET', 'https://shop.example/api/orders/123', 404),
        request(t + 4, 'GET', 'https://shop.example/api/orders/77?x=1', 0, { error: 'network' }),
        request(t + 5, 'GET', 'https://shop.example/api/ok', 200),
        request(t + 6, 'POST', 'https://shop.example/api/beacon', 0, { initiator: 'beacon' }),
        jsError(t + 10, 'Order 123 failed'),
        jsError(t + 11, 'Order 456 failed'),
        jsError(t + 12, "Cannot read properties of undefined (reading 'total')"),
        // Rage on #pay (3 clicks, no answer → also 3 dead clicks); one dead click on #coupon.
        click(t + 100, '#pay', 10, 'Pay now'),
        click(t + 200, '#pay', 10, 'Pay now'),
        click(t + 300, '#pay', 10, 'Pay now'),
        click(t + 5000, '#coupon', 400, 'Apply'),
        click(t + 9000, '#ok', 800),
        mutation(t + 9100),
        domEvent(t + 20_000, 3, { source: 1, positions: [] }),
      ],
    ],
    [
      'sess_prob_two',
      [
        request(t + 50, 'POST', 'https://shop.example/demo/api/checkout', 500),
        jsError(t + 60, 'Order 789 failed', 'Error'),
        click(t + 150, '#pay', 10, 'Pay'),
        click(t + 400, '#pay', 10, 'Pay'),
        click(t + 700, '#pay', 10, 'Pay'),
        domEvent(t + 20_000, 3, { source: 1, positions: [] }),
      ],
    ],
    // Outside the default 7-day window.
    ['sess_prob_old', [request(OLD, 'DELETE', 'https://shop.example/api/carts/1', 500), jsError(OLD + 1, 'Ancient failure')]],
  ];
  for (const [sid, events] of batches) expect((await postBatch(s, makeBatch(sid, 0, events))).statusCode).toBe(200);
});
afterAll(async () => s.close());

describe('GET /api/v1/problems/endpoints', () => {
  it('groups failing requests by method and route, with statuses by frequency and a search query', async () => {
    const r = await get<ProblemList<FailingEndpoint>>('/api/v1/problems/endpoints');
    expect(r.since).toBeGreaterThan(NOW - 7 * 86_400_000 - 60_000);
    expect(r.since).toBeLessThanOrEqual(NOW - 7 * 86_400_000 + 60_000);
    expect(r.rows).toEqual([
      {
        method: 'POST',
        route: '/demo/api/checkout',
        statuses: [422, 500],
        count: 4,
        sessions: 2,
        lastSeen: NOW - 60_000 + 50,
        query: 'method:POST request:"/demo/api/checkout" status:>=400',
      },
      {
        method: 'GET',
        route: '/api/orders/:id',
        statuses: [0, 404],
        count: 2,
        sessions: 1,
        lastSeen: NOW - 60_000 + 4,
        query: 'method:GET request:"/api/orders/" (status:>=400 OR status:failed)',
      },
    ]);
  });

  it('honours since and limit, and refuses bad values', async () => {
    const all = await get<ProblemList<FailingEndpoint>>('/api/v1/problems/endpoints?since=0');
    expect(all.since).toBe(0);
    expect(all.rows.map((x) => x.route)).toEqual(['/demo/api/checkout', '/api/orders/:id', '/api/carts/:id']);
    const one = await get<ProblemList<FailingEndpoint>>('/api/v1/problems/endpoints?since=0&limit=1');
    expect(one.rows.map((x) => x.route)).toEqual(['/demo/api/checkout']);
    for (const q of ['since=yesterday', 'since=-5', 'limit=0', 'limit=101', 'limit=2.5']) {
      const e = await get<{ error: string; message: string }>(`/api/v1/problems/endpoints?${q}`, 400);
      expect(e.error, q).toBe('invalid_request');
    }
  });
});

describe('GET /api/v1/problems/errors', () => {
  it('groups errors by normalized message, newest example first', async () => {
    const r = await get<ProblemList<ErrorGroup>>('/api/v1/problems/errors');
    expect(r.rows).toEqual([
      {
        name: 'Error',
        message: 'Order <n> failed',
        example: 'Order 789 failed',
        count: 3,
        sessions: 2,
        lastSeen: NOW - 60_000 + 60,
        top: null,
        query: 'error:"Order" error:"failed"',
      },
      {
        name: 'TypeError',
        message: "Cannot read properties of undefined (reading 'total')",
        example: "Cannot read properties of undefined (reading 'total')",
        count: 1,
        sessions: 1,
        lastSeen: NOW - 60_000 + 12,
        top: null,
        query: 'error:"Cannot read properties of undefined (reading \'total\')"',
      },
    ]);
    expect((await get<ProblemList<ErrorGroup>>('/api/v1/problems/errors?since=0')).rows).toHaveLength(3);
  });
});

describe('GET /api/v1/problems/clicks', () => {
  it('lists rage bursts and dead clicks by selector', async () => {
    const rage = await get<ProblemList<ClickProblem>>('/api/v1/problems/clicks?type=rage');
    expect(rage.rows).toEqual([
      {
        type: 'rage',
        selector: '#pay',
        text: 'Pay',
        count: 2,
        sessions: 2,
        lastSeen: NOW - 60_000 + 150,
        query: 'has:rage selector:"#pay"',
      },
    ]);
    const dead = await get<ProblemList<ClickProblem>>('/api/v1/problems/clicks?type=dead');
    expect(dead.rows).toEqual([
      {
        type: 'dead',
        selector: '#pay',
        text: 'Pay',
        count: 6,
        sessions: 2,
        lastSeen: NOW - 60_000 + 700,
        query: 'has:dead selector:"#pay"',
      },
      {
        type: 'dead',
        selector: '#coupon',
        text: 'Apply',
        count: 1,
        sessions: 1,
        lastSeen: NOW - 60_000 + 5000,
        query: 'has:dead selector:"#coupon"',
      },
    ]);
    for (const q of ['', '?type=error', '?type=rage&limit=x']) {
      expect((await get<{ error: string }>(`/api/v1/problems/clicks${q}`, 400)).error).toBe('invalid_request');
    }
  });

  it('needs a login', async () => {
    for (const url of [
      '/api/v1/problems/endpoints',
      '/api/v1/problems/errors',
      '/api/v1/problems/clicks?type=rage',
      '/api/v1/saved-searches',
    ]) {
      expect((await s.app.inject({ url })).statusCode, url).toBe(401);
    }
  });
});

describe('saved searches', () => {
  it('creates, lists and deletes saved searches of a project', async () => {
    const headers = { cookie: s.cookie };
    const projects = (await get<{ projects: { id: string }[] }>('/api/v1/projects')).projects;
    const created = await s.app.inject({
      method: 'POST',
      url: '/api/v1/saved-searches',
      headers,
      payload: { name: '  Checkout 5xx ', query: 'request:/checkout status:5xx' },
    });
    expect(created.statusCode).toBe(201);
    const a = created.json() as SavedSearch;
    expect(a).toMatchObject({ projectId: projects[0]!.id, name: 'Checkout 5xx', query: 'request:/checkout status:5xx' });
    expect(a.id).toMatch(/^ss_/);
    expect(a.createdBy).toMatch(/^usr_/);
    expect(Math.abs(a.createdAt - Date.now())).toBeLessThan(60_000);
    const b = (
      await s.app.inject({
        method: 'POST',
        url: '/api/v1/saved-searches',
        headers,
        payload: { name: 'Angry users', query: 'has:rage', projectId: projects[0]!.id },
      })
    ).json() as SavedSearch;

    expect((await get<{ searches: SavedSearch[] }>('/api/v1/saved-searches')).searches).toEqual([b, a]);
    expect((await get<{ searches: SavedSearch[] }>(`/api/v1/saved-searches?projectId=${projects[0]!.id}`)).searches).toEqual([b, a]);

    const del = await s.app.inject({ method: 'DELETE', url: `/api/v1/saved-searches/${a.id}`, headers });
    expect(del.statusCode).toBe(204);
    expect((await get<{ searches: SavedSearch[] }>('/api/v1/saved-searches')).searches).toEqual([b]);
    const again = await s.app.inject({ method: 'DELETE', url: `/api/v1/saved-searches/${a.id}`, headers });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: 'not_found' });
  });

  it('refuses bad input with a 400 that says why', async () => {
    const headers = { cookie: s.cookie };
    const bad: [unknown, RegExp][] = [
      [{ query: 'has:rage' }, /name is required/],
      [{ name: '   ', query: 'has:rage' }, /name is required/],
      [{ name: 'x', query: '' }, /query is required/],
      [{ name: 'x', query: 42 }, /query is required/],
      [{ name: 'x'.repeat(201), query: 'has:rage' }, /name is longer/],
      [[1, 2], /JSON object/],
    ];
    for (const [payload, message] of bad) {
      const r = await s.app.inject({ method: 'POST', url: '/api/v1/saved-searches', headers, payload: payload as object });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(message) });
    }
    // An unknown project is not found, the same answer as a project the caller may not see (auth/access.ts).
    const post = await s.app.inject({
      method: 'POST',
      url: '/api/v1/saved-searches',
      headers,
      payload: { name: 'x', query: 'has:rage', projectId: 'prj_nope' },
    });
    expect(post.statusCode).toBe(404);
    expect(post.json()).toMatchObject({ error: 'not_found', message: 'no project prj_nope' });
    const list = await s.app.inject({ url: '/api/v1/saved-searches?projectId=prj_nope', headers });
    expect(list.statusCode).toBe(404);
    expect(list.json()).toMatchObject({ error: 'not_found', message: 'no project prj_nope' });
  });
});
