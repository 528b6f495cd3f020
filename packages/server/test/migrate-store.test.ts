import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent, SessionDetail, SessionList, SessionSummary } from '@reprise/protocol';
import { buildApp } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { migrateStore, TargetNotEmpty } from '../src/lifecycle/migrate-store.js';
import { openChunkStore } from '../src/store/open.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { createStorage, type TestStorage } from './backend.js';
import { ADMIN, CHROME_UA, domEvent, gz, makeBatch, startTestServer, type TestServer } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

/**
 * `reprise migrate-store`: a SQLite store filled through real ingest (HTTP inject, with link
 * tokens, user agents, client IPs, a second project, a packed session) is copied by the CLI into
 * a fresh PostgreSQL database + S3 (Swift) prefix; then the target, served by a second app, must
 * answer every API call (sessions, events, search, links, saved searches, problems, logins and
 * tokens) exactly as the source does. Runs once, in the default vitest project (SQLite source).
 */
const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const MEMBER = { email: 'member@test.local', password: 'member password 123' };
const T0 = Date.now() - 3 * 3600_000;

let src: TestServer;
let storage: TestStorage;
let target: { app: FastifyInstance; store: PgStore } | null = null;
let secondKey = '';
let bearer = '';
let linkToken = '';

beforeAll(async () => {
  src = await startTestServer();
  expect(src.backend).toBe('sqlite');
  storage = await createStorage('postgres');
});

afterAll(async () => {
  await target?.app.close();
  await target?.store.close();
  await storage?.cleanup();
  await src?.close();
});

function ingest(key: string, batch: unknown, o: { ua?: string; ip?: string; link?: string } = {}) {
  return src.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${key}${o.link ? `&link=${encodeURIComponent(o.link)}` : ''}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': o.ua ?? CHROME_UA },
    remoteAddress: o.ip ?? '198.51.100.23',
    payload: gz(batch),
  });
}

async function send(
  key: string,
  sid: string,
  seq: number,
  events: ReplayEvent[],
  o: { ua?: string; ip?: string; link?: string; url?: string } = {},
) {
  const r = await ingest(key, makeBatch(sid, seq, events, o.url ?? 'https://shop.example/'), o);
  expect(r.statusCode, r.body).toBe(200);
}

const click = (t: number, o: Record<string, unknown> = {}): ReplayEvent => ({
  t,
  kind: 'click',
  data: { selector: '#pay', text: 'Pay now', tag: 'button', interactive: true, x: 100, y: 100, ...o },
});
const request = (t: number, url: string, status: number): ReplayEvent => ({
  t,
  kind: 'network',
  data: {
    id: `r${t}`,
    initiator: 'fetch',
    method: 'POST',
    url,
    status,
    requestHeaders: {},
    responseHeaders: {},
    requestBody: null,
    responseBody: null,
    startedAt: t,
    durationMs: 40,
  },
});

/** Sessions of every kind, through the ingest endpoint as a recorder sends them. */
async function seed(): Promise<void> {
  const key = src.projectKey;
  // A shopping session: identify, tags, console error, 422, rage clicks, a JS error, SPA navigation.
  await send(
    key,
    'sess_migrate_shop',
    0,
    [
      domEvent(T0, 4, { href: 'https://shop.example/', width: 1280, height: 800 }),
      domEvent(T0 + 1, 2, { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { top: 0, left: 0 } }),
      { t: T0 + 2, kind: 'custom', data: { type: 'identify', userId: 'user-7' } },
      { t: T0 + 3, kind: 'custom', data: { type: 'tag', key: 'plan', value: 'pro' } },
    ],
    { ip: '203.0.113.77' },
  );
  await send(key, 'sess_migrate_shop', 1, [
    { t: T0 + 1000, kind: 'console', data: { level: 'error', args: [{ type: 'string', value: 'card_expiry invalid format' }] } },
    request(T0 + 1001, 'https://shop.example/api/checkout', 422),
    click(T0 + 1100, { selector: '#total', tag: 'span', interactive: false, text: 'Total' }),
    click(T0 + 1500, { selector: '#total', tag: 'span', interactive: false, text: 'Total' }),
    click(T0 + 1900, { selector: '#total', tag: 'span', interactive: false, text: 'Total' }),
  ]);
  await send(
    key,
    'sess_migrate_shop',
    2,
    [
      {
        t: T0 + 2000,
        kind: 'error',
        data: { name: 'TypeError', message: "Cannot read properties of undefined (reading 'confirmation')", origin: 'error' },
      },
      { t: T0 + 2001, kind: 'nav', data: { url: 'https://shop.example/checkout', type: 'pushState' } },
      { t: T0 + 2002, kind: 'custom', data: { type: 'feedback', message: 'payment broke' } },
    ],
    { url: 'https://shop.example/checkout' },
  );

  // A comment with a sketch on the shop session (comments are copied after its batches).
  const admin = (await src.store.getUserByEmail(ADMIN.email))!;
  await src.store.createComment({
    sessionId: 'sess_migrate_shop',
    offsetMs: 1500,
    text: 'Total is wrong',
    shapes: [{ kind: 'rect', x: 1, y: 2, w: 30, h: 40 }],
    element: { nodeId: 7, selector: '#total' },
    authorId: admin.id,
  });

  // Through a support link, from an iPhone: a dead click (nothing answers it in the next batch).
  const created = await src.app.inject({
    method: 'POST',
    url: '/api/v1/links',
    headers: { cookie: src.cookie },
    payload: { targetUrl: 'https://shop.example/cart', label: 'TICKET-42', expiresInSeconds: 86_400, maxSessions: 2 },
  });
  expect(created.statusCode).toBe(201);
  linkToken = (created.json() as { url: string }).url.split('/l/')[1]!;
  expect((await src.app.inject({ url: `/l/${linkToken}` })).statusCode).toBe(200); // opened_at
  await send(
    key,
    'sess_migrate_link',
    0,
    [domEvent(T0 + 10_000, 4, { href: 'https://shop.example/cart', width: 390, height: 844 }), click(T0 + 10_100)],
    {
      ua: IPHONE_UA,
      ip: '2001:db8:abcd:12::1',
      link: linkToken,
      url: 'https://shop.example/cart',
    },
  );
  await send(key, 'sess_migrate_link', 1, [domEvent(T0 + 14_000)], { ua: IPHONE_UA, link: linkToken, url: 'https://shop.example/cart' });
  // A revoked link without sessions.
  const revoked = await src.app.inject({
    method: 'POST',
    url: '/api/v1/links',
    headers: { cookie: src.cookie },
    payload: { targetUrl: 'https://shop.example/', label: 'TICKET-43', expiresInSeconds: 3600 },
  });
  const revokedId = (revoked.json() as { id: string }).id;
  expect(
    (await src.app.inject({ method: 'DELETE', url: `/api/v1/links/${revokedId}`, headers: { cookie: src.cookie } })).statusCode,
  ).toBeLessThan(300);

  // A second project with its own key and a 5xx session; a session whose batches get packed.
  const p2 = await src.app.inject({
    method: 'POST',
    url: '/api/v1/projects',
    headers: { cookie: src.cookie },
    payload: { name: 'Admin app', allowedOrigins: ['*'] },
  });
  expect(p2.statusCode).toBe(201);
  secondKey = (p2.json() as { key: string }).key;
  await send(secondKey, 'sess_migrate_p2', 0, [request(T0 + 20_000, 'https://admin.example/api/users/123', 503)], {
    url: 'https://admin.example/users',
  });
  for (let seq = 0; seq < 4; seq++)
    await send(key, 'sess_migrate_pack', seq, [domEvent(T0 + 30_000 + seq * 1000), domEvent(T0 + 30_500 + seq * 1000)]);
  expect((await src.store.compactSession('sess_migrate_pack')).packedBatches).toBe(4);
  // A session deleted while its tab still records: it must stay deleted on the target.
  await send(key, 'sess_migrate_gone', 0, [domEvent(T0 + 40_000)]);
  expect(await src.store.deleteSession('sess_migrate_gone')).toBe(true);

  // A member, an API token and saved searches.
  const member = (await src.store.createUser({ email: MEMBER.email, passwordHash: await hashPassword(MEMBER.password), role: 'member' }))!;
  const [first] = await src.store.listProjects();
  await src.store.setMembership({ projectId: first!.id, userId: member.id, role: 'viewer' });
  const tok = await src.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { cookie: src.cookie },
    payload: { name: 'ci', scope: 'read', projectIds: [first!.id] },
  });
  bearer = (tok.json() as { token: string }).token;
  for (const [name, query] of [
    ['Checkout 422', 'status:422 request:/api/checkout'],
    ['Rage', 'has:rage'],
  ]) {
    expect(
      (await src.app.inject({ method: 'POST', url: '/api/v1/saved-searches', headers: { cookie: src.cookie }, payload: { name, query } }))
        .statusCode,
    ).toBe(201);
  }
}

function cli(...args: string[]) {
  const { REPRISE_DATABASE_URL: url, ...s3 } = storage.env;
  return runCli(['migrate-store', '--from', src.dataDir, '--to', url!, ...args], { ...process.env, ...s3 });
}

async function get(app: FastifyInstance, url: string, auth: Record<string, string> = { cookie: src.cookie }) {
  const r = await app.inject({ url, headers: auth });
  expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
  return r;
}

/** What a session looks like through the API, minus `live` (a clock reading). */
const shape = <T extends SessionSummary>({ live: _l, ...rest }: T) => rest;
const list = async (app: FastifyInstance, q = '') =>
  ((await get(app, `/api/v1/sessions?limit=500&q=${encodeURIComponent(q)}`)).json() as SessionList).sessions.map(shape);

const SEARCHES = [
  '',
  'card_expiry',
  'status:422 request:/api/checkout',
  'user:user-7',
  'tag:plan=pro',
  'has:rage',
  'has:dead',
  'has:error',
  'has:feedback',
  'browser:safari',
  'device:mobile',
  'os:ios',
  'link:TICKET-42',
  'url:/checkout',
  'status:>=500',
  'clicked:"Total"',
];

describe('reprise migrate-store (SQLite → PostgreSQL + S3)', () => {
  it('copies everything; the target serves the same sessions, events, searches, links and logins', async () => {
    await seed();
    const { stdout, stderr } = await cli();
    expect(stderr).toMatch(
      /metadata: 2 project\(s\), 2 user\(s\), 1 API token\(s\), 1 login session\(s\), 2 link\(s\), 2 saved search\(es\)/,
    );
    expect(stderr).toMatch(/sessions 4\/4 \(copied 4, skipped 0, failed 0\)/);
    expect(stdout).toMatch(/sessions: 4 in the source, 4 copied, 0 already there; 10 batches \(0 already there\)/);

    const config = loadConfig(storage.env);
    const store = await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config) });
    target = { store, app: await buildApp({ store, config }) };
    const dst = target.app;

    // Projects with their ids and keys; the source's login cookie, password and API token work.
    expect((await get(dst, '/api/v1/projects')).json()).toEqual((await get(src.app, '/api/v1/projects')).json());
    expect((await get(dst, '/api/v1/auth/me')).json()).toMatchObject({ user: { email: ADMIN.email, role: 'admin' } });
    expect((await get(dst, '/api/v1/auth/me', { authorization: `Bearer ${bearer}` })).json()).toMatchObject({
      user: { email: ADMIN.email },
    });
    // Token grants and memberships (docs/access.md) come along.
    expect((await get(dst, '/api/v1/tokens', { authorization: `Bearer ${bearer}` })).json()).toEqual(
      (await get(src.app, '/api/v1/tokens', { authorization: `Bearer ${bearer}` })).json(),
    );
    const members = await src.store.listMemberships((await src.store.getUserByEmail(MEMBER.email))!.id);
    expect(members).toHaveLength(1);
    expect(await target.store.listMemberships(members[0]!.userId)).toEqual(members);
    for (const who of [ADMIN, MEMBER]) {
      expect((await dst.inject({ method: 'POST', url: '/api/v1/auth/login', payload: who })).statusCode).toBe(200);
      expect((await dst.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { ...who, password: 'wrong' } })).statusCode).toBe(
        401,
      );
    }

    // Every session: summary, detail (user agent facts, IP, link, counts, signals) and events.
    const sessions = await list(src.app);
    expect(sessions.map((s) => s.id).sort()).toEqual(['sess_migrate_link', 'sess_migrate_p2', 'sess_migrate_pack', 'sess_migrate_shop']);
    expect(await list(dst)).toEqual(sessions);
    for (const { id } of sessions) {
      const detail = shape((await get(src.app, `/api/v1/sessions/${id}`)).json() as SessionDetail);
      expect(shape((await get(dst, `/api/v1/sessions/${id}`)).json() as SessionDetail), id).toEqual(detail);
      expect((await get(dst, `/api/v1/sessions/${id}/events`)).body, id).toBe((await get(src.app, `/api/v1/sessions/${id}/events`)).body);
    }
    const shop = shape((await get(dst, '/api/v1/sessions/sess_migrate_shop')).json() as SessionDetail);
    expect(shop).toMatchObject({
      userId: 'user-7',
      tags: { plan: 'pro' },
      ip: '203.0.113.0',
      browser: 'Chrome',
      firstUrl: 'https://shop.example/',
      counts: { consoleErrors: 1, network4xx: 1, errors: 1, rageClicks: 1, feedback: 1 },
    });
    expect(shape((await get(dst, '/api/v1/sessions/sess_migrate_link')).json() as SessionDetail)).toMatchObject({
      linkLabel: 'TICKET-42',
      device: 'mobile',
      os: 'iOS',
      counts: { deadClicks: 1 },
    });

    // Search (index rows re-extracted), problems, links and saved searches.
    for (const q of SEARCHES) {
      const found = await list(src.app, q);
      expect(found.length, `${q} finds something`).toBeGreaterThan(0);
      expect(await list(dst, q), q).toEqual(found);
    }
    expect((await list(dst, 'status:422 request:/api/checkout')).map((s) => s.id)).toEqual(['sess_migrate_shop']);
    const since = T0 - 60_000;
    for (const p of ['endpoints', 'errors', 'clicks?type=rage', 'clicks?type=dead']) {
      const url = `/api/v1/problems/${p}${p.includes('?') ? '&' : '?'}since=${since}`;
      expect((await get(dst, url)).json(), p).toEqual((await get(src.app, url)).json());
    }
    // (`status` is read against the clock: `recording` turns `ended` 30 s after a link's last batch.)
    const links = async (app: FastifyInstance) =>
      ((await get(app, '/api/v1/links')).json() as { links: { status: string }[] }).links.map(({ status: _s, ...rest }) => rest);
    const srcLinks = await links(src.app);
    expect(srcLinks).toHaveLength(2);
    expect(await links(dst)).toEqual(srcLinks);
    const projects = (await get(src.app, '/api/v1/projects')).json() as { projects: { id: string }[] };
    for (const p of projects.projects) {
      const url = `/api/v1/saved-searches?projectId=${p.id}`;
      expect((await get(dst, url)).json()).toEqual((await get(src.app, url)).json());
    }
    const comments = await src.store.listComments('sess_migrate_shop');
    expect(comments).toHaveLength(1);
    expect(await target.store.listComments('sess_migrate_shop')).toEqual(comments);
    expect((await list(dst, 'comment:"total is"')).map((s) => s.id)).toEqual(['sess_migrate_shop']);

    // The target takes ingest with the same keys, and the link keeps counting toward its limit.
    const second = await dst.inject({
      method: 'POST',
      url: `/ingest/v1/batch?key=${src.projectKey}&link=${encodeURIComponent(linkToken)}`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
      payload: gz(makeBatch('sess_migrate_new2', 0, [domEvent(Date.now())])),
    });
    expect(second.statusCode).toBe(200);
    const third = await dst.inject({
      method: 'POST',
      url: `/ingest/v1/batch?key=${src.projectKey}&link=${encodeURIComponent(linkToken)}`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
      payload: gz(makeBatch('sess_migrate_new3', 0, [domEvent(Date.now())])),
    });
    expect(third.json()).toMatchObject({ error: 'link_used_up' });
    expect(await target.store.deleteSession('sess_migrate_new2')).toBe(true);
    // The session deleted on the source before the move: its tab's next batch is refused there.
    const gone = await dst.inject({
      method: 'POST',
      url: `/ingest/v1/batch?key=${src.projectKey}`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
      payload: gz(makeBatch('sess_migrate_gone', 1, [domEvent(Date.now())])),
    });
    expect(gone.statusCode, gone.body).toBe(410);
    expect(gone.json()).toMatchObject({ error: 'session_deleted' });
  });

  it('re-runs: skips complete sessions, copies new batches and sessions, refuses a foreign target', async () => {
    expect(target).not.toBeNull();
    const again = await cli('--concurrency', '2');
    expect(again.stdout).toMatch(/4 in the source, 0 copied, 4 already there; 0 batches/);

    // The source keeps receiving while the migration is prepared: the next run brings those over.
    await send(src.projectKey, 'sess_migrate_shop', 3, [
      { t: T0 + 3000, kind: 'console', data: { level: 'warn', args: [{ type: 'string', value: 'late warning' }] } },
    ]);
    await send(secondKey, 'sess_migrate_late', 0, [domEvent(T0 + 40_000)], { url: 'https://admin.example/late' });
    const third = await cli();
    expect(third.stdout).toMatch(/5 in the source, 2 copied, 3 already there; 2 batches \(3 already there\)/);
    for (const id of ['sess_migrate_shop', 'sess_migrate_late']) {
      expect(shape((await get(target!.app, `/api/v1/sessions/${id}`)).json() as SessionDetail)).toEqual(
        shape((await get(src.app, `/api/v1/sessions/${id}`)).json() as SessionDetail),
      );
      expect((await get(target!.app, `/api/v1/sessions/${id}/events`)).body).toBe(
        (await get(src.app, `/api/v1/sessions/${id}/events`)).body,
      );
    }
    expect(await list(target!.app, 'console:"late warning"')).toEqual(await list(src.app, 'console:"late warning"'));

    // A database a server already started on (its own Default project and admin) is refused.
    const other = await createStorage('postgres');
    const config = loadConfig({ ...other.env, REPRISE_ADMIN_PASSWORD: 'x'.repeat(12) });
    const foreign = await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config) });
    const source = new SqliteStore(src.dataDir);
    try {
      await bootstrap(foreign, config);
      await expect(migrateStore(source, foreign)).rejects.toThrow(TargetNotEmpty);
      expect(await foreign.listProjects()).toHaveLength(1);
    } finally {
      await source.close();
      await foreign.close();
      await other.cleanup();
    }
  });
});

describe('migrate-store and captured assets', () => {
  it("copies each project's asset mode and each session's assets with their bytes", async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { extractIndexRows } = await import('../src/ingest/extract.js');
    const dir = mkdtempSync(path.join(tmpdir(), 'reprise-asset-migrate-'));
    const source = new SqliteStore(dir);
    const dest = await createStorage('postgres');
    const config = loadConfig(dest.env);
    const store = await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config) });
    try {
      const p = await source.createProject({ name: 'assets', allowedOrigins: ['https://shop.example'] });
      const batch = makeBatch('sess_migrate_assets', 0, [domEvent(T0, 4, { href: 'https://shop.example/', width: 1, height: 1 })]);
      await source.appendBatch({
        projectId: p.id,
        batch,
        receivedAt: T0,
        index: extractIndexRows(batch.events, batch.meta),
        facts: { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null },
      });
      await source.assets.setAssetMode(p.id, 'block');
      const png = Buffer.from('captured image bytes');
      const urls = ['https://shop.example/a.png', 'https://shop.example/gone.png'];
      await source.assets.referenceAssets(p.id, 'sess_migrate_assets', urls, T0);
      await source.assetBlobs.put({ projectId: p.id, hash: 'a'.repeat(64) }, png);
      await source.assets.finishAsset(
        p.id,
        urls[0]!,
        { status: 'stored', hash: 'a'.repeat(64), contentType: 'image/png', bytes: png.length },
        T0,
      );
      await source.assets.finishAsset(p.id, urls[1]!, { status: 'failed', error: 'HTTP 404' }, T0);

      const r = await migrateStore(source, store);
      expect(r.failed).toEqual([]);
      expect(await store.assets.getAssetMode(p.id)).toBe('block');
      const rows = await store.assets.listSessionAssets('sess_migrate_assets', 10);
      expect(rows.map((a) => [a.url, a.status, a.error])).toEqual([
        [urls[0], 'stored', null],
        [urls[1], 'failed', 'HTTP 404'],
      ]);
      expect((await store.assetBlobs.get({ projectId: p.id, hash: 'a'.repeat(64) })).equals(png)).toBe(true);
      // A re-run changes nothing.
      await migrateStore(source, store);
      expect(await store.assets.listSessionAssets('sess_migrate_assets', 10)).toEqual(rows);
    } finally {
      await store.close();
      await source.close();
      await dest.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
