import type { FastifyInstance } from 'fastify';
import { callerOf } from '../auth/access.js';
import { HttpError } from '../http/errors.js';
import { randomSecret, sha256 } from '../ids.js';
import type { ApiToken, Store, TokenScope } from '../store/types.js';

/** Longest a token may live when it expires at all: 10 years. */
const MAX_TTL_SECONDS = 10 * 365 * 86_400;

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** A token as listed: never its secret (only its hash is stored). */
export function tokenInfo(t: ApiToken, now: number) {
  const status: TokenStatus = t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active';
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    projectIds: t.projectIds,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
    status,
  };
}

/** A validated token request; throws 400 with the reason. */
export function parseTokenRequest(
  body: unknown,
  projects: string[],
): { name: string; scope: TokenScope; projectIds: string[] | null; expiresInSeconds: number | null } {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  if (b.name !== undefined && typeof b.name !== 'string') throw new HttpError(400, 'invalid_request', 'name must be a string');
  const name = typeof b.name === 'string' && b.name.trim() ? b.name.trim().slice(0, 200) : 'api token';
  const scope = b.scope ?? 'write';
  if (scope !== 'read' && scope !== 'write') throw new HttpError(400, 'invalid_request', 'scope must be read or write');
  let projectIds: string[] | null = null;
  if (b.projectIds !== undefined && b.projectIds !== null) {
    if (!Array.isArray(b.projectIds) || b.projectIds.length === 0 || !b.projectIds.every((p) => typeof p === 'string')) {
      throw new HttpError(400, 'invalid_request', 'projectIds must be a non-empty array of project ids, or null for every project');
    }
    const unknown = (b.projectIds as string[]).find((p) => !projects.includes(p));
    if (unknown) throw new HttpError(400, 'invalid_request', `no project ${unknown}`);
    projectIds = [...new Set(b.projectIds as string[])];
  }
  let expiresInSeconds: number | null = null;
  if (b.expiresInSeconds !== undefined && b.expiresInSeconds !== null) {
    const e = b.expiresInSeconds;
    if (typeof e !== 'number' || !Number.isInteger(e) || e < 1 || e > MAX_TTL_SECONDS) {
      throw new HttpError(
        400,
        'invalid_request',
        `expiresInSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}, or null for no expiry`,
      );
    }
    expiresInSeconds = e;
  }
  return { name, scope, projectIds, expiresInSeconds };
}

/** `/api/v1/tokens`: the caller's own API tokens. Listing never shows a secret; creating shows it once. */
export async function tokenRoutes(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  const { store } = opts;

  app.get('/tokens', { config: { access: { need: 'login' } } }, async (req) => {
    const now = Date.now();
    return { tokens: (await store.listApiTokens(callerOf(req).user.id)).map((t) => tokenInfo(t, now)) };
  });

  app.post('/tokens', { config: { access: { need: 'account' } } }, async (req, reply) => {
    const caller = callerOf(req);
    const projects = (await store.listProjects()).map((p) => p.id);
    const input = parseTokenRequest(req.body, projects);
    caller.assertCanGrant(input.scope, input.projectIds, projects);
    const token = randomSecret('rpt_');
    const info = await store.createApiToken({
      tokenHash: sha256(token),
      userId: caller.user.id,
      name: input.name,
      scope: input.scope,
      projectIds: input.projectIds,
      expiresAt: input.expiresInSeconds === null ? null : Date.now() + input.expiresInSeconds * 1000,
    });
    // The secret is shown once; only its hash is stored.
    reply.header('Cache-Control', 'no-store');
    return reply.status(201).send({ ...tokenInfo(info, Date.now()), userId: info.userId, token });
  });

  app.delete('/tokens/:id', { config: { access: { need: 'account' } } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    // Only one's own tokens: another user's token is "not found".
    if (!(await store.revokeApiToken(id, callerOf(req).user.id, Date.now()))) throw new HttpError(404, 'not_found', `no token ${id}`);
    return reply.status(204).send();
  });
}
