import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parseNdjson, type ReplayEvent, type SessionDetail } from '@reprise/protocol';
import { buildApp } from '../src/app.js';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { PgLiveBus } from '../src/live/pg-bus.js';
import { openChunkStore } from '../src/store/open.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { createStorage, type TestStorage } from './backend.js';
import { ADMIN, CHROME_UA, domEvent, gz, makeBatch } from './helpers.js';

/**
 * Scale-out: two server instances (own pools, own LISTEN connections, different ports) on one
 * PostgreSQL database and one bucket prefix. PostgreSQL-only by nature, so it runs in every
 * project on PostgreSQL + S3 (the `postgres` project leaves it out to not run it twice).
 */
interface Node {
  app: FastifyInstance;
  store: PgStore;
  bus: PgLiveBus;
  base: string;
  projectKey: string;
}

let storage: TestStorage;
let a: Node;
let b: Node;

async function startNode(name: string): Promise<Node> {
  const config = loadConfig({
    ...storage.env,
    REPRISE_ADMIN_EMAIL: ADMIN.email,
    REPRISE_ADMIN_PASSWORD: ADMIN.password,
    REPRISE_RETENTION_INTERVAL_MINUTES: '0',
  });
  const store = await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config), name: `reprise-${name}` });
  const boot = await bootstrap(store, config);
  const bus = new PgLiveBus(store);
  await bus.ready;
  const app = await buildApp({ store, config, bus });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, store, bus, base, projectKey: boot.projectKey };
}

async function stopNode(n: Node | undefined): Promise<void> {
  if (!n) return;
  await n.app.close();
  await n.bus.close();
  await n.store.close();
}

function post(n: Node, sessionId: string, seq: number, events: ReplayEvent[]) {
  return fetch(`${n.base}/ingest/v1/batch?key=${n.projectKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    body: gz(makeBatch(sessionId, seq, events)),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { duplicate?: boolean; error?: string } }));
}

async function login(n: Node): Promise<string> {
  const r = await fetch(`${n.base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(r.status).toBe(200);
  return r.headers.get('set-cookie')!.split(';')[0]!;
}

beforeAll(async () => {
  storage = await createStorage('postgres');
  // Started together: migrations and bootstrap must not trip over each other.
  [a, b] = await Promise.all([startNode('a'), startNode('b')]);
});

afterAll(async () => {
  await stopNode(a);
  await stopNode(b);
  await storage?.cleanup();
});

describe('several instances on one PostgreSQL and one bucket', () => {
  it('share one project and its key, and a login cookie from A works on B', async () => {
    expect(b.projectKey).toBe(a.projectKey);
    expect(await a.store.listProjects()).toHaveLength(1);
    expect(await a.store.countUsers()).toBe(1);
    const cookie = await login(a);
    const me = await fetch(`${b.base}/api/v1/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(ADMIN.email);
    // An API token made on B works on A.
    const t = await fetch(`${b.base}/api/v1/tokens`, {
      method: 'POST',
      headers: { cookie, origin: b.base, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ci' }),
    });
    const { token } = (await t.json()) as { token: string };
    expect((await fetch(`${a.base}/api/v1/projects`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('stores a session whose batches alternate between A and B, the same seq sent to both at once: complete, no duplicates', async () => {
    const sid = 'sess_multi_node_01';
    const events = (seq: number) => [domEvent(10_000 + seq * 10), domEvent(10_000 + seq * 10 + 1)];
    // The first batch of a new session on both at once: one creates the session, the other is the duplicate.
    const first = await Promise.all([post(a, sid, 0, events(0)), post(b, sid, 0, events(0))]);
    expect(first.map((r) => r.status)).toEqual([200, 200]);
    expect(first.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    // Alternating, several in flight at once.
    const alternating = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? b : a, sid, i + 1, events(i + 1))));
    expect(alternating.every((r) => r.status === 200 && r.body.duplicate === false)).toBe(true);
    // Each of these seqs goes to both instances concurrently: exactly one of the two stores it.
    const both = await Promise.all(
      Array.from({ length: 10 }, (_, i) => Promise.all([post(a, sid, 21 + i, events(21 + i)), post(b, sid, 21 + i, events(21 + i))])),
    );
    for (const pair of both) {
      expect(pair.map((r) => r.status)).toEqual([200, 200]);
      expect(
        pair.filter((r) => r.body.duplicate === false),
        JSON.stringify(pair),
      ).toHaveLength(1);
    }

    const cookie = await login(b);
    const d = (await (await fetch(`${a.base}/api/v1/sessions/${sid}`, { headers: { cookie } })).json()) as SessionDetail;
    expect(d).toMatchObject({ batchCount: 31, eventCount: 62, lastSeq: 30, missingSeqs: [] });
    const got = parseNdjson(await (await fetch(`${b.base}/api/v1/sessions/${sid}/events`, { headers: { cookie } })).text());
    expect(got.map((e) => e.t)).toEqual(Array.from({ length: 31 }, (_, s) => [10_000 + s * 10, 10_000 + s * 10 + 1]).flat());
    // The losing copy of every duplicate was removed: one object per stored batch.
    const keys: string[] = [];
    for await (const o of a.store.chunks.list('')) if (o.key.includes(sid)) keys.push(o.key);
    expect(keys).toHaveLength(31);
  });

  it('streams to a viewer on B the batches ingested on A, within 2 s, also after the LISTEN connections were cut', async () => {
    const sid = 'sess_multi_live_01';
    expect((await post(a, sid, 0, [domEvent(1000)])).status).toBe(200);
    const cookie = await login(a);
    const ctrl = new AbortController();
    const res = await fetch(`${b.base}/api/v1/sessions/${sid}/live`, { headers: { cookie }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const received: ReplayEvent[][] = [];
    let buf = '';
    const pump = (async () => {
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) return;
        buf += dec.decode(value, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = /^event: events\ndata: (.*)$/m.exec(block)?.[1];
          if (data) received.push(JSON.parse(data) as ReplayEvent[]);
        }
      }
    })();
    try {
      // The stream is open once its first comment arrived; give B's subscription a moment.
      await new Promise((r) => setTimeout(r, 100));
      for (let seq = 1; seq <= 3; seq++) {
        const sent = Date.now();
        expect((await post(seq === 2 ? b : a, sid, seq, [domEvent(1000 + seq), domEvent(1000 + seq + 0.5)])).status).toBe(200);
        while (received.length < seq && Date.now() - sent < 2000) await new Promise((r) => setTimeout(r, 20));
        expect(received.length, `batch ${seq} reached the viewer on B within 2 s`).toBe(seq);
      }
      expect(received.map((evs) => evs.map((e) => e.t))).toEqual([
        [1001, 1001.5],
        [1002, 1002.5],
        [1003, 1003.5],
      ]);

      // The LISTEN connections are cut (a database restart, a proxy timeout): they come back on their own.
      // Counted once LISTEN has run on them (the last statement of an idle connection); the
      // killed backends are left out by pid, since termination completes asynchronously.
      const killed: number[] = [];
      const listeners = () =>
        storage.query<{ n: number }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'reprise-live' AND datname = current_database()
             AND state = 'idle' AND query LIKE 'LISTEN%' AND NOT (pid = ANY(?::int[]))`,
          `{${killed.join(',')}}`,
        );
      expect((await listeners())[0]!.n).toBe(2);
      const pids = await storage.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'reprise-live' AND datname = current_database()",
      );
      killed.push(...pids.map((r) => r.pid));
      // The timeout makes pg_terminate_backend wait until each backend is gone.
      await storage.query(
        'SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE pid = ANY(?::int[])',
        `{${killed.join(',')}}`,
      );
      const cut = Date.now();
      while ((await listeners())[0]!.n < 2 && Date.now() - cut < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect((await listeners())[0]!.n).toBe(2);
      const sent = Date.now();
      expect((await post(a, sid, 4, [domEvent(1004)])).status).toBe(200);
      while (received.length < 4 && Date.now() - sent < 2000) await new Promise((r) => setTimeout(r, 20));
      expect(received.map((evs) => evs.map((e) => e.t))[3]).toEqual([1004]);
    } finally {
      ctrl.abort();
      await pump;
    }
  });

  it('keeps cross-batch signal state of one session across instances (a rage burst spanning batches)', async () => {
    const sid = 'sess_multi_rage_01';
    const click = (t: number) => ({
      t,
      kind: 'click' as const,
      data: { selector: '#total', tag: 'span', interactive: false, x: 100, y: 100 },
    });
    // One click per batch, 300 ms apart, each batch on the other instance: one burst of 5.
    for (let seq = 0; seq < 5; seq++) expect((await post(seq % 2 ? b : a, sid, seq, [click(1000 + seq * 300)])).status).toBe(200);
    const d = await b.store.getSession(sid);
    expect(d!.counts).toMatchObject({ clicks: 5, rageClicks: 1 });
    expect(await storage.query("SELECT t, click_count FROM signals WHERE session_id = ? AND type = 'rage'", sid)).toEqual([
      { t: 1000, click_count: 5 },
    ]);
  });
});
