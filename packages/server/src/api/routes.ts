import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import { ndjsonStream } from './ndjson-stream.js';
import { randomSecret, sha256 } from '../ids.js';
import { parseQuery, SESSION_SORTS } from '@reprise/protocol/query';
import { decodeSortCursor, isSessionSort } from '../search/sort.js';
import type { Store, User } from '../store/types.js';

/** `/api/v1`: sessions, events, projects, tokens. Auth is enforced by the caller's hook. */
export async function apiRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/auth/me', async (req) => ({ user: publicUser(req.user) }));

  // `q` is the search language of docs/search.md; a bad query is a 400 pointing at the problem.
  app.get('/sessions', async (req, reply) => {
    const q = req.query as { limit?: unknown; cursor?: unknown; q?: unknown; sort?: unknown };
    for (const key of ['limit', 'cursor', 'q', 'sort'] as const) {
      if (q[key] !== undefined && typeof q[key] !== 'string') throw new HttpError(400, 'invalid_request', `${key} must be given once`);
    }
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new HttpError(400, 'invalid_request', 'limit must be an integer from 1 to 500');
    }
    const sort = q.sort === undefined || q.sort === '' ? 'newest' : q.sort;
    if (!isSessionSort(sort)) throw new HttpError(400, 'invalid_request', `sort must be one of ${SESSION_SORTS.join(', ')}`);
    const cursor = (q.cursor as string | undefined) || null;
    if (cursor && !decodeSortCursor(sort, cursor)) throw new HttpError(400, 'invalid_request', 'cursor is not valid for this sort');
    const parsed = parseQuery((q.q as string | undefined) ?? '');
    if (!parsed.ok) return reply.status(400).send({ error: 'invalid_query', ...parsed.error });
    return store.searchSessions({ ast: parsed.ast, sort, limit, cursor, now: Date.now() });
  });

  app.get('/sessions/:id', async (req) => {
    const { id } = req.params as { id: string };
    const s = await store.getSession(id);
    if (!s) throw new HttpError(404, 'not_found', `no session ${id}`);
    return s;
  });

  // The replay index: what a player needs to plan range loading (snapshots, batch ranges and sizes).
  app.get('/sessions/:id/timeline', async (req) => {
    const { id } = req.params as { id: string };
    const t = await store.getSessionTimeline(id);
    if (!t) throw new HttpError(404, 'not_found', `no session ${id}`);
    return t;
  });

  app.get('/sessions/:id/events', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.getSession(id))) throw new HttpError(404, 'not_found', `no session ${id}`);
    // Optional time range (epoch ms, inclusive): only the chunks overlapping it are read.
    const q = req.query as { from?: string; to?: string };
    const range = q.from !== undefined || q.to !== undefined ? { from: msParam(q.from, 'from'), to: msParam(q.to, 'to') } : undefined;
    const body = ndjsonStream(store.streamEvents(id, range), (e, err) =>
      req.log.warn({ sessionId: id, t: e.t, kind: e.kind, err }, 'stored event left out: it cannot be serialized'),
    );
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
    const body = (req.body ?? {}) as { name?: unknown; allowedOrigins?: unknown; retentionDays?: unknown };
    if (body.name !== undefined && (typeof body.name !== 'string' || !body.name.trim())) {
      throw new HttpError(400, 'invalid_request', 'name must be a non-empty string');
    }
    // Sessions are deleted this many days after they end (the retention job); null keeps them.
    const r = body.retentionDays;
    if (r !== undefined && r !== null && !(typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= 3650)) {
      throw new HttpError(400, 'invalid_request', 'retentionDays must be an integer from 1 to 3650, or null to keep sessions');
    }
    const p = await store.updateProject(id, {
      name: typeof body.name === 'string' ? body.name.trim() : undefined,
      allowedOrigins: body.allowedOrigins === undefined ? undefined : parseOrigins(body.allowedOrigins),
      retentionDays: r as number | null | undefined,
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

function msParam(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new HttpError(400, 'invalid_request', `${name} must be a time in epoch ms`);
  return n;
}
