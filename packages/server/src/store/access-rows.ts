import { randomId } from '../ids.js';
import type { ApiToken, CreateApiTokenInput, Membership, User } from './types.js';
import { toUser, type UserRow } from './rows.js';

/**
 * `api_tokens` and `project_members` rows, the same in both dialects but for `project_ids`
 * (SQLite: JSON text; PostgreSQL: JSONB, handed over parsed).
 */
export interface ApiTokenRow {
  id: string;
  token_hash: string;
  user_id: string;
  name: string;
  created_at: number;
  scope: string;
  project_ids: string[] | string | null;
  expires_at: number | null;
  revoked_at: number | null;
}
export interface MembershipRow {
  project_id: string;
  user_id: string;
  role: string;
}

/** A token row joined with its owner (`u_*` columns). */
export type TokenUserRow = ApiTokenRow & { u_email: string; u_role: string; u_created_at: number };

export const TOKEN_USER_SELECT = `SELECT t.*, u.email AS u_email, u.role AS u_role, u.created_at AS u_created_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id`;

export function newApiToken(input: CreateApiTokenInput): ApiToken {
  return {
    id: randomId('tok_'),
    userId: input.userId,
    name: input.name,
    createdAt: Date.now(),
    scope: input.scope ?? 'write',
    projectIds: input.projectIds ?? null,
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
  };
}

export function toApiToken(r: ApiTokenRow): ApiToken {
  const ids = typeof r.project_ids === 'string' ? (JSON.parse(r.project_ids) as unknown) : r.project_ids;
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    createdAt: r.created_at,
    scope: r.scope === 'read' ? 'read' : 'write',
    projectIds: Array.isArray(ids) ? ids.map(String) : null,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

export function toTokenAndUser(r: TokenUserRow): { token: ApiToken; user: User } {
  const userRow: UserRow = { id: r.user_id, email: r.u_email, role: r.u_role, created_at: r.u_created_at, password_hash: '' };
  return { token: toApiToken(r), user: toUser(userRow) };
}

export function toMembership(r: MembershipRow): Membership {
  return { projectId: r.project_id, userId: r.user_id, role: r.role === 'viewer' ? 'viewer' : 'member' };
}
