import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Issue, IssueList, IssueSessionList, IssueStatus } from '@reprise/protocol';
import { accessOf } from '../auth/access.js';
import { HttpError } from '../http/errors.js';
import { ISSUE_STATUSES } from '../issues/regression.js';
import type { Store } from '../store/types.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const MAX_RELEASE = 200;

/**
 * `/api/v1/issues`: errors grouped into issues (docs/issues.md). The list (`?status=`,
 * `?limit=`, `?projectId=`), one issue, its sessions newest first with the time of the error,
 * and `PATCH` to resolve (optionally in a `release`), ignore or reopen it.
 */
export async function issueRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/issues', { config: { access: { need: 'read', project: 'query' } } }, async (req): Promise<IssueList> => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const status = q.status === undefined ? undefined : statusOf(q.status);
    const { projectId, projectIds } = accessOf(req);
    const issues = await store.listIssues({
      projectIds: projectId ? [projectId] : (projectIds ?? undefined),
      status,
      limit: limitOf(q.limit),
      now: Date.now(),
    });
    return { issues };
  });

  app.get('/issues/:id', { config: { access: { need: 'read', project: 'issue' } } }, async (req): Promise<Issue> => found(req, store));

  app.get('/issues/:id/sessions', { config: { access: { need: 'read', project: 'issue' } } }, async (req): Promise<IssueSessionList> => {
    const issue = await found(req, store);
    const limit = limitOf((req.query as Record<string, unknown> | undefined)?.limit);
    return { issue, sessions: await store.listIssueSessions(issue.id, limit) };
  });

  app.patch('/issues/:id', { config: { access: { need: 'write', project: 'issue' } } }, async (req): Promise<Issue> => {
    const body = req.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid_request', 'a JSON object is required');
    const status = statusOf(body.status);
    let release: string | null = null;
    if (body.release !== undefined) {
      if (status !== 'resolved') throw new HttpError(400, 'invalid_request', 'release goes only with status resolved');
      if (typeof body.release !== 'string' || body.release.trim() === '' || body.release.length > MAX_RELEASE) {
        throw new HttpError(400, 'invalid_request', `release must be a non-empty string of at most ${MAX_RELEASE} characters`);
      }
      release = body.release.trim();
    }
    const { id } = req.params as { id: string };
    await store.setIssueStatus(id, status, release, Date.now());
    return found(req, store);
  });
}

async function found(req: FastifyRequest, store: Store): Promise<Issue> {
  const { id } = req.params as { id: string };
  const issue = await store.getIssue(id);
  if (!issue) throw new HttpError(404, 'not_found', `no issue ${id}`);
  return issue;
}

function statusOf(v: unknown): IssueStatus {
  if (typeof v === 'string' && (ISSUE_STATUSES as readonly string[]).includes(v)) return v as IssueStatus;
  throw new HttpError(400, 'invalid_request', `status must be one of ${ISSUE_STATUSES.join(', ')}`);
}

function limitOf(v: unknown): number {
  if (v === undefined) return DEFAULT_LIMIT;
  const n = Number(v);
  if (typeof v === 'object' || !Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new HttpError(400, 'invalid_request', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return n;
}
