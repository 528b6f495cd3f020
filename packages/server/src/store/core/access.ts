import type { SavedSearch } from '@reprise/protocol';
import {
  TOKEN_USER_SELECT,
  newApiToken,
  toApiToken,
  toMembership,
  toTokenAndUser,
  type ApiTokenRow,
  type MembershipRow,
  type TokenUserRow,
} from '../access-rows.js';
import { LINK_SELECT, toLink, toUser, type LinkRow, type UserRow } from '../rows.js';
import { toSavedSearch, type SavedSearchRow } from '../saved-search-rows.js';
import type { ApiToken, CreateApiTokenInput, Link, Membership, User, UserRole } from '../types.js';
import type { Sql } from './sql.js';

/** API tokens, users and memberships (Store methods of the access policy, auth/access.ts), on either backend. */

export async function createApiToken(db: Sql, input: CreateApiTokenInput): Promise<ApiToken> {
  const t = newApiToken(input);
  await db.run(
    `INSERT INTO api_tokens (id, token_hash, user_id, name, created_at, scope, project_ids, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [t.id, input.tokenHash, t.userId, t.name, t.createdAt, t.scope, t.projectIds ? JSON.stringify(t.projectIds) : null, t.expiresAt],
  );
  return t;
}

export async function apiTokenByHash(db: Sql, tokenHash: string, now: number): Promise<{ token: ApiToken; user: User } | null> {
  const row = (
    await db.all<TokenUserRow>(
      `${TOKEN_USER_SELECT} WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)`,
      [tokenHash, now],
    )
  )[0];
  return row ? toTokenAndUser(row) : null;
}

export async function listApiTokens(db: Sql, userId: string): Promise<ApiToken[]> {
  return (await db.all<ApiTokenRow>('SELECT * FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC', [userId])).map(
    toApiToken,
  );
}

export async function revokeApiToken(db: Sql, id: string, userId: string, at: number): Promise<boolean> {
  return (await db.run('UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 AND user_id = $3', [at, id, userId])) > 0;
}

export async function listUsers(db: Sql): Promise<User[]> {
  return (await db.all<UserRow>('SELECT * FROM users ORDER BY created_at, id')).map(toUser);
}

export async function setUserRole(db: Sql, id: string, role: UserRole): Promise<boolean> {
  return (await db.run('UPDATE users SET role = $1 WHERE id = $2', [role, id])) > 0;
}

export async function listMemberships(db: Sql, userId: string): Promise<Membership[]> {
  return (await db.all<MembershipRow>('SELECT * FROM project_members WHERE user_id = $1 ORDER BY project_id', [userId])).map(toMembership);
}

export async function listProjectMembers(db: Sql, projectId: string): Promise<Membership[]> {
  return (await db.all<MembershipRow>('SELECT * FROM project_members WHERE project_id = $1 ORDER BY user_id', [projectId])).map(
    toMembership,
  );
}

export async function setMembership(db: Sql, m: Membership): Promise<void> {
  await db.run(
    `INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role`,
    [m.projectId, m.userId, m.role],
  );
}

export async function removeMembership(db: Sql, projectId: string, userId: string): Promise<boolean> {
  return (await db.run('DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [projectId, userId])) > 0;
}

export async function sessionProject(db: Sql, sessionId: string): Promise<string | null> {
  return (await db.all<{ project_id: string }>('SELECT project_id FROM sessions WHERE id = $1', [sessionId]))[0]?.project_id ?? null;
}

export async function getLink(db: Sql, id: string): Promise<Link | null> {
  const row = (await db.all<LinkRow>(`${LINK_SELECT} WHERE l.id = $1`, [id]))[0];
  return row ? toLink(row) : null;
}

export async function getSavedSearch(db: Sql, id: string): Promise<SavedSearch | null> {
  const row = (await db.all<SavedSearchRow>('SELECT * FROM saved_searches WHERE id = $1', [id]))[0];
  return row ? toSavedSearch(row) : null;
}
