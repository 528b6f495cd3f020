import type { CommentElement, SessionComment, SketchShape } from '@reprise/protocol';
import { randomId } from '../ids.js';
import type { CreateCommentInput } from './types.js';

/** A `comments` row joined with its author's email, the same in both dialects. */
export interface CommentRow {
  id: string;
  session_id: string;
  offset_ms: number | string;
  text: string;
  shapes: string;
  element: string | null;
  author_id: string | null;
  author_email: string | null;
  created_at: number | string;
  updated_at: number | string;
}

/** Comments with their author's email (users may have been removed since: then null). */
export const COMMENT_SELECT = `SELECT c.id, c.session_id, c.offset_ms, c.text, c.shapes, c.element, c.author_id,
  u.email AS author_email, c.created_at, c.updated_at FROM comments c LEFT JOIN users u ON u.id = c.author_id`;

export function newCommentRow(input: CreateCommentInput, now: number): Omit<CommentRow, 'author_email'> {
  return {
    id: randomId('cmt_'),
    session_id: input.sessionId,
    offset_ms: input.offsetMs,
    text: input.text,
    shapes: JSON.stringify(input.shapes),
    element: input.element ? JSON.stringify(input.element) : null,
    author_id: input.authorId,
    created_at: now,
    updated_at: now,
  };
}

export function toComment(r: CommentRow): SessionComment {
  return {
    id: r.id,
    sessionId: r.session_id,
    offsetMs: Number(r.offset_ms),
    text: r.text,
    shapes: JSON.parse(r.shapes) as SketchShape[],
    element: r.element ? (JSON.parse(r.element) as CommentElement) : null,
    authorId: r.author_id,
    authorEmail: r.author_email,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}
