import { randomId } from '../../ids.js';
import type { CreateShareInput, Share, ShareView } from '../types.js';
import type { Sql } from './sql.js';

/** Share links and their open log (shares/), on either backend. */

interface ShareRow {
  id: string;
  project_id: string;
  session_id: string;
  view: string;
  range_from: number | null;
  range_to: number | null;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_opened_at: number | null;
  open_count: number;
}

function toShare(r: ShareRow): Share {
  return {
    id: r.id,
    projectId: r.project_id,
    sessionId: r.session_id,
    view: (r.view === 'strict' ? 'strict' : 'full') satisfies ShareView,
    rangeFrom: r.range_from === null ? null : Number(r.range_from),
    rangeTo: r.range_to === null ? null : Number(r.range_to),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    lastOpenedAt: r.last_opened_at === null ? null : Number(r.last_opened_at),
    openCount: Number(r.open_count),
  };
}

export async function create(db: Sql, input: CreateShareInput): Promise<Share> {
  const share: Share = {
    id: randomId('shr_'),
    projectId: input.projectId,
    sessionId: input.sessionId,
    view: input.view,
    rangeFrom: input.rangeFrom,
    rangeTo: input.rangeTo,
    createdBy: input.createdBy,
    createdAt: Date.now(),
    expiresAt: input.expiresAt,
    revokedAt: null,
    lastOpenedAt: null,
    openCount: 0,
  };
  await db.run(
    `INSERT INTO share_links (id, project_id, session_id, token_hash, view, range_from, range_to, created_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      share.id,
      share.projectId,
      share.sessionId,
      input.tokenHash,
      share.view,
      share.rangeFrom,
      share.rangeTo,
      share.createdBy,
      share.createdAt,
      share.expiresAt,
    ],
  );
  return share;
}

export async function get(db: Sql, id: string): Promise<Share | null> {
  const row = (await db.all<ShareRow>('SELECT * FROM share_links WHERE id = $1', [id]))[0];
  return row ? toShare(row) : null;
}

export async function byTokenHash(db: Sql, tokenHash: string): Promise<Share | null> {
  const row = (await db.all<ShareRow>('SELECT * FROM share_links WHERE token_hash = $1', [tokenHash]))[0];
  return row ? toShare(row) : null;
}

export async function list(db: Sql, sessionId: string): Promise<Share[]> {
  return (await db.all<ShareRow>('SELECT * FROM share_links WHERE session_id = $1 ORDER BY created_at DESC, id DESC', [sessionId])).map(
    toShare,
  );
}

export async function revoke(db: Sql, id: string, at: number): Promise<boolean> {
  return (await db.run('UPDATE share_links SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2', [at, id])) > 0;
}

export async function recordOpen(db: Sql, id: string, at: number): Promise<void> {
  await db.run('INSERT INTO share_opens (share_id, opened_at) VALUES ($1, $2)', [id, at]);
  await db.run('UPDATE share_links SET last_opened_at = $1, open_count = open_count + 1 WHERE id = $2', [at, id]);
}

export async function opens(db: Sql, id: string, limit: number): Promise<number[]> {
  const rows = await db.all<{ opened_at: number }>(
    'SELECT opened_at FROM share_opens WHERE share_id = $1 ORDER BY opened_at DESC LIMIT $2',
    [id, limit],
  );
  return rows.map((r) => Number(r.opened_at));
}
