import type { MetadataDump } from './types.js';
import { toLink, toProject, toUser, type LinkRow, type ProjectRow, type UserRow } from './rows.js';
import { toApiToken, toMembership, type ApiTokenRow, type MembershipRow } from './access-rows.js';
import type { SavedSearchRow } from './saved-search-rows.js';

/**
 * The rows behind a metadata dump (`reprise migrate-store`) and their mapping to it, the same for
 * both dialects: each backend only runs METADATA_SELECTS (in one snapshot) and hands the rows over.
 */
export interface MetadataRows {
  projects: ProjectRow[];
  users: UserRow[];
  apiTokens: ApiTokenRow[];
  memberships: MembershipRow[];
  loginSessions: { token_hash: string; user_id: string; expires_at: number }[];
  links: Omit<LinkRow, 'session_count'>[];
  savedSearches: SavedSearchRow[];
  deletedSessions: { id: string; deleted_at: number }[];
}

/** One query per table, in a stable order so two dumps of the same store compare equal. */
export const METADATA_SELECTS: Record<keyof MetadataRows, string> = {
  projects: 'SELECT * FROM projects ORDER BY created_at, id',
  users: 'SELECT * FROM users ORDER BY created_at, id',
  apiTokens: 'SELECT * FROM api_tokens ORDER BY created_at, id',
  memberships: 'SELECT * FROM project_members ORDER BY project_id, user_id',
  loginSessions: 'SELECT * FROM login_sessions ORDER BY expires_at, token_hash',
  links: 'SELECT * FROM links ORDER BY created_at, id',
  savedSearches: 'SELECT * FROM saved_searches ORDER BY created_at, id',
  deletedSessions: 'SELECT * FROM deleted_sessions ORDER BY deleted_at, id',
};

/** The dump's keys and their order are the transfer format: keep them as they are. */
export function toMetadataDump(rows: MetadataRows): MetadataDump {
  return {
    version: 1,
    projects: rows.projects.map(toProject),
    users: rows.users.map((r) => ({ ...toUser(r), passwordHash: r.password_hash })),
    apiTokens: rows.apiTokens.map((r) => ({ ...toApiToken(r), tokenHash: r.token_hash })),
    memberships: rows.memberships.map(toMembership),
    loginSessions: rows.loginSessions.map((r) => ({ tokenHash: r.token_hash, userId: r.user_id, expiresAt: r.expires_at })),
    links: rows.links.map(toDumpLink),
    savedSearches: rows.savedSearches.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      name: r.name,
      query: r.query,
      createdBy: r.created_by,
      createdAt: r.created_at,
    })),
    deletedSessions: rows.deletedSessions.map((r) => ({ id: r.id, deletedAt: r.deleted_at })),
  };
}

/** A link as toLink maps it, without the derived count and with its token hash after targetUrl. */
function toDumpLink(r: MetadataRows['links'][number]): MetadataDump['links'][number] {
  const { sessionCount: _derived, id, projectId, label, targetUrl, ...rest } = toLink({ ...r, session_count: 0 });
  return { id, projectId, label, targetUrl, tokenHash: r.token_hash, ...rest };
}

/** Parameters of the restore INSERTs, in their column order (the same statements in both dialects). */
export const restoreParams = {
  token: (t: MetadataDump['apiTokens'][number]) => [
    t.id,
    t.tokenHash,
    t.userId,
    t.name,
    t.createdAt,
    t.scope ?? 'write',
    t.projectIds ? JSON.stringify(t.projectIds) : null,
    t.expiresAt ?? null,
    t.revokedAt ?? null,
  ],
  link: (l: MetadataDump['links'][number]) => [
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
  ],
};
