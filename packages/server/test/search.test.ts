import Database from 'better-sqlite3';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent, SessionList, SessionSummary } from '@reprise/protocol';
import { parseQuery, SESSION_SORTS, type QueryNode, type SessionSort } from '@reprise/protocol/query';
import { sha256 } from '../src/ids.js';
import { explainSearch as explainPgSearch } from '../src/store/postgres/search.js';
import type { PgStore } from '../src/store/postgres/pg-store.js';
import { explainSearch, searchSessions } from '../src/store/sqlite/search.js';
import { BACKEND, CHROME_UA, domEvent, gz, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();

// Event builders.
const req = (t: number, method: string, url: string, status: number, extra: object = {}): ReplayEvent => ({
  t,
  kind: 'network',
  data: {
    id: `r${t}`,
    initiator: 'fetch',
    method,
    url: `https://shop.example${url}`,
    status,
    requestHeaders: {},
    responseHeaders: {},
    requestBody: null,
    responseBody: null,
    startedAt: t,
    durationMs: 20,
    ...extra,
  },
});
const log = (t: number, level: string, text: string): ReplayEvent => ({
  t,
  kind: 'console',
  data: { level, args: [{ type: 'string', value: text }] },
});
const jsError = (t: number, name: string, message: string): ReplayEvent => ({ t, kind: 'error', data: { name, message, origin: 'error' } });
const click = (t: number, selector: string, text?: string, o: object = {}): ReplayEvent => ({
  t,
  kind: 'click',
  data: { selector, text, tag: 'button', interactive: true, x: 10, y: 10, ...o },
});
const nav = (t: number, url: string): ReplayEvent => ({ t, kind: 'nav', data: { url: `https://shop.example${url}`, type: 'pushState' } });
const custom = (t: number, data: object): ReplayEvent => ({ t, kind: 'custom', data });

let s: TestServer;
const LINK_TOKEN = 'tok_search_test_0123456789abcdefghij';

/** Session ids of the fixtures. */
const A = 'sess_search_A0'; // checkout with a 422, card_expiry error, TypeError, Pay now on #pay, pro user 42, link
const B = 'sess_search_B0'; // 422 on the cart, checkout 200; card_expiry only as a warning; iPhone
const C = 'sess_search_C0'; // old, quiet, /home, feedback
const D = 'sess_search_D0'; // no user agent at all
const E = 'sess_search_E0'; // rage clicks, long and active
const F = 'sess_search_F0'; // a 500 and a failed request; errors = 3

async function post(sid: string, seq: number, events: ReplayEvent[], url: string, headers: Record<string, string> = {}) {
  const r = await postBatch(s, makeBatch(sid, seq, events, `https://shop.example${url}`), headers);
  expect(r.statusCode, r.body).toBe(200);
}

beforeAll(async () => {
  s = await startTestServer();
  const [project] = await s.store.listProjects();
  await s.store.createLink({
    projectId: project!.id,
    label: 'TICKET-123 checkout bug',
    targetUrl: 'https://shop.example/',
    tokenHash: sha256(LINK_TOKEN),
    expiresAt: NOW + DAY,
    maxSessions: null,
    createdBy: null,
  });

  const a = NOW - 1 * HOUR;
  const linked = await s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${s.projectKey}&link=${LINK_TOKEN}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    payload: gz(
      makeBatch(
        A,
        0,
        [
          domEvent(a),
          nav(a + 100, '/checkout?step=2'),
          req(a + 1000, 'GET', '/api/cart', 200),
          click(a + 2000, '#pay', 'Pay now'),
          req(a + 2100, 'POST', '/api/checkout', 422),
          log(a + 2200, 'error', 'card_expiry invalid format'),
          jsError(a + 2300, 'TypeError', 'pay.submit is not a function'),
          custom(a + 2400, { type: 'identify', userId: '42' }),
          custom(a + 2500, { type: 'tag', key: 'plan', value: 'pro' }),
        ],
        'https://shop.example/cart',
      ),
    ),
  });
  expect(linked.statusCode, linked.body).toBe(200);
  await post(A, 1, [domEvent(a + 90_000)], '/checkout');

  const b = NOW - 2 * HOUR;
  await post(
    B,
    0,
    [
      domEvent(b),
      req(b + 100, 'GET', '/api/checkout', 200),
      req(b + 200, 'POST', '/api/cart', 422),
      log(b + 300, 'warn', 'card_expiry is deprecated'),
      log(b + 400, 'error', 'something else'),
      log(b + 450, 'log', 'cardXexpiry'),
      click(b + 500, '#other', 'Pay now'),
      click(b + 600, '#pay', 'Cancel'),
      domEvent(b + 10_000),
    ],
    '/cart',
    { 'user-agent': IPHONE_UA },
  );

  const c = NOW - 10 * DAY;
  await post(C, 0, [domEvent(c), custom(c + 10, { type: 'feedback', message: 'it broke' }), domEvent(c + 5000)], '/home');

  const d = NOW - 3 * HOUR;
  await post(D, 0, [domEvent(d), domEvent(d + 1000)], '/about', { 'user-agent': '' });

  const e = NOW - 4 * HOUR;
  const moves: ReplayEvent[] = [];
  for (let t = e; t <= e + 200_000; t += 2000) moves.push(domEvent(t, 3, { source: 1, positions: [{ x: 1, y: 1, id: 1, timeOffset: 0 }] }));
  await post(
    E,
    0,
    [
      ...moves,
      click(e + 1000, '#total', 'Total', { tag: 'span', interactive: false }),
      click(e + 1300, '#total', 'Total', { tag: 'span', interactive: false }),
      click(e + 1600, '#total', 'Total', { tag: 'span', interactive: false }),
    ],
    '/orders/42',
  );

  const f = NOW - 5 * HOUR;
  await post(
    F,
    0,
    [
      domEvent(f),
      req(f + 100, 'GET', '/api/orders/7', 500),
      req(f + 200, 'POST', '/api/pay', 0, { error: 'TypeError: Failed to fetch' }),
      jsError(f + 300, 'RangeError', 'Invalid array length'),
      jsError(f + 400, 'Error', 'x'),
      jsError(f + 500, 'Error', 'y'),
      domEvent(f + 30_000),
    ],
    '/orders',
  );
});

afterAll(async () => s?.close());

async function search(q: string, extra = ''): Promise<SessionList> {
  const r = await s.app.inject({ url: `/api/v1/sessions?q=${encodeURIComponent(q)}&limit=100${extra}`, headers: { cookie: s.cookie } });
  expect(r.statusCode, `${q}: ${r.body}`).toBe(200);
  return r.json() as SessionList;
}

async function ids(q: string): Promise<string[]> {
  return (await search(q)).sessions.map((x) => x.id).sort();
}

describe('search: fields', () => {
  it('lists everything for an empty query, newest first', async () => {
    expect((await search('')).sessions.map((x) => x.id)).toEqual([A, B, D, E, F, C]);
    expect((await search('   ')).sessions).toHaveLength(6);
  });

  it('url: page URLs (first URL, navigations, batch URLs)', async () => {
    expect(await ids('url:/checkout')).toEqual([A]);
    expect(await ids('url:"step=2"')).toEqual([A]);
    expect(await ids('url:/orders')).toEqual([E, F]);
    expect(await ids('url:/HOME')).toEqual([C]);
    expect(await ids('url:/h')).toEqual([C]); // shorter than a trigram: plain tables
  });

  it('request:, method:, status: (codes, classes, comparisons, failed)', async () => {
    expect(await ids('request:/api/checkout')).toEqual([A, B]);
    expect(await ids('request:/API/CHECKOUT')).toEqual([A, B]);
    expect(await ids('method:POST')).toEqual([A, B, F]);
    expect(await ids('status:422')).toEqual([A, B]);
    expect(await ids('status:4xx')).toEqual([A, B]);
    expect(await ids('status:>=500')).toEqual([F]);
    expect(await ids('status:>422')).toEqual([F]);
    expect(await ids('status:failed')).toEqual([F]);
    expect(await ids('status:<300')).toEqual([A, B]);
  });

  it('console: by level or by text', async () => {
    expect(await ids('console:error')).toEqual([A, B]);
    expect(await ids('console:warn')).toEqual([B]);
    expect(await ids('console:"card_expiry"')).toEqual([A, B]);
    expect(await ids('console:"error"')).toEqual([]); // quoted: text, and no message says "error"
  });

  it('error: name or message; has:', async () => {
    expect(await ids('error:TypeError')).toEqual([A]);
    expect(await ids('error:"is not a function"')).toEqual([A]);
    expect(await ids('error:"TypeError: pay"')).toEqual([A]);
    expect(await ids('error:range')).toEqual([F]);
    expect(await ids('has:error')).toEqual([A, F]);
    expect(await ids('has:feedback')).toEqual([C]);
    expect(await ids('has:link')).toEqual([A]);
    expect(await ids('has:user')).toEqual([A]);
    expect(await ids('has:rage')).toEqual([E]);
  });

  it('browser:, os:, device:, user:, tag:, link:', async () => {
    expect(await ids('browser:chrome')).toEqual([A, C, E, F]);
    expect(await ids('browser:safari')).toEqual([B]);
    expect(await ids('os:ios')).toEqual([B]);
    expect(await ids('device:mobile')).toEqual([B]);
    expect(await ids('device:desktop')).toEqual([A, C, E, F]);
    expect(await ids('user:42')).toEqual([A]);
    expect(await ids('user:4')).toEqual([]); // exact
    expect(await ids('tag:plan=pro')).toEqual([A]);
    expect(await ids('tag:PLAN=Pro')).toEqual([A]);
    expect(await ids('tag:plan')).toEqual([A]);
    expect(await ids('tag:plan=free')).toEqual([]);
    expect(await ids('link:TICKET-123')).toEqual([A]);
    expect(await ids('link:ticket-999')).toEqual([]);
  });

  it('duration:, active:, started: (dates and ages)', async () => {
    expect(await ids('duration:>60s')).toEqual([A, E]);
    expect(await ids('duration:<=10s')).toEqual([B, C, D]);
    expect(await ids('duration:=1000ms')).toEqual([D]);
    expect(await ids('active:>1m')).toEqual([E]);
    expect(await ids('started:<150m')).toEqual([A, B]);
    expect(await ids('started:>1d')).toEqual([C]);
    const cDay = new Date(NOW - 10 * DAY).toISOString().slice(0, 10);
    expect(await ids(`started:${cDay}`)).toEqual([C]);
    expect(await ids(`started:<=${cDay}`)).toEqual([C]);
    expect(await ids(`started:<${cDay}`)).toEqual([]);
    expect(await ids(`started:>${cDay}`)).toEqual([A, B, D, E, F]);
    // A date and time is one instant: C started exactly then.
    expect(await ids(`started:>=${new Date(NOW - 10 * DAY).toISOString()}`)).toEqual([A, B, C, D, E, F]);
    expect(await ids(`started:>${new Date(NOW - 10 * DAY).toISOString()}`)).toEqual([A, B, D, E, F]);
    expect(await ids(`started:${new Date(NOW - 10 * DAY).toISOString()}`)).toEqual([C]);
  });

  it('clicked: and selector:', async () => {
    expect(await ids('clicked:"Pay now"')).toEqual([A, B]);
    expect(await ids('clicked:pay')).toEqual([A, B]);
    expect(await ids('selector:#pay')).toEqual([A, B]);
    expect(await ids('selector:#total')).toEqual([E]);
  });

  it('free text: URLs, console text, error messages and click labels', async () => {
    expect(await ids('checkout')).toEqual([A, B]);
    expect(await ids('card_expiry')).toEqual([A, B]); // not B's "cardXexpiry" alone: `_` is no wildcard
    expect(await ids('cardXexpiry')).toEqual([B]);
    expect(await ids('"not a function"')).toEqual([A]);
    expect(await ids('"Pay now"')).toEqual([A, B]);
    expect(await ids('Total')).toEqual([E]);
    expect(await ids('100%')).toEqual([]);
    expect(await ids('zzz')).toEqual([]);
    expect(await ids('42')).toEqual([E]); // /orders/42: short, plain tables
  });
});

describe('search: combining', () => {
  it('request:/method:/status: in one AND group must hold for the same request', async () => {
    expect(await ids('status:422 request:/api/checkout')).toEqual([A]);
    expect(await ids('request:/api/checkout status:422')).toEqual([A]);
    expect(await ids('method:POST request:/api/checkout')).toEqual([A]);
    expect(await ids('method:GET request:/api/checkout')).toEqual([B]);
    expect(await ids('status:4xx method:POST request:/api/cart')).toEqual([B]);
    // A parenthesized OR of request terms is one condition on the same request.
    expect(await ids('(status:422 OR status:500) request:/api/checkout')).toEqual([A]);
    expect(await ids('method:POST request:/api/pay (status:>=400 OR status:failed)')).toEqual([F]);
    expect(await ids('method:GET request:/api/orders (status:>=400 OR status:failed)')).toEqual([F]);
    expect(await ids('method:POST request:/api/orders (status:>=400 OR status:failed)')).toEqual([]);
    expect(await ids('request:/api/cart (method:PUT OR status:422)')).toEqual([B]);
    // Other parentheses start a group of their own: these may be different requests.
    expect(await ids('(status:422) request:/api/checkout')).toEqual([A, B]);
    expect(await ids('(status:422 OR url:/nowhere) request:/api/checkout')).toEqual([A, B]);
    expect(await ids('(status:422 method:POST request:/api/cart) (request:/api/checkout)')).toEqual([B]);
    // A negated term stands alone: no 422 anywhere in the session.
    expect(await ids('request:/api/checkout -status:422')).toEqual([]);
    expect(await ids('request:/api -status:422')).toEqual([F]);
  });

  it('console level and text in one AND group must hold for the same message', async () => {
    expect(await ids('console:error console:card_expiry')).toEqual([A]);
    expect(await ids('console:warn console:card_expiry')).toEqual([B]);
    expect(await ids('console:error console:warn')).toEqual([]);
    expect(await ids('(console:error) (console:warn)')).toEqual([B]);
    expect(await ids('console:card_expiry (console:error OR console:warn)')).toEqual([A, B]);
    expect(await ids('console:card_expiry (console:error OR console:info)')).toEqual([A]);
  });

  it('clicked: and selector: in one AND group must hold for the same click', async () => {
    expect(await ids('clicked:"Pay now" selector:#pay')).toEqual([A]);
    expect(await ids('clicked:Cancel selector:#pay')).toEqual([B]);
    expect(await ids('clicked:Cancel selector:#other')).toEqual([]);
    expect(await ids('selector:#pay (clicked:"Pay now" OR clicked:Cancel)')).toEqual([A, B]);
    expect(await ids('selector:#other (clicked:Cancel OR clicked:Total)')).toEqual([]);
  });

  it('AND, OR, parentheses and negation', async () => {
    expect(await ids('has:error status:422')).toEqual([A]);
    expect(await ids('has:error AND status:422')).toEqual([A]);
    expect(await ids('has:feedback OR has:rage')).toEqual([C, E]);
    expect(await ids('-has:error')).toEqual([B, C, D, E]);
    expect(await ids('-(has:error OR has:feedback)')).toEqual([B, D, E]);
    expect(await ids('url:/orders -(status:500)')).toEqual([E]);
    expect(await ids('(url:/home OR url:/about) -has:feedback')).toEqual([D]);
    // NULL columns count as "not matching": a session without a user agent is not chrome.
    expect(await ids('-browser:chrome -os:ios')).toEqual([D]);
    expect(await ids('-user:42')).toEqual([B, C, D, E, F]);
    expect(await ids('-tag:plan')).toEqual([B, C, D, E, F]);
  });
});

describe('search: sorting and pagination', () => {
  const key: Record<SessionSort, (x: SessionSummary) => number> = {
    newest: (x) => x.startedAt,
    oldest: (x) => -x.startedAt,
    longest: (x) => x.durationMs,
    errors: (x) => x.counts.errors,
    rage: (x) => x.counts.rageClicks,
    active: (x) => x.activeMs,
  };

  it('orders by each sort, ties by start time then id', async () => {
    for (const sort of SESSION_SORTS) {
      const list = (await search('', `&sort=${sort}`)).sessions;
      expect(list).toHaveLength(6);
      const expected = [...list].sort(
        (x, y) =>
          key[sort](y) - key[sort](x) ||
          (sort === 'oldest' ? x.startedAt - y.startedAt : y.startedAt - x.startedAt) ||
          (sort === 'oldest' ? (x.id < y.id ? -1 : 1) : x.id < y.id ? 1 : -1),
      );
      expect(
        list.map((x) => x.id),
        sort,
      ).toEqual(expected.map((x) => x.id));
    }
    expect((await search('', '&sort=longest')).sessions[0]!.id).toBe(E);
    expect((await search('', '&sort=errors')).sessions.map((x) => x.id).slice(0, 2)).toEqual([F, A]);
    expect((await search('', '&sort=rage')).sessions[0]!.id).toBe(E);
    expect((await search('', '&sort=active')).sessions[0]!.id).toBe(E);
    expect((await search('', '&sort=oldest')).sessions[0]!.id).toBe(C);
  });

  it('pages through every sort with the cursor, without gaps or repeats, with and without a query', async () => {
    for (const q of ['', '-has:feedback']) {
      for (const sort of SESSION_SORTS) {
        const all = (await search(q, `&sort=${sort}`)).sessions.map((x) => x.id);
        for (const limit of [1, 2, 4]) {
          const seen: string[] = [];
          let cursor: string | null = null;
          for (let i = 0; i < 10; i++) {
            const r = await s.app.inject({
              url: `/api/v1/sessions?q=${encodeURIComponent(q)}&sort=${sort}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
              headers: { cookie: s.cookie },
            });
            expect(r.statusCode, r.body).toBe(200);
            const page = r.json() as SessionList;
            seen.push(...page.sessions.map((x) => x.id));
            cursor = page.nextCursor;
            if (!cursor) break;
          }
          expect(seen, `${sort} q=${q} limit=${limit}`).toEqual(all);
        }
      }
    }
  });

  it('keeps the original newest-first cursor format for the plain list', async () => {
    const r = await s.app.inject({ url: '/api/v1/sessions?limit=2', headers: { cookie: s.cookie } });
    const p1 = r.json() as SessionList;
    expect(Buffer.from(p1.nextCursor!, 'base64url').toString()).toBe(`${p1.sessions[1]!.startedAt}:${p1.sessions[1]!.id}`);
  });

  // EXPLAIN QUERY PLAN and the common-text probe are SQLite's; PostgreSQL has its own plan test below.
  // Query plans are dialect-specific: each backend defines only its own plan tests.
  const sqliteOnly = BACKEND === 'sqlite' ? it : () => undefined;
  const postgresOnly = BACKEND === 'postgres' ? it : () => undefined;
  sqliteOnly('uses the indexes: a sort index per sort, the trigram index for text', () => {
    const db = new Database(path.join(s.dataDir, 'reprise.db'), { readonly: true });
    try {
      const plan = (q: string, sort: SessionSort = 'newest', cursor: string | null = null) => {
        const p = parseQuery(q);
        if (!p.ok) throw new Error(p.error.message);
        return explainSearch(db, { ast: p.ast, sort, limit: 50, cursor, now: NOW }).join('\n');
      };
      expect(plan('', 'newest')).toContain('sessions_by_start');
      expect(plan('', 'oldest')).toContain('sessions_by_start');
      expect(plan('', 'longest')).toContain('sessions_by_duration');
      expect(plan('', 'errors')).toContain('sessions_by_errors');
      expect(plan('', 'rage')).toContain('sessions_by_rage');
      expect(plan('', 'active')).toContain('sessions_by_active');
      expect(plan('console:"card expiry"')).toMatch(/search_text VIRTUAL TABLE INDEX/);
      expect(plan('checkout')).toMatch(/search_text VIRTUAL TABLE INDEX/);
      expect(plan('status:422')).toContain('network_by_status');
      expect(plan('user:42')).toContain('sessions_by_user');
      expect(plan('request:/api (status:>=400 OR status:failed)')).toContain('network_problems_by_session');
      expect(plan('', 'longest', Buffer.from(`longest:100:${NOW}:x`).toString('base64url'))).toContain(
        'sessions_by_duration ((duration_ms,started_at,id)<(?,?,?))',
      );
    } finally {
      db.close();
    }
  });

  sqliteOnly('finds the same sessions whether a text counts as common (plain tables) or not (trigram index)', () => {
    const db = new Database(path.join(s.dataDir, 'reprise.db'), { readonly: true });
    try {
      const run = (q: string, isCommon?: (p: string) => boolean) => {
        const p = parseQuery(q);
        if (!p.ok) throw new Error(p.error.message);
        const query = { ast: p.ast, sort: 'newest' as const, limit: 100, cursor: null, now: NOW };
        return searchSessions<{ id: string; started_at: number }>(db, query, (r) => ({ id: r.id }) as SessionSummary, {
          isCommon,
        }).sessions.map((x) => x.id);
      };
      const queries = [
        'checkout',
        'card_expiry',
        'url:/checkout',
        'url:/cart',
        'url:/h',
        'request:/api/checkout status:422',
        'console:"card_expiry"',
        'clicked:"Pay now" selector:#pay',
        'error:TypeError',
        'error:"TypeError: pay"',
        '"Pay now"',
        'Total',
        '42',
        'zzz',
        'zq',
        'method:POST request:/api/pay (status:>=400 OR status:failed)',
        '-url:/checkout',
        '-checkout',
      ];
      for (const q of queries) {
        const indexed = run(q, () => false);
        expect(
          run(q, () => true),
          q,
        ).toEqual(indexed);
        expect(run(q), q).toEqual(indexed);
      }
      // The common path really takes the plain tables.
      const common = explainSearch(
        db,
        { ast: (parseQuery('checkout') as { ast: QueryNode }).ast, sort: 'newest', limit: 50, cursor: null, now: NOW },
        { isCommon: () => true },
      );
      expect(common.join('\n')).not.toContain('search_text');
    } finally {
      db.close();
    }
  });

  it('never reads event chunks', async () => {
    if (s.backend === 'postgres') {
      // Chunks are in S3: make every read fail instead of moving a directory away.
      const chunkStore = s.store.chunks;
      const get = chunkStore.get;
      chunkStore.get = () => Promise.reject(new Error('search read a chunk'));
      try {
        expect(await ids('status:422 request:/api/checkout card_expiry')).toEqual([A]);
        expect(await ids('clicked:"Pay now" selector:#pay')).toEqual([A]);
      } finally {
        chunkStore.get = get;
      }
      return;
    }
    const chunks = path.join(s.dataDir, 'chunks');
    renameSync(chunks, `${chunks}.away`);
    try {
      expect(await ids('status:422 request:/api/checkout card_expiry')).toEqual([A]);
      expect(await ids('clicked:"Pay now" selector:#pay')).toEqual([A]);
    } finally {
      renameSync(`${chunks}.away`, chunks);
    }
  });

  postgresOnly('PostgreSQL: a sort index per sort, the pg_trgm index for text', async () => {
    const store = s.store as PgStore;
    const client = await store.pool.connect();
    try {
      // The tables are tiny, so the planner would scan them: ask whether the indexes can serve each query.
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const plan = async (q: string, sort: SessionSort = 'newest') => {
        const p = parseQuery(q);
        if (!p.ok) throw new Error(p.error.message);
        return (await explainPgSearch(client, { ast: p.ast, sort, limit: 50, cursor: null, now: NOW })).join('\n');
      };
      expect(await plan('', 'newest')).toContain('sessions_by_start');
      expect(await plan('', 'longest')).toContain('sessions_by_duration');
      expect(await plan('', 'errors')).toContain('sessions_by_errors');
      expect(await plan('', 'rage')).toContain('sessions_by_rage');
      expect(await plan('', 'active')).toContain('sessions_by_active');
      expect(await plan('checkout')).toContain('search_text_trgm');
      expect(await plan('console:"card expiry"')).toContain('search_text_trgm');
      expect(await plan('user:42')).toContain('sessions_by_user');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('search: bad input', () => {
  async function bad(qs: string) {
    const r = await s.app.inject({ url: `/api/v1/sessions?${qs}`, headers: { cookie: s.cookie } });
    expect(r.statusCode, r.body).toBe(400);
    return r.json() as { error: string; message: string; position?: number; length?: number };
  }

  it('answers a bad query with 400 invalid_query, the position and the length', async () => {
    const unknown = await bad(`q=${encodeURIComponent('url:/a stauts:4xx')}`);
    expect(unknown).toEqual({ error: 'invalid_query', message: expect.stringContaining('did you mean status:?'), position: 7, length: 6 });
    expect(await bad(`q=${encodeURIComponent('(a OR b')}`)).toMatchObject({ error: 'invalid_query', position: 0, length: 1 });
    expect(await bad(`q=${encodeURIComponent('duration:>fast')}`)).toMatchObject({ error: 'invalid_query', position: 10, length: 4 });
    expect(await bad(`q=${encodeURIComponent('"open')}`)).toMatchObject({ error: 'invalid_query', position: 0, length: 5 });
    expect(await bad(`q=${'x'.repeat(2001)}`)).toMatchObject({ error: 'invalid_query', position: 2000 });
  });

  it('refuses unknown sorts, cursors of another sort and repeated parameters', async () => {
    expect(await bad('sort=popular')).toMatchObject({ error: 'invalid_request' });
    const p = (await s.app.inject({ url: '/api/v1/sessions?limit=1&sort=errors', headers: { cookie: s.cookie } })).json() as SessionList;
    expect(await bad(`sort=longest&cursor=${p.nextCursor}`)).toMatchObject({ error: 'invalid_request' });
    expect(await bad(`cursor=${p.nextCursor}`)).toMatchObject({ error: 'invalid_request' });
    expect(await bad('cursor=!!!')).toMatchObject({ error: 'invalid_request' });
    expect(await bad('q=a&q=b')).toMatchObject({ error: 'invalid_request' });
  });

  it('treats SQL and LIKE syntax in values as plain text', async () => {
    expect(await ids(`"'; DROP TABLE sessions; --"`)).toEqual([]);
    expect(await ids('url:%')).toEqual([]);
    expect(await ids('url:_')).toEqual([]);
    expect(await ids('tag:"plan\') OR 1=1 --"')).toEqual([]);
    expect((await search('')).sessions).toHaveLength(6);
  });
});

describe('cli: sessions search', () => {
  const run = (args: string[]) => runCli(['sessions', 'search', ...args], { ...process.env, ...s.env });

  it('prints one line per session: id, start, duration, first URL, counts', async () => {
    const { stdout } = await run(['status:422 request:/api/checkout']);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const start = new Date(NOW - HOUR).toISOString().slice(0, 16);
    expect(lines[0]).toMatch(new RegExp(`^${A}  ${start}:\\d\\dZ  1m30s  https://shop\\.example/cart  .*errors=1.*4xx=1`));
  }, 120_000);

  it('sorts, limits, pages and prints JSON; a query may start with -', async () => {
    const { stdout, stderr } = await run(['--sort', 'errors', '--limit', '2', '--json', '-has:feedback']);
    const page = JSON.parse(stdout) as SessionList;
    expect(page.sessions.map((x) => x.id)).toEqual([F, A]);
    expect(page.nextCursor).toBeTruthy();
    expect(stderr).toBe('');
    const next = await run(['-has:feedback', '--sort=errors', '--limit=10', '--cursor', page.nextCursor!]);
    expect(
      next.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('  ')[0]),
    ).toEqual((await search('-has:feedback', '&sort=errors')).sessions.slice(2).map((x) => x.id));
  }, 120_000);

  it('shows a bad query with a caret under the problem and exits 2', async () => {
    const err = await run(['url:/a stauts:4xx']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain('(did you mean status:?)\n  url:/a stauts:4xx\n         ^^^^^^\n');
  }, 120_000);
});
