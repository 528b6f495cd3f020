import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transformSync } from 'esbuild';
import type { Issue, IssueList, IssueSessionList, ReplayEvent, SessionList } from '@reprise/protocol';
import { ISSUE_SPARK_DAYS } from '@reprise/protocol';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/** Errors grouped into issues through ingest and the API, on both backends (docs/issues.md). */

let s: TestServer;
const NOW = Date.now();
const DAY = 86_400_000;

/** A Chrome stack from a minified bundle whose top frame is `top`. */
const stack = (message: string, top: string) =>
  [
    `TypeError: ${message}`,
    `    at ${top} (https://shop.example/assets/app.3f9a2c1b.js:1:4821)`,
    '    at HTMLButtonElement.onClick (https://shop.example/assets/app.3f9a2c1b.js:1:9000)',
    '    at https://shop.example/sdk/reprise.js:1:100',
  ].join('\n');
const jsError = (t: number, message: string, top = 'submitOrder'): ReplayEvent => ({
  t,
  kind: 'error',
  data: { name: 'TypeError', message, stack: stack(message, top), origin: 'error' },
});
const identify = (t: number, userId: string): ReplayEvent => ({ t, kind: 'custom', data: { type: 'identify', userId } });

let seq = new Map<string, number>();
async function send(sessionId: string, events: ReplayEvent[], release?: string): Promise<void> {
  const n = seq.get(sessionId) ?? 0;
  seq.set(sessionId, n + 1);
  const batch = { ...makeBatch(sessionId, n, [domEvent(events[0]!.t - 1), ...events]), meta: { url: 'https://shop.example/', release } };
  const r = await postBatch(s, batch);
  expect(r.statusCode, r.body).toBe(200);
}

async function api<T>(method: 'GET' | 'PATCH', url: string, payload?: object, status = 200): Promise<T> {
  const r = await s.app.inject({ method, url, headers: { cookie: s.cookie }, ...(payload ? { payload } : {}) });
  expect(r.statusCode, r.body).toBe(status);
  return r.json() as T;
}
const issues = async (q = '') => (await api<IssueList>('GET', `/api/v1/issues${q}`)).issues;
const byType = async (message: string) => (await issues()).filter((i) => i.message === message);

beforeAll(async () => {
  s = await startTestServer();
  seq = new Map();
});
afterAll(async () => {
  await s?.close();
});

describe('issues', () => {
  it('groups one error with different ids into one issue, and a different top frame into another', async () => {
    await send('sess_iss_a', [
      identify(NOW - 2 * DAY, 'ada'),
      jsError(NOW - 2 * DAY + 10, 'Order 123 for 0b0e7d3c-9a2f-4c1e-8f00-1234567890ab failed'),
    ]);
    await send('sess_iss_b', [
      identify(NOW - 1000, 'bob'),
      jsError(NOW - 900, 'Order 98765 for 4f1d2c3b-0000-4000-8000-fedcba987654 failed'),
    ]);
    await send('sess_iss_c', [jsError(NOW - 500, 'Order 5 for 4f1d2c3b-0000-4000-8000-fedcba987655 failed', 'applyCoupon')]);
    await send('sess_iss_c', [jsError(NOW - 400, 'Order 6 for 4f1d2c3b-0000-4000-8000-fedcba987656 failed', 'applyCoupon')]);

    const found = await byType('Order <n> for <id> failed');
    expect(found).toHaveLength(2);
    const [coupon, order] = found as [Issue, Issue];
    expect(coupon).toMatchObject({ type: 'TypeError', count: 2, sessions: 1, users: 0, status: 'open', lastSeen: NOW - 400 });
    expect(order).toMatchObject({ count: 2, sessions: 2, users: 2, firstSeen: NOW - 2 * DAY + 10, lastSeen: NOW - 900 });
    expect(order.daily).toHaveLength(ISSUE_SPARK_DAYS);
    expect(order.daily.slice(-3)).toEqual([1, 0, 1]);
    expect(order.query).toBe(`issue:${order.id}`);

    // Its sessions, the newest occurrence first, each opening at its error.
    const list = await api<IssueSessionList>('GET', `/api/v1/issues/${order.id}/sessions`);
    expect(list.sessions.map((x) => [x.session.id, x.errorAt])).toEqual([
      ['sess_iss_b', NOW - 900],
      ['sess_iss_a', NOW - 2 * DAY + 10],
    ]);

    // issue:<id> searches the same sessions.
    const searched = await api<SessionList>('GET', `/api/v1/sessions?q=${encodeURIComponent(`issue:${order.id}`)}`);
    expect(searched.sessions.map((x) => x.id).sort()).toEqual(['sess_iss_a', 'sess_iss_b']);
  });

  it('keeps an ignored issue ignored, and reopens one resolved without a release when it recurs', async () => {
    await send('sess_iss_d', [jsError(NOW - 300, 'Cart 1 is empty')]);
    const [cart] = await byType('Cart <n> is empty');
    await api('PATCH', `/api/v1/issues/${cart!.id}`, { status: 'ignored' });
    await send('sess_iss_d', [jsError(NOW - 200, 'Cart 2 is empty')]);
    expect((await api<Issue>('GET', `/api/v1/issues/${cart!.id}`)).status).toBe('ignored');
    expect((await issues('?status=ignored')).map((i) => i.id)).toContain(cart!.id);

    const resolved = await api<Issue>('PATCH', `/api/v1/issues/${cart!.id}`, { status: 'resolved' });
    expect(resolved).toMatchObject({ status: 'resolved', resolvedIn: null, count: 2 });
    await send('sess_iss_e', [jsError(NOW - 100, 'Cart 3 is empty')]);
    expect(await api<Issue>('GET', `/api/v1/issues/${cart!.id}`)).toMatchObject({ status: 'open', count: 3, sessions: 2 });
  });

  it('reopens a resolved issue when it recurs in a newer release, not in the same or an older one', async () => {
    await send('sess_iss_r1', [jsError(NOW - 90, 'Price 10 is negative')], '1.9.0');
    await send('sess_iss_r2', [jsError(NOW - 80, 'Price 11 is negative')], '1.10.0');
    const [price] = await byType('Price <n> is negative');
    expect(price!.releases).toEqual(['1.9.0', '1.10.0']);
    // Resolved without naming a release: resolved in the newest it was seen in.
    expect(await api<Issue>('PATCH', `/api/v1/issues/${price!.id}`, { status: 'resolved' })).toMatchObject({ resolvedIn: '1.10.0' });

    await send('sess_iss_r3', [jsError(NOW - 70, 'Price 12 is negative')], '1.10.0');
    await send('sess_iss_r4', [jsError(NOW - 60, 'Price 13 is negative')], '1.9.0');
    await send('sess_iss_r5', [jsError(NOW - 50, 'Price 14 is negative')]);
    expect(await api<Issue>('GET', `/api/v1/issues/${price!.id}`)).toMatchObject({ status: 'resolved', count: 5 });

    await send('sess_iss_r6', [jsError(NOW - 40, 'Price 15 is negative')], '1.11.0');
    expect(await api<Issue>('GET', `/api/v1/issues/${price!.id}`)).toMatchObject({ status: 'open', resolvedIn: null, count: 6 });
    expect((await api<Issue>('GET', `/api/v1/issues/${price!.id}`)).releases).toEqual(['1.9.0', '1.10.0', '1.11.0']);
  });

  it('removes a session’s occurrences with the session, so counts stay right', async () => {
    const [order] = await byType('Order <n> for <id> failed').then((l) => l.filter((i) => i.sessions === 2));
    const r = await s.app.inject({ method: 'DELETE', url: '/api/v1/sessions/sess_iss_a', headers: { cookie: s.cookie } });
    expect(r.statusCode, r.body).toBeLessThan(300);
    expect(await api<Issue>('GET', `/api/v1/issues/${order!.id}`)).toMatchObject({ count: 1, sessions: 1, users: 1, firstSeen: NOW - 900 });
    const r2 = await s.app.inject({ method: 'DELETE', url: '/api/v1/sessions/sess_iss_b', headers: { cookie: s.cookie } });
    expect(r2.statusCode, r2.body).toBeLessThan(300);
    expect((await issues()).map((i) => i.id)).not.toContain(order!.id);
    expect(await api<Issue>('GET', `/api/v1/issues/${order!.id}`)).toMatchObject({ count: 0, sessions: 0 });
  });

  it('groups by the original frames when source maps resolve them, across builds that minify differently', async () => {
    // Two releases of the same checkout code, minified with other names and positions.
    const source = (extra: string) =>
      `${extra}\nfunction submitOrder(o) { if (!o.total) throw new TypeError('Total ' + o.id + ' missing'); return o; }\n` +
      'function onClick() { return submitOrder({ id: 1 }); }\nwindow.go = onClick;';
    const builds = [
      { release: '3.0.0', url: 'https://shop.example/assets/app.aa11bb22.js', code: source('const pad = 1;') },
      {
        release: '3.1.0',
        url: 'https://shop.example/assets/app.cc33dd44.js',
        code: source(
          'function a1(x) { return x }\nfunction a2(x) { return a1(a1(a1(x))) }\nwindow.a = [a2(1), a2(2), a2(3), a1(4), a1(5)];',
        ),
      },
    ];
    const frames: string[][] = [];
    for (const b of builds) {
      const out = transformSync(b.code, {
        minify: true,
        format: 'iife',
        sourcemap: 'external',
        sourcefile: 'src/checkout.ts',
        loader: 'ts',
      });
      const r = await s.app.inject({
        method: 'POST',
        url: `/api/v1/releases/${b.release}/sourcemaps`,
        headers: { cookie: s.cookie },
        payload: { url: b.url, map: out.map, projectId: (await s.store.getProjectByKey(s.projectKey))!.id },
      });
      expect(r.statusCode, r.body).toBe(201);
      const thrower = /function (\w+)\(\w+\)\{if/.exec(out.code)!;
      const caller = new RegExp(`function (\\w+)\\(\\)\\{return ${thrower[1]}\\(`).exec(out.code)!;
      frames.push([
        `    at ${thrower[1]} (${b.url}:1:${out.code.indexOf('throw') + 1})`,
        `    at ${caller[1]} (${b.url}:1:${caller.index + caller[0].length - thrower[1]!.length})`,
      ]);
    }
    // The minified names differ between the builds, so only resolution can group them.
    const names = (f: string[]) => f.map((l) => l.split(' (')[0]).join();
    expect(names(frames[0]!)).not.toBe(names(frames[1]!));
    const mapped = (t: number, i: number, id: number): ReplayEvent => ({
      t,
      kind: 'error',
      data: {
        name: 'TypeError',
        message: `Total ${id} missing`,
        stack: [`TypeError: Total ${id} missing`, ...frames[i]!].join('\n'),
        origin: 'error',
      },
    });
    await send('sess_iss_m1', [mapped(NOW - 30, 0, 1)], '3.0.0');
    await send('sess_iss_m2', [mapped(NOW - 20, 1, 2)], '3.1.0');
    // The same minified frames in a release without maps group by those frames: another issue.
    await send('sess_iss_m3', [mapped(NOW - 10, 1, 3)], '3.2.0');
    const found = await byType('Total <n> missing');
    expect(found.map((i) => [i.count, i.releases])).toEqual([
      [1, ['3.2.0']],
      [2, ['3.0.0', '3.1.0']],
    ]);
  });

  it('refuses bad input with a clear 400 and changes nothing', async () => {
    const [cart] = await byType('Cart <n> is empty');
    const before = await api<Issue>('GET', `/api/v1/issues/${cart!.id}`);
    for (const payload of [{ status: 'fixed' }, { status: 'open', release: '1.0.0' }, { status: 'resolved', release: '' }, {}]) {
      const r = await api<{ error: string; message: string }>('PATCH', `/api/v1/issues/${cart!.id}`, payload, 400);
      expect(r.error).toBe('invalid_request');
    }
    await api('GET', '/api/v1/issues?status=nope', undefined, 400);
    await api('GET', '/api/v1/issues?limit=0', undefined, 400);
    await api('GET', '/api/v1/issues/iss_nope', undefined, 404);
    expect(await api<Issue>('GET', `/api/v1/issues/${cart!.id}`)).toEqual(before);
  });
});
