import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/errors.js';
import { ndjsonStream } from './ndjson-stream.js';
import { accessOf, callerOf } from '../auth/access.js';
import { LIMITS } from '@reprise/protocol';
import { parseQuery, SESSION_SORTS } from '@reprise/protocol/query';
import { decodeSortCursor, isSessionSort } from '../search/sort.js';
import type { Store, User } from '../store/types.js';

/** `/api/v1`: sessions, events, projects. Each route declares its access rule (auth/access.ts). */
export async function apiRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;
  meRoute(app, store);
  sessionRoutes(app, store);
  projectRoutes(app, store);
}

function meRoute(app: FastifyInstance, store: Store): void {
  // The caller and their projects, with the role the viewer shows (and hides buttons by).
  app.get('/auth/me', { config: { access: { need: 'login' } } }, async (req) => {
    const caller = callerOf(req);
    const projects = (await store.listProjects()).flatMap((p) => {
      const role = caller.roleIn(p.id);
      return role ? [{ id: p.id, name: p.name, role }] : [];
    });
    return {
      user: publicUser(req.user),
      admin: caller.isAdmin,
      token: req.apiToken ? { id: req.apiToken.id, scope: req.apiToken.scope } : null,
      projects,
    };
  });
}

function sessionRoutes(app: FastifyInstance, store: Store): void {
  // `q` is the search language of docs/search.md; a bad query is a 400 pointing at the problem.
  app.get('/sessions', { config: { access: { need: 'read', project: 'query' } } }, async (req, reply) => {
    const parsed = parseSessionSearch(req.query as SessionSearchQuery);
    if (!parsed.ok) return reply.status(400).send({ error: 'invalid_query', ...parsed.error });
    const { projectId, projectIds } = accessOf(req);
    const { ast, sort, limit, cursor } = parsed;
    return store.searchSessions({
      ast,
      sort,
      limit,
      cursor,
      now: Date.now(),
      projectId: projectId ?? undefined,
      projectIds: projectIds ?? undefined,
    });
  });

  app.get('/sessions/:id', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const s = await store.getSession(id);
    if (!s) throw new HttpError(404, 'not_found', `no session ${id}`);
    return s;
  });

  // The replay index: what a player needs to plan range loading (snapshots, batch ranges and sizes).
  app.get('/sessions/:id/timeline', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const t = await store.getSessionTimeline(id);
    if (!t) throw new HttpError(404, 'not_found', `no session ${id}`);
    return t;
  });

  // Backend spans and logs of the session's recorded requests (OTLP, docs/otlp.md).
  app.get('/sessions/:id/traces', { config: { access: { need: 'read', project: 'session' } } }, async (req) => {
    const { id } = req.params as { id: string };
    if (!(await store.getSessionProject(id))) throw new HttpError(404, 'not_found', `no session ${id}`);
    return store.getSessionTraces(id);
  });

  app.get('/sessions/:id/events', { config: { access: { need: 'read', project: 'session' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await store.getSession(id))) throw new HttpError(404, 'not_found', `no session ${id}`);
    // Optional time range (epoch ms, inclusive): only the chunks overlapping it are read.
    const q = req.query as { from?: string; to?: string };
    const range =
      q.from !== undefined || q.to !== undefined
        ? { from: msParam(q.from, 'from', Math.floor), to: msParam(q.to, 'to', Math.ceil) }
        : undefined;
    const body = ndjsonStream(store.streamEvents(id, range), (e, err) =>
      req.log.warn({ sessionId: id, t: e.t, kind: e.kind, err }, 'stored event left out: it cannot be serialized'),
    );
    return reply.type('application/x-ndjson; charset=utf-8').send(body);
  });
}

function projectRoutes(app: FastifyInstance, store: Store): void {
  // Only the caller's projects.
  app.get('/projects', { config: { access: { need: 'login' } } }, async (req) => {
    const caller = callerOf(req);
    return { projects: (await store.listProjects()).filter((p) => caller.can(p.id, 'read')) };
  });

  app.post('/projects', { config: { access: { need: 'admin' } } }, async (req, reply) => {
    const body = req.body as { name?: unknown; allowedOrigins?: unknown } | undefined;
    if (typeof body?.name !== 'string' || !body.name.trim()) throw new HttpError(400, 'invalid_request', 'name is required');
    const origins = parseOrigins(body.allowedOrigins ?? ['*']);
    return reply.status(201).send(await store.createProject({ name: body.name.trim(), allowedOrigins: origins }));
  });

  app.patch('/projects/:id', { config: { access: { need: 'admin', project: 'project' } } }, async (req) => {
    const { id } = req.params as { id: string };
    const p = await store.updateProject(id, parseProjectPatch(req.body ?? {}));
    if (!p) throw new HttpError(404, 'not_found', `no project ${id}`);
    return p;
  });
}

type SessionSearchQuery = { limit?: unknown; cursor?: unknown; q?: unknown; sort?: unknown };

/** `GET /sessions`'s query string; a malformed parameter is a 400, a query that does not parse is returned. */
function parseSessionSearch(q: SessionSearchQuery) {
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
  return parsed.ok ? { ok: true as const, ast: parsed.ast, sort, limit, cursor } : parsed;
}

/** `PATCH /projects/:id`'s body as the store's update; a bad field is a 400. */
function parseProjectPatch(raw: unknown) {
  const body = raw as { name?: unknown; allowedOrigins?: unknown; retentionDays?: unknown };
  if (body.name !== undefined && (typeof body.name !== 'string' || !body.name.trim())) {
    throw new HttpError(400, 'invalid_request', 'name must be a non-empty string');
  }
  // Sessions are deleted this many days after they end (the retention job); null keeps them.
  const r = body.retentionDays;
  if (r !== undefined && r !== null && !(typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= 3650)) {
    throw new HttpError(400, 'invalid_request', 'retentionDays must be an integer from 1 to 3650, or null to keep sessions');
  }
  return {
    name: typeof body.name === 'string' ? body.name.trim() : undefined,
    allowedOrigins: body.allowedOrigins === undefined ? undefined : parseOrigins(body.allowedOrigins),
    retentionDays: r as number | null | undefined,
  };
}

function publicUser(u: User | undefined) {
  return u ? { id: u.id, email: u.email, role: u.role } : null;
}

export function parseOrigins(v: unknown): string[] {
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

/**
 * A time bound in whole epoch ms, rounded outward by `round` so the range stays inclusive; within
 * a Date's range (LIMITS.maxEventTime), beyond which no store's integer column holds it.
 */
function msParam(v: string | undefined, name: string, round: (n: number) => number): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || Math.abs(n) > LIMITS.maxEventTime)
    throw new HttpError(400, 'invalid_request', `${name} must be a time in epoch ms`);
  return round(n);
}
