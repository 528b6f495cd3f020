import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Batch, ReplayEvent } from '@reprise/protocol';
import { buildApp } from '../src/app.js';
import { bootstrap } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

export const ADMIN = { email: 'admin@test.local', password: 'correct horse battery staple' };
export const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export interface TestServer {
  app: FastifyInstance;
  store: SqliteStore;
  dataDir: string;
  projectKey: string;
  cookie: string;
  close(): Promise<void>;
}

/** The whole app on a real SQLite database in a fresh temp dir, bootstrapped with ADMIN. */
export async function createInstance(opts: { env?: Record<string, string>; admin?: { email: string; password: string }; demo?: boolean } = {}) {
  const admin = opts.admin ?? ADMIN;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'reprise-test-'));
  const config = loadConfig({ REPRISE_DATA_DIR: dataDir, REPRISE_ADMIN_EMAIL: admin.email, REPRISE_ADMIN_PASSWORD: admin.password, ...opts.env });
  const store = new SqliteStore(dataDir);
  const boot = await bootstrap(store, config);
  const app = await buildApp({ store, config, demoProjectKey: opts.demo ? boot.projectKey : undefined });
  return {
    app,
    store,
    dataDir,
    projectKey: boot.projectKey,
    async close() {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A real app on a real SQLite database in a temp dir, with the admin logged in. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const inst = await createInstance({ env });
  const login = await inst.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: ADMIN });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  return { ...inst, cookie };
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
