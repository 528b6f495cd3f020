import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/store/postgres/migrations.js';
import { Partitions } from '../src/store/postgres/partitions.js';
import { createPool } from '../src/store/postgres/pool.js';
import { ensurePostgres, type PgServer } from './pg-throwaway.js';

/** What PostgreSQL tests get through `inject('pg')`: a server and a migrated template database, or why not. */
export interface PgTestEnv {
  /** A database to run CREATE/DROP DATABASE from. */
  adminUrl?: string;
  /** Migrated (with the partitions around now): each test database is a copy of it. */
  template?: string;
  /** Set when PostgreSQL is unavailable: PostgreSQL tests must fail with it, never skip. */
  error?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pg: PgTestEnv;
  }
}

/**
 * The machine's PostgreSQL 15 (trust auth); REPRISE_TEST_PG_URL overrides it. When nothing
 * answers there, the first setup of the run starts a throwaway cluster (pg-throwaway.ts).
 */
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** `reprise_<kind>_<creation time, base36 seconds>_<random>`: the time lets a later run sweep leftovers. */
export function testDatabaseName(kind: 'test' | 'tmpl'): string {
  return `reprise_${kind}_${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(5).toString('hex')}`;
}

/** Test databases of runs that were killed before their cleanup (older than 6 h, nobody connected). */
async function sweepStale(admin: pg.Client): Promise<void> {
  const names = (
    await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname ~ '^reprise_(test|tmpl)_[0-9a-z]+_[0-9a-f]{10}$'")
  ).rows;
  for (const { datname } of names) {
    const created = parseInt(datname.split('_')[2]!, 36) * 1000;
    if (Date.now() - created < 6 * 3600_000) continue;
    // Without FORCE: a database somebody still uses stays.
    await admin.query(`DROP DATABASE IF EXISTS ${datname}`).catch(() => undefined);
  }
}

export function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Once per vitest project: migrates a template database (`reprise_tmpl_<random>`) that every
 * test database is created from (CREATE DATABASE … TEMPLATE: ~60 ms instead of migrating each
 * one), and drops it at the end. Test databases (`reprise_test_<random>`) are dropped by the
 * test that made them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Read now, not at import: an earlier project's setup may have pointed it at a throwaway cluster.
  const asked = process.env.REPRISE_TEST_PG_URL ?? DEFAULT_PG_URL;
  let server: PgServer;
  try {
    server = await ensurePostgres(asked);
  } catch (err) {
    project.provide('pg', { error: `PostgreSQL at ${asked} unavailable: ${err instanceof Error ? err.message : String(err)}` });
    return async () => undefined;
  }
  if (server.stop) {
    // The later projects' setups and every test worker (forked after the setups, with this
    // environment) use the same cluster; so do the bench tests (bench/lib/scale-out.ts).
    process.env.REPRISE_TEST_PG_URL = server.url;
    process.env.REPRISE_BENCH_PG_URL ??= server.url;
  }
  const adminUrl = server.url;
  const stopServer = async () => {
    await server.stop?.().catch((err: unknown) => console.error(`stopping the throwaway PostgreSQL failed: ${String(err)}`));
  };
  const template = testDatabaseName('tmpl');
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await sweepStale(admin);
    await admin.query(`CREATE DATABASE ${template}`);
    const url = databaseUrl(adminUrl, template);
    await migrate(url);
    const pool = createPool(url, { max: 1 });
    try {
      await new Partitions(pool).ensureAround(Date.now());
    } finally {
      await pool.end();
    }
    project.provide('pg', { adminUrl, template });
  } catch (err) {
    project.provide('pg', { error: `PostgreSQL at ${adminUrl} unavailable: ${err instanceof Error ? err.message : String(err)}` });
    await admin.end().catch(() => undefined);
    return stopServer;
  }
  // Teardowns run in reverse order of the setups: the project that started the cluster stops it last.
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    await stopServer();
  };
}
