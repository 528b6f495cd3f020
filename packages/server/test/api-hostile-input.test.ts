import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DICT_PARAM, REF_PARAM } from '@reprise/protocol';
import { apiRouteTable } from '../src/auth/access.js';
import type { Project } from '../src/store/types.js';
import { BACKEND, CHROME_UA, domEvent, gz, makeBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * Hostile input to every /api/v1 route, as the admin (who passes every access check, so the input
 * reaches the handlers and the store): NUL bytes, lone surrogates, huge strings, SQL and path
 * syntax, numbers out of range and values of the wrong type, in the path, the query and each field
 * of a valid body. None may answer 5xx, on either backend (PostgreSQL refuses NUL in text and
 * lone surrogates in JSON that SQLite takes). A refusal says why: `{error, message}`.
 * The route list comes from the app, so a new route is fuzzed without a change here. The MCP
 * tools get the same values in each of their string arguments, through a real MCP client.
 */

const HOSTILE_STRINGS = [
  'a\u0000b',
  '\ud800',
  '%00',
  "'; DROP TABLE sessions; --",
  '../../etc/passwd',
  '',
  '-1',
  '0.5',
  '1e309',
  'NaN',
  '9'.repeat(40),
  '__proto__',
  // Past PostgreSQL's largest btree index entry (about 2.7 KB).
  'x'.repeat(10_000),
];
const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  null,
  -1,
  1e308,
  2 ** 53 + 1,
  0.5,
  true,
  [],
  {},
  ['\u0000'],
  { '\u0000': '\ud800' },
  [[[[[[[[[[]]]]]]]]]],
];
/** Query parameters the routes read, each set to the hostile value at once. */
const QUERY_KEYS = [
  'q',
  'query',
  'limit',
  'cursor',
  'before',
  'since',
  'from',
  'to',
  'sort',
  'status',
  'level',
  'url',
  'window',
  'near',
  'around',
  'atMs',
  'selector',
  'format',
  'rangeFrom',
  'rangeTo',
  'view',
  'release',
];

let s: TestServer;
let project: Project;
/** A real value for each path parameter, by route, so the query and the body reach the handler. */
let ids: Record<string, string>;

async function inject(method: string, url: string, payload?: unknown) {
  return s.app.inject({
    method: method as 'GET',
    url,
    headers: { cookie: s.cookie },
    ...(payload !== undefined
      ? { payload: JSON.stringify(payload), headers: { cookie: s.cookie, 'content-type': 'application/json' } }
      : {}),
  });
}

async function ingestSession(id: string, events: unknown[]): Promise<void> {
  const res = await s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${project.key}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    payload: gz({ ...makeBatch(id, 0, []), events }),
  });
  expect(res.statusCode, res.body).toBe(200);
}

/** A valid body for each route that takes one; each of its fields is fuzzed in turn. */
function template(route: string): Record<string, unknown> | null {
  const p = project.id;
  const t: Record<string, Record<string, unknown>> = {
    'POST /api/v1/auth/login': { email: 'nobody@test.local', password: 'not the password' },
    'POST /api/v1/tokens': { name: 't', scope: 'read', projectIds: [p] },
    'POST /api/v1/sessions/:id/comments': { offsetMs: 0, text: 'note', shapes: [], element: null },
    'PATCH /api/v1/sessions/:id/comments/:commentId': { text: 'edited' },
    'PATCH /api/v1/issues/:id': { status: 'resolved', release: '1.0.0' },
    'POST /api/v1/saved-searches': { name: 'n', query: 'has:error', projectId: p },
    'POST /api/v1/links': { targetUrl: 'https://shop.example/', expiresInSeconds: 60, maxSessions: 3, label: 'l', projectId: p },
    'POST /api/v1/sessions/:id/shares': { view: 'strict', expiresInSeconds: 60 },
    'POST /api/v1/webhooks': { projectId: p, url: 'http://127.0.0.1:9/hook', events: ['feedback'] },
    'PUT /api/v1/saved-searches/:id/alert': { minIntervalSeconds: 600 },
    'POST /api/v1/projects': { name: 'fuzzed', allowedOrigins: ['*'] },
    'PATCH /api/v1/projects/:id': { retentionDays: 30, name: 'renamed' },
    'PUT /api/v1/projects/:id/assets': { mode: 'capture' },
    'PUT /api/v1/projects/:id/sourcemap-fetch': { origins: null },
    'POST /api/v1/releases/:release/sourcemaps': {
      projectId: p,
      url: 'https://shop.example/assets/app.js',
      map: { version: 3, sources: ['a.ts'], names: [], mappings: 'AAAA' },
    },
    'POST /api/v1/sessions/:id/stacks/resolve': { stacks: ['TypeError: x\n    at f (https://shop.example/assets/app.js:1:1)'] },
    'POST /api/v1/sessions/:id/digest/rewrite': {},
    'POST /api/v1/users': { email: 'fuzzed@test.local', password: 'a long enough password' },
    'PATCH /api/v1/users/:id': { role: 'member' },
    'PUT /api/v1/projects/:id/members/:userId': { role: 'viewer' },
  };
  return t[route] ?? null;
}

/** Routes this test leaves out: they end the admin's login or stream without end. */
const SKIP = new Set(['POST /api/v1/auth/logout', 'GET /api/v1/sessions/:id/live']);

/**
 * Percent-encoded for a URL. A lone surrogate has no UTF-8 form (encodeURIComponent throws); a
 * client can still send its 3-byte WTF-8 form, which is not valid UTF-8: that is what goes.
 */
function enc(v: string): string {
  return Array.from(v, (c) => {
    const u = c.charCodeAt(0);
    if (c.length !== 1 || u < 0xd800 || u > 0xdfff) return encodeURIComponent(c);
    return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
  }).join('');
}

/** The path with each parameter filled by `fill(name)`. */
function pathOf(url: string, fill: (param: string) => string): string {
  return url.replace(/:([A-Za-z]+)/g, (_m, name: string) => enc(fill(name)));
}

/** This test's requests answered 5xx, or 4xx without saying why (it lists them all; each test starts it empty). */
const failures: string[] = [];

function check(res: { statusCode: number; body: string }, what: string): void {
  let said = res.statusCode < 400;
  if (!said) {
    try {
      const body = JSON.parse(res.body) as { error?: unknown };
      said = typeof body.error === 'string' && body.error.length > 0;
    } catch {
      /* not JSON: said stays false */
    }
  }
  if (res.statusCode >= 500 || !said) failures.push(`${what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
}

const show = (v: unknown): string => {
  const j = JSON.stringify(v) ?? String(v);
  return j.length > 40 ? `${j.slice(0, 40)}…(${j.length})` : j;
};

beforeAll(async () => {
  s = await startTestServer();
  [project] = await s.store.listProjects();
  const sessionId = 'sess_fuzz_api';
  const t = Date.now();
  await ingestSession(sessionId, [
    domEvent(t),
    { t, kind: 'custom', data: { type: 'identify', userId: 'fuzz-user' } },
    {
      t,
      kind: 'error',
      data: {
        name: 'FuzzError',
        message: 'boom',
        origin: 'error',
        stack: 'FuzzError: boom\n    at f (https://shop.example/assets/app.js:1:1)',
      },
    },
  ]);
  const comment = await inject('POST', `/api/v1/sessions/${sessionId}/comments`, { offsetMs: 0, text: 'seed' });
  const saved = await inject('POST', '/api/v1/saved-searches', { name: 'seed', query: 'has:error', projectId: project.id });
  const share = await inject('POST', `/api/v1/sessions/${sessionId}/shares`, { view: 'strict', expiresInSeconds: 600 });
  const token = await inject('POST', '/api/v1/tokens', { name: 'seed', scope: 'read', projectIds: [project.id] });
  const webhook = await inject('POST', '/api/v1/webhooks', { projectId: project.id, url: 'http://127.0.0.1:9/hook', events: ['feedback'] });
  const user = await inject('POST', '/api/v1/users', { email: 'member@test.local', password: 'a long enough password' });
  const link = await inject('POST', '/api/v1/links', { targetUrl: 'https://shop.example/', expiresInSeconds: 3600, projectId: project.id });
  for (const r of [comment, saved, share, token, webhook, user, link]) expect(r.statusCode, r.body).toBeLessThan(300);
  const issue = (await s.store.listIssues({ projectIds: [project.id], limit: 10, now: Date.now() }))[0]!;
  const idOf = (r: { body: string }, ...path: string[]) => {
    let v: unknown = JSON.parse(r.body);
    for (const k of path) v = (v as Record<string, unknown>)[k];
    return String(v);
  };
  ids = {
    session: sessionId,
    comment: idOf(comment, 'id'),
    savedSearch: idOf(saved, 'id'),
    share: idOf(share, 'id'),
    token: idOf(token, 'token', 'id'),
    webhook: idOf(webhook, 'id'),
    user: idOf(user, 'id'),
    link: idOf(link, 'id'),
    issue: issue.id,
    project: project.id,
    release: '1.0.0',
  };
}, 60_000);

afterAll(async () => {
  await s?.close();
});

describe(`hostile query values at ingest (${BACKEND})`, () => {
  it('no 5xx for a hostile project key or dictionary parameter, and every refusal says why', async () => {
    failures.length = 0;
    const post = (query: string) =>
      s.app.inject({
        method: 'POST',
        url: `/ingest/v1/batch?${query}`,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
        payload: gz(makeBatch('sess_fuzz_ingest', 0, [domEvent(Date.now())])),
      });
    for (const h of HOSTILE_STRINGS) {
      check(await post(`key=${enc(h)}`), `ingest ?key=${show(h)}`);
      check(await post(`key=${project.key}&${DICT_PARAM}=${enc(h)}&${REF_PARAM}=${enc(h)}`), `ingest ?dict,ref=${show(h)}`);
    }
    expect(failures).toEqual([]);
  });
});

describe(`hostile input to every MCP tool (${BACKEND})`, () => {
  it('no tool fails on the server for a hostile string argument; each answers or says what is wrong', { timeout: 120_000 }, async () => {
    const created = await inject('POST', '/api/v1/tokens', { name: 'mcp-fuzz', scope: 'read' });
    const token = (JSON.parse(created.body) as { token: string }).token;
    const base = await s.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new Client({ name: 'reprise-fuzz', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', base), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThan(3);
      const internal: string[] = [];
      let calls = 0;
      for (const tool of tools) {
        const props = (tool.inputSchema.properties ?? {}) as Record<string, { type?: string }>;
        // Valid where a value is needed: the seeded session, a moment inside it.
        const valid: Record<string, unknown> = {};
        for (const [name, schema] of Object.entries(props)) {
          if (name === 'sessionId') valid[name] = ids.session;
          else if (schema.type === 'number' || schema.type === 'integer') valid[name] = 0;
          else if (schema.type === 'string') valid[name] = 'x';
        }
        for (const [name, schema] of Object.entries(props)) {
          if (schema.type !== 'string') continue;
          for (const h of HOSTILE_STRINGS) {
            const r = (await client.callTool({ name: tool.name, arguments: { ...valid, [name]: h } })) as CallToolResult;
            const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
            calls++;
            if (text.includes('failed on the server') || (r.isError && !text.trim()))
              internal.push(`${tool.name} .${name}=${show(h)}: ${text}`);
          }
        }
      }
      expect(internal).toEqual([]);
      expect(calls).toBeGreaterThan(50);
    } finally {
      await client.close();
    }
  });
});

/** The real id for parameter `param` of route `url`. */
function realId(url: string, param: string): string {
  if (param === 'commentId') return ids.comment!;
  if (param === 'userId') return url.includes('/members/') ? ids.user! : 'fuzz-user';
  if (param === 'release') return ids.release!;
  const kind = /^\/api\/v1\/([a-z-]+)\//.exec(url)?.[1];
  const byKind: Record<string, string> = {
    sessions: ids.session!,
    'saved-searches': ids.savedSearch!,
    shares: ids.share!,
    tokens: ids.token!,
    webhooks: ids.webhook!,
    users: ids.user!,
    links: ids.link!,
    issues: ids.issue!,
    projects: ids.project!,
  };
  return byKind[kind ?? ''] ?? 'x';
}

describe(`hostile input to every /api/v1 route (${BACKEND})`, () => {
  it('creates a user once when the same one is asked for by requests at once: the others get 409, none a 5xx', async () => {
    const email = 'raced@test.local';
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => inject('POST', '/api/v1/users', { email, password: 'a long enough password' })),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.statusCode === 409)) expect(JSON.parse(a.body)).toMatchObject({ error: 'conflict' });
    const users = JSON.parse((await inject('GET', '/api/v1/users')).body) as { users: Array<{ email: string }> };
    expect(users.users.filter((u) => u.email === email)).toHaveLength(1);
  });

  it('refuses a NUL with 400 naming where it is, and stores nothing', async () => {
    const url = `/api/v1/sessions/${ids.session}/comments`;
    const before = JSON.parse((await inject('GET', url)).body) as { comments: unknown[] };
    const res = await inject('POST', url, { offsetMs: 0, text: 'a\u0000b' });
    expect(res.statusCode, res.body).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'invalid_request', message: 'NUL characters (U+0000) are not accepted (in body.text)' });
    const key = await inject('POST', '/api/v1/saved-searches', {
      name: 'n',
      query: 'has:error',
      projectId: project.id,
      tags: { ['k\u0000']: 1 },
    });
    expect(JSON.parse(key.body).message).toBe('NUL characters (U+0000) are not accepted (in body.tags (a key))');
    const path = await inject('GET', `/api/v1/sessions/${enc('s\u0000')}/events`);
    expect([path.statusCode, JSON.parse(path.body).message]).toEqual([400, 'NUL characters (U+0000) are not accepted (in params.id)']);
    const after = JSON.parse((await inject('GET', url)).body) as { comments: unknown[] };
    expect(after.comments).toHaveLength(before.comments.length);
  });

  it('no 5xx for hostile path parameters, query values or body fields, and every refusal says why', { timeout: 300_000 }, async () => {
    failures.length = 0;
    const routes = apiRouteTable(s.app).filter((r) => !SKIP.has(`${r.method} ${r.url}`));
    expect(routes.length).toBeGreaterThan(40);
    let requests = 0;
    // DELETEs go last: they remove what the other routes' real ids name.
    const order = [...routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const r of order) {
      const key = `${r.method} ${r.url}`;
      const body = template(key);
      const calls: Array<{ url: string; payload?: unknown; what: string }> = [];
      const validQuery = `projectId=${encodeURIComponent(project.id)}`;
      const realPath = pathOf(r.url, (p) => realId(r.url, p));
      for (const h of HOSTILE_STRINGS) {
        // Each path parameter hostile (the others real).
        for (const param of [...r.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!)) {
          const url = pathOf(r.url, (p) => (p === param ? h : realId(r.url, p)));
          calls.push({ url: `${url}?${validQuery}`, payload: body ?? undefined, what: `:${param}=${show(h)}` });
        }
        if (r.method === 'DELETE') continue;
        // Every query parameter hostile at once, then the project alone.
        const qs = QUERY_KEYS.map((k) => `${k}=${enc(h)}`).join('&');
        calls.push({ url: `${realPath}?${validQuery}&${qs}`, payload: body ?? undefined, what: `?*=${show(h)}` });
        calls.push({ url: `${realPath}?projectId=${enc(h)}`, payload: body ?? undefined, what: `?projectId=${show(h)}` });
      }
      // The whole body, then each field in turn, then a field no route reads.
      for (const v of body ? HOSTILE_VALUES : []) {
        calls.push({ url: realPath, payload: v, what: `body=${show(v)}` });
        for (const field of Object.keys(body!))
          calls.push({ url: realPath, payload: { ...body, [field]: v }, what: `.${field}=${show(v)}` });
        calls.push({ url: realPath, payload: { ...body, extra: v }, what: `.extra=${show(v)}` });
      }
      // A route's calls run 8 at a time (each fails alike or acts on the same real object).
      for (let i = 0; i < calls.length; i += 8) {
        await Promise.all(calls.slice(i, i + 8).map(async (c) => check(await inject(r.method, c.url, c.payload), `${key} ${c.what}`)));
      }
      requests += calls.length;
    }
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(2000);
    // The store still answers: a hostile write left nothing that breaks a read.
    const list = await inject('GET', `/api/v1/sessions?projectId=${project.id}`);
    expect(list.statusCode, list.body).toBe(200);
  });

  it('no 5xx for the same valid request sent eight times at once, to every route', { timeout: 120_000 }, async () => {
    failures.length = 0;
    const routes = apiRouteTable(s.app).filter((r) => !SKIP.has(`${r.method} ${r.url}`) && r.url !== '/api/v1/auth/login');
    const order = [...routes].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const r of order) {
      const url = `${pathOf(r.url, (p) => realId(r.url, p))}?projectId=${encodeURIComponent(project.id)}`;
      const body = template(`${r.method} ${r.url}`) ?? undefined;
      // Last: its DELETEs remove the seeded objects.
      const answers = await Promise.all(Array.from({ length: 8 }, () => inject(r.method, url, body)));
      answers.forEach((a, i) => check(a, `${r.method} ${r.url} at once #${i}`));
    }
    expect(failures).toEqual([]);
  });
});
