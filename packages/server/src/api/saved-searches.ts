import type { FastifyInstance } from 'fastify';
import type { SavedSearch } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { Project, Store } from '../store/types.js';

const MAX_NAME = 200;
const MAX_QUERY = 4000;

/** `/api/v1/saved-searches`: a project's named queries. `projectId` defaults to the first project. */
export async function savedSearchRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  const projectOf = async (projectId: unknown): Promise<Project> => {
    if (projectId !== undefined && (typeof projectId !== 'string' || projectId === '')) {
      throw new HttpError(400, 'invalid_request', 'projectId must be a project id');
    }
    const projects = await store.listProjects();
    const project = projectId === undefined ? projects[0] : projects.find((p) => p.id === projectId);
    if (!project) throw new HttpError(400, 'invalid_request', projectId === undefined ? 'there is no project yet' : `no project ${String(projectId)}`);
    return project;
  };

  app.get('/saved-searches', async (req): Promise<{ searches: SavedSearch[] }> => {
    const project = await projectOf((req.query as Record<string, unknown>).projectId);
    return { searches: await store.listSavedSearches(project.id) };
  });

  app.post('/saved-searches', async (req, reply) => {
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, 'invalid_request', 'send a JSON object {name, query, projectId?}');
    }
    const { name, query, projectId } = body as Record<string, unknown>;
    if (typeof name !== 'string' || !name.trim()) throw new HttpError(400, 'invalid_request', 'name is required');
    if (name.trim().length > MAX_NAME) throw new HttpError(400, 'invalid_request', `name is longer than ${MAX_NAME} characters`);
    if (typeof query !== 'string' || !query.trim()) throw new HttpError(400, 'invalid_request', 'query is required');
    if (query.length > MAX_QUERY) throw new HttpError(400, 'invalid_request', `query is longer than ${MAX_QUERY} characters`);
    const project = await projectOf(projectId);
    const saved = await store.createSavedSearch({ projectId: project.id, name: name.trim(), query: query.trim(), createdBy: req.user?.id ?? null });
    return reply.status(201).send(saved);
  });

  app.delete('/saved-searches/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.deleteSavedSearch(id))) throw new HttpError(404, 'not_found', `no saved search ${id}`);
    return reply.status(204).send();
  });
}
