import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionList } from '@reprise/protocol';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hasAssetStore } from '../src/assets/types.js';
import { apiRouteTable } from '../src/auth/access.js';
import { hashPassword } from '../src/auth/passwords.js';
import { randomSecret, sha256 } from '../src/ids.js';
import type { Project } from '../src/store/types.js';
import { ADMIN, CHROME_UA, domEvent, gz, makeBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * Every /api/v1 route × role (admin, member, viewer) × project (one the caller belongs to, one they
 * do not). The route list comes from the app itself, so a new route without a row here fails.
 */

type Role = 'admin' | 'member' | 'viewer';
type Which = 'own' | 'other';
type Need = 'public' | 'login' | 'account' | 'read' | 'write' | 'admin';

interface Ctx {
  role: Role;
  which: Which;
  project: Project;
  userId: string;
}
interface Call {
  url: string;
  payload?: unknown;
}
interface Row {
  need: Need;
  call(c: Ctx): Promise<Call>;
}

let s: TestServer;
let own: Project;
let other: Project;
const cookies = {} as Record<Role, string>;
const userIds = {} as Record<Role, string>;
let n = 0;

const PASSWORD = 'a long enough password';

async function login(email: string, password: string): Promise<string> {
  const res = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  expect(res.statusCode, res.body).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

/** A stored session in `p` (a fresh one each time: some routes delete it). */
async function session(p: Project): Promise<string> {
  const id = `sess_access_${++n}_${p.id.slice(-6)}`;
  const res = await s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${p.key}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    payload: gz({
      ...makeBatch(id, 0, [domEvent(Date.now())]),
      events: [{ t: Date.now(), kind: 'custom', data: { type: 'identify', userId: `u-${id}` } }, domEvent(Date.now())],
    }),
  });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

/** A session of the project with one stored asset: the URL that serves it. */
async function storedAsset(p: Project): Promise<string> {
  const id = await session(p);
  const store = s.store;
  if (!hasAssetStore(store)) throw new Error('the test store keeps no assets');
  const url = `https://cdn.test.local/${id}.css`;
  const bytes = Buffer.from(`/* ${id} */ body { color: red }`);
  const hash = createHash('sha256').update(bytes).digest('hex');
  await store.assets.referenceAssets(p.id, id, [url], Date.now());
  await store.assetBlobs.put({ projectId: p.id, hash }, bytes);
  await store.assets.finishAsset(p.id, url, { status: 'stored', hash, contentType: 'text/css', bytes: bytes.length }, Date.now());
  return `/api/v1/sessions/${id}/asset?url=${encodeURIComponent(url)}`;
}

async function link(p: Project, createdBy: string): Promise<string> {
  const l = await s.store.createLink({
    projectId: p.id,
    label: 'x',
    targetUrl: 'https://shop.example/',
    tokenHash: sha256(randomSecret()),
    expiresAt: Date.now() + 3600_000,
    maxSessions: null,
    createdBy,
  });
  return l.id;
}

/** An issue of `p`: a session whose batch carries an error of a type of its own (a fresh issue each time: one call resolves it). */
async function issue(p: Project): Promise<string> {
  const id = `sess_access_${++n}_${p.id.slice(-6)}`;
  const type = `AccessError${n}`;
  const res = await s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${p.key}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    payload: gz({
      ...makeBatch(id, 0, []),
      events: [domEvent(Date.now()), { t: Date.now(), kind: 'error', data: { name: type, message: 'boom', origin: 'error' } }],
    }),
  });
  expect(res.statusCode, res.body).toBe(200);
  const found = (await s.store.listIssues({ projectIds: [p.id], limit: 200, now: Date.now() })).find((i) => i.type === type);
  return found!.id;
}

async function saved(p: Project): Promise<string> {
  return (await s.store.createSavedSearch({ projectId: p.id, name: `s${++n}`, query: 'has:error', createdBy: null })).id;
}

async function shareLink(p: Project): Promise<string> {
  const sessionId = await session(p);
  const share = await s.store.createShare({
    projectId: p.id,
    sessionId,
    tokenHash: sha256(randomSecret()),
    view: 'strict',
    rangeFrom: null,
    rangeTo: null,
    expiresAt: Date.now() + 3600_000,
    createdBy: null,
  });
  return share.id;
}

async function webhook(p: Project): Promise<string> {
  const hook = await s.store.createWebhook({
    projectId: p.id,
    url: 'http://127.0.0.1:9/hook',
    secret: 'whsec_test',
    format: 'json',
    events: ['feedback'],
    createdBy: null,
  });
  return hook.id;
}

/** A comment on a fresh session of `p`, written by `authorId`: the URL that addresses it. */
async function comment(p: Project, authorId: string): Promise<string> {
  const id = await session(p);
  const c = await s.store.createComment({ sessionId: id, offsetMs: 0, text: 'note', shapes: [], element: null, authorId });
  return `/api/v1/sessions/${id}/comments/${c!.id}`;
}

async function freshUser(): Promise<string> {
  return (await s.store.createUser({ email: `u${++n}@test.local`, passwordHash: 'x', role: 'member' }))!.id;
}

/** What each route needs; the expectations below follow docs/access.md. */
const ROUTES: Record<string, Row> = {
  'POST /api/v1/auth/login': { need: 'public', call: async () => ({ url: '/api/v1/auth/login', payload: {} }) },
  'POST /api/v1/auth/logout': { need: 'public', call: async () => ({ url: '/api/v1/auth/logout' }) },
  'GET /api/v1/auth/me': { need: 'login', call: async () => ({ url: '/api/v1/auth/me' }) },
  'GET /api/v1/projects': { need: 'login', call: async () => ({ url: '/api/v1/projects' }) },
  'GET /api/v1/tokens': { need: 'login', call: async () => ({ url: '/api/v1/tokens' }) },
  'POST /api/v1/tokens': {
    need: 'account',
    call: async (c) => ({
      url: '/api/v1/tokens',
      payload: { name: 't', scope: 'read', projectIds: c.which === 'own' ? [c.project.id] : null },
    }),
  },
  'DELETE /api/v1/tokens/:id': {
    need: 'account',
    call: async (c) => ({
      url: `/api/v1/tokens/${(await s.store.createApiToken({ tokenHash: sha256(randomSecret()), userId: c.userId, name: 'x' })).id}`,
    }),
  },
  'GET /api/v1/sessions': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions?projectId=${c.project.id}` }) },
  'GET /api/v1/sessions/:id': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}` }) },
  'GET /api/v1/sessions/:id/timeline': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/timeline` }),
  },
  'GET /api/v1/sessions/:id/traces': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/traces` }) },
  'GET /api/v1/sessions/:id/events': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/events` }) },
  'GET /api/v1/sessions/:id/digest': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/digest` }) },
  'GET /api/v1/sessions/:id/steps': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/steps` }) },
  'GET /api/v1/sessions/:id/playwright': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/playwright` }),
  },
  'GET /api/v1/sessions/:id/export.html': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/export.html` }),
  },
  'GET /api/v1/digest/rewrite': { need: 'login', call: async () => ({ url: '/api/v1/digest/rewrite' }) },
  // Answered by the local stand-in model the server is configured with (beforeAll).
  'POST /api/v1/sessions/:id/digest/rewrite': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/digest/rewrite` }),
  },
  'GET /api/v1/sessions/:id/live': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/live` }) },
  'GET /api/v1/sessions/:id/assets': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/assets` }) },
  'GET /api/v1/sessions/:id/asset': { need: 'read', call: async (c) => ({ url: await storedAsset(c.project) }) },
  'DELETE /api/v1/sessions/:id': { need: 'write', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}` }) },
  'DELETE /api/v1/users/:userId/data': { need: 'write', call: async (c) => ({ url: `/api/v1/users/u-x/data?projectId=${c.project.id}` }) },
  'GET /api/v1/problems/endpoints': { need: 'read', call: async (c) => ({ url: `/api/v1/problems/endpoints?projectId=${c.project.id}` }) },
  'GET /api/v1/problems/errors': { need: 'read', call: async (c) => ({ url: `/api/v1/problems/errors?projectId=${c.project.id}` }) },
  'GET /api/v1/problems/clicks': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/problems/clicks?type=rage&projectId=${c.project.id}` }),
  },
  'GET /api/v1/sessions/:id/comments': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/comments` }),
  },
  'POST /api/v1/sessions/:id/comments': {
    need: 'write',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/comments`, payload: { offsetMs: 0, text: 'note' } }),
  },
  // The caller's own comment; another's is checked separately below (author or admin).
  'PATCH /api/v1/sessions/:id/comments/:commentId': {
    need: 'write',
    call: async (c) => ({ url: await comment(c.project, c.userId), payload: { text: 'edited' } }),
  },
  'DELETE /api/v1/sessions/:id/comments/:commentId': { need: 'write', call: async (c) => ({ url: await comment(c.project, c.userId) }) },
  'GET /api/v1/issues': { need: 'read', call: async (c) => ({ url: `/api/v1/issues?projectId=${c.project.id}` }) },
  'GET /api/v1/issues/:id': { need: 'read', call: async (c) => ({ url: `/api/v1/issues/${await issue(c.project)}` }) },
  'GET /api/v1/issues/:id/sessions': { need: 'read', call: async (c) => ({ url: `/api/v1/issues/${await issue(c.project)}/sessions` }) },
  'PATCH /api/v1/issues/:id': {
    need: 'write',
    call: async (c) => ({ url: `/api/v1/issues/${await issue(c.project)}`, payload: { status: 'resolved', release: '1.0.0' } }),
  },
  'GET /api/v1/saved-searches': { need: 'read', call: async (c) => ({ url: `/api/v1/saved-searches?projectId=${c.project.id}` }) },
  'POST /api/v1/saved-searches': {
    need: 'write',
    call: async (c) => ({ url: '/api/v1/saved-searches', payload: { name: 'n', query: 'has:error', projectId: c.project.id } }),
  },
  'DELETE /api/v1/saved-searches/:id': { need: 'write', call: async (c) => ({ url: `/api/v1/saved-searches/${await saved(c.project)}` }) },
  'GET /api/v1/links': { need: 'read', call: async (c) => ({ url: `/api/v1/links?projectId=${c.project.id}` }) },
  'POST /api/v1/links': {
    need: 'write',
    call: async (c) => ({
      url: '/api/v1/links',
      payload: { targetUrl: 'https://shop.example/', expiresInSeconds: 60, projectId: c.project.id },
    }),
  },
  // The caller's own link; revoking another's link is checked separately below.
  'DELETE /api/v1/links/:id': { need: 'write', call: async (c) => ({ url: `/api/v1/links/${await link(c.project, c.userId)}` }) },
  'GET /api/v1/sessions/:id/shares': { need: 'read', call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/shares` }) },
  'POST /api/v1/sessions/:id/shares': {
    need: 'write',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/shares`, payload: { view: 'strict', expiresInSeconds: 60 } }),
  },
  'DELETE /api/v1/shares/:id': { need: 'write', call: async (c) => ({ url: `/api/v1/shares/${await shareLink(c.project)}` }) },
  'GET /api/v1/webhooks': { need: 'admin', call: async () => ({ url: '/api/v1/webhooks' }) },
  'POST /api/v1/webhooks': {
    need: 'admin',
    call: async (c) => ({
      url: '/api/v1/webhooks',
      payload: { projectId: c.project.id, url: 'http://127.0.0.1:9/hook', events: ['feedback'] },
    }),
  },
  'DELETE /api/v1/webhooks/:id': { need: 'admin', call: async (c) => ({ url: `/api/v1/webhooks/${await webhook(c.project)}` }) },
  'GET /api/v1/webhooks/:id/deliveries': {
    need: 'admin',
    call: async (c) => ({ url: `/api/v1/webhooks/${await webhook(c.project)}/deliveries` }),
  },
  'GET /api/v1/alerts': { need: 'read', call: async (c) => ({ url: `/api/v1/alerts?projectId=${c.project.id}` }) },
  'PUT /api/v1/saved-searches/:id/alert': {
    need: 'write',
    call: async (c) => ({ url: `/api/v1/saved-searches/${await saved(c.project)}/alert`, payload: { minIntervalSeconds: 600 } }),
  },
  'DELETE /api/v1/saved-searches/:id/alert': {
    need: 'write',
    call: async (c) => {
      const id = await saved(c.project);
      await s.store.setSearchAlert({ savedSearchId: id, projectId: c.project.id, minIntervalMs: 600_000, now: Date.now() });
      return { url: `/api/v1/saved-searches/${id}/alert` };
    },
  },
  'POST /api/v1/projects': { need: 'admin', call: async () => ({ url: '/api/v1/projects', payload: { name: `p${++n}` } }) },
  'PATCH /api/v1/projects/:id': {
    need: 'admin',
    call: async (c) => ({ url: `/api/v1/projects/${c.project.id}`, payload: { retentionDays: 30 } }),
  },
  'GET /api/v1/projects/:id/assets': { need: 'read', call: async (c) => ({ url: `/api/v1/projects/${c.project.id}/assets` }) },
  'PUT /api/v1/projects/:id/assets': {
    need: 'admin',
    call: async (c) => ({ url: `/api/v1/projects/${c.project.id}/assets`, payload: { mode: 'capture' } }),
  },
  'GET /api/v1/projects/:id/sourcemap-fetch': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/projects/${c.project.id}/sourcemap-fetch` }),
  },
  'PUT /api/v1/projects/:id/sourcemap-fetch': {
    need: 'admin',
    call: async (c) => ({ url: `/api/v1/projects/${c.project.id}/sourcemap-fetch`, payload: { origins: null } }),
  },
  'POST /api/v1/releases/:release/sourcemaps': {
    need: 'write',
    call: async (c) => ({
      url: '/api/v1/releases/1.0.0/sourcemaps',
      payload: {
        projectId: c.project.id,
        url: 'https://shop.example/assets/app.js',
        map: { version: 3, sources: ['a.ts'], names: [], mappings: 'AAAA' },
      },
    }),
  },
  'GET /api/v1/releases/:release/sourcemaps': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/releases/1.0.0/sourcemaps?projectId=${c.project.id}` }),
  },
  'GET /api/v1/sessions/:id/errors/resolved': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/errors/resolved` }),
  },
  'POST /api/v1/sessions/:id/stacks/resolve': {
    need: 'read',
    call: async (c) => ({ url: `/api/v1/sessions/${await session(c.project)}/stacks/resolve`, payload: { stacks: [] } }),
  },
  'GET /api/v1/users': { need: 'admin', call: async () => ({ url: '/api/v1/users' }) },
  'POST /api/v1/users': {
    need: 'admin',
    call: async () => ({ url: '/api/v1/users', payload: { email: `new${++n}@test.local`, password: PASSWORD } }),
  },
  'PATCH /api/v1/users/:id': {
    need: 'admin',
    call: async () => ({ url: `/api/v1/users/${await freshUser()}`, payload: { role: 'member' } }),
  },
  'GET /api/v1/projects/:id/members': { need: 'admin', call: async (c) => ({ url: `/api/v1/projects/${c.project.id}/members` }) },
  'PUT /api/v1/projects/:id/members/:userId': {
    need: 'admin',
    call: async (c) => ({ url: `/api/v1/projects/${c.project.id}/members/${await freshUser()}`, payload: { role: 'viewer' } }),
  },
  'DELETE /api/v1/projects/:id/members/:userId': {
    need: 'admin',
    call: async (c) => {
      const userId = await freshUser();
      await s.store.setMembership({ projectId: c.project.id, userId, role: 'viewer' });
      return { url: `/api/v1/projects/${c.project.id}/members/${userId}` };
    },
  },
};

/** docs/access.md: admin everything; member reads and writes its projects; viewer reads them. */
function allowed(need: Need, role: Role, which: Which): boolean {
  if (need === 'public' || need === 'login' || need === 'account') return true;
  if (role === 'admin') return true;
  if (need === 'admin' || which === 'other') return false;
  return need === 'read' || role === 'member';
}

/** Status of a call; the SSE route never ends, so it goes over real HTTP and only the head is read. */
async function send(method: string, call: Call, cookie: string, base: string): Promise<number> {
  if (call.url.endsWith('/live')) {
    const ctl = new AbortController();
    const res = await fetch(base + call.url, { headers: cookie ? { cookie } : {}, signal: ctl.signal });
    ctl.abort();
    return res.status;
  }
  const res = await s.app.inject({
    method: method as 'GET',
    url: call.url,
    headers: cookie ? { cookie } : {},
    ...(call.payload !== undefined ? { payload: call.payload as object } : {}),
  });
  return res.statusCode;
}

let base = '';

let model: Server;

beforeAll(async () => {
  // A stand-in for the optional rewrite model, so the rewrite route answers 200 when allowed.
  model = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { content: 'prose' } }] }));
  });
  await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
  const llm = `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`;
  s = await startTestServer({ REPRISE_LLM_URL: llm, REPRISE_LLM_MODEL: 'stand-in', REPRISE_LLM_KEY: 'k' });
  [own] = await s.store.listProjects();
  other = await s.store.createProject({ name: 'Other', allowedOrigins: ['*'] });
  cookies.admin = s.cookie;
  userIds.admin = (await s.store.getUserByEmail(ADMIN.email))!.id;
  for (const role of ['member', 'viewer'] as const) {
    const email = `${role}@test.local`;
    const u = (await s.store.createUser({ email, passwordHash: await hashPassword(PASSWORD), role: 'member' }))!;
    await s.store.setMembership({ projectId: own!.id, userId: u.id, role });
    userIds[role] = u.id;
    cookies[role] = await login(email, PASSWORD);
  }
  base = await s.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await s.close();
  await new Promise<void>((r) => model.close(() => r()));
});

describe('access control: every /api/v1 route × role × project', () => {
  it('has a row here and a declared rule for every registered route', () => {
    const routes = apiRouteTable(s.app);
    expect(routes.length).toBeGreaterThan(20);
    const keys = routes.map((r) => `${r.method} ${r.url}`);
    expect(
      keys.filter((k) => !(k in ROUTES)),
      'routes missing from the table in access.test.ts',
    ).toEqual([]);
    expect(
      routes.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`),
      'routes without an access rule',
    ).toEqual([]);
    for (const r of routes) expect(r.access!.need, `${r.method} ${r.url}`).toBe(ROUTES[`${r.method} ${r.url}`]!.need);
  });

  for (const [key, row] of Object.entries(ROUTES)) {
    it(key, async () => {
      const method = key.split(' ')[0]!;
      const problems: string[] = [];
      for (const role of ['admin', 'member', 'viewer'] as const) {
        for (const which of ['own', 'other'] as const) {
          const ctx: Ctx = { role, which, project: which === 'own' ? own : other, userId: userIds[role] };
          // Never log a role out (public routes go without its cookie).
          const status = await send(method, await row.call(ctx), row.need === 'public' ? '' : cookies[role], base);
          const ok = allowed(row.need, role, which);
          // Public routes answer 4xx to an empty login, which is no refusal of access.
          const pass = row.need === 'public' ? status !== 401 && status !== 403 : ok ? status < 400 : status === 403 || status === 404;
          if (!pass) problems.push(`${role}/${which}: ${status}, expected ${ok ? 'allowed' : '403/404'}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('refuses every route but login and logout without credentials', async () => {
    for (const r of apiRouteTable(s.app)) {
      if (ROUTES[`${r.method} ${r.url}`]!.need === 'public') continue;
      const url = r.url.replace(/:(\w+)/g, 'x');
      expect((await s.app.inject({ method: r.method as 'GET', url })).statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });
});

describe('access control: what members see and change', () => {
  it('lists only the caller’s projects in sessions, search, problems, links, saved searches and projects', async () => {
    const mine = await session(own);
    const theirs = await session(other);
    await link(own, userIds.admin);
    const otherLink = await link(other, userIds.admin);
    await saved(own);
    for (const role of ['member', 'viewer'] as const) {
      const get = async <T>(url: string) => {
        const res = await s.app.inject({ url, headers: { cookie: cookies[role] } });
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        return res.json() as T;
      };
      const ids = (await get<SessionList>('/api/v1/sessions?limit=500')).sessions.map((x) => x.id);
      expect(ids).toContain(mine);
      expect(ids).not.toContain(theirs);
      const found = (await get<SessionList>(`/api/v1/sessions?q=${encodeURIComponent('user:u-' + theirs)}`)).sessions;
      expect(found).toEqual([]);
      const links = (await get<{ links: { id: string }[] }>('/api/v1/links')).links.map((l) => l.id);
      expect(links.length).toBeGreaterThan(0);
      expect(links).not.toContain(otherLink);
      expect((await get<{ projects: Project[] }>('/api/v1/projects')).projects.map((p) => p.id)).toEqual([own.id]);
      expect(
        (await get<{ searches: { projectId: string }[] }>('/api/v1/saved-searches')).searches.every((x) => x.projectId === own.id),
      ).toBe(true);
    }
    const adminIds = (
      (await (await s.app.inject({ url: '/api/v1/sessions?limit=500', headers: { cookie: cookies.admin } })).json()) as SessionList
    ).sessions.map((x) => x.id);
    expect(adminIds).toEqual(expect.arrayContaining([mine, theirs]));
  });

  it('shows only the caller’s projects in top problems', async () => {
    const errorIn = async (p: Project, message: string) => {
      const id = `sess_problem_${++n}`;
      const res = await s.app.inject({
        method: 'POST',
        url: `/ingest/v1/batch?key=${p.key}`,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
        payload: gz({
          ...makeBatch(id, 0, []),
          events: [domEvent(Date.now()), { t: Date.now(), kind: 'error', data: { message, origin: 'error' } }],
        }),
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    await errorIn(own, 'OwnProjectFailure happened');
    await errorIn(other, 'OtherProjectSecret happened');
    const errors = async (cookie: string) =>
      JSON.stringify((await s.app.inject({ url: '/api/v1/problems/errors', headers: { cookie } })).json());
    expect(await errors(cookies.member)).toContain('OwnProjectFailure');
    expect(await errors(cookies.member)).not.toContain('OtherProjectSecret');
    expect(await errors(cookies.admin)).toContain('OtherProjectSecret');
  });

  it('lets a member revoke only their own links, and erase user data only in their projects', async () => {
    const adminsLink = await link(own, userIds.admin);
    const res = await s.app.inject({ method: 'DELETE', url: `/api/v1/links/${adminsLink}`, headers: { cookie: cookies.member } });
    expect(res.statusCode).toBe(403);
    expect((await s.store.getLink(adminsLink))!.revokedAt).toBeNull();

    // Erasure without a projectId reaches only the member's projects.
    const a = await session(own);
    const b = await session(other);
    for (const id of [a, b]) {
      const erase = await s.app.inject({ method: 'DELETE', url: `/api/v1/users/u-${id}/data`, headers: { cookie: cookies.member } });
      expect(erase.statusCode).toBe(200);
    }
    expect(await s.store.getSession(a)).toBeNull();
    expect(await s.store.getSession(b)).not.toBeNull();
    // A viewer may not erase at all.
    const viewerErase = await s.app.inject({ method: 'DELETE', url: `/api/v1/users/u-${b}/data`, headers: { cookie: cookies.viewer } });
    expect(viewerErase.statusCode).toBe(403);
  });

  it('lets only a comment’s author or an admin edit or delete it', async () => {
    const byAdmin = await comment(own, userIds.admin);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await s.app.inject({ method, url: byAdmin, headers: { cookie: cookies.member }, payload: { text: 'x' } });
      expect(res.statusCode, `${method} another's comment`).toBe(403);
    }
    const commentId = byAdmin.split('/').pop()!;
    expect((await s.store.getComment(commentId))!.text).toBe('note');
    const byMember = await comment(own, userIds.member);
    const edit = await s.app.inject({ method: 'PATCH', url: byMember, headers: { cookie: cookies.admin }, payload: { text: 'by admin' } });
    expect(edit.statusCode).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url: byMember, headers: { cookie: cookies.admin } })).statusCode).toBe(204);
  });

  it('gives a user added to a project access to it, and takes it away when removed', async () => {
    const theirs = await session(other);
    const url = `/api/v1/sessions/${theirs}`;
    expect((await s.app.inject({ url, headers: { cookie: cookies.viewer } })).statusCode).toBe(404);
    const add = await s.app.inject({
      method: 'PUT',
      url: `/api/v1/projects/${other.id}/members/${userIds.viewer}`,
      headers: { cookie: cookies.admin },
      payload: { role: 'viewer' },
    });
    expect(add.statusCode).toBe(200);
    expect((await s.app.inject({ url, headers: { cookie: cookies.viewer } })).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url, headers: { cookie: cookies.viewer } })).statusCode).toBe(403);
    const rm = await s.app.inject({
      method: 'DELETE',
      url: `/api/v1/projects/${other.id}/members/${userIds.viewer}`,
      headers: { cookie: cookies.admin },
    });
    expect(rm.statusCode).toBe(204);
    expect((await s.app.inject({ url, headers: { cookie: cookies.viewer } })).statusCode).toBe(404);
  });
});
