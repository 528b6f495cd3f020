import type { FastifyInstance } from 'fastify';
import type { SavedSearch } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import { accessOf } from '../auth/access.js';
import type { Store } from '../store/types.js';

const MAX_NAME = 200;
const MAX_QUERY = 4000;

/** `/api/v1/saved-searches`: a project's named queries. `projectId` defaults to the caller's first project. */
export async function savedSearchRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get(
    '/saved-searches',
    { config: { access: { need: 'read', project: 'query', otherwise: 'first' } } },
    async (req): Promise<{ searches: SavedSearch[] }> => {
      const projectId = accessOf(req).projectId;
      return { searches: projectId ? await store.listSavedSearches(projectId) : [] };
    },
  );

  app.post('/saved-searches', { config: { access: { need: 'write', project: 'body' } } }, async (req, reply) => {
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'invalid_request', 'send a JSON object {name, query, projectId?}');
    }
    const { name, query } = body as Record<string, unknown>;
    if (typeof name !== 'string' || !name.trim()) throw new HttpError(400, 'invalid_request', 'name is required');
    if (name.trim().length > MAX_NAME) throw new HttpError(400, 'invalid_request', `name is longer than ${MAX_NAME} characters`);
    if (typeof query !== 'string' || !query.trim()) throw new HttpError(400, 'invalid_request', 'query is required');
    if (query.length > MAX_QUERY) throw new HttpError(400, 'invalid_request', `query is longer than ${MAX_QUERY} characters`);
    const saved = await store.createSavedSearch({
      projectId: accessOf(req).projectId!,
      name: name.trim(),
      query: query.trim(),
      createdBy: req.user?.id ?? null,
    });
    return reply.status(201).send(saved);
  });

  app.delete('/saved-searches/:id', { config: { access: { need: 'write', project: 'savedSearch' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteSavedSearch(id))) throw new HttpError(404, 'not_found', `no saved search ${id}`);
    return reply.status(204).send();
  });
}
