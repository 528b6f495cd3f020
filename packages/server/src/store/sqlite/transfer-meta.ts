import type Database from 'better-sqlite3';
import type { MetadataDump } from '../types.js';
import { toApiToken, toMembership, type ApiTokenRow, type MembershipRow } from '../access-rows.js';

/**
 * Store.dumpMetadata / restoreMetadata for SQLite (`reprise migrate-store`): every table but the
 * sessions and what hangs off them, with ids, keys and secret hashes exactly as stored.
 */
export function dump(db: Database.Database): MetadataDump {
  // One read transaction: a consistent picture even while a server writes.
  return db.transaction((): MetadataDump => ({
    version: 1,
    projects: dumpProjects(db),
    users: dumpUsers(db),
    apiTokens: (db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as ApiTokenRow[]).map((r) => ({
      ...toApiToken(r),
      tokenHash: r.token_hash,
    })),
    memberships: (db.prepare('SELECT * FROM project_members ORDER BY project_id, user_id').all() as MembershipRow[]).map(toMembership),
    loginSessions: dumpLoginSessions(db),
    links: dumpLinks(db),
    savedSearches: dumpSavedSearches(db),
  }))();
}

function dumpProjects(db: Database.Database): MetadataDump['projects'] {
  return (
    db.prepare('SELECT * FROM projects ORDER BY created_at, id').all() as {
      id: string;
      name: string;
      key: string;
      allowed_origins: string;
      created_at: number;
      retention_days: number | null;
    }[]
  ).map((r) => ({
    id: r.id,
    name: r.name,
    key: r.key,
    allowedOrigins: JSON.parse(r.allowed_origins) as string[],
    createdAt: r.created_at,
    retentionDays: r.retention_days,
  }));
}

function dumpUsers(db: Database.Database): MetadataDump['users'] {
  return (
    db.prepare('SELECT * FROM users ORDER BY created_at, id').all() as {
      id: string;
      email: string;
      password_hash: string;
      role: string;
      created_at: number;
    }[]
  ).map((r) => ({
    id: r.id,
    email: r.email,
    role: r.role === 'admin' ? 'admin' : 'member',
    createdAt: r.created_at,
    passwordHash: r.password_hash,
  }));
}

function dumpLoginSessions(db: Database.Database): MetadataDump['loginSessions'] {
  return (
    db.prepare('SELECT * FROM login_sessions ORDER BY expires_at, token_hash').all() as {
      token_hash: string;
      user_id: string;
      expires_at: number;
    }[]
  ).map((r) => ({ tokenHash: r.token_hash, userId: r.user_id, expiresAt: r.expires_at }));
}

function dumpLinks(db: Database.Database): MetadataDump['links'] {
  return (
    db.prepare('SELECT * FROM links ORDER BY created_at, id').all() as {
      id: string;
      project_id: string;
      label: string;
      target_url: string;
      token_hash: string;
      expires_at: number;
      max_sessions: number | null;
      revoked_at: number | null;
      opened_at: number | null;
      created_at: number;
      created_by: string | null;
    }[]
  ).map((r) => ({
    id: r.id,
    projectId: r.project_id,
    label: r.label,
    targetUrl: r.target_url,
    tokenHash: r.token_hash,
    expiresAt: r.expires_at,
    maxSessions: r.max_sessions,
    revokedAt: r.revoked_at,
    openedAt: r.opened_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
  }));
}

function dumpSavedSearches(db: Database.Database): MetadataDump['savedSearches'] {
  return (
    db.prepare('SELECT * FROM saved_searches ORDER BY created_at, id').all() as {
      id: string;
      project_id: string;
      name: string;
      query: string;
      created_by: string | null;
      created_at: number;
    }[]
  ).map((r) => ({ id: r.id, projectId: r.project_id, name: r.name, query: r.query, createdBy: r.created_by, createdAt: r.created_at }));
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
  db.transaction(() => {
    for (const p of d.projects) project.run(p.id, p.name, p.key, JSON.stringify(p.allowedOrigins), p.createdAt, p.retentionDays);
    for (const u of d.users) user.run(u.id, u.email, u.passwordHash, u.role, u.createdAt);
    for (const t of d.apiTokens) {
      const ids = t.projectIds ? JSON.stringify(t.projectIds) : null;
      token.run(t.id, t.tokenHash, t.userId, t.name, t.createdAt, t.scope ?? 'write', ids, t.expiresAt ?? null, t.revokedAt ?? null);
    }
    for (const m of d.memberships ?? []) member.run(m.projectId, m.userId, m.role);
    for (const s of d.loginSessions) login.run(s.tokenHash, s.userId, s.expiresAt);
    for (const l of d.links) {
      link.run(
        l.id,
        l.projectId,
        l.label,
        l.targetUrl,
        l.tokenHash,
        l.expiresAt,
        l.maxSessions,
        l.revokedAt,
        l.openedAt,
        l.createdAt,
        l.createdBy,
      );
    }
    for (const s of d.savedSearches) saved.run(s.id, s.projectId, s.name, s.query, s.createdBy, s.createdAt);
  })();
}
