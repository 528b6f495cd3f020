import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import { randomSecret, sha256 } from '../ids.js';
import { decodeCursor } from '../store/cursor.js';
import type { Store, User } from '../store/types.js';

/** `/api/v1`: sessions, events, projects, tokens. Auth is enforced by the caller's hook. */
export async function apiRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/auth/me', async (req) => ({ user: publicUser(req.user) }));

  app.get('/sessions', async (req) => {
    const q = req.query as { limit?: string; cursor?: string };
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new HttpError(400, 'invalid_request', 'limit must be an integer from 1 to 500');
    }
    const cursor = q.cursor || null;
    if (cursor && !decodeCursor(cursor)) throw new HttpError(400, 'invalid_request', 'cursor is not valid');
    return store.listSessions({ limit, cursor });
  });

  app.get('/sessions/:id', async (req) => {
    const { id } = req.params as { id: string };
    const s = await store.getSession(id);
    if (!s) throw new HttpError(404, 'not_found', `no session ${id}`);
    return s;
  });

  app.get('/sessions/:id/events', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.getSession(id))) throw new HttpError(404, 'not_found', `no session ${id}`);
    const events = await store.readEvents(id);
    let body = '';
    for (const e of events) body += JSON.stringify({ t: e.t, kind: e.kind, data: e.data }) + '\n';
    return reply.type('application/x-ndjson; charset=utf-8').send(body);
  });

  app.get('/projects', async () => ({ projects: await store.listProjects() }));

  app.post('/projects', async (req, reply) => {
    requireAdmin(req.user);
    const body = req.body as { name?: unknown; allowedOrigins?: unknown } | undefined;
    if (typeof body?.name !== 'string' || !body.name.trim()) throw new HttpError(400, 'invalid_request', 'name is required');
    const origins = parseOrigins(body.allowedOrigins ?? ['*']);
    return reply.status(201).send(await store.createProject({ name: body.name.trim(), allowedOrigins: origins }));
  });

  app.patch('/projects/:id', async (req) => {
    requireAdmin(req.user);
    const { id } = req.params as { id: string };
    const body = (req.body ?? {}) as { name?: unknown; allowedOrigins?: unknown };
    if (body.name !== undefined && (typeof body.name !== 'string' || !body.name.trim())) {
      throw new HttpError(400, 'invalid_request', 'name must be a non-empty string');
    }
    const p = await store.updateProject(id, {
      name: typeof body.name === 'string' ? body.name.trim() : undefined,
      allowedOrigins: body.allowedOrigins === undefined ? undefined : parseOrigins(body.allowedOrigins),
    });
    if (!p) throw new HttpError(404, 'not_found', `no project ${id}`);
    return p;
  });

  app.post('/tokens', async (req, reply) => {
    const user = req.user;
    if (!user) throw new HttpError(401, 'unauthorized', 'log in first');
    const body = (req.body ?? {}) as { name?: unknown };
    const name = typeof body.name === 'string' && body.name.trim() ? body.name.trim() : 'api token';
    const token = randomSecret('rpt_');
    const info = await store.createApiToken({ tokenHash: sha256(token), userId: user.id, name });
    // The secret is shown once; only its hash is stored.
    return reply.status(201).send({ ...info, token });
  });
}

function publicUser(u: User | undefined) {
  return u ? { id: u.id, email: u.email, role: u.role } : null;
}

function requireAdmin(u: User | undefined): void {
  if (u?.role !== 'admin') throw new HttpError(403, 'forbidden', 'admin role required');
}

function parseOrigins(v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((o) => typeof o === 'string')) {
    throw new HttpError(400, 'invalid_request', 'allowedOrigins must be an array of origins like "https://shop.example" or "*"');
  }
  for (const o of v as string[]) {
    if (o !== '*' && !/^https?:\/\/[^/\s]+$/i.test(o.replace(/\/+$/, ''))) {
      throw new HttpError(400, 'invalid_request', `"${o}" is not an origin (scheme://host[:port])`);
    }
  }
  return v as string[];
}
