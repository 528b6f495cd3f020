import { randomId } from '../../ids.js';
import { LinkRefused, type CreateLinkInput, type Link, type LinkWithSessions } from '../types.js';
import type { Queryable } from './pool.js';
import { LINK_SELECT, toLink, withLinkSessions, type LinkRow } from '../rows.js';

export async function create(db: Queryable, input: CreateLinkInput): Promise<Link> {
  const id = randomId('lnk_');
  await db.query(
    `INSERT INTO links (id, project_id, label, target_url, token_hash, expires_at, max_sessions, created_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [id, input.projectId, input.label, input.targetUrl, input.tokenHash, input.expiresAt, input.maxSessions, Date.now(), input.createdBy],
  );
  return toLink((await db.query<LinkRow>(`${LINK_SELECT} WHERE l.id = $1`, [id])).rows[0]!);
}

export async function byTokenHash(db: Queryable, tokenHash: string): Promise<Link | null> {
  const row = (await db.query<LinkRow>(`${LINK_SELECT} WHERE l.token_hash = $1`, [tokenHash])).rows[0];
  return row ? toLink(row) : null;
}

export async function list(db: Queryable, projectIds?: string[]): Promise<LinkWithSessions[]> {
  const rows = (
    projectIds
      ? await db.query<LinkRow>(`${LINK_SELECT} WHERE l.project_id = ANY($1) ORDER BY l.created_at DESC, l.id DESC LIMIT 500`, [projectIds])
      : await db.query<LinkRow>(`${LINK_SELECT} ORDER BY l.created_at DESC, l.id DESC LIMIT 500`)
  ).rows;
  if (rows.length === 0) return [];
  const sessions = (
    await db.query<{ id: string; link_id: string; last_batch_at: number | null }>(
      'SELECT id, link_id, last_batch_at FROM sessions WHERE link_id = ANY($1) ORDER BY started_at DESC, id DESC',
      [rows.map((r) => r.id)],
    )
  ).rows;
  return withLinkSessions(rows, sessions);
}

export async function markOpened(db: Queryable, id: string, at: number): Promise<void> {
  await db.query('UPDATE links SET opened_at = $1 WHERE id = $2 AND opened_at IS NULL', [at, id]);
}

export async function revoke(db: Queryable, id: string, at: number): Promise<boolean> {
  return ((await db.query('UPDATE links SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2', [at, id])).rowCount ?? 0) > 0;
}

/**
 * Whether a new session may join the link. `lock` (inside appendBatch's transaction) takes the
 * link row with FOR UPDATE first, so two first batches racing for the last slot count one after
 * the other, on any instance; the count then sees the other's committed session.
 */
export async function assertRoom(db: Queryable, linkId: string, sessionId: string, lock: boolean): Promise<void> {
  const link = (
    await db.query<{ max_sessions: number | null }>(`SELECT max_sessions FROM links WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [linkId])
  ).rows[0];
  if (!link) throw new LinkRefused('link_invalid');
  if (link.max_sessions === null) return;
  const r = (
    await db.query<{ n: number; mine: boolean }>('SELECT count(*) AS n, bool_or(id = $2) AS mine FROM sessions WHERE link_id = $1', [
      linkId,
      sessionId,
    ])
  ).rows[0]!;
  if (!r.mine && r.n >= link.max_sessions) throw new LinkRefused('link_used_up');
}
