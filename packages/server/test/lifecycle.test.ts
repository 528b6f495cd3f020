import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayEvent, SessionDetail } from '@reprise/protocol';
import { parseQuery } from '@reprise/protocol/query';
import { loadConfig } from '../src/config.js';
import { hashPassword } from '../src/auth/passwords.js';
import { extractIndexRows } from '../src/ingest/extract.js';
import { storedIp } from '../src/privacy/ip.js';
import { createInstance, makeBatch, postBatch, startTestServer, type TestServer, type TestStore } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

const DAY = 86_400_000;
const PARENT_TABLES = [
  'sessions',
  'batches',
  'network_requests',
  'console_messages',
  'errors',
  'pages',
  'clicks',
  'signals',
  'search_text',
  'full_snapshots',
];
let s: TestServer;
afterEach(async () => s?.close());

/** A session that leaves rows in every index table, with `marker` in every kind of text it has. */
function richEvents(t0: number, marker: string, userId: string | null): ReplayEvent[] {
  const events: ReplayEvent[] = [
    { t: t0, kind: 'dom', data: { type: 4, timestamp: t0, data: { href: `https://shop.example/${marker}`, width: 800, height: 600 } } },
    {
      t: t0 + 1,
      kind: 'dom',
      data: {
        type: 2,
        timestamp: t0 + 1,
        data: {
          node: { type: 0, id: 1, childNodes: [{ type: 3, id: 2, textContent: `Hello ${marker}` }] },
          initialOffset: { top: 0, left: 0 },
        },
      },
    },
    { t: t0 + 2, kind: 'nav', data: { url: `https://shop.example/${marker}/cart`, type: 'pushState' } },
    { t: t0 + 3, kind: 'console', data: { level: 'error', args: [{ type: 'string', value: `console ${marker}` }] } },
    { t: t0 + 4, kind: 'error', data: { name: 'TypeError', message: `boom ${marker}`, stack: `at ${marker}.js:1:1`, origin: 'error' } },
    {
      t: t0 + 5,
      kind: 'network',
      data: {
        id: 'r1',
        initiator: 'fetch',
        method: 'POST',
        url: `https://shop.example/api/${marker}`,
        status: 500,
        requestHeaders: {},
        responseHeaders: {},
        requestBody: { kind: 'text', value: `body ${marker}` },
        responseBody: null,
        startedAt: t0 + 5,
        durationMs: 12,
      },
    },
    ...[6, 7, 8].map((d): ReplayEvent => ({
      t: t0 + d,
      kind: 'click',
      data: { selector: `button#${marker}`, text: `Pay ${marker}`, tag: 'button', interactive: true, x: 10, y: 10 },
    })),
    { t: t0 + 9, kind: 'custom', data: { type: 'tag', key: 'plan', value: `gold-${marker}` } },
    { t: t0 + 10, kind: 'custom', data: { type: 'feedback', message: `feedback ${marker}` } },
  ];
  if (userId) events.push({ t: t0 + 11, kind: 'custom', data: { type: 'identify', userId } });
  return events;
}

/** Stores a batch the way ingest does, at a chosen receive time (an old session, as an import would). */
async function appendAt(
  store: TestStore,
  projectId: string,
  sessionId: string,
  receivedAt: number,
  marker: string,
  userId: string | null = null,
) {
  const batch = makeBatch(sessionId, 0, richEvents(receivedAt - 60_000, marker, userId), `https://shop.example/${marker}`);
  await store.appendBatch({
    projectId,
    batch,
    receivedAt,
    index: extractIndexRows(batch.events, batch.meta),
    facts: { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null, ip: '203.0.113.0' },
  });
}

/** Tables with a session_id column: batches, every index table, search_text. */
async function sessionTables(): Promise<string[]> {
  const names =
    s.backend === 'sqlite'
      ? (
          await s.query<{ name: string }>(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%session_id%' AND name NOT LIKE 'search_text_%'",
          )
        ).map((r) => r.name)
      : (
          await s.query<{ name: string }>(
            "SELECT DISTINCT table_name AS name FROM information_schema.columns WHERE column_name = 'session_id' AND table_schema = current_schema()",
          )
        ).map((r) => r.name);
  expect(names).toEqual(
    expect.arrayContaining([
      'batches',
      'network_requests',
      'console_messages',
      'errors',
      'pages',
      'clicks',
      'signals',
      'search_text',
      'full_snapshots',
    ]),
  );
  return names;
}

/** Rows per table that has a session_id column (every index table, batches, search_text), plus the session row. */
async function rowsOf(_dataDir: string, sessionId: string): Promise<Record<string, number>> {
  const count = async (sql: string) => Number((await s.query<{ n: number }>(sql, sessionId))[0]!.n);
  const out: Record<string, number> = { sessions: await count('SELECT count(*) AS n FROM sessions WHERE id = ?') };
  for (const t of await sessionTables()) out[t] = await count(`SELECT count(*) AS n FROM "${t}" WHERE session_id = ?`);
  return out;
}

/** Objects the session's rows ever named (shared ingest packs have no session in their key). */
const namedBy = new Map<string, Set<string>>();

/**
 * The objects holding the session's bytes, in whichever chunk store the server uses (local files
 * or the bucket): those under its prefix, and the shared packs its rows name or named before.
 */
async function chunkFiles(_dataDir: string, sessionId: string): Promise<string[]> {
  const named = namedBy.get(sessionId) ?? new Set<string>();
  namedBy.set(sessionId, named);
  for (const r of await s.query<{ chunk_key: string }>('SELECT DISTINCT chunk_key FROM batches WHERE session_id = ?', sessionId)) {
    named.add(r.chunk_key);
  }
  const keys: string[] = [];
  for await (const o of s.store.chunks.list('')) if (o.key.includes(`/${sessionId}/`) || named.has(o.key)) keys.push(o.key);
  return keys;
}

/**
 * Every stored byte, gzip inflated too: `db` is the metadata database (SQLite: the files
 * reprise.db, -wal and -shm as they are on disk; PostgreSQL: every row of every table as text)
 * and `chunks` the chunk store (SQLite: the files under chunks/; PostgreSQL: every object in the bucket).
 */
async function diskBytes(dataDir: string): Promise<{ db: Buffer; chunks: Buffer; files: string[] }> {
  const db: Buffer[] = [];
  const chunks: Buffer[] = [];
  const files: string[] = [];
  const add = (into: Buffer[], b: Buffer) => {
    into.push(b);
    if (b[0] === 0x1f && b[1] === 0x8b) into.push(gunzipSync(b));
  };
  if (s.backend === 'sqlite') {
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = path.join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else {
          files.push(path.relative(dataDir, p));
          add(p.includes(`${path.sep}chunks${path.sep}`) ? chunks : db, readFileSync(p));
        }
      }
    };
    walk(dataDir);
  } else {
    const tables = (
      await s.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      )
    ).map((r) => r.name);
    for (const t of tables) {
      files.push(t);
      for (const r of await s.query<{ row: string }>(`SELECT t::text AS row FROM "${t}" t`)) db.push(Buffer.from(r.row));
    }
    for await (const o of s.store.chunks.list('')) add(chunks, await s.store.chunks.get(o.key));
  }
  return { db: Buffer.concat(db), chunks: Buffer.concat(chunks), files };
}

const api = (method: 'GET' | 'DELETE' | 'PATCH', url: string, payload?: unknown, cookie = s.cookie) =>
  s.app.inject({ method, url, headers: { cookie }, payload: payload as object | undefined });

describe('retention', () => {
  it('is an admin-only project setting from 1 to 3650 days, or null', async () => {
    s = await startTestServer();
    const [project] = await s.store.listProjects();
    expect(project!.retentionDays).toBeNull();
    for (const bad of [0, 3651, 1.5, '30', true]) {
      expect((await api('PATCH', `/api/v1/projects/${project!.id}`, { retentionDays: bad })).statusCode, String(bad)).toBe(400);
    }
    const ok = await api('PATCH', `/api/v1/projects/${project!.id}`, { retentionDays: 30 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ id: project!.id, retentionDays: 30 });
    expect(((await api('GET', '/api/v1/projects')).json() as { projects: { retentionDays: number }[] }).projects[0]!.retentionDays).toBe(
      30,
    );
    expect((await api('PATCH', `/api/v1/projects/${project!.id}`, { name: 'renamed' })).json()).toMatchObject({ retentionDays: 30 });
    expect((await api('PATCH', `/api/v1/projects/${project!.id}`, { retentionDays: null })).json()).toMatchObject({ retentionDays: null });

    await s.store.createUser({ email: 'member@test.local', passwordHash: await hashPassword('member password'), role: 'member' });
    const login = await s.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'member@test.local', password: 'member password' },
    });
    const member = String(login.headers['set-cookie']).split(';')[0]!;
    expect((await api('PATCH', `/api/v1/projects/${project!.id}`, { retentionDays: 1 }, member)).statusCode).toBe(403);
  });

  it('deletes everything of an expired session (rows in every table, search text, chunks) and keeps the others', async () => {
    s = await startTestServer();
    const now = Date.now();
    const [p1] = await s.store.listProjects();
    const p2 = await s.store.createProject({ name: 'no retention', allowedOrigins: ['*'] });
    await s.store.updateProject(p1!.id, { retentionDays: 7 });
    await appendAt(s.store, p1!.id, 'sess_expired_01', now - 8 * DAY, 'OLDMARK');
    await appendAt(s.store, p1!.id, 'sess_recent_001', now - 6 * DAY, 'NEWMARK');
    await appendAt(s.store, p2.id, 'sess_forever_01', now - 400 * DAY, 'KEEPMARK');
    const before = await rowsOf(s.dataDir, 'sess_expired_01');
    // (PostgreSQL partitions show up too, each holding some of the rows: compare the parents.)
    const parents = (rows: Record<string, number>) => Object.fromEntries(PARENT_TABLES.map((t) => [t, rows[t]]));
    for (const t of PARENT_TABLES) expect(before[t], t).toBeGreaterThan(0);
    expect(await chunkFiles(s.dataDir, 'sess_expired_01')).toHaveLength(1);

    expect(await s.store.deleteExpiredSessions(now)).toBe(1);
    for (const [table, n] of Object.entries(await rowsOf(s.dataDir, 'sess_expired_01'))) expect(n, table).toBe(0);
    expect(await chunkFiles(s.dataDir, 'sess_expired_01')).toEqual([]);
    if (s.backend === 'sqlite') expect(existsSync(path.join(s.dataDir, 'chunks', p1!.id, 'sess_expired_01'))).toBe(false);
    expect(await s.store.getSession('sess_expired_01')).toBeNull();
    for (const id of ['sess_recent_001', 'sess_forever_01']) {
      expect(parents(await rowsOf(s.dataDir, id)), id).toEqual(parents(before));
      expect(await chunkFiles(s.dataDir, id)).toHaveLength(1);
      expect((await s.store.readEvents(id)).length).toBe(11);
    }
    // Search no longer finds the deleted session's text, and still finds the others'.
    const found = async (text: string) => {
      const q = parseQuery(text);
      if (!q.ok) throw new Error(q.error.message);
      return (await s.store.searchSessions({ ast: q.ast, sort: 'newest', limit: 10, cursor: null, now })).sessions.map((x) => x.id);
    };
    expect(await found('OLDMARK')).toEqual([]);
    expect(await found('NEWMARK')).toEqual(['sess_recent_001']);

    expect(await s.store.deleteExpiredSessions(now)).toBe(0);
    expect(await s.store.deleteExpiredSessions(now + 2 * DAY)).toBe(1);
    expect(await s.store.getSession('sess_recent_001')).toBeNull();
    expect(await s.store.getSession('sess_forever_01')).not.toBeNull();
  });

  it('runs in the background on REPRISE_RETENTION_INTERVAL_MINUTES, and from the CLI', async () => {
    const inst = await createInstance({ env: { REPRISE_RETENTION_INTERVAL_MINUTES: '0.005' } });
    s = { ...inst, cookie: '' };
    const [p] = await s.store.listProjects();
    await s.store.updateProject(p!.id, { retentionDays: 1 });
    await appendAt(s.store, p!.id, 'sess_bg_expired', Date.now() - 2 * DAY, 'BGMARK');
    await appendAt(s.store, p!.id, 'sess_bg_current', Date.now(), 'BGMARK2');
    for (let i = 0; i < 50 && (await s.store.getSession('sess_bg_expired')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await s.store.getSession('sess_bg_expired')).toBeNull();
    expect(await s.store.getSession('sess_bg_current')).not.toBeNull();

    // Stop the timer (close waits for a run in progress) before the next expired session
    // exists, so only the CLI can delete it.
    await s.app.close();
    await appendAt(s.store, p!.id, 'sess_cli_expired', Date.now() - 2 * DAY, 'CLIMARK');
    const { stdout } = await runCli(['retention', 'run'], { ...process.env, ...s.env });
    expect(stdout.trim()).toBe('deleted 1 expired session');
    expect(await s.store.getSession('sess_cli_expired')).toBeNull();
  }, 120_000);
});

describe('erasure', () => {
  it('DELETE /api/v1/sessions/:id removes the session and its chunks; unknown ids are 404', async () => {
    s = await startTestServer();
    const events = richEvents(1_000_000, 'DELMARK', null);
    expect((await postBatch(s, makeBatch('sess_delete_me1', 0, events.slice(0, 6)))).statusCode).toBe(200);
    expect((await postBatch(s, makeBatch('sess_delete_me1', 1, events.slice(6)))).statusCode).toBe(200);
    expect((await postBatch(s, makeBatch('sess_keep_me_01', 0, events))).statusCode).toBe(200);
    expect(await chunkFiles(s.dataDir, 'sess_delete_me1')).toHaveLength(2);

    expect((await s.app.inject({ method: 'DELETE', url: '/api/v1/sessions/sess_delete_me1' })).statusCode).toBe(401);
    const del = await api('DELETE', '/api/v1/sessions/sess_delete_me1');
    expect(del.statusCode).toBe(204);
    expect((await api('GET', '/api/v1/sessions/sess_delete_me1')).statusCode).toBe(404);
    expect((await api('DELETE', '/api/v1/sessions/sess_delete_me1')).statusCode).toBe(404);
    for (const [table, n] of Object.entries(await rowsOf(s.dataDir, 'sess_delete_me1'))) expect(n, table).toBe(0);
    expect(await chunkFiles(s.dataDir, 'sess_delete_me1')).toEqual([]);
    expect((await api('GET', '/api/v1/sessions/sess_keep_me_01')).statusCode).toBe(200);
    expect(await s.store.readBatch('sess_keep_me_01', 0)).toEqual(events);
  });

  it("Erasure by user leaves no bytes of that user's sessions in the database or the bucket", async () => {
    s = await startTestServer();
    const MARK = 'ERASE-ME-7f3a9c';
    const KEEP = 'KEEP-ME-b1d2e3';
    // Two sessions of user-42 (one identifies in its second batch), one of another user.
    await postBatch(s, makeBatch('sess_user42_aaa', 0, richEvents(1_000_000, MARK, 'user-42'), `https://shop.example/${MARK}`));
    await postBatch(s, makeBatch('sess_user42_bbb', 0, richEvents(2_000_000, MARK, null), `https://shop.example/${MARK}`));
    await postBatch(s, makeBatch('sess_user42_bbb', 1, [{ t: 2_000_100, kind: 'custom', data: { type: 'identify', userId: 'user-42' } }]));
    await postBatch(s, makeBatch('sess_other_user', 0, richEvents(3_000_000, KEEP, 'user-7'), `https://shop.example/${KEEP}`));
    const before = await diskBytes(s.dataDir);
    expect(before.db.includes(MARK), 'the scan sees the marker in the database before erasure').toBe(true);
    expect(before.chunks.includes(MARK)).toBe(true);

    const r = await api('DELETE', '/api/v1/users/user-42/data');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ deleted: 2 });
    expect((await api('DELETE', '/api/v1/users/user-42/data')).json()).toEqual({ deleted: 0 });

    const check = async () => {
      const after = await diskBytes(s.dataDir);
      if (s.backend === 'sqlite') expect(after.files).toEqual(expect.arrayContaining(['reprise.db']));
      expect(after.db.includes(MARK), `marker in ${after.files.filter((f) => !f.startsWith('chunks')).join(', ')}`).toBe(false);
      expect(after.chunks.includes(MARK), 'marker in chunks').toBe(false);
      expect(after.db.includes('user-42')).toBe(false);
      // The other user's session is intact, and visible to the same scan.
      expect(after.db.includes(KEEP)).toBe(true);
      expect(after.chunks.includes(KEEP)).toBe(true);
    };
    await check(); // while the server runs (WAL checkpointed and truncated)
    expect(await s.store.getSession('sess_other_user')).toMatchObject({ userId: 'user-7' });
    if (s.backend === 'sqlite') {
      await s.app.close();
      await s.store.close();
      await check(); // and once closed
    }
  });

  it('erasure by user can be limited to one project', async () => {
    s = await startTestServer();
    const [p1] = await s.store.listProjects();
    const p2 = await s.store.createProject({ name: 'other', allowedOrigins: ['*'] });
    await appendAt(s.store, p1!.id, 'sess_u_proj_one', Date.now(), 'P1MARK', 'user-9');
    await appendAt(s.store, p2.id, 'sess_u_proj_two', Date.now(), 'P2MARK', 'user-9');
    expect((await api('DELETE', `/api/v1/users/user-9/data?projectId=${p2.id}`)).json()).toEqual({ deleted: 1 });
    expect(await s.store.getSession('sess_u_proj_two')).toBeNull();
    expect(await s.store.getSession('sess_u_proj_one')).not.toBeNull();
    expect(await s.store.deleteUserSessions('user-9')).toBe(1);
  });
});

describe('client IP', () => {
  it('anonymizes IPv4 (last octet) and IPv6 (/48); other input is not an address', () => {
    expect(storedIp('203.0.113.77', 'anonymize')).toBe('203.0.113.0');
    expect(storedIp('::ffff:198.51.100.9', 'anonymize')).toBe('198.51.100.0');
    expect(storedIp('2001:db8:abcd:12:3456::1', 'anonymize')).toBe('2001:db8:abcd::');
    expect(storedIp('2001:0DB8:00AB:ffff:0:0:0:1', 'anonymize')).toBe('2001:db8:ab::');
    expect(storedIp('::1', 'anonymize')).toBe('::');
    expect(storedIp('fe80::1%eth0', 'anonymize')).toBe('fe80::');
    expect(storedIp('2001:0DB8::1', 'full')).toBe('2001:db8::1');
    expect(storedIp('203.0.113.77', 'full')).toBe('203.0.113.77');
    expect(storedIp('203.0.113.77', 'off')).toBeNull();
    expect(storedIp('not-an-ip', 'anonymize')).toBeNull();
    expect(storedIp(undefined, 'full')).toBeNull();
  });

  const ingestFrom = async (sessionId: string, remoteAddress: string, headers: Record<string, string> = {}) => {
    const r = await s.app.inject({
      method: 'POST',
      url: `/ingest/v1/batch?key=${s.projectKey}`,
      remoteAddress,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(makeBatch(sessionId, Number(headers['x-seq'] ?? 0), richEvents(1_000_000, 'IP', null))),
    });
    expect(r.statusCode).toBe(200);
    return ((await api('GET', `/api/v1/sessions/${sessionId}`)).json() as SessionDetail).ip;
  };

  it('stores the anonymized address of the first batch by default, shown as `ip`', async () => {
    s = await startTestServer();
    expect(await ingestFrom('sess_ip_v4_0001', '203.0.113.77')).toBe('203.0.113.0');
    // A later batch from elsewhere does not change it.
    expect(await ingestFrom('sess_ip_v4_0001', '198.51.100.1', { 'x-seq': '1' })).toBe('203.0.113.0');
    expect(await ingestFrom('sess_ip_v6_0001', '2001:db8:abcd:12::1')).toBe('2001:db8:abcd::');
    // X-Forwarded-For is ignored unless the proxy is trusted.
    expect(await ingestFrom('sess_ip_xff_001', '10.0.0.1', { 'x-forwarded-for': '203.0.113.99' })).toBe('10.0.0.0');
    const db = (await diskBytes(s.dataDir)).db;
    expect(db.includes('203.0.113.77')).toBe(false);
    expect(db.includes('2001:db8:abcd:12::1')).toBe(false);
  });

  it('REPRISE_IP=full keeps the address, =off stores none; REPRISE_TRUST_PROXY uses X-Forwarded-For', async () => {
    s = await startTestServer({ REPRISE_IP: 'full', REPRISE_TRUST_PROXY: '1' });
    expect(await ingestFrom('sess_ip_full_01', '2001:db8:abcd:12::1')).toBe('2001:db8:abcd:12::1');
    expect(await ingestFrom('sess_ip_proxy_1', '10.0.0.1', { 'x-forwarded-for': '203.0.113.99' })).toBe('203.0.113.99');
    await s.close();
    s = await startTestServer({ REPRISE_IP: 'off' });
    expect(await ingestFrom('sess_ip_off_001', '203.0.113.77')).toBeNull();
    await s.close();
    s = await startTestServer({ REPRISE_TRUST_PROXY: '1' });
    expect(await ingestFrom('sess_ip_proxy_2', '10.0.0.1', { 'x-forwarded-for': '203.0.113.99, 10.0.0.1' })).toBe('203.0.113.0');
    expect(() => loadConfig({ REPRISE_IP: 'partial' })).toThrow(/REPRISE_IP/);
  });
});
