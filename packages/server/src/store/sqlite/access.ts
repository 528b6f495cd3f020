import type Database from 'better-sqlite3';
import type { SavedSearch } from '@reprise/protocol';
import {
  TOKEN_USER_SELECT, newApiToken, toApiToken, toMembership, toTokenAndUser,
  type ApiTokenRow, type MembershipRow, type TokenUserRow,
} from '../access-rows.js';
import { LINK_SELECT, toLink, toUser, type LinkRow, type UserRow } from '../rows.js';
import { toSavedSearch, type SavedSearchRow } from '../saved-search-rows.js';
import type { ApiToken, CreateApiTokenInput, Link, Membership, User, UserRole } from '../types.js';

/** API tokens, users and memberships on SQLite (Store methods of the access policy, auth/access.ts). */

export function createApiToken(db: Database.Database, input: CreateApiTokenInput): ApiToken {
  const t = newApiToken(input);
  db.prepare(
    `INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, scope, project_ids, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(t.id, input.tokenHash, t.userId, t.name, t.createdAt, t.scope, t.projectIds ? JSON.stringify(t.projectIds) : null, t.expiresAt);
  return t;
}

export function apiTokenByHash(db: Database.Database, tokenHash: string, now: number): { token: ApiToken; user: User } | null {
  const row = db
    .prepare(`${TOKEN_USER_SELECT} WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`)
    .get(tokenHash, now) as TokenUserRow | undefined;
  return row ? toTokenAndUser(row) : null;
}

export function listApiTokens(db: Database.Database, userId: string): ApiToken[] {
  const rows = db.prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC').all(userId) as ApiTokenRow[];
  return rows.map(toApiToken);
}

export function revokeApiToken(db: Database.Database, id: string, userId: string, at: number): boolean {
  return db.prepare('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND user_id = ?').run(at, id, userId).changes > 0;
}

export function listUsers(db: Database.Database): User[] {
  return (db.prepare('SELECT * FROM users ORDER BY created_at, id').all() as UserRow[]).map(toUser);
}

export function setUserRole(db: Database.Database, id: string, role: UserRole): boolean {
  return db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, id).changes > 0;
}

export function listMemberships(db: Database.Database, userId: string): Membership[] {
  return (db.prepare('SELECT * FROM project_members WHERE user_id = ? ORDER BY project_id').all(userId) as MembershipRow[]).map(toMembership);
}

export function listProjectMembers(db: Database.Database, projectId: string): Membership[] {
  return (db.prepare('SELECT * FROM project_members WHERE project_id = ? ORDER BY user_id').all(projectId) as MembershipRow[]).map(toMembership);
}

export function setMembership(db: Database.Database, m: Membership): void {
  db.prepare(
    `INSERT INTO project_members (project_id, user_id, role) VALUES (?, ?, ?)
     ON CONFLICT(project_id, user_id) DO UPDATE SET role = excluded.role`,
  ).run(m.projectId, m.userId, m.role);
}

export function removeMembership(db: Database.Database, projectId: string, userId: string): boolean {
  return db.prepare('DELETE FROM project_members WHERE project_id = ? AND user_id = ?').run(projectId, userId).changes > 0;
}

export function sessionProject(db: Database.Database, sessionId: string): string | null {
  const row = db.prepare('SELECT project_id FROM sessions WHERE id = ?').get(sessionId) as { project_id: string } | undefined;
  return row?.project_id ?? null;
}

export function getLink(db: Database.Database, id: string): Link | null {
  const row = db.prepare(`${LINK_SELECT} WHERE l.id = ?`).get(id) as LinkRow | undefined;
  return row ? toLink(row) : null;
}

export function getSavedSearch(db: Database.Database, id: string): SavedSearch | null {
  const row = db.prepare('SELECT * FROM saved_searches WHERE id = ?').get(id) as SavedSearchRow | undefined;
  return row ? toSavedSearch(row) : null;
}
