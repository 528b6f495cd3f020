import { randomBytes } from 'node:crypto';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { loadConfig } from '../src/config.js';
import { extractIndexRows } from '../src/ingest/extract.js';
import { isSharedPackKey } from '../src/store/chunks/batch-chunks.js';
import { S3ChunkStore } from '../src/store/chunks/s3.js';
import type { ChunkStore } from '../src/store/chunks/types.js';
import { openChunkStore } from '../src/store/open.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { ChunkStoreUnavailable, SessionDeleted } from '../src/store/types.js';
import { createStorage, type TestStorage } from './backend.js';
import { domEvent, gz, makeBatch } from './helpers.js';
import { buildApp } from '../src/app.js';

/**
 * Ingest packing on PostgreSQL + S3 (store/postgres/ingest-packer.ts): batches of several sessions
 * in one object, acknowledged only once object and rows are durable, and compaction, deletion and
 * gc of shared packs. PostgreSQL-only, so (like pg-store.test.ts) it runs once, in the default project.
 */
const DAY = 86_400_000;
const FACTS = { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function storage(): Promise<TestStorage> {
  const st = await createStorage('postgres');
  cleanups.push(() => st.cleanup());
  return st;
}

/** A store with packing on; `together()` makes the six batches of sendTogether one pack whatever the load. */
async function open(st: TestStorage, opts: { chunks?: ChunkStore; windowMs?: number; maxParts?: number } = {}): Promise<PgStore> {
  const config = loadConfig(st.env);
  const store = await PgStore.open({
    url: config.databaseUrl!,
    chunks: opts.chunks ?? openChunkStore(config),
    pack: { windowMs: opts.windowMs ?? 300, maxBytes: 4 * 1024 * 1024, maxParts: opts.maxParts },
  });
  cleanups.push(() => store.close());
  return store;
}

function append(store: PgStore, projectId: string, sessionId: string, seq: number, events: ReplayEvent[], receivedAt = Date.now()) {
  const batch = makeBatch(sessionId, seq, events);
  return store.appendBatch({ projectId, batch, facts: FACTS, index: extractIndexRows(batch.events, batch.meta), receivedAt });
}

async function keys(store: PgStore): Promise<string[]> {
  const out: string[] = [];
  for await (const o of store.chunks.list('')) out.push(o.key);
  return out.sort();
}

const events = (base: number, n: number) => Array.from({ length: n }, (_, i) => domEvent(base + i));
const SESSIONS = ['sess_pack_a', 'sess_pack_b', 'sess_pack_c'];
const together = { windowMs: 60_000, maxParts: 6 };

/** Two batches of each session, all sent at once (one pack); each session's events start at 1000 × (its index + 1). */
async function sendTogether(store: PgStore, projectId: string, receivedAt = Date.now()): Promise<void> {
  const sends = SESSIONS.flatMap((s, i) =>
    [0, 1].map((seq) => append(store, projectId, s, seq, events(1000 * (i + 1) + seq * 10, 3), receivedAt)),
  );
  expect(await Promise.all(sends)).toEqual(sends.map(() => ({ duplicate: false })));
}

const expected = (i: number) => [...events(1000 * (i + 1), 3), ...events(1000 * (i + 1) + 10, 3)];

describe('ingest packing on PostgreSQL + S3', () => {
  it('stores batches of several sessions as one object, each row naming its segment, and reads each back exactly', async () => {
    const st = await storage();
    const store = await open(st, together);
    const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    await sendTogether(store, p.id);
    const stored = await keys(store);
    expect(stored).toHaveLength(1);
    expect(isSharedPackKey(stored[0]!)).toBe(true);
    expect(stored[0]!.startsWith(`${p.id}/~packs/`)).toBe(true);
    const rows = await st.query<{ chunk_key: string; chunk_offset: number; chunk_length: number; bytes: number }>(
      'SELECT chunk_key, chunk_offset, chunk_length, bytes FROM batches ORDER BY chunk_offset',
    );
    expect(rows).toHaveLength(6);
    let end = 0;
    for (const r of rows) {
      expect(r.chunk_key).toBe(stored[0]);
      expect(r.chunk_offset).toBe(end);
      expect(r.chunk_length).toBe(r.bytes);
      end += r.chunk_length;
    }
    for (const [i, s] of SESSIONS.entries()) {
      expect(await store.readEvents(s)).toEqual(expected(i));
      expect(await store.readBatch(s, 1)).toEqual(events(1000 * (i + 1) + 10, 3));
    }
    // A resend of an acknowledged batch is a duplicate and changes nothing.
    expect(await append(store, p.id, 'sess_pack_b', 1, events(5, 1))).toEqual({ duplicate: true });
    expect(await store.readEvents('sess_pack_b')).toEqual(expected(1));
  });

  it('acknowledges nothing whose object failed to store: every batch of the pack is refused, and the resend is stored', async () => {
    const st = await storage();
    const config = loadConfig(st.env);
    // A bucket that does not exist yet: PutObject fails (a real S3 error), later it exists.
    const bucket = `reprise-pk-${randomBytes(4).toString('hex')}`;
    const chunks = new S3ChunkStore({ ...config.s3!, bucket });
    const store = await open(st, { chunks });
    cleanups.push(async () => {
      for await (const o of chunks.list('')) await chunks.delete([o.key]);
      await chunks.client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    });
    const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    const sends = SESSIONS.map((s, i) => append(store, p.id, s, 0, events(1000 * (i + 1), 3)));
    for (const r of await Promise.allSettled(sends)) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ChunkStoreUnavailable);
    }
    expect(await st.query('SELECT * FROM batches')).toEqual([]);

    // Over HTTP the refusal is a 503 the recorder retries; once the bucket is back the resend is stored.
    const app = await buildApp({ config, store });
    cleanups.push(() => app.close());
    const body = gz(makeBatch('sess_pack_http', 0, events(100, 2)));
    const post = () =>
      app.inject({
        method: 'POST',
        url: `/ingest/v1/batch?key=${p.key}`,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload: body,
      });
    const refused = await post();
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ error: 'store_unavailable' });
    await chunks.ensureBucket();
    expect((await post()).statusCode).toBe(200);
    const resent = await Promise.all(SESSIONS.map((s, i) => append(store, p.id, s, 0, events(1000 * (i + 1), 3))));
    expect(resent).toEqual(SESSIONS.map(() => ({ duplicate: false })));
    expect(await store.readEvents('sess_pack_http')).toEqual(events(100, 2));
    for (const [i, s] of SESSIONS.entries()) expect(await store.readEvents(s)).toEqual(events(1000 * (i + 1), 3));
  });

  it('deleting one session keeps the shared object for the others; the last one out removes it', async () => {
    const st = await storage();
    const store = await open(st, together);
    const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    await sendTogether(store, p.id);
    const [pack] = await keys(store);
    expect(await store.deleteSession('sess_pack_a')).toBe(true);
    expect(await keys(store)).toEqual([pack]);
    expect(await store.readEvents('sess_pack_b')).toEqual(expected(1));
    expect(await store.readEvents('sess_pack_c')).toEqual(expected(2));
    expect((await store.gcChunks({ olderThanMs: 0 })).deleted).toEqual([]);
    expect(await store.deleteSession('sess_pack_b')).toBe(true);
    expect(await store.deleteSession('sess_pack_c')).toBe(true);
    expect(await keys(store)).toEqual([]);
  });

  for (const path of ['bulk', 'one batch at a time'] as const) {
    it(`a session deleted while its batch waits in a pack is not created again by it (${path}); the pack's other batches are stored`, async () => {
      const st = await storage();
      const store = await open(st, { windowMs: 60_000, maxParts: 2 });
      const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
      const ingest = (sid: string, seq: number, evs: ReplayEvent[]) => {
        const batch = makeBatch(sid, seq, evs);
        const index = extractIndexRows(batch.events, batch.meta);
        return store.appendBatch({ projectId: p.id, batch, facts: FACTS, index, receivedAt: Date.now(), honorDeletion: true });
      };
      // Stored on its own (two parts make a pack: this one waits for a second).
      const first = [ingest('sess_del_race', 0, events(1000, 2)), ingest('sess_del_other', 0, events(5000, 2))];
      await Promise.all(first);
      // The session exists when its next batch is checked, so the batch goes into a pack, which waits…
      const late = ingest('sess_del_race', 1, events(2000, 2)).then(
        () => null,
        (err: unknown) => err,
      );
      await new Promise((r) => setTimeout(r, 100));
      // …while the session is deleted, then a second batch fills the pack and it commits. A request
      // id with a trace id sends the pack one batch at a time.
      expect(await store.deleteSession('sess_del_race')).toBe(true);
      const traced: ReplayEvent[] =
        path === 'bulk'
          ? []
          : [{ t: 6100, kind: 'network', data: { id: 'r1', url: '/api', method: 'GET', status: 200, traceId: 'a'.repeat(32) } }];
      await ingest('sess_del_other', 1, [...events(6000, 2), ...traced]);
      expect(await late).toBeInstanceOf(SessionDeleted);
      expect(await store.getSession('sess_del_race')).toBeNull();
      expect(await store.readEvents('sess_del_other')).toEqual([...events(5000, 2), ...events(6000, 2), ...traced]);
    });
  }

  it('compaction copies each session out of the shared pack; the pack and a deleted session’s bytes go with the last', async () => {
    const st = await storage();
    const store = await open(st, together);
    const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    await sendTogether(store, p.id, Date.now() - DAY);
    const [pack] = await keys(store);
    // A deleted session's segment stays in the shared pack (unreachable) while others use it.
    await store.deleteSession('sess_pack_a');
    expect((await store.listCompactableSessions(Date.now() - 60_000, 10)).sort()).toEqual(['sess_pack_b', 'sess_pack_c']);
    const b = await store.compactSession('sess_pack_b');
    expect(b.packedBatches).toBe(2);
    expect(await keys(store)).toContain(pack);
    expect(await store.readEvents('sess_pack_b')).toEqual(expected(1));
    expect(await store.readEvents('sess_pack_c')).toEqual(expected(2));
    const c = await store.compactSession('sess_pack_c');
    expect(c.packedBatches).toBe(2);
    const after = await keys(store);
    expect(after).not.toContain(pack);
    expect(after.every((k) => !isSharedPackKey(k))).toBe(true);
    expect(after.some((k) => k.includes('/sess_pack_a/'))).toBe(false);
    expect(after).toHaveLength(2);
    expect(await store.listCompactableSessions(Date.now() - 60_000, 10)).toEqual([]);
    expect(await store.readEvents('sess_pack_b')).toEqual(expected(1));
    expect(await store.readEvents('sess_pack_c', { from: 3010, to: 3011 })).toEqual(events(3010, 2));
    expect((await store.gcChunks({ olderThanMs: 0 })).deleted).toEqual([]);
  });

  it('two instances pack concurrently into one database and bucket; a batch sent to both is stored once', async () => {
    const st = await storage();
    const one = await open(st, { windowMs: 50 });
    const two = await open(st, { windowMs: 50 });
    const p = await one.createProject({ name: 'p', allowedOrigins: ['*'] });
    const sessions = Array.from({ length: 8 }, (_, i) => `sess_multi_${i}`);
    const sends: Promise<{ duplicate: boolean }>[] = [];
    for (let seq = 0; seq < 4; seq++) {
      for (const [i, s] of sessions.entries()) {
        const ev = events(10_000 * (i + 1) + seq * 10, 2);
        sends.push(append(one, p.id, s, seq, ev));
        sends.push(append(two, p.id, s, seq, ev));
      }
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(sessions.length * 4);
    for (const [i, s] of sessions.entries()) {
      const want = [0, 1, 2, 3].flatMap((seq) => events(10_000 * (i + 1) + seq * 10, 2));
      expect(await one.readEvents(s)).toEqual(want);
      expect(await two.readEvents(s)).toEqual(want);
    }
    const counts = await st.query<{ batch_count: number }>('SELECT batch_count FROM sessions');
    expect(counts.map((c) => c.batch_count)).toEqual(sessions.map(() => 4));
  });

  it('close() writes and commits the batches still waiting in a pack', async () => {
    const st = await storage();
    const store = await open(st, { windowMs: 60_000 });
    const p = await store.createProject({ name: 'p', allowedOrigins: ['*'] });
    const pending = append(store, p.id, 'sess_pack_close', 0, events(1, 2));
    await store.close();
    expect(await pending).toEqual({ duplicate: false });
    const rows = await st.query<{ seq: number }>('SELECT seq FROM batches');
    expect(rows).toEqual([{ seq: 0 }]);
  });
});
