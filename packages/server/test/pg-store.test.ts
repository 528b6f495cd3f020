import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { loadConfig } from '../src/config.js';
import { extractIndexRows } from '../src/ingest/extract.js';
import { openChunkStore } from '../src/store/open.js';
import { checkSchema, migrate, MIGRATIONS, schemaVersion } from '../src/store/postgres/migrations.js';
import { addMonths, monthStart } from '../src/store/postgres/partitions.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { createPool } from '../src/store/postgres/pool.js';
import { LinkRefused } from '../src/store/types.js';
import { createStorage, createTestDatabase, type TestStorage } from './backend.js';
import { domEvent, makeBatch } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

/**
 * What only the PostgreSQL store has: migrations under an advisory lock, monthly partitions and
 * retention by partition, the link slot race between instances, compaction on PostgreSQL.
 * PostgreSQL-only, so (like multi-instance.test.ts) it runs once, in the default project.
 */
const DAY = 86_400_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function storage(): Promise<TestStorage> {
  const st = await createStorage('postgres');
  cleanups.push(() => st.cleanup());
  return st;
}

async function open(st: TestStorage, migrateOnOpen = true): Promise<PgStore> {
  const config = loadConfig(st.env);
  const store = await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config), migrate: migrateOnOpen });
  cleanups.push(() => store.close());
  return store;
}

const FACTS = { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null };

async function append(
  store: PgStore,
  projectId: string,
  sessionId: string,
  seq: number,
  events: ReplayEvent[],
  receivedAt = Date.now(),
  linkId?: string,
) {
  const batch = makeBatch(sessionId, seq, events);
  return store.appendBatch({ projectId, batch, facts: FACTS, index: extractIndexRows(batch.events, batch.meta), receivedAt, linkId });
}

const netEvent = (t: number): ReplayEvent => ({
  t,
  kind: 'network',
  data: {
    id: `r${t}`,
    initiator: 'fetch',
    method: 'GET',
    url: 'https://shop.example/api/x',
    status: 500,
    requestHeaders: {},
    responseHeaders: {},
    requestBody: null,
    responseBody: null,
    startedAt: t,
    durationMs: 5,
  },
});

describe('migrations', () => {
  it('migrate from a fresh database, concurrently from several processes; a newer database refuses to open', async () => {
    const { url, drop } = await createTestDatabase();
    cleanups.push(drop);
    // The template is migrated already: reset this copy to an empty schema.
    const pool = createPool(url, { max: 1 });
    await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    expect(await schemaVersion(pool)).toBe(0);
    await expect(checkSchema(pool)).rejects.toThrow(/reprise migrate/);
    const runs = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    expect(runs.map((r) => r.current).sort()).toEqual([0, MIGRATIONS.length, MIGRATIONS.length]);
    expect(await schemaVersion(pool)).toBe(MIGRATIONS.length);
    await pool.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [MIGRATIONS.length + 1]);
    await expect(migrate(url)).rejects.toThrow(/newer than this Reprise/);
    await expect(checkSchema(pool)).rejects.toThrow(/newer than this Reprise/);
    await pool.end();
  });

  it('`reprise migrate` applies them; with REPRISE_AUTO_MIGRATE=0 the server refuses an old schema', async () => {
    const st = await storage();
    await st.exec('DROP SCHEMA public CASCADE');
    await st.exec('CREATE SCHEMA public');
    await expect(open(st, false)).rejects.toThrow(/run `reprise migrate`/);
    const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...process.env, ...st.env, ...env });
    const out = await run(['migrate']);
    expect(out.stdout).toContain(`schema migrated from version 0 to ${MIGRATIONS.length}`);
    expect((await run(['migrate'])).stdout).toContain('schema is up to date');
    const store = await open(st, false);
    expect(await store.listProjects()).toEqual([]);
  }, 120_000);
});

describe('partitions', () => {
  it('puts index rows in monthly partitions, others in the default one, and moves them out when their month is created', async () => {
    const st = await storage();
    const store = await open(st);
    const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    const now = Date.now();
    const old = addMonths(monthStart(now), -6) + 5 * DAY;
    await append(store, p.id, 'sess_part_now', 0, [netEvent(now)]);
    await append(store, p.id, 'sess_part_old', 0, [netEvent(old)]);
    const where = async (sid: string) =>
      (await st.query<{ part: string }>('SELECT tableoid::regclass::text AS part FROM network_requests WHERE session_id = ?', sid))[0]!
        .part;
    const d = new Date(now);
    expect(await where('sess_part_now')).toBe(`network_requests_p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
    // Six months back is outside the on-demand window: the default partition keeps it.
    expect(await where('sess_part_old')).toBe('network_requests_default');
    await (store as unknown as { partitions: { ensureMonth(m: number): Promise<void> } }).partitions.ensureMonth(monthStart(old));
    expect(await where('sess_part_old')).toMatch(/^network_requests_p\d{6}$/);
    expect((await store.listFailingEndpoints({ since: 0, limit: 10 }))[0]).toMatchObject({ count: 2, sessions: 2 });
  });

  it('retention drops months older than the longest retention, and deletes expired sessions per project', async () => {
    const st = await storage();
    const store = await open(st);
    const p1 = await store.createProject({ name: 'short', allowedOrigins: ['*'] });
    const p2 = await store.createProject({ name: 'long', allowedOrigins: ['*'] });
    await store.updateProject(p1.id, { retentionDays: 7 });
    const now = Date.now();
    const ancient = addMonths(monthStart(now), -5) + DAY;
    await (store as unknown as { partitions: { ensureMonth(m: number): Promise<void> } }).partitions.ensureMonth(monthStart(ancient));
    await append(store, p2.id, 'sess_ancient_01', 0, [netEvent(ancient)], ancient);
    await append(store, p1.id, 'sess_expired_01', 0, [netEvent(now - 8 * DAY)], now - 8 * DAY);
    await append(store, p1.id, 'sess_current_01', 0, [netEvent(now)], now);
    const partitions = async () =>
      (
        await st.query<{ name: string }>(
          "SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relname ~ '^network_requests_p[0-9]{6}$' ORDER BY 1",
        )
      ).map((r) => r.name);
    const before = await partitions();
    // p2 keeps sessions forever: no month may be dropped, only p1's expired session goes.
    expect(await store.deleteExpiredSessions(now)).toBe(1);
    expect(await partitions()).toEqual(before);
    expect(await store.getSession('sess_expired_01')).toBeNull();
    expect(await store.getSession('sess_ancient_01')).not.toBeNull();
    // With 60 days for p2, its ancient session expires and its month is dropped whole.
    await store.updateProject(p2.id, { retentionDays: 60 });
    expect(await store.deleteExpiredSessions(now)).toBe(1);
    const after = await partitions();
    expect(after.length).toBe(before.length - 1);
    expect(await store.getSession('sess_ancient_01')).toBeNull();
    expect(await store.getSession('sess_current_01')).not.toBeNull();
    expect(await st.query('SELECT session_id FROM network_requests ORDER BY 1')).toEqual([{ session_id: 'sess_current_01' }]);
    const keys: string[] = [];
    for await (const o of store.chunks.list('')) keys.push(o.key);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toContain('sess_current_01');
  });
});

describe('links across instances', () => {
  it('gives the last slot of a link to exactly one of two first batches racing on two instances', async () => {
    const st = await storage();
    const a = await open(st);
    const b = await open(st);
    const p = await a.createProject({ name: 'p', allowedOrigins: ['*'] });
    const link = await a.createLink({
      projectId: p.id,
      label: 'x',
      targetUrl: 'https://shop.example/',
      tokenHash: 'h'.repeat(64),
      expiresAt: Date.now() + DAY,
      maxSessions: 1,
      createdBy: null,
    });
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled([
        append(a, p.id, `sess_race_a_${round}`, 0, [domEvent(1)], Date.now(), link.id),
        append(b, p.id, `sess_race_b_${round}`, 0, [domEvent(1)], Date.now(), link.id),
      ]);
      if (round === 0) {
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toBeInstanceOf(LinkRefused);
        expect((refused.reason as LinkRefused).code).toBe('link_used_up');
      } else {
        expect(results.every((r) => r.status === 'rejected')).toBe(true);
      }
    }
    expect((await a.getLinkByTokenHash('h'.repeat(64)))!.sessionCount).toBe(1);
  });
});

describe('chunk maintenance on PostgreSQL', () => {
  it('packs an idle session into one object, reads it back by range, and gc leaves referenced objects', async () => {
    const st = await storage();
    const store = await open(st);
    const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    for (let seq = 0; seq < 5; seq++)
      await append(store, p.id, 'sess_pack_me_01', seq, [domEvent(1000 + seq), domEvent(1000 + seq + 0.5)], Date.now() - DAY);
    expect(await store.listCompactableSessions(Date.now() - 60_000, 10)).toEqual(['sess_pack_me_01']);
    const r = await store.compactSession('sess_pack_me_01');
    expect(r.packedBatches).toBe(5);
    expect(await store.listCompactableSessions(Date.now() - 60_000, 10)).toEqual([]);
    expect((await store.readEvents('sess_pack_me_01')).map((e) => e.t)).toEqual([
      1000, 1000.5, 1001, 1001.5, 1002, 1002.5, 1003, 1003.5, 1004, 1004.5,
    ]);
    expect((await store.readEvents('sess_pack_me_01', { from: 1002, to: 1003 })).map((e) => e.t)).toEqual([1002, 1002.5, 1003]);
    expect(await store.readBatch('sess_pack_me_01', 3)).toEqual([domEvent(1003), domEvent(1003.5)]);
    const gc = await store.gcChunks({ olderThanMs: 0 });
    expect(gc.deleted).toEqual([]);
    const keys: string[] = [];
    for await (const o of store.chunks.list('')) keys.push(o.key);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/\/pack-0000000000-0000000004-/);
  });
});
