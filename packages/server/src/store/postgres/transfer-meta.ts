import type pg from 'pg';
import { TOMBSTONE_UPSERT } from '../deleted-sessions.js';
import type { MetadataDump } from '../types.js';
import { withTransaction } from './pool.js';
import { METADATA_SELECTS, restoreParams, toMetadataDump, type MetadataRows } from '../transfer-rows.js';

/**
 * Store.dumpMetadata / restoreMetadata for PostgreSQL (`reprise migrate-store`): every table but
 * the sessions and what hangs off them, with ids, keys and secret hashes exactly as stored.
 */
export async function dump(pool: pg.Pool): Promise<MetadataDump> {
  // One REPEATABLE READ snapshot: a consistent picture while instances write.
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const rows: Record<string, unknown[]> = {};
    for (const [table, sql] of Object.entries(METADATA_SELECTS)) rows[table] = (await client.query(sql)).rows;
    const out = toMetadataDump(rows as unknown as MetadataRows);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Inserts every row of the dump, or updates it by primary key; one transaction. */
export async function restore(pool: pg.Pool, d: MetadataDump): Promise<void> {
  if (d.version !== 1) throw new Error(`unsupported metadata dump version ${String(d.version)}`);
  await withTransaction(pool, async (c) => {
    for (const p of d.projects) {
      await c.query(
        `INSERT INTO projects (id, name, key, allowed_origins, created_at, retention_days) VALUES ($1, $2, $3, $4::jsonb, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, key = excluded.key, allowed_origins = excluded.allowed_origins,
           retention_days = excluded.retention_days`,
        [p.id, p.name, p.key, JSON.stringify(p.allowedOrigins), p.createdAt, p.retentionDays],
      );
    }
    for (const u of d.users) {
      await c.query(
        `INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash, role = excluded.role`,
        [u.id, u.email, u.passwordHash, u.role, u.createdAt],
      );
    }
    for (const t of d.apiTokens) {
      await c.query(
        `INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, scope, project_ids, expires_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, revoked_at = excluded.revoked_at`,
        restoreParams.token(t),
      );
    }
    for (const m of d.memberships ?? []) {
      await c.query(
        `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role`,
        [m.projectId, m.userId, m.role],
      );
    }
    for (const s of d.loginSessions) {
      await c.query(
        `INSERT INTO login_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (token_hash) DO UPDATE SET expires_at = excluded.expires_at`,
        [s.tokenHash, s.userId, s.expiresAt],
      );
    }
    for (const l of d.links) {
      await c.query(
        `INSERT INTO links (id, project_id, label, target_url, token_hash, expires_at, max_sessions, revoked_at, opened_at, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, expires_at = excluded.expires_at, max_sessions = excluded.max_sessions,
           revoked_at = excluded.revoked_at, opened_at = excluded.opened_at`,
        restoreParams.link(l),
      );
    }
    for (const s of d.savedSearches) {
      await c.query(
        `INSERT INTO saved_searches (id, project_id, name, query, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, query = excluded.query`,
        [s.id, s.projectId, s.name, s.query, s.createdBy, s.createdAt],
      );
    }
    for (const s of d.deletedSessions ?? []) {
      await c.query(`INSERT INTO deleted_sessions (id, deleted_at) VALUES ($1, $2) ${TOMBSTONE_UPSERT}`, [s.id, s.deletedAt]);
    }
  });
}
