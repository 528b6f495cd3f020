import type { FastifyInstance, FastifyRequest } from 'fastify';
import { COMMENT_LIMITS, type SessionComment } from '@reprise/protocol';
import { callerOf } from '../auth/access.js';
import { HttpError } from '../http/errors.js';
import type { Store } from '../store/types.js';
import { parseCommentPatch, parseCreateComment } from './comment-body.js';

type Params = { id: string; commentId?: string };

/**
 * `/api/v1/sessions/:id/comments`: notes pinned to a moment of a session, with an optional sketch
 * (docs/comments.md). Reading needs read access to the session's project, writing needs
 * write access; editing or deleting a comment needs its author or an admin on top.
 */
export async function commentRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  const withRights = (req: FastifyRequest, c: SessionComment): SessionComment => ({ ...c, canEdit: mayEdit(req, c) });

  app.get('/sessions/:id/comments', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as Params;
    return { comments: (await store.listComments(id)).map((c) => withRights(req, c)) };
  });

  app.post('/sessions/:id/comments', { config: { access: { need: 'write', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as Params;
    const input = parseCreateComment(req.body, id, req.user?.id ?? null);
    if ((await store.countComments(id)) >= COMMENT_LIMITS.perSession) {
      throw new HttpError(409, 'too_many_comments', `a session holds at most ${COMMENT_LIMITS.perSession} comments`);
    }
    const created = await store.createComment(input);
    if (!created) throw new HttpError(404, 'not_found', `no session ${id}`);
    return reply.status(201).send(withRights(req, created));
  });

  app.patch('/sessions/:id/comments/:commentId', { config: { access: { need: 'write', project: 'session' } } }, async (req) => {
    const patch = parseCommentPatch(req.body);
    const c = await editable(req);
    const updated = await store.updateComment(c.id, patch);
    if (!updated) throw new HttpError(404, 'not_found', `no comment ${c.id}`);
    return withRights(req, updated);
  });

  app.delete('/sessions/:id/comments/:commentId', { config: { access: { need: 'write', project: 'session' } } }, async (req, reply) => {
    const c = await editable(req);
    if (!(await store.deleteComment(c.id))) throw new HttpError(404, 'not_found', `no comment ${c.id}`);
    return reply.status(204).send();
  });

  /** The path's comment, when it is on the path's session and the caller may change it (author or admin). */
  async function editable(req: FastifyRequest): Promise<SessionComment> {
    const { id, commentId = '' } = req.params as Params;
    const c = await store.getComment(commentId);
    if (!c || c.sessionId !== id) throw new HttpError(404, 'not_found', `no comment ${commentId} on session ${id}`);
    if (!mayEdit(req, c)) throw new HttpError(403, 'forbidden', 'only its author or an admin may change this comment');
    return c;
  }
}

/** Author or admin, with write access to the session's project (checked by the route's rule for changes). */
function mayEdit(req: FastifyRequest, c: SessionComment): boolean {
  const caller = callerOf(req);
  const projectId = req.access?.projectId;
  if (!projectId || !caller.can(projectId, 'write')) return false;
  return caller.isAdmin || (c.authorId !== null && c.authorId === caller.user.id);
}
