import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { HttpError } from '../http/errors.js';
import type { ApiToken, ProjectRole, Store, TokenScope, User } from '../store/types.js';

/**
 * The access policy of `/api/v1` (docs/access.md), in one place. Every route declares
 * `config: { access: { need, project? } }`; one preHandler hook (enforceAccess) checks it before the
 * handler runs, and a route without a declaration is refused (fail closed).
 *
 * - `public`: no login (log in, log out).
 * - `login`: any logged-in caller (their own profile, their own token list, the project list,
 *   which shows only their projects).
 * - `account`: any logged-in caller but a read-only token (create or revoke one's own tokens).
 * - `read` / `write`: the route's project (see ProjectFrom) must be readable / writable by the
 *   caller: an admin may everything; a `member` of the project reads and writes; a `viewer` reads.
 *   A token grants the lesser of its owner's rights and its own scope and projects.
 * - `admin`: a server admin (users, projects, memberships); through a token only one of scope
 *   `write` on every project.
 * A project (or an object in one) the caller cannot read answers 404, as if it did not exist;
 * one they can read but not write answers 403.
 */
export type Need = 'public' | 'login' | 'account' | 'read' | 'write' | 'admin';

/**
 * Where a route's project comes from:
 * - `session`, `link`, `savedSearch`, `share`, `issue`: `:id` in the path names such an object; its project counts.
 * - `project`: `:id` in the path is the project id.
 * - `query` / `body`: `?projectId=` / the body's `projectId` when given (that project must pass);
 *   without it (AccessRule.otherwise) every project the caller has `need` on (lists show only
 *   those: `req.access.projectIds`), or the first of them (`req.access.projectId`).
 */
export type ProjectFrom = 'session' | 'link' | 'savedSearch' | 'share' | 'issue' | 'project' | 'query' | 'body';

export interface AccessRule {
  need: Need;
  project?: ProjectFrom;
  /** With `link`: only the link's creator (or an admin) passes. */
  own?: boolean;
  /** With `query` or `body` and no projectId given: every project the caller has `need` on (default for `query`), or the first (default for `body`). */
  otherwise?: 'all' | 'first';
}

/** What the hook resolved, for the handler. */
export interface Access {
  /** The one project the route acts on, when it names one (or `body` chose one). */
  projectId: string | null;
  /** For `query` routes without a projectId: the projects the caller has `need` on; null = all. */
  projectIds: string[] | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: AccessRule;
  }
  interface FastifyRequest {
    /** The bearer token the caller used; absent with the login cookie. */
    apiToken?: ApiToken;
    /** Set by enforceAccess for every route but `public` ones. */
    caller?: Caller;
    access?: Access;
  }
}

type Level = 'none' | 'read' | 'write';
const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };

/** The caller's rights: the user's role and memberships, narrowed by the token when one is used. */
export class Caller {
  private constructor(
    readonly user: User,
    readonly token: ApiToken | null,
    private readonly roles: Map<string, ProjectRole>,
  ) {}

  static async load(store: Store, user: User, token: ApiToken | null): Promise<Caller> {
    const roles = new Map<string, ProjectRole>();
    if (user.role !== 'admin') for (const m of await store.listMemberships(user.id)) roles.set(m.projectId, m.role);
    return new Caller(user, token, roles);
  }

  /** Server admin rights: an admin user, and through a token only a write token on every project. */
  get isAdmin(): boolean {
    return this.user.role === 'admin' && (!this.token || (this.token.scope === 'write' && this.token.projectIds === null));
  }

  level(projectId: string): Level {
    let l: Level = this.user.role === 'admin' ? 'write' : toLevel(this.roles.get(projectId));
    if (this.token) {
      if (this.token.projectIds && !this.token.projectIds.includes(projectId)) l = 'none';
      if (this.token.scope === 'read' && l === 'write') l = 'read';
    }
    return l;
  }

  can(projectId: string, need: 'read' | 'write'): boolean {
    return RANK[this.level(projectId)] >= RANK[need];
  }

  /** The project ids (of `all`) where the caller has `need`; null when that is every project. */
  projectsWith(all: string[], need: 'read' | 'write'): string[] | null {
    if (this.isAdmin) return null;
    return all.filter((id) => this.can(id, need));
  }

  /** The project role shown to the caller (the viewer hides what they cannot do). */
  roleIn(projectId: string): 'admin' | ProjectRole | null {
    const l = this.level(projectId);
    if (l === 'none') return null;
    if (this.user.role === 'admin' && l === 'write') return 'admin';
    return l === 'write' ? 'member' : 'viewer';
  }

  /**
   * Checks a new token's grant: never more than the caller, so a token can only mint a token
   * within itself, and only for projects the owner can read. Throws 403.
   */
  assertCanGrant(scope: TokenScope, projectIds: string[] | null, allProjects: string[]): void {
    const need = scope === 'write' ? 'write' : 'read';
    const ids = projectIds ?? allProjects;
    const missing = ids.filter((id) => !this.can(id, need));
    if (this.token && projectIds === null && this.token.projectIds !== null) {
      throw new HttpError(403, 'forbidden', 'this token is limited to some projects: name them (projectIds)');
    }
    if (projectIds !== null && missing.length > 0) {
      throw new HttpError(403, 'forbidden', `you cannot ${need} project ${missing[0]}, so a token cannot either`);
    }
    if (this.token && this.token.scope === 'read' && scope === 'write')
      throw new HttpError(403, 'forbidden', 'a read-only token cannot create a write token');
  }
}

function toLevel(role: ProjectRole | undefined): Level {
  return role === 'member' ? 'write' : role === 'viewer' ? 'read' : 'none';
}

/** The preHandler of `/api/v1` (after requireUser has set `req.user`): enforces each route's AccessRule. */
export function enforceAccess(store: Store) {
  return async (req: FastifyRequest): Promise<void> => {
    const rule = req.routeOptions.config.access;
    // Fail closed: a route that forgot its declaration is refused, and the route-table test fails.
    if (!rule) throw new HttpError(403, 'forbidden', 'this route declares no access rule');
    if (rule.need === 'public') return;
    const user = req.user;
    if (!user) throw new HttpError(401, 'unauthorized', 'log in or pass a bearer API token');
    const caller = await Caller.load(store, user, req.apiToken ?? null);
    req.caller = caller;
    req.access = { projectId: null, projectIds: null };
    if (rule.need === 'login') return;
    if (rule.need === 'account') {
      if (caller.token?.scope === 'read') throw new HttpError(403, 'forbidden', 'a read-only token cannot do this');
      return;
    }
    if (rule.need === 'admin') {
      if (!caller.isAdmin) throw new HttpError(403, 'forbidden', 'admin role required');
      if (rule.project === 'project') req.access.projectId = await projectFromPath(store, req);
      return;
    }
    const need = rule.need;
    switch (rule.project) {
      case 'session': {
        const id = pathId(req);
        return check(caller, need, await store.getSessionProject(id), `no session ${id}`, req);
      }
      case 'link': {
        const id = pathId(req);
        const link = await store.getLink(id);
        check(caller, need, link?.projectId ?? null, `no link ${id}`, req);
        if (rule.own && !caller.isAdmin && link!.createdBy !== user.id) {
          throw new HttpError(403, 'forbidden', 'only its creator or an admin may change this link');
        }
        return;
      }
      case 'savedSearch': {
        const id = pathId(req);
        const saved = await store.getSavedSearch(id);
        return check(caller, need, saved?.projectId ?? null, `no saved search ${id}`, req);
      }
      case 'share': {
        const id = pathId(req);
        return check(caller, need, (await store.getShare(id))?.projectId ?? null, `no share link ${id}`, req);
      }
      case 'issue': {
        const id = pathId(req);
        return check(caller, need, await store.getIssueProject(id), `no issue ${id}`, req);
      }
      case 'project': {
        const id = await projectFromPath(store, req);
        return check(caller, need, id, `no project ${pathId(req)}`, req);
      }
      case 'query':
      case 'body': {
        const given =
          rule.project === 'query' ? (req.query as Record<string, unknown> | undefined)?.projectId : bodyField(req.body, 'projectId');
        if (given !== undefined) {
          if (typeof given !== 'string' || given === '')
            throw new HttpError(400, 'invalid_request', 'projectId must be given once, as a project id');
          const exists = (await store.listProjects()).some((p) => p.id === given);
          return check(caller, need, exists ? given : null, `no project ${given}`, req);
        }
        const all = (await store.listProjects()).map((p) => p.id);
        const ids = caller.projectsWith(all, need);
        if ((rule.otherwise ?? (rule.project === 'query' ? 'all' : 'first')) === 'all') {
          req.access.projectIds = ids;
          return;
        }
        const first = ids === null ? all[0] : ids[0];
        if (!first) throw new HttpError(403, 'forbidden', `you have no project you may ${need}`);
        req.access.projectId = first;
        return;
      }
      default:
        throw new HttpError(403, 'forbidden', 'this route declares no project');
    }
  };
}

/** The resolved caller of a route behind enforceAccess (any need but `public`). */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new HttpError(401, 'unauthorized', 'log in or pass a bearer API token');
  return req.caller;
}

/** What enforceAccess resolved for the route (see Access). */
export function accessOf(req: FastifyRequest): Access {
  return req.access ?? { projectId: null, projectIds: null };
}

function check(caller: Caller, need: 'read' | 'write', projectId: string | null, notFound: string, req: FastifyRequest): void {
  if (projectId === null || !caller.can(projectId, 'read')) throw new HttpError(404, 'not_found', notFound);
  if (!caller.can(projectId, need)) throw new HttpError(403, 'forbidden', `your role in this project cannot ${need}`);
  req.access!.projectId = projectId;
}

function pathId(req: FastifyRequest): string {
  return (req.params as { id?: string }).id ?? '';
}

async function projectFromPath(store: Store, req: FastifyRequest): Promise<string | null> {
  const id = pathId(req);
  return (await store.listProjects()).some((p) => p.id === id) ? id : null;
}

function bodyField(body: unknown, key: string): unknown {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined;
}

/** One `/api/v1` route as registered, with its declared rule (undefined: none, refused at request time). */
export interface ApiRoute {
  method: string;
  url: string;
  access: AccessRule | undefined;
}

const ROUTE_TABLES = new WeakMap<FastifyInstance, ApiRoute[]>();

/** An onRoute hook for the `/api/v1` scope that records its routes for apiRouteTable(root). */
export function recordApiRoutes(root: FastifyInstance): (route: RouteOptions) => void {
  const list: ApiRoute[] = [];
  ROUTE_TABLES.set(root, list);
  return (route) => {
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD route for every GET, with the same options.
      if (method !== 'HEAD') list.push({ method, url: route.url, access: route.config?.access });
    }
  };
}

/** Every registered `/api/v1` route of an app built by buildApp (the access test walks them all). */
export function apiRouteTable(root: FastifyInstance): ApiRoute[] {
  return ROUTE_TABLES.get(root) ?? [];
}
