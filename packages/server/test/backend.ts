import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { S3ChunkStore } from '../src/store/chunks/s3.js';
import { createPool } from '../src/store/postgres/pool.js';
import { databaseUrl, testDatabaseName } from './pg-global-setup.js';
// For the `inject('s3')` type (the global setup's ProvidedContext augmentation).
import type { S3TestEnv } from './s3-global-setup.js';

/**
 * Which storage the server tests run on: `REPRISE_TEST_BACKEND=postgres` (the `postgres` vitest
 * project) = PostgreSQL + the S3 chunk store (Swift from scripts/s3); otherwise SQLite + local files.
 */
export type Backend = 'sqlite' | 'postgres';
export const BACKEND: Backend = process.env.REPRISE_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** Fresh, empty storage for one test server: a temp data dir and, on PostgreSQL, a database and an S3 prefix. */
export interface TestStorage {
  backend: Backend;
  dataDir: string;
  /** The environment that points a server or the CLI at this storage (REPRISE_DATA_DIR, REPRISE_DATABASE_URL, REPRISE_S3_*). */
  env: Record<string, string>;
  /** SQL on the metadata database; `?` placeholders on both backends. */
  query<T = Record<string, unknown>>(sql: string, ...args: unknown[]): Promise<T[]>;
  /** A writing statement (UPDATE, DELETE…), `?` placeholders; returns the rows changed. */
  exec(sql: string, ...args: unknown[]): Promise<number>;
  /** Drops the database, the bucket prefix and the data dir. */
  cleanup(): Promise<void>;
}

export async function createStorage(backend: Backend = BACKEND): Promise<TestStorage> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'reprise-test-'));
  if (backend === 'sqlite') {
    return {
      backend,
      dataDir,
      env: { REPRISE_DATA_DIR: dataDir },
      async query<T>(sql: string, ...args: unknown[]): Promise<T[]> {
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(path.join(dataDir, 'reprise.db'), { readonly: true });
        try {
          return db.prepare(sql).all(...args) as T[];
        } finally {
          db.close();
        }
      },
      async exec(sql: string, ...args: unknown[]): Promise<number> {
        const { default: Database } = await import('better-sqlite3');
        const db = new Database(path.join(dataDir, 'reprise.db'));
        try {
          db.pragma('busy_timeout = 5000');
          return db.prepare(sql).run(...args).changes;
        } finally {
          db.close();
        }
      },
      async cleanup() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // S3 first: without it there is nothing to clean up yet.
  const s3 = s3TestEnv(`pg-test-${randomBytes(6).toString('hex')}/`);
  const { url, drop } = await createTestDatabase();
  const pool = createPool(url, { max: 2, name: 'reprise-test' });
  return {
    backend,
    dataDir,
    // The AWS SDK warns on stderr under Node 20 (it will require 22 from 2027); CLI tests compare stderr.
    // Ingest packing is on, as in production, with a short window so tests that send batch after
    // batch do not wait a production window each.
    env: {
      REPRISE_DATA_DIR: dataDir,
      REPRISE_DATABASE_URL: url,
      ...s3,
      REPRISE_S3_PACK_WINDOW_MS: '20',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    async query<T>(sql: string, ...args: unknown[]): Promise<T[]> {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      // count(*) and BIGINT columns arrive as numbers (pool.ts), as SQLite returns them.
      return (await pool.query(text, args)).rows as T[];
    },
    async exec(sql: string, ...args: unknown[]): Promise<number> {
      let n = 0;
      return (
        (
          await pool.query(
            sql.replace(/\?/g, () => `$${++n}`),
            args,
          )
        ).rowCount ?? 0
      );
    },
    async cleanup() {
      await pool.end().catch(() => undefined);
      await drop();
      const store = new S3ChunkStore(s3Config(s3));
      const keys: string[] = [];
      for await (const o of store.list('')) keys.push(o.key);
      await store.delete(keys);
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new database copied from the migrated template of the global setup, and how to drop it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const env = inject('pg');
  if (!env?.adminUrl || !env.template) throw new Error(env?.error ?? 'PostgreSQL test setup did not run (pg-global-setup.ts)');
  const name = testDatabaseName('test');
  const admin = new pg.Client({ connectionString: env.adminUrl });
  await admin.connect();
  try {
    // Copying a template fails while anything is connected to it; that is only ever a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${env.template}`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(env.adminUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: env.adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** REPRISE_S3_* for the test Swift with its own key prefix. Fails (never skips) without Swift. */
export function s3TestEnv(prefix: string): Record<string, string> {
  const s3: S3TestEnv | undefined = inject('s3');
  if (!s3 || s3.error || !s3.endpoint) throw new Error(`S3 test server unavailable: ${s3?.error ?? 'no endpoint'}`);
  return {
    REPRISE_S3_ENDPOINT: s3.endpoint,
    REPRISE_S3_REGION: s3.region ?? 'us-east-1',
    REPRISE_S3_ACCESS_KEY_ID: s3.accessKeyId ?? '',
    REPRISE_S3_SECRET_ACCESS_KEY: s3.secretAccessKey ?? '',
    REPRISE_S3_BUCKET: s3.bucket ?? 'reprise-test',
    REPRISE_S3_FORCE_PATH_STYLE: 'true',
    REPRISE_S3_PREFIX: prefix,
  };
}

function s3Config(env: Record<string, string>) {
  return {
    endpoint: env.REPRISE_S3_ENDPOINT,
    region: env.REPRISE_S3_REGION!,
    accessKeyId: env.REPRISE_S3_ACCESS_KEY_ID,
    secretAccessKey: env.REPRISE_S3_SECRET_ACCESS_KEY,
    bucket: env.REPRISE_S3_BUCKET!,
    prefix: env.REPRISE_S3_PREFIX!,
    forcePathStyle: true,
  };
}
