import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent, SessionTimeline } from '@reprise/protocol';
import { redactSecrets } from '../src/app.js';
import { randomSecret, sha256 } from '../src/ids.js';
import { domEvent, makeBatch, postBatch, startTestServer, CHROME_UA, type TestServer } from './helpers.js';

/** Share links (src/shares/): what a token opens, what the strict view strips, and what it never opens. */

let s: TestServer;
let sessionId: string;
let otherSessionId: string;
const T0 = Date.now() - 60_000;

const SECRET_BODY = 'card-number-4111';
const SECRET_ARG = 'token-for-the-console';

function events(t0: number): ReplayEvent[] {
  return [
    { t: t0, kind: 'dom', data: { type: 4, timestamp: t0, data: { href: 'https://shop.example/', width: 800, height: 600 } } },
    {
      t: t0 + 1,
      kind: 'dom',
      data: { type: 2, timestamp: t0 + 1, data: { node: { type: 0, childNodes: [], id: 1 }, initialOffset: { top: 0, left: 0 } } },
    },
    { t: t0 + 1000, kind: 'console', data: { level: 'error', args: [{ type: 'string', value: SECRET_ARG }] } },
    {
      t: t0 + 2000,
      kind: 'network',
      data: {
        id: 'r1',
        initiator: 'fetch',
        method: 'POST',
        url: 'https://shop.example/api/pay',
        status: 422,
        requestHeaders: {},
        responseHeaders: {},
        requestBody: { kind: 'text', value: SECRET_BODY },
        responseBody: { kind: 'json', value: { error: SECRET_BODY } },
        startedAt: t0 + 2000,
        durationMs: 5,
      },
    },
    { t: t0 + 9000, kind: 'console', data: { level: 'log', args: [{ type: 'string', value: 'late' }] } },
    domEvent(t0 + 9500),
  ];
}

async function ingest(id: string): Promise<void> {
  const res = await postBatch(s, makeBatch(id, 0, events(T0)), { 'user-agent': CHROME_UA });
  expect(res.statusCode, res.body).toBe(200);
}

async function share(body: Record<string, unknown>, id = sessionId): Promise<{ id: string; url: string; token: string }> {
  const res = await s.app.inject({ method: 'POST', url: `/api/v1/sessions/${id}/shares`, headers: { cookie: s.cookie }, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  const out = res.json() as { id: string; url: string };
  return { ...out, token: out.url.split('/s/')[1]! };
}

async function sharedEvents(token: string, query = ''): Promise<ReplayEvent[]> {
  const res = await s.app.inject({ method: 'GET', url: `/s/${token}/events${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReplayEvent);
}

beforeAll(async () => {
  s = await startTestServer();
  sessionId = 'sess_share_main_000001';
  otherSessionId = 'sess_share_other_00001';
  await ingest(sessionId);
  await ingest(otherSessionId);
});
afterAll(async () => s.close());

describe('share links', () => {
  it('strict view: the server strips network bodies and console arguments from the events it serves', async () => {
    const strict = await share({ view: 'strict', expiresInSeconds: 3600 });
    const served = await sharedEvents(strict.token);
    const text = JSON.stringify(served);
    expect(served.filter((e) => e.kind === 'network')).toHaveLength(1);
    expect(served.filter((e) => e.kind === 'console')).toHaveLength(2);
    expect(text).not.toContain(SECRET_BODY);
    expect(text).not.toContain(SECRET_ARG);
    const net = served.find((e) => e.kind === 'network')!.data as { status: number; requestBody: { kind: string } };
    expect(net.status).toBe(422);
    expect(net.requestBody.kind).toBe('omitted');

    const full = await share({ view: 'full', expiresInSeconds: 3600 });
    const all = JSON.stringify(await sharedEvents(full.token));
    expect(all).toContain(SECRET_BODY);
    expect(all).toContain(SECRET_ARG);
  });

  it('a time range serves other kinds only inside it, and the replay index is cut to it', async () => {
    const ranged = await share({ view: 'full', expiresInSeconds: 3600, from: T0 + 1500, to: T0 + 5000 });
    const served = await sharedEvents(ranged.token);
    // The full snapshot before the range is served (the replay needs it); the console calls outside it are not.
    expect(served.some((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2)).toBe(true);
    expect(served.filter((e) => e.kind === 'console')).toHaveLength(0);
    expect(served.filter((e) => e.kind === 'network')).toHaveLength(1);
    expect(served.every((e) => e.t <= T0 + 5000)).toBe(true);
    // Asking for more than the range gives no more.
    expect((await sharedEvents(ranged.token, `?from=0&to=${T0 + 100_000}`)).every((e) => e.t <= T0 + 5000)).toBe(true);
    const timeline = (await s.app.inject({ method: 'GET', url: `/s/${ranged.token}/timeline` })).json() as SessionTimeline;
    expect(timeline.endedAt).toBe(T0 + 5000);
    expect(timeline.live).toBe(false);
  });

  it('logs every open and lists the links with their last open on the session', async () => {
    const link = await share({ view: 'strict', expiresInSeconds: 3600 });
    for (let i = 0; i < 2; i++) {
      const page = await s.app.inject({ method: 'GET', url: `/s/${link.token}` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['set-cookie']).toBeUndefined();
      expect(page.headers['referrer-policy']).toBe('no-referrer');
    }
    const list = (
      await s.app.inject({ method: 'GET', url: `/api/v1/sessions/${sessionId}/shares`, headers: { cookie: s.cookie } })
    ).json() as { shares: { id: string; openCount: number; lastOpenedAt: number | null; opens: number[]; status: string }[] };
    const row = list.shares.find((x) => x.id === link.id)!;
    expect(row.status).toBe('active');
    expect(row.openCount).toBe(2);
    expect(row.opens).toHaveLength(2);
    expect(row.lastOpenedAt).toBe(row.opens[0]);
    // The token is never stored or listed.
    expect(JSON.stringify(list)).not.toContain(link.token);
  });

  it('a share token opens nothing else: not the API, not another session', async () => {
    const link = await share({ view: 'full', expiresInSeconds: 3600 });
    const tries = [
      `/api/v1/sessions/${sessionId}`,
      `/api/v1/sessions/${sessionId}/events`,
      `/api/v1/sessions/${otherSessionId}/events`,
      '/api/v1/sessions',
      '/api/v1/projects',
      `/api/v1/sessions/${sessionId}/shares`,
    ];
    for (const url of tries) {
      for (const headers of [{ authorization: `Bearer ${link.token}` }, { cookie: `reprise_session=${link.token}` }, {}]) {
        const res = await s.app.inject({ method: 'GET', url, headers });
        expect(res.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
    // The share routes name no session: the token's own is the only one they serve.
    const other = await sharedEvents(link.token, `?sessionId=${otherSessionId}`);
    const detail = (await s.app.inject({ method: 'GET', url: `/s/${link.token}/session?id=${otherSessionId}` })).json() as {
      sessionId: string;
    };
    expect(detail.sessionId).toBe(sessionId);
    expect(other.length).toBeGreaterThan(0);
  });

  it('a wrong, expired or revoked token gets a clear page and no data', async () => {
    const link = await share({ view: 'full', expiresInSeconds: 3600 });
    const revoke = await s.app.inject({ method: 'DELETE', url: `/api/v1/shares/${link.id}`, headers: { cookie: s.cookie } });
    expect(revoke.statusCode).toBe(204);
    const expiredToken = randomSecret();
    const project = (await s.store.getSessionProject(sessionId))!;
    await s.store.createShare({
      projectId: project,
      sessionId,
      tokenHash: sha256(expiredToken),
      view: 'full',
      rangeFrom: null,
      rangeTo: null,
      expiresAt: Date.now() - 1,
      createdBy: null,
    });
    const cases = [
      { token: link.token, status: 410, reason: 'revoked' },
      { token: expiredToken, status: 410, reason: 'expired' },
      { token: randomSecret(), status: 404, reason: 'invalid' },
      { token: 'short', status: 404, reason: 'invalid' },
    ];
    for (const c of cases) {
      const page = await s.app.inject({ method: 'GET', url: `/s/${c.token}` });
      expect(page.statusCode).toBe(c.status);
      expect(page.body).toContain(`data-reason="${c.reason}"`);
      expect(page.body).not.toContain('shop.example');
      for (const part of ['session', 'timeline', 'events']) {
        const res = await s.app.inject({ method: 'GET', url: `/s/${c.token}/${part}` });
        expect(res.statusCode, part).toBe(c.status);
        expect(res.body).not.toContain('shop.example');
        expect((res.json() as { error: string }).error).toBe(`share_${c.reason}`);
      }
    }
    const list = (
      await s.app.inject({ method: 'GET', url: `/api/v1/sessions/${sessionId}/shares`, headers: { cookie: s.cookie } })
    ).json() as { shares: { id: string; status: string }[] };
    expect(list.shares.find((x) => x.id === link.id)!.status).toBe('revoked');
  });

  it('refuses bad input with a 400 and stores nothing', async () => {
    const before = (await s.store.listShares(otherSessionId)).length;
    for (const payload of [
      { view: 'bogus', expiresInSeconds: 60 },
      { view: 'full' },
      { view: 'full', expiresInSeconds: 0 },
      { view: 'full', expiresInSeconds: 60, from: 10, to: 5 },
      { view: 'full', expiresInSeconds: 60, from: 'yesterday' },
    ]) {
      const res = await s.app.inject({
        method: 'POST',
        url: `/api/v1/sessions/${otherSessionId}/shares`,
        headers: { cookie: s.cookie },
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect((res.json() as { message: string }).message.length).toBeGreaterThan(0);
    }
    expect(await s.store.listShares(otherSessionId)).toHaveLength(before);
  });

  it('keeps tokens out of request logs', () => {
    expect(redactSecrets('/s/AbC_123-xyz/events?from=1')).toBe('/s/[redacted]/events?from=1');
    expect(redactSecrets('/s/AbC_123-xyz')).toBe('/s/[redacted]');
    expect(redactSecrets('/sessions/abc')).toBe('/sessions/abc');
  });

  it('goes with its session when the session is deleted', async () => {
    await share({ view: 'full', expiresInSeconds: 3600 }, otherSessionId);
    expect((await s.store.listShares(otherSessionId)).length).toBeGreaterThan(0);
    expect(await s.store.deleteSession(otherSessionId)).toBe(true);
    expect(await s.store.listShares(otherSessionId)).toHaveLength(0);
  });
});
