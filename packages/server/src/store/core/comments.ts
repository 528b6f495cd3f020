import type { SessionComment } from '@reprise/protocol';
import { COMMENT_SELECT, newCommentRow, toComment, type CommentRow } from '../comment-rows.js';
import type { CommentPatch, CreateCommentInput } from '../types.js';
import type { Sql } from './sql.js';

/** Comments pinned to a moment of a session, on either backend (Store methods, docs/comments.md). */

export async function list(db: Sql, sessionId: string): Promise<SessionComment[]> {
  const rows = await db.all<CommentRow>(`${COMMENT_SELECT} WHERE c.session_id = $1 ORDER BY c.offset_ms, c.created_at, c.id`, [sessionId]);
  return rows.map(toComment);
}

export async function get(db: Sql, id: string): Promise<SessionComment | null> {
  const row = (await db.all<CommentRow>(`${COMMENT_SELECT} WHERE c.id = $1`, [id]))[0];
  return row ? toComment(row) : null;
}

export async function count(db: Sql, sessionId: string): Promise<number> {
  return Number((await db.all<{ n: number | string }>('SELECT count(*) AS n FROM comments WHERE session_id = $1', [sessionId]))[0]!.n);
}

/** Null when the session does not exist (deleted meanwhile): nothing is stored. */
export async function create(db: Sql, input: CreateCommentInput, now = Date.now()): Promise<SessionComment | null> {
  const r = newCommentRow(input, now);
  // INSERT … SELECT: a session deleted since the access check gets no orphan comment (and no FK error).
  const n = await db.run(
    `INSERT INTO comments (id, session_id, offset_ms, text, shapes, element, author_id, created_at, updated_at)
     SELECT $1, id, CAST($2 AS BIGINT), $3, $4, $5, $6, CAST($7 AS BIGINT), CAST($8 AS BIGINT) FROM sessions WHERE id = $9`,
    [r.id, r.offset_ms, r.text, r.shapes, r.element, r.author_id, r.created_at, r.updated_at, r.session_id],
  );
  return n > 0 ? get(db, r.id) : null;
}

/** Changes the given fields; null when there is no such comment. */
export async function update(db: Sql, id: string, patch: CommentPatch, now = Date.now()): Promise<SessionComment | null> {
  const sets: string[] = [];
  const values: (string | number | null)[] = [];
  const put = (col: string, v: string | number | null) => {
    values.push(v);
    sets.push(`${col} = $${values.length}`);
  };
  if (patch.text !== undefined) put('text', patch.text);
  if (patch.offsetMs !== undefined) put('offset_ms', patch.offsetMs);
  if (patch.shapes !== undefined) put('shapes', JSON.stringify(patch.shapes));
  if (patch.element !== undefined) put('element', patch.element ? JSON.stringify(patch.element) : null);
  put('updated_at', now);
  values.push(id);
  const n = await db.run(`UPDATE comments SET ${sets.join(', ')} WHERE id = $${values.length}`, values);
  return n > 0 ? get(db, id) : null;
}

/**
 * Stores comments as they are, ids and times included (`reprise migrate-store`): those already
 * there and those whose session is not are skipped; an author unknown here becomes none.
 * Returns how many were added.
 */
export async function importAll(db: Sql, comments: SessionComment[]): Promise<number> {
  let added = 0;
  for (const c of comments) {
    added += await db.run(
      `INSERT INTO comments (id, session_id, offset_ms, text, shapes, element, author_id, created_at, updated_at)
       SELECT $1, s.id, CAST($2 AS BIGINT), $3, $4, $5, (SELECT u.id FROM users u WHERE u.id = $6), CAST($7 AS BIGINT), CAST($8 AS BIGINT)
       FROM sessions s WHERE s.id = $9 AND NOT EXISTS (SELECT 1 FROM comments x WHERE x.id = $1)`,
      [
        c.id,
        c.offsetMs,
        c.text,
        JSON.stringify(c.shapes),
        c.element ? JSON.stringify(c.element) : null,
        c.authorId,
        c.createdAt,
        c.updatedAt,
        c.sessionId,
      ],
    );
  }
  return added;
}

export async function remove(db: Sql, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM comments WHERE id = $1', [id])) > 0;
}
