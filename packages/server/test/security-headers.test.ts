import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SDK_DIR, DEFAULT_VIEWER_DIR } from '../src/http/static.js';
import { domEvent, gz, makeBatch, startTestServer, CHROME_UA, type TestServer } from './helpers.js';

let s: TestServer;
let base: string;
beforeAll(async () => {
  s = await startTestServer();
  base = await s.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => s?.close());

interface Route {
  name: string;
  method?: string;
  path: () => string;
  auth?: boolean;
  headers?: Record<string, string>;
  body?: () => string | Uint8Array;
  status: number;
  /** The link pages ask for less than the default. */
  referrerPolicy?: string;
}

const asset = () => `/assets/${readdirSync(path.join(DEFAULT_VIEWER_DIR, 'assets')).find((f) => f.endsWith('.js'))}`;
const ingest = () => `/ingest/v1/batch?key=${s.projectKey}`;
const sdkChunk = () => `/sdk/${readdirSync(DEFAULT_SDK_DIR).find((f) => /^reprise-codec\.[\w-]+\.js$/.test(f))}`;

const routes: Route[] = [
  { name: 'viewer index', path: () => '/', status: 200 },
  { name: 'viewer SPA route', path: () => '/sessions/abc', status: 200 },
  { name: 'viewer static asset', path: asset, status: 200 },
  { name: 'missing static file', path: () => '/favicon-nope.png', status: 404 },
  { name: 'SDK bundle', path: () => '/sdk/reprise.js', status: 200 },
  { name: 'SDK lazy chunk', path: sdkChunk, status: 200 },
  { name: 'missing SDK file', path: () => '/sdk/nope.js', status: 404 },
  { name: 'API list', path: () => '/api/v1/sessions', auth: true, status: 200 },
  { name: 'API without login', path: () => '/api/v1/sessions', status: 401 },
  { name: 'API unknown route', path: () => '/api/v1/nope', auth: true, status: 404 },
  { name: 'API bad request', path: () => '/api/v1/sessions?sort=sideways', auth: true, status: 400 },
  { name: 'API session not found', path: () => '/api/v1/sessions/sess_missing_000', auth: true, status: 404 },
  {
    name: 'API CSRF refusal',
    method: 'POST',
    path: () => '/api/v1/tokens',
    auth: true,
    headers: { 'content-type': 'text/plain' },
    body: () => 'x',
    status: 415,
  },
  {
    name: 'login refused',
    method: 'POST',
    path: () => '/api/v1/auth/login',
    headers: { 'content-type': 'application/json' },
    body: () => '{"email":"x@y.z","password":"no"}',
    status: 401,
  },
  {
    name: 'ingest accepted',
    method: 'POST',
    path: ingest,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    body: () => new Uint8Array(gz(makeBatch('sess_headers_test', 0, [domEvent(Date.now())]))),
    status: 200,
  },
  {
    name: 'ingest refused',
    method: 'POST',
    path: ingest,
    headers: { 'content-type': 'application/json' },
    body: () => '{"v":1',
    status: 400,
  },
  {
    name: 'ingest preflight',
    method: 'OPTIONS',
    path: ingest,
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    status: 204,
  },
  { name: 'ingest unknown route', path: () => '/ingest/v1/nope', status: 404 },
  { name: 'link page (invalid token)', path: () => '/l/this-is-not-a-valid-link-token', status: 404, referrerPolicy: 'no-referrer' },
];

describe('security headers on every response', () => {
  it.each(routes)('$name', async (r) => {
    const headers: Record<string, string> = { ...r.headers };
    if (r.auth) Object.assign(headers, { cookie: s.cookie, origin: base });
    const res = await fetch(`${base}${r.path()}`, { method: r.method ?? 'GET', headers, body: r.body?.() });
    await res.arrayBuffer();
    expect(res.status).toBe(r.status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe(r.referrerPolicy ?? 'same-origin');
  });

  it('the SDK and its lazy chunks are served alike: cacheable, embeddable and importable from any origin', async () => {
    for (const path of ['/sdk/reprise.js', sdkChunk()]) {
      const res = await fetch(`${base}${path}`, { headers: { origin: 'https://shop.example' } });
      await res.arrayBuffer();
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/javascript/);
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=300');
      expect(res.headers.get('cross-origin-resource-policy'), path).toBe('cross-origin');
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('a live stream (a hijacked reply) carries them too', async () => {
    const sid = 'sess_headers_test';
    const ac = new AbortController();
    const res = await fetch(`${base}/api/v1/sessions/${sid}/live`, { headers: { cookie: s.cookie }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/event-stream/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    ac.abort();
  });
});
