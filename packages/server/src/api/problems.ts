import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accessOf } from '../auth/access.js';
import { formatFrame, topFrame, type ClickProblem, type ErrorGroup, type FailingEndpoint, type ProblemList } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import { messageLiterals, routeLiteralPrefix } from '../ingest/normalize.js';
import { resolveStacks } from '../sourcemaps/session-errors.js';
import type { ErrorSample } from '../store/problem-rows.js';
import type { ProblemQuery, Store } from '../store/types.js';

const DAY = 86_400_000;
const DEFAULT_WINDOW_MS = 7 * DAY;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/**
 * `/api/v1/problems/*`: top failing endpoints, JS error groups, rage and dead clicks, each row
 * with a search query (docs/search.md) that lists the affected sessions.
 * `?since=<epoch ms>` (default: 7 days ago) and `?limit=` (1–100, default 20).
 */
export async function problemRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get(
    '/problems/endpoints',
    { config: { access: { need: 'read', project: 'query' } } },
    async (req): Promise<ProblemList<FailingEndpoint>> => {
      const q = problemQuery(req);
      const rows = await store.listFailingEndpoints(q);
      return { since: q.since, rows: rows.map((r) => ({ ...r, query: endpointQuery(r.method, r.route, r.statuses) })) };
    },
  );

  app.get('/problems/errors', { config: { access: { need: 'read', project: 'query' } } }, async (req): Promise<ProblemList<ErrorGroup>> => {
    const q = problemQuery(req);
    const rows = await store.listErrorGroups(q);
    const tops = await Promise.all(rows.map((r) => sampleTop(store, (r as { sample?: ErrorSample }).sample)));
    return {
      since: q.since,
      rows: rows.map(({ ...r }, i) => {
        delete (r as { sample?: ErrorSample }).sample;
        return { ...r, top: tops[i] ?? null, query: errorQuery(r.message) };
      }),
    };
  });

  app.get(
    '/problems/clicks',
    { config: { access: { need: 'read', project: 'query' } } },
    async (req): Promise<ProblemList<ClickProblem>> => {
      const q = problemQuery(req);
      const type = (req.query as Record<string, unknown>).type;
      if (type !== 'rage' && type !== 'dead') throw new HttpError(400, 'invalid_request', 'type must be rage or dead');
      const rows = await store.listClickProblems({ ...q, type });
      return { since: q.since, rows: rows.map((r) => ({ ...r, query: `has:${type} selector:${quote(r.selector)}` })) };
    },
  );
}

/** `since` and `limit`, and the caller's projects (one with `?projectId=`, auth/access.ts). */
function problemQuery(req: FastifyRequest): ProblemQuery {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const since = q.since === undefined ? Date.now() - DEFAULT_WINDOW_MS : Number(q.since);
  if (typeof q.since === 'object' || !Number.isSafeInteger(since) || since < 0) {
    throw new HttpError(400, 'invalid_request', 'since must be a time in epoch milliseconds, e.g. since=1732370000000');
  }
  const limit = q.limit === undefined ? DEFAULT_LIMIT : Number(q.limit);
  if (typeof q.limit === 'object' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new HttpError(400, 'invalid_request', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const { projectId, projectIds } = accessOf(req);
  return { since, limit, projectIds: projectId ? [projectId] : (projectIds ?? undefined) };
}

/** A double-quoted query value (`\"` and `\\` escaped). */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * `method:POST request:"/api/orders/" status:>=400`. A route with `:id` cannot be matched
 * literally, so `request:` takes the part before the first `:id`; failed requests (status 0) are
 * `status:failed`.
 */
export function endpointQuery(method: string, route: string, statuses: number[]): string {
  const terms: string[] = [];
  if (/^[A-Za-z]{1,16}$/.test(method)) terms.push(`method:${method}`);
  terms.push(`request:${quote(routeLiteralPrefix(route))}`);
  const failed = statuses.includes(0);
  const http = statuses.some((s) => s >= 400);
  terms.push(failed && http ? '(status:>=400 OR status:failed)' : failed ? 'status:failed' : 'status:>=400');
  return terms.join(' ');
}

/** `error:"…"` terms with the literal parts of the normalized message (placeholders cannot match). */
export function errorQuery(messageKey: string): string {
  const literals = messageLiterals(messageKey);
  return literals.length ? literals.map((l) => `error:${quote(l)}`).join(' ') : 'has:error';
}

/** The newest error's top frame resolved through its release's maps, `fn (file:line:column)`; null when none resolves. */
async function sampleTop(store: Store, sample: ErrorSample | undefined): Promise<string | null> {
  if (!sample?.stack || !sample.sessionId) return null;
  const projectId = await store.getSessionProject(sample.sessionId);
  if (!projectId) return null;
  const [frames] = await resolveStacks(store, { projectId, release: sample.release }, [sample.stack]);
  const top = frames ? topFrame(frames) : undefined;
  return top?.original ? formatFrame(top) : null;
}
