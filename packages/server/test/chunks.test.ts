import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import Database from 'better-sqlite3';
import { parseNdjson, type ReplayEvent } from '@reprise/protocol';
import { loadConfig } from '../src/config.js';
import { extractIndexRows } from '../src/ingest/extract.js';
import { BatchChunks, batchKey, isChunkKey, segmentContext } from '../src/store/chunks/batch-chunks.js';
import { ChunkCipher, envelopeKeyId, parseEncryptionKeys } from '../src/store/chunks/crypto.js';
import { ChunkNotFoundError } from '../src/store/chunks/errors.js';
import { LocalChunkStore } from '../src/store/chunks/local.js';
import { S3ChunkStore, type S3Config } from '../src/store/chunks/s3.js';
import type { ChunkObject, ChunkStore } from '../src/store/chunks/types.js';
import { ChunkStoreUnavailable } from '../src/store/types.js';
import { migrate as migrateSqlite, MIGRATIONS as SQLITE_MIGRATIONS } from '../src/store/sqlite/schema.js';
import { openStore as openConfiguredStore } from '../src/store/open.js';
import { SqliteStore, type SqliteStoreOptions } from '../src/store/sqlite/sqlite-store.js';
import { ADMIN, domEvent, gz, makeBatch, postBatch, startTestServer } from './helpers.js';
import { builtCli } from '../../../test-support/cli.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const s3env = inject('s3');
/** Every S3 object this file writes is under this prefix (the bucket is shared by test runs). */
const RUN = `chunks-test-${Date.now()}-${randomBytes(4).toString('hex')}`;
const MARKER = 'PLAINTEXT-MARKER-7f3a91';
const tmpDirs: string[] = [];
const s3Stores: S3ChunkStore[] = [];

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'reprise-chunks-'));
  tmpDirs.push(d);
  return d;
}

/** Swift from the global setup. No Swift = these tests fail (never skip): CI has it. */
function s3Config(prefix: string): S3Config {
  if (s3env.error || !s3env.endpoint) throw new Error(`S3 test server unavailable: ${s3env.error ?? 'no endpoint'}`);
  return {
    endpoint: s3env.endpoint,
    region: s3env.region ?? 'us-east-1',
    accessKeyId: s3env.accessKeyId,
    secretAccessKey: s3env.secretAccessKey,
    bucket: s3env.bucket ?? 'reprise-test',
    prefix,
    forcePathStyle: true,
  };
}

let prefixes = 0;
function newS3(opts: { listPageSize?: number } = {}): S3ChunkStore {
  const s = new S3ChunkStore(s3Config(`${RUN}/${++prefixes}/`), opts);
  s3Stores.push(s);
  return s;
}

afterAll(async () => {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  if (s3env.endpoint) {
    // Remove everything this file wrote, then close the clients.
    const all = new S3ChunkStore(s3Config(`${RUN}/`));
    const keys: string[] = [];
    for await (const o of all.list('')) keys.push(o.key);
    await all.delete(keys);
    await all.close();
  }
  for (const s of s3Stores) await s.close().catch(() => undefined);
});

async function listAll(store: ChunkStore, prefix = ''): Promise<ChunkObject[]> {
  const out: ChunkObject[] = [];
  for await (const o of store.list(prefix)) out.push(o);
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** Counts the requests that reach a chunk store (GETs with their ranges). */
class CountingStore implements ChunkStore {
  gets: { key: string; range?: { start: number; end: number } }[] = [];
  puts: string[] = [];
  failPut: ((key: string) => boolean) | null = null;
  beforePut: ((key: string) => void) | null = null;
  constructor(readonly inner: ChunkStore) {}
  async put(key: string, bytes: Buffer) {
    this.beforePut?.(key);
    if (this.failPut?.(key)) throw new Error(`injected put failure for ${key}`);
    this.puts.push(key);
    return this.inner.put(key, bytes);
  }
  async get(key: string, range?: { start: number; end: number }) {
    this.gets.push({ key, range });
    return this.inner.get(key, range);
  }
  delete(keys: string[]) {
    return this.inner.delete(keys);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  close() {
    return this.inner.close();
  }
}

/** A view of a shared chunk store that a SqliteStore may close without closing the store. */
function unowned(inner: ChunkStore): ChunkStore {
  return {
    put: (k, b) => inner.put(k, b),
    get: (k, r) => inner.get(k, r),
    delete: (keys) => inner.delete(keys),
    list: (p) => inner.list(p),
    close: async () => undefined,
  };
}

const backends: { name: string; make(): ChunkStore }[] = [
  { name: 'LocalChunkStore', make: () => new LocalChunkStore(tmp()) },
  { name: 'S3ChunkStore (Swift s3api)', make: () => newS3() },
];

for (const backend of backends) {
  describe(`ChunkStore contract: ${backend.name}`, () => {
    // Made by the first test, so that without Swift every S3 test fails on its own (none is skipped).
    let made: ChunkStore | undefined;
    const store = (): ChunkStore => (made ??= backend.make());

    it('stores bytes and reads them back whole and by byte range', async () => {
      const bytes = randomBytes(100_000);
      await store().put('prj_a/sess_1/0000000000-x.ndjson.gz', bytes);
      expect((await store().get('prj_a/sess_1/0000000000-x.ndjson.gz')).equals(bytes)).toBe(true);
      expect((await store().get('prj_a/sess_1/0000000000-x.ndjson.gz', { start: 10, end: 20 })).equals(bytes.subarray(10, 20))).toBe(true);
      expect(
        (await store().get('prj_a/sess_1/0000000000-x.ndjson.gz', { start: 99_990, end: 100_000 })).equals(bytes.subarray(99_990)),
      ).toBe(true);
      expect((await store().get('prj_a/sess_1/0000000000-x.ndjson.gz', { start: 5, end: 5 })).length).toBe(0);
      await expect(store().get('prj_a/sess_1/0000000000-x.ndjson.gz', { start: 99_990, end: 100_010 })).rejects.toThrow(/short read/);
      await store().put('prj_a/sess_1/empty', Buffer.alloc(0));
      expect((await store().get('prj_a/sess_1/empty')).length).toBe(0);
    });

    it('rejects a missing key with ChunkNotFoundError, whole and ranged', async () => {
      await expect(store().get('prj_a/nope/0000000001-y.ndjson.gz')).rejects.toBeInstanceOf(ChunkNotFoundError);
      await expect(store().get('prj_a/nope/0000000001-y.ndjson.gz', { start: 0, end: 4 })).rejects.toBeInstanceOf(ChunkNotFoundError);
    });

    it('lists by prefix with size and modification time', async () => {
      const before = Date.now() - 5 * 60_000; // S3 times are the server's clock, second precision
      await store().put('prj_l/sess_1/a', Buffer.from('aaa'));
      await store().put('prj_l/sess_1/b', Buffer.from('bbbbb'));
      await store().put('prj_l/sess_2/c', Buffer.from('c'));
      await store().put('prj_l2/sess_1/d', Buffer.from('dd'));
      const all = await listAll(store(), 'prj_l/');
      expect(all.map((o) => [o.key, o.size])).toEqual([
        ['prj_l/sess_1/a', 3],
        ['prj_l/sess_1/b', 5],
        ['prj_l/sess_2/c', 1],
      ]);
      for (const o of all) {
        expect(o.lastModified).toBeGreaterThan(before);
        expect(o.lastModified).toBeLessThan(Date.now() + 5 * 60_000);
      }
      expect((await listAll(store(), 'prj_l/sess_1/')).map((o) => o.key)).toEqual(['prj_l/sess_1/a', 'prj_l/sess_1/b']);
      // A prefix is a string prefix, not only a directory.
      expect((await listAll(store(), 'prj_l')).map((o) => o.key)).toEqual([
        'prj_l/sess_1/a',
        'prj_l/sess_1/b',
        'prj_l/sess_2/c',
        'prj_l2/sess_1/d',
      ]);
      expect((await listAll(store(), 'prj_l/sess_')).length).toBe(3);
      expect(await listAll(store(), 'prj_none/')).toEqual([]);
    });

    it('deletes keys; deleting a missing key is not an error', async () => {
      await store().put('prj_d/sess_1/a', Buffer.from('1'));
      await store().put('prj_d/sess_1/b', Buffer.from('2'));
      await store().delete(['prj_d/sess_1/a', 'prj_d/sess_1/missing']);
      expect((await listAll(store(), 'prj_d/')).map((o) => o.key)).toEqual(['prj_d/sess_1/b']);
      await expect(store().get('prj_d/sess_1/a')).rejects.toBeInstanceOf(ChunkNotFoundError);
      await store().delete(['prj_d/sess_1/b']);
      expect(await listAll(store(), 'prj_d/')).toEqual([]);
      await store().delete([]);
      if (made instanceof LocalChunkStore) {
        expect(existsSync(path.join(made.rootDir, 'prj_d')), 'empty directories are removed').toBe(false);
      }
    });

    it('never reuses a key: every write of a batch, even a retry, gets a new object', async () => {
      const keys = new Set(Array.from({ length: 50 }, () => batchKey('prj_u', 'sess_u', 7)));
      expect(keys.size).toBe(50);
      for (const k of keys) expect(k).toMatch(/^prj_u\/sess_u\/0000000007-[A-Za-z0-9_-]{22}\.ndjson\.gz$/);
      const chunks = new BatchChunks(store());
      const a = await chunks.writeBatch({ projectId: 'prj_u', sessionId: 'sess_u', seq: 7 }, [domEvent(1)]);
      const b = await chunks.writeBatch({ projectId: 'prj_u', sessionId: 'sess_u', seq: 7 }, [domEvent(2)]);
      expect(a.key).not.toBe(b.key);
      const [ea, eb] = await chunks.readSegments([
        { projectId: 'prj_u', sessionId: 'sess_u', seq: 7, key: a.key, offset: null, length: null },
        { projectId: 'prj_u', sessionId: 'sess_u', seq: 7, key: b.key, offset: null, length: null },
      ]);
      expect(ea!.map((e) => e.t)).toEqual([1]);
      expect(eb!.map((e) => e.t)).toEqual([2]);
    });

    it('refuses keys that could escape the store', async () => {
      for (const bad of ['../x', 'a/../../x', '/abs', 'a//b', 'a\\b', '', 'a/./b']) {
        await expect(store().put(bad, Buffer.from('x')), bad).rejects.toThrow(/invalid chunk key/);
      }
    });
  });
}

describe('S3ChunkStore specifics', () => {
  it('pages through ListObjectsV2 and keeps keys with odd characters', async () => {
    const s3 = newS3({ listPageSize: 3 });
    const keys = Array.from({ length: 8 }, (_, i) => `prj_p/sess p+=&ü/${i}`);
    await Promise.all(keys.map((k) => s3.put(k, Buffer.from(k))));
    const listed = await listAll(s3, 'prj_p/');
    expect(listed.map((o) => o.key).sort()).toEqual([...keys].sort());
    expect((await s3.get(keys[3]!)).toString()).toBe(keys[3]);
  });

  it('keeps its prefix: objects land under it and list returns keys without it', async () => {
    const s3 = newS3();
    await s3.put('prj_x/sess_x/a', Buffer.from('hello'));
    const raw = new S3ChunkStore(s3Config(''));
    s3Stores.push(raw);
    const found = await listAll(raw, s3.prefix);
    expect(found.map((o) => o.key)).toEqual([`${s3.prefix}prj_x/sess_x/a`]);
    expect(s3.prefix).toMatch(new RegExp(`^${RUN}/\\d+/$`));
  });

  it('ensureBucket creates a missing bucket and accepts an existing one', async () => {
    const name = `reprise-eb-${randomBytes(4).toString('hex')}`;
    const s3 = new S3ChunkStore({ ...s3Config(''), bucket: name });
    s3Stores.push(s3);
    await expect(s3.put('a/b/c', Buffer.from('x'))).rejects.toThrow();
    await s3.ensureBucket();
    await s3.ensureBucket();
    await s3.put('a/b/c', Buffer.from('x'));
    expect((await s3.get('a/b/c')).toString()).toBe('x');
    await s3.delete(['a/b/c']);
    await s3.client.send(new DeleteBucketCommand({ Bucket: name }));
  });

  it('a wrong secret is refused, not mistaken for a missing object', async () => {
    const s3 = new S3ChunkStore({ ...s3Config(`${RUN}/bad/`), secretAccessKey: 'wrong' });
    s3Stores.push(s3);
    const err = await s3.get('a/b/c').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ChunkNotFoundError);
  });
});

describe('encryption keys', () => {
  const k = (n: number) => Buffer.alloc(32, n).toString('base64');

  it('parses REPRISE_ENCRYPTION_KEY: ids, a bare key as k1, and rejects bad input', () => {
    expect(parseEncryptionKeys(k(1)).map((x) => x.id)).toEqual(['k1']);
    const keys = parseEncryptionKeys(`new:${k(2)}, old:${k(1)}`);
    expect(keys.map((x) => x.id)).toEqual(['new', 'old']);
    expect(keys[0]!.key.equals(Buffer.alloc(32, 2))).toBe(true);
    expect(() => parseEncryptionKeys(`a:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => parseEncryptionKeys(`a:${k(1)},a:${k(2)}`)).toThrow(/twice/);
    expect(() => parseEncryptionKeys(`${k(1)},${k(2)}`)).toThrow(/each needs an id/);
    expect(() => parseEncryptionKeys(`bad id:${k(1)}`)).toThrow(/key id/);
    expect(() => parseEncryptionKeys('a:not base64!')).toThrow(/base64/);
    expect(loadConfig({ REPRISE_ENCRYPTION_KEY: `x:${k(3)}` }).encryptionKeys?.[0]?.id).toBe('x');
    expect(loadConfig({}).encryptionKeys).toBeNull();
    expect(() => loadConfig({ REPRISE_ENCRYPTION_KEY: 'short' })).toThrow(/REPRISE_ENCRYPTION_KEY/);
  });

  it('reads REPRISE_S3_* into an optional s3 block', () => {
    expect(loadConfig({}).s3).toBeUndefined();
    const c = loadConfig({ REPRISE_S3_BUCKET: 'b', REPRISE_S3_ENDPOINT: 'http://h:1', REPRISE_S3_PREFIX: 'p/' }).s3!;
    expect(c).toMatchObject({ bucket: 'b', endpoint: 'http://h:1', region: 'us-east-1', prefix: 'p/', forcePathStyle: true });
    expect(loadConfig({ REPRISE_S3_BUCKET: 'b' }).s3!.forcePathStyle).toBe(false);
    expect(
      loadConfig({ REPRISE_S3_BUCKET: 'b', REPRISE_S3_ENDPOINT: 'http://h', REPRISE_S3_FORCE_PATH_STYLE: 'false' }).s3!.forcePathStyle,
    ).toBe(false);
    expect(() => loadConfig({ REPRISE_S3_ENDPOINT: 'http://h' })).toThrow(/REPRISE_S3_BUCKET is required/);
    expect(() => loadConfig({ REPRISE_S3_BUCKET: 'b', REPRISE_S3_ACCESS_KEY_ID: 'a' })).toThrow(/together/);
    expect(loadConfig({}).compactAfterMinutes).toBe(30);
    expect(loadConfig({ REPRISE_COMPACT_AFTER_MINUTES: '0' }).compactAfterMinutes).toBe(0);
  });

  it('binds a sealed segment to its project, session and seq', () => {
    const c = new ChunkCipher(parseEncryptionKeys(`a:${k(1)}`));
    const sealed = c.seal(Buffer.from('data'), segmentContext('p', 's', 1));
    expect(envelopeKeyId(sealed)).toBe('a');
    expect(c.open(sealed, segmentContext('p', 's', 1)).toString()).toBe('data');
    expect(() => c.open(sealed, segmentContext('p', 's', 2))).toThrow(/decryption failed/);
    expect(() => c.open(sealed, segmentContext('p', 'other', 1))).toThrow(/decryption failed/);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 20]! ^= 1;
    expect(() => c.open(tampered, segmentContext('p', 's', 1))).toThrow(/decryption failed/);
  });
});

// ---------- the SqliteStore on top of a chunk store ----------

const FACTS = { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null };

function events(seq: number, n = 20): ReplayEvent[] {
  // Compressible but distinct; the marker sits in DOM text (never indexed, only in chunks).
  return Array.from({ length: n }, (_, i) =>
    domEvent(1_000_000 + seq * 1000 + i * 10, 3, { source: 0, texts: [{ id: i, value: `${MARKER} ${seq}/${i}` }] }),
  );
}

async function append(store: SqliteStore, projectId: string, sessionId: string, seq: number, evs = events(seq)) {
  const batch = makeBatch(sessionId, seq, evs);
  return store.appendBatch({ projectId, batch, facts: FACTS, index: extractIndexRows(evs, batch.meta), receivedAt: Date.now() });
}

async function openStore(opts: SqliteStoreOptions = {}, dir = tmp()): Promise<{ store: SqliteStore; projectId: string; dir: string }> {
  const store = new SqliteStore(dir, opts);
  const projects = await store.listProjects();
  const projectId = projects[0]?.id ?? (await store.createProject({ name: 'p', allowedOrigins: ['*'] })).id;
  return { store, projectId, dir };
}

/** True when the marker is readable in the bytes, as stored or after gunzip (chunks are gzip). */
function hasPlaintext(bytes: Buffer): boolean {
  if (bytes.includes(MARKER)) return true;
  try {
    return gunzipSync(bytes).includes(MARKER);
  } catch {
    return false;
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function batchRows(store: SqliteStore, sessionId: string) {
  return (store as unknown as { db: import('better-sqlite3').Database }).db
    .prepare('SELECT seq, chunk_key, chunk_offset, chunk_length, bytes FROM batches WHERE session_id = ? ORDER BY seq')
    .all(sessionId) as { seq: number; chunk_key: string; chunk_offset: number | null; chunk_length: number | null; bytes: number }[];
}

const KEY_A = `a:${Buffer.alloc(32, 0xa1).toString('base64')}`;
const KEY_B = `b:${Buffer.alloc(32, 0xb2).toString('base64')}`;
const cipher = (v: string) => new ChunkCipher(parseEncryptionKeys(v));

describe('SqliteStore chunks: local default layout', () => {
  it('stores the batches of a group commit as one shared pack, each row naming its segment', async () => {
    const { store, projectId, dir } = await openStore();
    // Appended together: they queue behind one pack write and share the next (or the first) pack.
    await Promise.all([0, 1, 2, 3].map((seq) => append(store, projectId, 'sess_group', seq)));
    await append(store, projectId, 'sess_other', 0);
    const root = path.join(dir, 'chunks');
    const files = filesUnder(root).map((f) => path.relative(root, f));
    for (const f of files) {
      expect(f).toMatch(new RegExp(`^${projectId}/~packs/[A-Za-z0-9_-]{22}\\.pack$`));
      expect(isChunkKey(f)).toBe(true);
    }
    // One file per write, fewer than the batches: the four appended together share.
    expect(files.length).toBeLessThan(5);
    const rows = batchRows(store, 'sess_group');
    expect(new Set(rows.map((r) => r.chunk_key)).size).toBeLessThan(4);
    for (const r of rows) {
      expect(r.chunk_length).toBe(r.bytes);
      const seg = readFileSync(path.join(root, r.chunk_key)).subarray(r.chunk_offset!, r.chunk_offset! + r.chunk_length!);
      expect(gunzipSync(seg).toString().trim().split('\n')).toHaveLength(20);
    }
    expect((await store.readEvents('sess_group')).map((e) => e.t)).toEqual([0, 1, 2, 3].flatMap((seq) => events(seq).map((e) => e.t)));
    expect(await store.readEvents('sess_other')).toHaveLength(20);
    await store.close();
  });

  it('deleting a session keeps a shared pack another session uses; compaction copies segments out and drops the pack', async () => {
    const { store, projectId, dir } = await openStore();
    await Promise.all([
      append(store, projectId, 'sess_keep', 0),
      append(store, projectId, 'sess_gone', 0),
      append(store, projectId, 'sess_keep', 1),
      append(store, projectId, 'sess_gone', 1),
    ]);
    const root = path.join(dir, 'chunks');
    const shared = new Set(batchRows(store, 'sess_keep').map((r) => r.chunk_key));
    expect(batchRows(store, 'sess_gone').some((r) => shared.has(r.chunk_key))).toBe(true);

    expect(await store.deleteSession('sess_gone')).toBe(true);
    for (const k of shared) expect(existsSync(path.join(root, k))).toBe(true);
    expect(await store.readEvents('sess_keep')).toHaveLength(40);

    expect(await store.listCompactableSessions(Date.now() + 1, 10)).toEqual(['sess_keep']);
    const r = await store.compactSession('sess_keep');
    expect(r.packedBatches).toBe(2);
    const rows = batchRows(store, 'sess_keep');
    expect(rows.every((b) => b.chunk_key.startsWith(`${projectId}/sess_keep/pack-`))).toBe(true);
    for (const k of shared) expect(existsSync(path.join(root, k))).toBe(false);
    expect(filesUnder(root).map((f) => path.relative(root, f))).toEqual([rows[0]!.chunk_key]);
    expect(await store.readEvents('sess_keep')).toHaveLength(40);
    expect(await store.listCompactableSessions(Date.now() + 1, 10)).toEqual([]);
    await store.close();
  });

  it('with ingestPacks off keeps the layout of earlier versions: plain gzip NDJSON files at <dataDir>/chunks/<project>/<session>/<seq>-<random>.ndjson.gz', async () => {
    const { store, projectId, dir } = await openStore({ ingestPacks: false });
    await append(store, projectId, 'sess_layout', 3);
    const files = filesUnder(path.join(dir, 'chunks'));
    expect(files).toHaveLength(1);
    expect(path.relative(path.join(dir, 'chunks'), files[0]!)).toMatch(
      new RegExp(`^${projectId}/sess_layout/0000000003-[A-Za-z0-9_-]{22}\\.ndjson\\.gz$`),
    );
    expect(isChunkKey(path.relative(path.join(dir, 'chunks'), files[0]!))).toBe(true);
    const lines = gunzipSync(readFileSync(files[0]!)).toString().trim().split('\n');
    expect(lines).toHaveLength(20);
    expect((await store.readEvents('sess_layout')).length).toBe(20);
    await store.close();
  });
});

describe('openStore: ingest packing follows chunk maintenance', () => {
  it('packs while compaction runs, and keeps one file per batch with REPRISE_COMPACT_AFTER_MINUTES=0', async () => {
    const layout = async (env: Record<string, string>): Promise<string[]> => {
      const dir = tmp();
      const store = (await openConfiguredStore(loadConfig({ REPRISE_DATA_DIR: dir, ...env }))) as SqliteStore;
      const projectId = (await store.createProject({ name: 'p', allowedOrigins: ['*'] })).id;
      await append(store, projectId, 'sess_cfg', 0);
      await store.close();
      return filesUnder(path.join(dir, 'chunks')).map((f) => path.relative(path.join(dir, 'chunks'), f).split(path.sep)[1]!);
    };
    // A pack's bytes of a deleted session go only once compaction has copied the others out.
    expect(await layout({})).toEqual(['~packs']);
    expect(await layout({ REPRISE_COMPACT_AFTER_MINUTES: '0' })).toEqual(['sess_cfg']);
  });
});

describe('SqliteStore schema v13: batches.chunk_path becomes chunk_key', () => {
  it('opens a v12 database, renames the column and still reads, packs and keeps its chunks', async () => {
    const dir = tmp();
    const db = new Database(path.join(dir, 'reprise.db'));
    migrateSqlite(db, 12);
    db.prepare(`INSERT INTO projects (id, name, key, allowed_origins, created_at) VALUES ('prj_old', 'old', 'pk_old', '["*"]', 1)`).run();
    db.prepare(
      `INSERT INTO sessions (id, project_id, started_at, ended_at, created_at, updated_at) VALUES ('sess_old', 'prj_old', 0, 0, 1, 1)`,
    ).run();
    // Chunks written as v12 wrote them: one object per batch, its key in chunk_path.
    const writer = new BatchChunks(new LocalChunkStore(path.join(dir, 'chunks')), null);
    const sent: ReplayEvent[][] = [];
    for (let seq = 0; seq < 3; seq++) {
      const events = Array.from({ length: 4 }, (_, i) => domEvent(seq * 100 + i * 10, 3, { source: 2, type: 2, id: seq, x: i, y: 1 }));
      sent.push(events);
      const { key, bytes, chunk } = await writer.writeBatch({ projectId: 'prj_old', sessionId: 'sess_old', seq }, events);
      db.prepare(
        `INSERT INTO batches (session_id, seq, chunk_path, chunk_format, event_count, bytes, t_min, t_max, received_at)
         VALUES ('sess_old', ?, ?, ?, ?, ?, ?, ?, 1)`,
      ).run(seq, key, chunk.format, chunk.eventCount, bytes, chunk.tMin, chunk.tMax);
    }
    db.close();

    const store = new SqliteStore(dir);
    try {
      const version = (store as unknown as { db: import('better-sqlite3').Database }).db.pragma('user_version', { simple: true });
      expect(version).toBe(SQLITE_MIGRATIONS.length);
      expect(batchRows(store, 'sess_old').map((r) => r.chunk_key.startsWith('prj_old/sess_old/'))).toEqual([true, true, true]);
      expect(await store.readEvents('sess_old')).toEqual(sent.flat());
      expect(await store.readBatch('sess_old', 1)).toEqual(sent[1]);
      // Every key is still referenced (gc keeps them) and compaction moves the rows into one pack.
      expect((await store.gcChunks({ olderThanMs: 0, dryRun: true })).deleted).toEqual([]);
      expect((await store.compactSession('sess_old')).packedBatches).toBe(3);
      expect(new Set(batchRows(store, 'sess_old').map((r) => r.chunk_key)).size).toBe(1);
      expect(await store.readEvents('sess_old')).toEqual(sent.flat());
    } finally {
      await store.close();
    }
  });
});

for (const backend of ['local', 's3'] as const) {
  const make = (): ChunkStore => (backend === 'local' ? new LocalChunkStore(tmp()) : newS3());

  // The compaction tests below start from one object per batch (ingestPacks: false), the layout
  // stores of earlier versions hold; compaction of shared packs is tested above and in pg-ingest-packing.
  describe(`SqliteStore + ${backend} chunks`, () => {
    it('acknowledges a batch only after its object is stored; a failed put leaves no row', async () => {
      const chunks = new CountingStore(make());
      const { store, projectId } = await openStore({ chunks });
      chunks.failPut = () => true;
      // Refused as the store being unavailable (ingest: 503, send again), with the put's error as its cause.
      const refusal = await append(store, projectId, 'sess_fail', 0).then(
        () => null,
        (err: unknown) => err,
      );
      expect(refusal).toBeInstanceOf(ChunkStoreUnavailable);
      expect(String((refusal as Error).cause)).toMatch(/injected put failure/);
      expect(await store.getSession('sess_fail')).toBeNull();
      expect(batchRows(store, 'sess_fail')).toEqual([]);
      chunks.failPut = null;
      expect(await append(store, projectId, 'sess_fail', 0)).toEqual({ duplicate: false });
      expect(await append(store, projectId, 'sess_fail', 0)).toEqual({ duplicate: true });
      expect((await listAll(chunks)).length).toBe(1);
      await store.close();
    });

    it('compaction packs the small objects into one pack; every event and the reads stay identical', async () => {
      const chunks = new CountingStore(make());
      const { store, projectId } = await openStore({ chunks, ingestPacks: false });
      for (let seq = 0; seq < 12; seq++) await append(store, projectId, 'sess_pack', seq);
      await append(store, projectId, 'sess_pack', 12, []); // an empty batch is kept too
      const before = await store.readEvents('sess_pack');
      const beforeBatches = await store.readBatches('sess_pack');
      expect(before).toHaveLength(240);
      expect((await listAll(chunks, `${projectId}/sess_pack/`)).length).toBe(13);

      const r = await store.compactSession('sess_pack');
      expect(r.packs).toHaveLength(1);
      expect(r.packedBatches).toBe(13);
      expect(r.deletedObjects).toBe(13);
      const objects = await listAll(chunks, `${projectId}/sess_pack/`);
      expect(objects.map((o) => o.key)).toEqual([r.packs[0]!.key]);
      expect(r.packs[0]!.key).toMatch(new RegExp(`^${projectId}/sess_pack/pack-0000000000-0000000012-[A-Za-z0-9_-]{22}\\.pack$`));
      const rows = batchRows(store, 'sess_pack');
      expect(rows.every((b) => b.chunk_key === r.packs[0]!.key && b.chunk_offset !== null)).toBe(true);
      expect(rows.reduce((n, b) => n + b.chunk_length!, 0)).toBe(objects[0]!.size);

      expect(await store.readEvents('sess_pack')).toEqual(before);
      expect(await store.readBatches('sess_pack')).toEqual(beforeBatches);
      expect(await store.readBatch('sess_pack', 5)).toEqual(beforeBatches[5]!.events);
      // A second run finds nothing left to pack.
      expect((await store.compactSession('sess_pack')).packs).toHaveLength(0);
      await store.close();
    });

    it('a time range reads only the overlapping segments, with one ranged GET', async () => {
      const chunks = new CountingStore(make());
      const { store, projectId } = await openStore({ chunks, ingestPacks: false });
      for (let seq = 0; seq < 10; seq++) await append(store, projectId, 'sess_range', seq);
      const all = await store.readEvents('sess_range');
      await store.compactSession('sess_range');
      const pack = (await listAll(chunks, `${projectId}/sess_range/`))[0]!;

      chunks.gets = [];
      // Batches 3..5 cover 1_003_000 .. 1_005_190.
      const from = 1_003_100;
      const to = 1_005_050;
      const got = await store.readEvents('sess_range', { from, to });
      expect(got).toEqual(all.filter((e) => e.t >= from && e.t <= to));
      expect(chunks.gets).toHaveLength(1);
      const g = chunks.gets[0]!;
      expect(g.key).toBe(pack.key);
      const rows = batchRows(store, 'sess_range');
      expect(g.range).toEqual({ start: rows[3]!.chunk_offset, end: rows[5]!.chunk_offset! + rows[5]!.chunk_length! });
      expect(g.range!.end - g.range!.start).toBeLessThan(pack.size / 2);
      // Before compaction a range reads just its own small objects.
      for (let seq = 0; seq < 4; seq++) await append(store, projectId, 'sess_range2', seq);
      chunks.gets = [];
      await store.readEvents('sess_range2', { from: 1_002_000, to: 1_002_999 });
      expect(chunks.gets.map((x) => x.key.split('/')[2]!.slice(0, 10))).toEqual(['0000000002']);
      await store.close();
    });

    it('a crash or conflict during compaction loses nothing', async () => {
      const chunks = new CountingStore(make());
      const { store, projectId } = await openStore({ chunks, ingestPacks: false });
      for (let seq = 0; seq < 5; seq++) await append(store, projectId, 'sess_cc', seq);
      const before = await store.readEvents('sess_cc');
      const smallKeys = (await listAll(chunks, `${projectId}/sess_cc/`)).map((o) => o.key);

      // The pack cannot be stored: nothing changes.
      chunks.failPut = (k) => k.includes('/pack-');
      await expect(store.compactSession('sess_cc')).rejects.toThrow(/injected/);
      chunks.failPut = null;
      expect((await listAll(chunks, `${projectId}/sess_cc/`)).map((o) => o.key)).toEqual(smallKeys);
      expect(batchRows(store, 'sess_cc').every((b) => b.chunk_offset === null)).toBe(true);

      // A row moves while the pack is being written (another compaction won): the commit is
      // refused, our pack is removed, rows and objects are untouched.
      const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
      chunks.beforePut = (k) => {
        if (k.includes('/pack-')) db.prepare("UPDATE batches SET chunk_offset = 0 WHERE session_id = 'sess_cc' AND seq = 2").run();
      };
      const r = await store.compactSession('sess_cc');
      chunks.beforePut = null;
      expect(r.packs).toHaveLength(0);
      expect((await listAll(chunks, `${projectId}/sess_cc/`)).map((o) => o.key)).toEqual(smallKeys);
      db.prepare("UPDATE batches SET chunk_offset = NULL WHERE session_id = 'sess_cc' AND seq = 2").run();
      expect(await store.readEvents('sess_cc')).toEqual(before);
      expect((await store.compactSession('sess_cc')).packedBatches).toBe(5);
      expect(await store.readEvents('sess_cc')).toEqual(before);
      await store.close();
    });

    it('packs at most maxPackBytes per pack and marks a lone batch without copying it', async () => {
      const chunks = new CountingStore(make());
      const { store, projectId } = await openStore({ chunks, ingestPacks: false });
      for (let seq = 0; seq < 6; seq++) await append(store, projectId, 'sess_cap', seq);
      const size = batchRows(store, 'sess_cap')[0]!.bytes;
      const before = await store.readEvents('sess_cap');
      const r = await store.compactSession('sess_cap', { maxPackBytes: size * 2.5 });
      expect(r.packs.map((p) => p.segments.length)).toEqual([2, 2, 2]);
      expect(await store.readEvents('sess_cap')).toEqual(before);

      await append(store, projectId, 'sess_lone', 0);
      const [lone] = batchRows(store, 'sess_lone');
      chunks.puts = [];
      const r2 = await store.compactSession('sess_lone');
      expect(r2).toMatchObject({ packs: [], inPlace: 1 });
      expect(chunks.puts).toEqual([]);
      expect(batchRows(store, 'sess_lone')[0]).toMatchObject({ chunk_key: lone!.chunk_key, chunk_offset: 0, chunk_length: lone!.bytes });
      expect(await store.listCompactableSessions(Date.now() + 1000, 10)).not.toContain('sess_lone');
      expect((await store.readEvents('sess_lone')).length).toBe(20);
      await store.close();
    });

    it('lists only idle sessions with unpacked batches as compactable', async () => {
      const { store, projectId } = await openStore({ chunks: make() });
      await append(store, projectId, 'sess_idle', 0);
      await append(store, projectId, 'sess_idle', 1);
      expect(await store.listCompactableSessions(Date.now() - 60_000, 10)).toEqual([]);
      expect(await store.listCompactableSessions(Date.now() + 1, 10)).toEqual(['sess_idle']);
      await store.compactSession('sess_idle');
      expect(await store.listCompactableSessions(Date.now() + 1, 10)).toEqual([]);
      await store.close();
    });

    it('orphan gc removes only unreferenced objects older than the cutoff', async () => {
      const chunks = make();
      const { store, projectId } = await openStore({ chunks });
      for (let seq = 0; seq < 3; seq++) await append(store, projectId, 'sess_gc', seq);
      await store.compactSession('sess_gc');
      await append(store, projectId, 'sess_gc', 3); // a referenced small object next to the pack
      const referenced = (await listAll(chunks)).map((o) => o.key);
      // Orphans: an append that crashed before its commit, a pack whose commit never happened.
      const orphanBatch = batchKey(projectId, 'sess_gc', 4);
      const orphanPack = `${projectId}/sess_gc/pack-0000000005-0000000006-${'x'.repeat(22)}.pack`;
      const foreign = `${projectId}/not-ours.txt`;
      for (const k of [orphanBatch, orphanPack, foreign]) await chunks.put(k, Buffer.from('junk'));

      // Everything is young: nothing goes.
      expect((await store.gcChunks()).deleted).toEqual([]);
      const dry = await store.gcChunks({ now: Date.now() + 2 * 3600_000, dryRun: true });
      expect(dry.deleted.sort()).toEqual([orphanBatch, orphanPack].sort());
      expect((await listAll(chunks)).length).toBe(referenced.length + 3);
      const r = await store.gcChunks({ now: Date.now() + 2 * 3600_000 });
      expect(r.deleted.sort()).toEqual([orphanBatch, orphanPack].sort());
      expect(r.scanned).toBe(referenced.length + 3);
      expect((await listAll(chunks)).map((o) => o.key).sort()).toEqual([...referenced, foreign].sort());
      expect((await store.readEvents('sess_gc')).length).toBe(80);
      await store.close();
    });

    it('encrypted chunks have no plaintext in the store, before and after compaction', async () => {
      const chunks = make();
      const { store, projectId } = await openStore({ chunks, cipher: cipher(KEY_A) });
      for (let seq = 0; seq < 4; seq++) await append(store, projectId, 'sess_enc', seq);
      const expected = await store.readEvents('sess_enc');
      expect(expected.length).toBe(80);
      expect(JSON.stringify(expected)).toContain(MARKER);

      const scan = async () => {
        // The raw bytes as stored: a plain client on the same bucket/prefix, or the files.
        const raw = backend === 's3' ? new S3ChunkStore(s3Config((chunks as S3ChunkStore).prefix)) : chunks;
        const objs = await listAll(raw);
        const bodies = await Promise.all(objs.map((o) => raw.get(o.key)));
        if (raw !== chunks) await raw.close();
        return bodies;
      };
      let bodies = await scan();
      expect(bodies).toHaveLength(4);
      for (const b of bodies) {
        expect(b.subarray(0, 4).toString()).toBe('RPE1');
        expect(hasPlaintext(b)).toBe(false);
      }
      if (backend === 'local') {
        // The files themselves, temp files included.
        const files = filesUnder((chunks as LocalChunkStore).rootDir);
        expect(files).toHaveLength(4);
        for (const f of files) expect(hasPlaintext(readFileSync(f))).toBe(false);
      }

      await store.compactSession('sess_enc');
      bodies = await scan();
      expect(bodies).toHaveLength(1);
      expect(hasPlaintext(bodies[0]!)).toBe(false);
      expect(await store.readEvents('sess_enc')).toEqual(expected);

      // The control: the same scan sees the marker in unencrypted chunks.
      await store.close();
      const plain = await openStore({ chunks: make() });
      await append(plain.store, plain.projectId, 'sess_plain', 0);
      const objs = await listAll(plain.store.chunks);
      expect(hasPlaintext(await plain.store.chunks.get(objs[0]!.key))).toBe(true);
      await plain.store.close();
    });

    it('missing or wrong keys fail clearly; rotation reads old data and re-seals it on compaction', async () => {
      const chunks = make();
      const dir = tmp();
      // The same chunks and database, reopened with different keys (each store closes only its view).
      const reopen = async (c: ChunkCipher | null) => (await openStore({ chunks: unowned(chunks), cipher: c }, dir)).store;
      const keyIds = async () =>
        (await Promise.all((await listAll(chunks)).map(async (o) => String(envelopeKeyId(await chunks.get(o.key)))))).sort();

      // Written before encryption was turned on, then with key A.
      let store = await reopen(null);
      const projectId = (await store.listProjects())[0]!.id;
      await append(store, projectId, 'sess_rot', 0);
      await store.close();
      store = await reopen(cipher(KEY_A));
      await append(store, projectId, 'sess_rot', 1);
      const expected = await store.readEvents('sess_rot');
      expect(expected).toHaveLength(40);
      expect(await keyIds()).toEqual(['a', 'null']);
      await store.close();

      const expectRead = async (c: ChunkCipher | null, err: RegExp) => {
        const s = await reopen(c);
        try {
          await expect(s.readEvents('sess_rot')).rejects.toThrow(err);
        } finally {
          await s.close();
        }
      };
      await expectRead(null, /encrypted \(key id "a"\) but REPRISE_ENCRYPTION_KEY is not set/);
      await expectRead(cipher(KEY_B), /key id "a", which REPRISE_ENCRYPTION_KEY does not contain \(it has: b\)/);
      await expectRead(cipher(`a:${Buffer.alloc(32, 9).toString('base64')}`), /decryption failed with key id "a"/);

      // Rotation: B becomes the active key, A stays for reading.
      store = await reopen(cipher(`${KEY_B},${KEY_A}`));
      expect(await store.readEvents('sess_rot')).toEqual(expected);
      await append(store, projectId, 'sess_rot', 2);
      const withNew = await store.readEvents('sess_rot');
      expect(withNew).toHaveLength(60);
      expect(await keyIds()).toEqual(['a', 'b', 'null']);
      // Compaction re-seals the plaintext and key-A segments with B: then A can be dropped.
      await store.compactSession('sess_rot');
      expect(await keyIds()).toEqual(['b']);
      await store.close();
      store = await reopen(cipher(KEY_B));
      expect(await store.readEvents('sess_rot')).toEqual(withNew);
      await store.close();
    });
  });
}

describe('the HTTP app on S3 chunks', () => {
  it('ingests, stores in the bucket (encrypted) and serves events, whole and by time range', async () => {
    const chunks = newS3();
    const s = await startTestServer({}, { chunks, cipher: cipher(KEY_A) });
    try {
      const sid = 'sess_http_s3';
      for (let seq = 0; seq < 5; seq++) {
        const res = await postBatch(s, makeBatch(sid, seq, events(seq, 5)));
        expect(res.statusCode, res.body).toBe(200);
      }
      const objects = await listAll(chunks);
      expect(objects).toHaveLength(5);
      for (const o of objects) expect(hasPlaintext(await chunks.get(o.key))).toBe(false);

      const get = async (q = '') => {
        const res = await s.app.inject({ method: 'GET', url: `/api/v1/sessions/${sid}/events${q}`, headers: { cookie: s.cookie } });
        expect(res.statusCode, res.body).toBe(200);
        return parseNdjson(res.body);
      };
      const all = await get();
      expect(all).toHaveLength(25);
      expect(all.map((e) => e.t)).toEqual(
        Array.from({ length: 5 }, (_, seq) => Array.from({ length: 5 }, (_, i) => 1_000_000 + seq * 1000 + i * 10)).flat(),
      );
      expect(JSON.stringify(all)).toContain(MARKER);

      await s.store.compactSession(sid);
      expect(await listAll(chunks)).toHaveLength(1);
      expect(await get()).toEqual(all);
      const ranged = await get('?from=1002000&to=1003020');
      expect(ranged).toEqual(all.filter((e) => e.t >= 1_002_000 && e.t <= 1_003_020));
      expect(ranged).toHaveLength(8);
      const bad = await s.app.inject({ method: 'GET', url: `/api/v1/sessions/${sid}/events?from=x`, headers: { cookie: s.cookie } });
      expect(bad.statusCode).toBe(400);
    } finally {
      await s.close();
    }
  });

  it('keeps every acknowledged batch across kill -9 of a server on S3 chunks', async () => {
    const cfg = s3Config(`${RUN}/kill/`);
    const dataDir = tmp();
    const env = {
      ...process.env,
      PORT: '0',
      REPRISE_HOST: '127.0.0.1',
      REPRISE_DATA_DIR: dataDir,
      REPRISE_DEMO: '0',
      REPRISE_ADMIN_EMAIL: ADMIN.email,
      REPRISE_ADMIN_PASSWORD: ADMIN.password,
      REPRISE_S3_ENDPOINT: cfg.endpoint!,
      REPRISE_S3_BUCKET: cfg.bucket,
      REPRISE_S3_REGION: cfg.region,
      REPRISE_S3_ACCESS_KEY_ID: cfg.accessKeyId!,
      REPRISE_S3_SECRET_ACCESS_KEY: cfg.secretAccessKey!,
      REPRISE_S3_PREFIX: cfg.prefix,
      REPRISE_S3_FORCE_PATH_STYLE: 'true',
      REPRISE_ENCRYPTION_KEY: KEY_A,
    };
    const start = () =>
      new Promise<{ child: ChildProcess; base: string; key: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [builtCli(), 'serve'], {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        const onData = (d: Buffer) => {
          out += d.toString();
          const base = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
          const key = /project key \(default project\): (\S+)/.exec(out)?.[1];
          if (base && key) resolve({ child, base, key });
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
      });

    const a = await start();
    const sid = 'sess_s3_kill';
    const acked: number[] = [];
    let killed = false;
    await Promise.all(
      Array.from({ length: 30 }, (_, seq) =>
        fetch(`${a.base}/ingest/v1/batch?key=${a.key}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gz(makeBatch(sid, seq, [domEvent(1000 + seq), domEvent(1000 + seq + 0.5)])),
        })
          .then((r) => {
            if (r.status === 200 && !killed) {
              acked.push(seq);
              if (acked.length === 8) {
                killed = true;
                a.child.kill('SIGKILL');
              }
            }
          })
          .catch(() => undefined),
      ),
    );
    await new Promise((r) => (a.child.exitCode !== null || a.child.signalCode ? r(null) : a.child.once('exit', r)));
    expect(acked.length).toBeGreaterThanOrEqual(8);

    const b = await start();
    try {
      const login = await fetch(`${b.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const res = await fetch(`${b.base}/api/v1/sessions/${sid}/events`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const ts = new Set(parseNdjson(await res.text()).map((e) => e.t));
      for (const seq of acked) expect(ts.has(1000 + seq), `acknowledged batch ${seq} survived`).toBe(true);
      // Every batch row's object exists: no dangling metadata (orphan objects may remain).
      const store = new SqliteStore(dataDir, { chunks: new S3ChunkStore(cfg), cipher: cipher(KEY_A) });
      try {
        const rows = batchRows(store, sid);
        expect(rows.length).toBeGreaterThanOrEqual(acked.length);
        for (const r of rows) await expect(store.chunks.get(r.chunk_key)).resolves.toBeInstanceOf(Buffer);
      } finally {
        await store.close();
      }
    } finally {
      b.child.kill('SIGKILL');
    }
  });
});
