import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { loadConfig } from '../src/config.js';
import { sha256 } from '../src/ids.js';
import { openChunkStore } from '../src/store/open.js';
import { MIGRATIONS as PG_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { createPool } from '../src/store/postgres/pool.js';
import { migrate as migrateSqlite } from '../src/store/sqlite/schema.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/types.js';
import { createStorage, type TestStorage } from './backend.js';

/**
 * An install from before access control (SQLite v8, PostgreSQL 2) keeps working after the upgrade:
 * every user becomes a member of every project, and an existing API token keeps its rights.
 */
const BEFORE = { sqlite: 8, postgres: 2 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function schemaBeforeAccessControl(st: TestStorage): Promise<void> {
  if (st.backend === 'sqlite') {
    const db = new Database(path.join(st.dataDir, 'reprise.db'));
    migrateSqlite(db, BEFORE.sqlite);
    db.close();
    return;
  }
  const pool = createPool(st.env.REPRISE_DATABASE_URL!, { max: 1 });
  try {
    await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await pool.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    for (let v = 0; v < BEFORE.postgres; v++) {
      await pool.query(PG_MIGRATIONS[v]!);
      await pool.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [v + 1]);
    }
  } finally {
    await pool.end();
  }
}

async function open(st: TestStorage): Promise<{ store: Store; app: FastifyInstance }> {
  const config = loadConfig(st.env);
  const store: Store =
    st.backend === 'sqlite'
      ? new SqliteStore(st.dataDir)
      : await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config) });
  const app = await buildApp({ store, config });
  cleanups.push(async () => {
    await app.close();
    await store.close();
  });
  return { store, app };
}

describe('upgrading to per-project access control', () => {
  it('makes existing users members of every existing project and keeps existing tokens working', async () => {
    const st = await createStorage();
    cleanups.push(() => st.cleanup());
    await schemaBeforeAccessControl(st);
    const now = Date.now();
    for (const [id, key] of [
      ['prj_a', 'pk_a'],
      ['prj_b', 'pk_b'],
    ]) {
      await st.exec('INSERT INTO projects (id, name, key, allowed_origins, created_at) VALUES (?, ?, ?, ?, ?)', id, id, key, '["*"]', now);
    }
    const hash = await hashPassword('member password');
    await st.exec(
      'INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)',
      'usr_admin',
      'admin@old.local',
      hash,
      'admin',
      now,
    );
    await st.exec(
      'INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)',
      'usr_member',
      'member@old.local',
      hash,
      'member',
      now,
    );
    await st.exec(
      'INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES (?, ?, ?, ?, ?)',
      'tok_old',
      sha256('rpt_old_secret'),
      'usr_member',
      'ci',
      now,
    );

    const { store, app } = await open(st);
    expect((await store.listMemberships('usr_member')).map((m) => [m.projectId, m.role]).sort()).toEqual([
      ['prj_a', 'member'],
      ['prj_b', 'member'],
    ]);

    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'member@old.local', password: 'member password' },
    });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const projects = (await app.inject({ url: '/api/v1/projects', headers: { cookie } })).json() as { projects: { id: string }[] };
    expect(projects.projects.map((p) => p.id).sort()).toEqual(['prj_a', 'prj_b']);

    // The old token: write on every project, no expiry, as before.
    const auth = { authorization: 'Bearer rpt_old_secret' };
    for (const projectId of ['prj_a', 'prj_b']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/saved-searches',
        headers: auth,
        payload: { name: 'errors', query: 'has:error', projectId },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const tokens = (await app.inject({ url: '/api/v1/tokens', headers: auth })).json() as { tokens: unknown[] };
    expect(tokens.tokens).toEqual([
      expect.objectContaining({ id: 'tok_old', scope: 'write', projectIds: null, expiresAt: null, status: 'active' }),
    ]);
  });
});
