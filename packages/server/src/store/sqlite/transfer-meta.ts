import type Database from 'better-sqlite3';
import { TOMBSTONE_UPSERT } from '../deleted-sessions.js';
import type { MetadataDump } from '../types.js';
import { METADATA_SELECTS, restoreParams, toMetadataDump, type MetadataRows } from '../transfer-rows.js';

/**
 * Store.dumpMetadata / restoreMetadata for SQLite (`reprise migrate-store`): every table but the
 * sessions and what hangs off them, with ids, keys and secret hashes exactly as stored.
 */
export function dump(db: Database.Database): MetadataDump {
  // One read transaction: a consistent picture even while a server writes.
  return db.transaction((): MetadataDump => {
    const rows: Record<string, unknown[]> = {};
    for (const [table, sql] of Object.entries(METADATA_SELECTS)) rows[table] = db.prepare(sql).all();
    return toMetadataDump(rows as unknown as MetadataRows);
  })();
}

/** Inserts every row of the dump, or updates it by primary key; one transaction. */
export function restore(db: Database.Database, d: MetadataDump): void {
  if (d.version !== 1) throw new Error(`unsupported metadata dump version ${String(d.version)}`);
  const project = db.prepare(
    `INSERT INTO projects (id, name, key, allowed_origins, created_at, retention_days) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, key = excluded.key, allowed_origins = excluded.allowed_origins,
       retention_days = excluded.retention_days`,
  );
  const user = db.prepare(
    `INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash, role = excluded.role`,
  );
  const token = db.prepare(
    `INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, scope, project_ids, expires_at, revoked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, revoked_at = excluded.revoked_at`,
  );
  const member = db.prepare(
    `INSERT INTO project_members (project_id, user_id, role) VALUES (?, ?, ?)
     ON CONFLICT(project_id, user_id) DO UPDATE SET role = excluded.role`,
  );
  const login = db.prepare(
    `INSERT INTO login_sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)
     ON CONFLICT(token_hash) DO UPDATE SET expires_at = excluded.expires_at`,
  );
  const link = db.prepare(
    `INSERT INTO links (id, project_id, label, target_url, token_hash, expires_at, max_sessions, revoked_at, opened_at, created_at, created_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET label = excluded.label, expires_at = excluded.expires_at, max_sessions = excluded.max_sessions,
       revoked_at = excluded.revoked_at, opened_at = excluded.opened_at`,
  );
  const saved = db.prepare(
    `INSERT INTO saved_searches (id, project_id, name, query, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET name = excluded.name, query = excluded.query`,
  );
  const deleted = db.prepare(`INSERT INTO deleted_sessions (id, deleted_at) VALUES (?, ?) ${TOMBSTONE_UPSERT}`);
  db.transaction(() => {
    for (const p of d.projects) project.run(p.id, p.name, p.key, JSON.stringify(p.allowedOrigins), p.createdAt, p.retentionDays);
    for (const u of d.users) user.run(u.id, u.email, u.passwordHash, u.role, u.createdAt);
    for (const t of d.apiTokens) token.run(...restoreParams.token(t));
    for (const m of d.memberships ?? []) member.run(m.projectId, m.userId, m.role);
    for (const s of d.loginSessions) login.run(s.tokenHash, s.userId, s.expiresAt);
    for (const l of d.links) link.run(...restoreParams.link(l));
    for (const s of d.savedSearches) saved.run(s.id, s.projectId, s.name, s.query, s.createdBy, s.createdAt);
    for (const s of d.deletedSessions ?? []) deleted.run(s.id, s.deletedAt);
  })();
}
