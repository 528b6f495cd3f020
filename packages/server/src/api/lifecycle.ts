import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import { accessOf } from '../auth/access.js';
import type { Store } from '../store/types.js';

/**
 * `/api/v1` erasure: one session, or every session of an identified user (`identify` userId).
 * Any member of the project may erase (auth/access.ts: `write`): acting on a data-subject request
 * should not wait for an admin. Deletion is permanent, chunks included.
 */
export async function lifecycleRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.delete('/sessions/:id', { config: { access: { need: 'write', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteSession(id))) throw new HttpError(404, 'not_found', `no session ${id}`);
    req.log.info({ sessionId: id, by: req.user?.id }, 'session deleted');
    return reply.status(204).send();
  });

  // `?projectId=` limits the erasure to one project; otherwise every project the caller may write.
  app.delete('/users/:userId/data', { config: { access: { need: 'write', project: 'query' } } }, async (req) => {
    const { userId } = req.params as { userId: string };
    const { projectId } = req.query as { projectId?: unknown };
    if (!userId || userId.length > 256) throw new HttpError(400, 'invalid_request', 'userId must be 1 to 256 characters');
    if (projectId !== undefined && (typeof projectId !== 'string' || projectId === '')) {
      throw new HttpError(400, 'invalid_request', 'projectId must be given once, as a project id');
    }
    const access = accessOf(req);
    let deleted = 0;
    if (access.projectId) deleted = await store.deleteUserSessions(userId, access.projectId);
    else if (access.projectIds === null) deleted = await store.deleteUserSessions(userId);
    else {
      if (access.projectIds.length === 0) throw new HttpError(403, 'forbidden', 'you have no project you may write');
      for (const id of access.projectIds) deleted += await store.deleteUserSessions(userId, id);
    }
    req.log.info({ deleted, by: req.user?.id }, 'user data erased');
    return { deleted };
  });
}
