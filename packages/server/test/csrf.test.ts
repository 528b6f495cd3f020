import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, createInstance } from './helpers.js';

// createInstance, not startTestServer: its requests get no same-origin default.
type Instance = Awaited<ReturnType<typeof createInstance>>;
let s: Instance;
let cookie: string;
let bearer: string;
const HOST = 'reprise.example.com';
const SELF = `https://${HOST}`;
const PUBLIC = 'https://replay.example.org';

beforeAll(async () => {
  s = await createInstance({ env: { REPRISE_PUBLIC_URL: PUBLIC } });
  const login = await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host: HOST }, payload: ADMIN });
  expect(login.statusCode).toBe(200);
  cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const t = await s.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { host: HOST, cookie, origin: SELF },
    payload: { name: 'ci' },
  });
  expect(t.statusCode).toBe(201);
  bearer = (t.json() as { token: string }).token;
});
afterAll(async () => s?.close());

async function tokenCount(): Promise<number> {
  const r = await s.app.inject({ url: '/api/v1/tokens', headers: { host: HOST, cookie } });
  return r.statusCode === 200 ? (r.json() as unknown[]).length : -1;
}

interface Case {
  name: string;
  method?: 'POST' | 'DELETE' | 'PATCH';
  url?: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  error?: string;
}

const JSON_CT = { 'content-type': 'application/json' };
// The login cookie, filled in per request (it exists only after beforeAll).
const C = { cookie: 'LOGIN' };
const cases: Case[] = [
  // The reported attack: a form on a sibling subdomain (same site, so the Lax cookie goes along).
  {
    name: 'text/plain form POST from a same-site origin',
    headers: { ...C, 'content-type': 'text/plain', origin: 'https://blog.example.com' },
    body: '{"name":"pwned"}',
    status: 403,
    error: 'cross_origin_request',
  },
  {
    name: 'text/plain POST from our own origin',
    headers: { ...C, 'content-type': 'text/plain', origin: SELF },
    body: '{"name":"x"}',
    status: 415,
    error: 'json_required',
  },
  {
    name: 'urlencoded form POST from our own origin',
    headers: { ...C, 'content-type': 'application/x-www-form-urlencoded', origin: SELF },
    body: 'name=x',
    status: 415,
    error: 'json_required',
  },
  { name: 'a body without a JSON content type', headers: { ...C, origin: SELF }, body: 'name=x', status: 415, error: 'json_required' },
  {
    name: 'JSON from a foreign origin',
    headers: { ...C, ...JSON_CT, origin: 'https://evil.example' },
    body: '{}',
    status: 403,
    error: 'cross_origin_request',
  },
  {
    name: 'JSON from an opaque origin (sandboxed frame)',
    headers: { ...C, ...JSON_CT, origin: 'null' },
    body: '{}',
    status: 403,
    error: 'cross_origin_request',
  },
  {
    name: 'JSON from http on another port of a sibling',
    headers: { ...C, ...JSON_CT, origin: 'http://reprise.example.com:8081' },
    body: '{}',
    status: 403,
    error: 'cross_origin_request',
  },
  { name: 'JSON with neither Origin nor Referer', headers: { ...C, ...JSON_CT }, body: '{}', status: 403, error: 'origin_required' },
  {
    name: 'JSON with a foreign Referer and no Origin',
    headers: { ...C, ...JSON_CT, referer: 'https://blog.example.com/post' },
    body: '{}',
    status: 403,
    error: 'cross_origin_request',
  },
  {
    name: 'DELETE with neither Origin nor Referer',
    method: 'DELETE',
    url: '/api/v1/saved-searches/ss_nope',
    headers: { ...C },
    status: 403,
    error: 'origin_required',
  },
  {
    name: 'PATCH from a foreign origin',
    method: 'PATCH',
    url: '/api/v1/projects/p_nope',
    headers: { ...C, ...JSON_CT, origin: 'https://evil.example' },
    body: '{}',
    status: 403,
    error: 'cross_origin_request',
  },
  {
    name: 'logout from a foreign origin',
    url: '/api/v1/auth/logout',
    headers: { ...C, origin: 'https://evil.example' },
    status: 403,
    error: 'cross_origin_request',
  },
  {
    name: 'login from a foreign origin (login CSRF)',
    url: '/api/v1/auth/login',
    headers: { ...JSON_CT, origin: 'https://evil.example' },
    body: JSON.stringify(ADMIN),
    status: 403,
    error: 'cross_origin_request',
  },
  // Allowed:
  { name: 'JSON from our own origin', headers: { ...C, ...JSON_CT, origin: SELF }, body: '{"name":"a"}', status: 201 },
  { name: 'JSON from REPRISE_PUBLIC_URL', headers: { ...C, ...JSON_CT, origin: PUBLIC }, body: '{"name":"b"}', status: 201 },
  {
    name: 'JSON with our own Referer and no Origin',
    headers: { ...C, ...JSON_CT, referer: `${SELF}/settings` },
    body: '{"name":"c"}',
    status: 201,
  },
  {
    name: 'JSON with a charset parameter',
    headers: { ...C, 'content-type': 'application/json; charset=utf-8', origin: SELF },
    body: '{"name":"d"}',
    status: 201,
  },
  {
    name: 'DELETE without a body from our own origin',
    method: 'DELETE',
    url: '/api/v1/saved-searches/ss_nope',
    headers: { ...C, origin: SELF },
    status: 404,
  },
];

describe('CSRF: cookie-authenticated state changes need our Origin and JSON', () => {
  it.each(cases)('$name → $status', async (c) => {
    const before = await tokenCount();
    const r = await s.app.inject({
      method: c.method ?? 'POST',
      url: c.url ?? '/api/v1/tokens',
      headers: { host: HOST, ...c.headers, ...(c.headers.cookie ? { cookie } : {}) },
      payload: c.body,
    });
    expect(r.statusCode, r.body).toBe(c.status);
    if (c.error) {
      expect(r.json()).toMatchObject({ error: c.error });
      expect(await tokenCount()).toBe(before);
    }
  });

  it('bearer-token requests are exempt (no browser attaches one by itself)', async () => {
    const r = await s.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { host: HOST, authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      payload: '{"name":"from a script"}',
    });
    expect(r.statusCode).toBe(201);
  });

  it('logging in from a script (no cookie, no Origin) still works, and GETs need no Origin', async () => {
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host: HOST }, payload: ADMIN })).statusCode).toBe(
      200,
    );
    expect((await s.app.inject({ url: '/api/v1/projects', headers: { host: HOST, cookie } })).statusCode).toBe(200);
  });

  it('ingest and the link consent form are not under the guard', async () => {
    const r = await s.app.inject({
      method: 'POST',
      url: '/l/not-a-real-token-0123456789/start',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      payload: '',
    });
    expect(r.statusCode).toBe(404);
  });
});
