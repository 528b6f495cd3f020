import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedSessionError, SessionList } from '@reprise/protocol';
import { transform } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { Caller } from '../src/auth/access.js';
import { getErrors } from '../src/mcp/tools/console.js';
import { MapCache } from '../src/sourcemaps/map-cache.js';
import { MAX_MAP_BYTES } from '../src/sourcemaps/validate.js';
import type { Project } from '../src/store/types.js';
import { CHROME_UA, domEvent, gz, makeBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * Releases and source maps through the real app, on both backends (SQLite + files, PostgreSQL + S3):
 * upload, resolution of a session's errors, release search, and every kind of bad upload.
 */

const SCRIPT = 'https://shop.example/assets/checkout.min.js';
const SOURCE = `// Checkout, as written.
interface Order {
  confirmation: { id: string };
}
let lastOrder: Order | undefined;

export function retryPayment(): string {
  const previousOrderId = (lastOrder as Order).confirmation.id;
  return previousOrderId;
}

export function onRetryClick(): void {
  console.log('retrying');
  retryPayment();
}
`;

let s: TestServer;
let own: Project;
let other: Project;
let minified: string;
let map: string;
let n = 0;

/** The V8 stack of the TypeError thrown by the minified code (run here, so the positions are real). */
let stack: string;
/** The stack recordError sends instead, when set. */
let stackFor: string | null = null;

beforeAll(async () => {
  s = await startTestServer();
  own = (await s.store.listProjects())[0]!;
  other = await s.store.createProject({ name: 'Other', allowedOrigins: ['*'] });
  const out = await transform(SOURCE, {
    loader: 'ts',
    minify: true,
    format: 'iife',
    globalName: 'checkout',
    sourcemap: 'external',
    sourcefile: '../src/checkout.ts',
  });
  minified = out.code;
  map = out.map;
  // The code runs as if loaded from SCRIPT, so V8's stack names it with real positions.
  const checkout = runInNewContext(`${minified}; checkout`, { console: { log: () => {} } }, { filename: SCRIPT }) as {
    onRetryClick(): void;
  };
  try {
    checkout.onRetryClick();
  } catch (err) {
    stack = (err as Error).stack ?? '';
  }
  expect(stack).toContain(SCRIPT);
}, 120_000);

afterAll(async () => s?.close());

async function recordError(p: Project, release: string | undefined): Promise<string> {
  const id = `sess_maps_${++n}_${Date.now()}`;
  const t = Date.now();
  const batch = {
    ...makeBatch(id, 0, [
      domEvent(t),
      {
        t: t + 1,
        kind: 'error',
        data: { message: "Cannot read properties of undefined (reading 'confirmation')", name: 'TypeError', stack: stackFor ?? stack },
      },
    ]),
  };
  if (release) batch.meta = { ...batch.meta, release };
  const res = await s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${p.key}`,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
    payload: gz(batch),
  });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

function upload(release: string, body: Record<string, unknown>, headers: Record<string, string> = { cookie: s.cookie }) {
  return s.app.inject({ method: 'POST', url: `/api/v1/releases/${encodeURIComponent(release)}/sourcemaps`, headers, payload: body });
}

async function resolved(id: string): Promise<ResolvedSessionError[]> {
  const res = await s.app.inject({ url: `/api/v1/sessions/${id}/errors/resolved`, headers: { cookie: s.cookie } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { errors: ResolvedSessionError[] }).errors;
}

async function storedMaps(): Promise<number> {
  return Number((await s.query<{ n: number | string }>('SELECT count(*) AS n FROM sourcemaps'))[0]!.n);
}

describe('source maps', () => {
  it('resolve a session error to the original file, line, function and context', async () => {
    const up = await upload('1.0.0', { projectId: own.id, url: SCRIPT, map });
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json()).toMatchObject({ release: '1.0.0', url: SCRIPT, warnings: [] });

    const id = await recordError(own, '1.0.0');
    const [err] = await resolved(id);
    expect(err!.stack.release).toBe('1.0.0');
    const top = err!.stack.frames[0]!;
    // The minified frame stays; the original is the line with `.confirmation.id` in checkout.ts.
    expect(top.file).toBe(SCRIPT);
    expect(top.line).toBe(1);
    const line = SOURCE.split('\n').findIndex((l) => l.includes('.confirmation.id')) + 1;
    expect(top.original).toMatchObject({ file: 'src/checkout.ts', line, fn: 'retryPayment' });
    expect(top.original!.context!.lines.join('\n')).toContain('const previousOrderId = (lastOrder as Order).confirmation.id;');
    // Its caller is resolved too (its own name would come from a caller in the bundle; here the test calls it).
    expect(err!.stack.frames[1]!.original).toMatchObject({ file: 'src/checkout.ts' });

    // The session and its error carry the release, and `release:` finds it.
    expect((await s.query<{ release: string }>('SELECT release FROM errors WHERE session_id = ?', id))[0]!.release).toBe('1.0.0');
    const search = await s.app.inject({ url: `/api/v1/sessions?q=${encodeURIComponent('release:1.0.0')}`, headers: { cookie: s.cookie } });
    expect((search.json() as SessionList).sessions.map((x) => x.id)).toEqual([id]);
    const none = await s.app.inject({ url: `/api/v1/sessions?q=${encodeURIComponent('release:1.0')}`, headers: { cookie: s.cookie } });
    expect((none.json() as SessionList).sessions).toEqual([]);

    // The digest and the MCP errors tool name the original place.
    const digest = await s.app.inject({ url: `/api/v1/sessions/${id}/digest`, headers: { cookie: s.cookie } });
    expect((digest.json() as { text: string }).text).toContain(`at retryPayment (src/checkout.ts:${line}:`);
    const admin = (await s.store.listUsers()).find((u) => u.role === 'admin')!;
    const mcp = await getErrors.run(
      { store: s.store, caller: await Caller.load(s.store, admin, null), publicUrl: 'http://x', log: { error: () => {} } },
      { sessionId: id },
    );
    expect(mcp).toContain(`original: retryPayment (src/checkout.ts:${line}:`);
  });

  it('say plainly why a frame is not resolved: release mismatch, no map, no release', async () => {
    const mismatch = await resolved(await recordError(own, '2.0.0'));
    expect(mismatch[0]!.stack.frames[0]).toMatchObject({ unresolved: 'release_mismatch' });
    expect(mismatch[0]!.stack.frames[0]!.original).toBeUndefined();
    const noRelease = await resolved(await recordError(own, undefined));
    expect(noRelease[0]!.stack.frames[0]!.unresolved).toBe('no_release');
    // A map for the same URL and release in another project is never used.
    const elsewhere = await resolved(await recordError(other, '1.0.0'));
    expect(elsewhere[0]!.stack.frames[0]!.unresolved).toBe('no_map');
  });

  it('refuse invalid maps with the reason, and store nothing', async () => {
    const before = await storedMaps();
    const cases: [unknown, string][] = [
      ['{not json', 'not JSON'],
      [JSON.stringify({ version: 2, sources: [], names: [], mappings: '' }), 'version'],
      [JSON.stringify({ version: 3, sources: ['a.ts'], names: [] }), 'mappings'],
      [JSON.stringify({ version: 3, sources: [1], names: [], mappings: '' }), 'sources'],
      [JSON.stringify({ version: 3, sections: [] }), 'index maps'],
    ];
    for (const [bad, reason] of cases) {
      const res = await upload('bad', { projectId: own.id, url: SCRIPT, map: bad });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_map' });
      expect((res.json() as { message: string }).message).toContain(reason);
    }
    expect((await upload('bad', { projectId: own.id, url: 'file:///etc/passwd', map })).json()).toMatchObject({ error: 'invalid_url' });
    expect((await upload('bad\u0000', { projectId: own.id, url: SCRIPT, map })).statusCode).toBe(400);
    expect(await storedMaps()).toBe(before);
  });

  it('refuse a map over the size cap with 413, and store nothing', async () => {
    const before = await storedMaps();
    const huge = JSON.stringify({ version: 3, sources: ['a.ts'], names: [], mappings: 'A'.repeat(MAX_MAP_BYTES) });
    const res = await upload('big', { projectId: own.id, url: SCRIPT, map: huge });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'map_too_large' });
    expect(await storedMaps()).toBe(before);
  });

  it('keep a token to its project: a project-scoped token uploads to its project only', async () => {
    const mk = await s.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { cookie: s.cookie },
      payload: { name: 'ci', scope: 'write', projectIds: [other.id] },
    });
    expect(mk.statusCode, mk.body).toBe(201);
    const bearer = { authorization: `Bearer ${(mk.json() as { token: string }).token}` };
    // Without a projectId the token's own project is used.
    const ok = await upload('3.0.0', { url: SCRIPT, map }, bearer);
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ projectId: other.id });
    const refused = await upload('3.0.0', { projectId: own.id, url: SCRIPT, map }, bearer);
    expect(refused.statusCode).toBe(404);
    expect(await s.store.sourceMaps.get(own.id, '3.0.0', SCRIPT)).toBeNull();
    // And the map uploaded for `other` does not resolve `own`'s session of that release (own has 1.0.0's only).
    expect((await resolved(await recordError(own, '3.0.0')))[0]!.stack.frames[0]!.unresolved).toBe('release_mismatch');
  });

  it('make hostile source paths plain relative names, said in the answer', async () => {
    const parsed = JSON.parse(map) as { sources: string[] };
    const hostile = { ...parsed, sources: ['../../../../../../etc/passwd'] };
    const res = await upload('hostile', { projectId: own.id, url: SCRIPT, map: JSON.stringify(hostile) });
    expect(res.statusCode, res.body).toBe(201);
    const top = (await resolved(await recordError(own, 'hostile')))[0]!.stack.frames[0]!;
    expect(top.original!.file).toBe('etc/passwd');
    for (const raw of ['file:///C:/build/src/a.ts', '/home/ci/src/a.ts', 'webpack://app/./src/../a.ts', 'javascript:alert(1)']) {
      const r = await upload('hostile2', { projectId: own.id, url: SCRIPT, map: JSON.stringify({ ...parsed, sources: [raw] }) });
      expect(r.statusCode, r.body).toBe(201);
      expect((r.json() as { warnings: string[] }).warnings[0]).toMatch(/shown as relative paths/);
      const stored = JSON.parse(
        (await s.store.sourceMaps.readBytes((await s.store.sourceMaps.get(own.id, 'hostile2', SCRIPT))!)).toString(),
      );
      expect(stored.sources[0]).not.toMatch(/^[/\\]|:|\.\./);
    }
  });

  it('list a release, resolve stacks on demand, and keep the fetch setting off by default', async () => {
    const list = await s.app.inject({ url: `/api/v1/releases/1.0.0/sourcemaps?projectId=${own.id}`, headers: { cookie: s.cookie } });
    expect(list.json()).toMatchObject({ maps: [{ url: SCRIPT }] });
    const id = await recordError(own, '1.0.0');
    const res = await s.app.inject({
      method: 'POST',
      url: `/api/v1/sessions/${id}/stacks/resolve`,
      headers: { cookie: s.cookie },
      payload: { stacks: [stack, 'not a stack'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { stacks: { original?: { fn: string | null } }[][] };
    expect(body.stacks[0]![0]!.original!.fn).toBe('retryPayment');
    expect(body.stacks[1]).toEqual([]);
    // The Problems page's error group names the newest error's resolved place.
    const problems = await s.app.inject({ url: `/api/v1/problems/errors?projectId=${own.id}`, headers: { cookie: s.cookie } });
    const group = (problems.json() as { rows: { example: string; top: string | null; sample?: unknown }[] }).rows[0]!;
    expect(group.top).toMatch(/^retryPayment \(src\/checkout\.ts:\d+:\d+\)$/);
    expect(group.sample).toBeUndefined();
    const setting = await s.app.inject({ url: `/api/v1/projects/${own.id}/sourcemap-fetch`, headers: { cookie: s.cookie } });
    expect(setting.json()).toEqual({ origins: null });
    const bad = await s.app.inject({
      method: 'PUT',
      url: `/api/v1/projects/${own.id}/sourcemap-fetch`,
      headers: { cookie: s.cookie },
      payload: { origins: ['https://a.example/path'] },
    });
    expect(bad.statusCode).toBe(400);
  });
});

describe('map cache', () => {
  it('stays within its byte bound, dropping the least recently used', async () => {
    const cache = new MapCache(3 * map.length);
    for (let i = 0; i < 10; i++) await cache.get(`k${i}`, async () => Buffer.from(map));
    expect(cache.size.bytes).toBeLessThanOrEqual(3 * map.length);
    expect(cache.size.entries).toBe(3);
    let loads = 0;
    await cache.get('k9', async () => (loads++, Buffer.from(map)));
    expect(loads).toBe(0);
    const bad = await cache.get('bad', async () => Buffer.from('{"version":3,"sources":[],"names":[],"mappings":"!!!"}'));
    expect('map' in bad || 'invalid' in bad).toBe(true);
  });
});

describe('fetching public maps', () => {
  it('is off by default, then fetches from the listed origin only, never following a redirect elsewhere', async () => {
    let mapRequests = 0;
    const site = createServer((req, res) => {
      if (req.url === '/assets/app.min.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(`${minified}\n//# sourceMappingURL=app.min.js.map\n`);
      } else if (req.url === '/assets/app.min.js.map') {
        mapRequests++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(map);
      } else if (req.url === '/assets/moved.min.js') {
        // To another host (localhost is not the listed 127.0.0.1 origin).
        res.writeHead(302, { location: `http://localhost:${(site.address() as AddressInfo).port}/assets/app.min.js` }).end();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    try {
      const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      const fetched = await s.store.createProject({ name: 'Fetched', allowedOrigins: ['*'] });
      const record = async (script: string) => {
        stackFor = stack.replaceAll(SCRIPT, script);
        try {
          return (await resolved(await recordError(fetched, '9.9.9')))[0]!.stack.frames[0]!;
        } finally {
          stackFor = null;
        }
      };
      expect((await record(`${origin}/assets/app.min.js`)).unresolved).toBe('no_map');
      expect(mapRequests).toBe(0);

      const put = await s.app.inject({
        method: 'PUT',
        url: `/api/v1/projects/${fetched.id}/sourcemap-fetch`,
        headers: { cookie: s.cookie },
        payload: { origins: [origin] },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect((await record(`${origin}/assets/app.min.js`)).original).toMatchObject({ file: 'src/checkout.ts', fn: 'retryPayment' });
      expect((await record(`${origin}/assets/app.min.js`)).original).toBeDefined();
      expect(mapRequests).toBe(1); // cached
      expect((await record(`${origin}/assets/moved.min.js`)).unresolved).toBe('no_map');
    } finally {
      await new Promise((r) => site.close(r));
    }
  });
});
