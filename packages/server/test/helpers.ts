import { gzipSync } from 'node:zlib';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Response } from 'light-my-request';
import type { Batch, ReplayEvent } from '@reprise/protocol';
import { buildApp } from '../src/app.js';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { openChunkStore, openCipher } from '../src/store/open.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { SqliteStore, type SqliteStoreOptions } from '../src/store/sqlite/sqlite-store.js';
import { createStorage, type Backend, type TestStorage } from './backend.js';

export { BACKEND, type Backend } from './backend.js';

export const ADMIN = { email: 'admin@test.local', password: 'correct horse battery staple' };
export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export interface TestServer {
  app: FastifyInstance;
  store: TestStore;
  /** Which storage this server runs on (REPRISE_TEST_BACKEND). */
  backend: Backend;
  dataDir: string;
  /** Environment pointing a CLI or a second server at the same storage. */
  env: Record<string, string>;
  /** SQL on the metadata database (`?` placeholders on both backends). */
  query: TestStorage['query'];
  /** A writing statement on the metadata database (`?` placeholders). */
  exec: TestStorage['exec'];
  projectKey: string;
  cookie: string;
  close(): Promise<void>;
}

/** Both stores offer the Store interface plus chunk maintenance and `chunks`. */
export type TestStore = SqliteStore | PgStore;

/**
 * The whole app on fresh storage, bootstrapped with ADMIN: SQLite + local files in a temp dir,
 * or with REPRISE_TEST_BACKEND=postgres a new PostgreSQL database + an S3 prefix (backend.ts).
 * `store` passes chunk-store options (e.g. an S3ChunkStore, a cipher) to the store.
 */
export async function createInstance(
  opts: { env?: Record<string, string>; admin?: { email: string; password: string }; demo?: boolean; store?: SqliteStoreOptions } = {},
) {
  const admin = opts.admin ?? ADMIN;
  const storage = await createStorage();
  const { dataDir } = storage;
  const config = loadConfig({ ...storage.env, REPRISE_ADMIN_EMAIL: admin.email, REPRISE_ADMIN_PASSWORD: admin.password, ...opts.env });
  let store: TestStore;
  try {
    store =
      storage.backend === 'postgres'
        ? await PgStore.open({
            url: config.databaseUrl!,
            chunks: opts.store?.chunks ?? openChunkStore(config),
            cipher: opts.store?.cipher ?? openCipher(config),
            pack: config.ingestPack,
          })
        : new SqliteStore(dataDir, opts.store);
  } catch (err) {
    await storage.cleanup();
    throw err;
  }
  let boot: Awaited<ReturnType<typeof bootstrap>>;
  let app: FastifyInstance;
  try {
    boot = await bootstrap(store, config);
    app = await buildApp({ store, config, demoProjectKey: opts.demo ? boot.projectKey : undefined });
  } catch (err) {
    await store.close();
    await storage.cleanup();
    throw err;
  }
  return {
    app,
    store,
    backend: storage.backend,
    dataDir,
    env: storage.env,
    query: storage.query,
    exec: storage.exec,
    projectKey: boot.projectKey,
    close: once(async () => {
      await app.close();
      await store.close();
      await storage.cleanup();
    }),
  };
}

/** Tests may close a server themselves and again in afterEach. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | null = null;
  return () => (p ??= fn());
}

/** A real app on fresh storage (createInstance), with the admin logged in. */
export async function startTestServer(env: Record<string, string> = {}, store?: SqliteStoreOptions): Promise<TestServer> {
  const inst = await createInstance({ env, store });
  const login = await inst.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: ADMIN });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  sameOriginCookieRequests(inst.app);
  return { ...inst, cookie };
}

/**
 * A browser sends `Origin` with every state-changing request, and the CSRF guard requires it
 * with the login cookie: injected requests that carry a cookie but no Origin or Referer get
 * the app's own origin, as the viewer's would (csrf.test.ts tests the guard without this).
 */
function sameOriginCookieRequests(app: FastifyInstance): void {
  const inject = app.inject.bind(app) as (o: InjectOptions | string) => Promise<Response>;
  const wrapped = (o?: InjectOptions | string) => {
    if (o === undefined) throw new Error('test helpers: use app.inject(options)');
    if (typeof o === 'object') {
      const headers = { ...(o.headers ?? {}) } as Record<string, string | string[] | undefined>;
      const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
      if ((has('cookie') || o.cookies) && !has('origin') && !has('referer')) headers.origin = 'http://localhost';
      o = { ...o, headers };
    }
    return inject(o);
  };
  (app as unknown as { inject: typeof wrapped }).inject = wrapped;
}

export function domEvent(t: number, type = 3, data: unknown = { source: 2, type: 2, id: 1, x: 1, y: 1 }): ReplayEvent {
  return { t, kind: 'dom', data: { type, timestamp: t, data } };
}

export function makeBatch(sessionId: string, seq: number, events: ReplayEvent[], url = 'https://shop.example/'): Batch {
  return { v: 1, sessionId, seq, events, meta: { url } };
}

export function gz(b: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(b)));
}

/** POSTs a batch the way the recorder does: gzip JSON with Content-Encoding. */
export function postBatch(s: TestServer, batch: unknown, headers: Record<string, string> = {}) {
  return s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${s.projectKey}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA, ...headers },
    payload: gz(batch),
  });
}
