import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assetRoute, type ReplayEvent } from '@reprise/protocol';
import { FETCH_USER_AGENT } from '../src/assets/fetch.js';
import { ChunkCipher, parseEncryptionKeys } from '../src/store/chunks/crypto.js';
import { runRetention } from '../src/lifecycle/retention.js';
import { makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/** A site serving assets on 127.0.0.1, logging every request it gets. */
interface Origin {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const FONT = Buffer.from('wOF2 test font bytes');
const BIG = 9 * 1024 * 1024;

async function startOrigin(): Promise<Origin> {
  const requests: Origin['requests'] = [];
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    const send = (type: string, body: Buffer | string) => res.writeHead(200, { 'content-type': type }).end(body);
    if (path === '/style.css')
      send('text/css', `@font-face { font-family: F; src: url(fonts/f.woff2) format("woff2"); }\nbody { background: url('/bg.png'); }`);
    else if (path === '/img.png' || path === '/copy.png' || path === '/bg.png' || path === '/poster.png') send('image/png', PNG);
    else if (path === '/other.png') send('image/png', Buffer.concat([PNG, Buffer.from('other')]));
    else if (path === '/fonts/f.woff2') send('font/woff2', FONT);
    else if (path === '/big.png') {
      // Chunked, no Content-Length: the cap applies to the bytes as they arrive.
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < BIG / chunk.length; i++) res.write(chunk);
      res.end();
    } else if (path === '/page.html') send('text/html', '<h1>hi</h1>');
    else if (path === '/redirect.png') res.writeHead(302, { location: `${stranger.url}/img.png` }).end();
    else if (path === '/hop.png') res.writeHead(301, { location: '/img.png?via=hop' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let s: TestServer;
let origin: Origin;
/** A second site the project does not allow. */
let stranger: Origin;
beforeEach(async () => {
  origin = await startOrigin();
  stranger = await startOrigin();
});
afterEach(async () => {
  await s?.close();
  await origin.close();
  await stranger.close();
});

const api = (method: 'GET' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
  s.app.inject({ method, url, headers: { cookie: s.cookie }, payload });

async function projectId(): Promise<string> {
  return ((await api('GET', '/api/v1/projects')).json() as { projects: { id: string }[] }).projects[0]!.id;
}

async function setProject(patch: { allowedOrigins?: string[]; mode?: string }): Promise<string> {
  const id = await projectId();
  if (patch.allowedOrigins)
    expect((await api('PATCH', `/api/v1/projects/${id}`, { allowedOrigins: patch.allowedOrigins })).statusCode).toBe(200);
  if (patch.mode) expect((await api('PUT', `/api/v1/projects/${id}/assets`, { mode: patch.mode })).statusCode).toBe(200);
  return id;
}

function el(id: number, tagName: string, attributes: Record<string, string>, childNodes: unknown[] = []) {
  return { type: 2, id, tagName, attributes, childNodes };
}

/** Meta + full snapshot of a page loading `imgs` (img src) and, with `rich`, a stylesheet, srcset, inline style and poster. */
function page(t: number, o: string, imgs: string[], rich = false): ReplayEvent[] {
  const body = [
    ...imgs.map((src, i) => el(100 + i, 'img', { src })),
    ...(rich
      ? [
          el(10, 'img', { src: `${o}/img.png`, srcset: `${o}/copy.png 2x, ${o}/big.png 3x` }),
          el(11, 'div', { style: `background-image: url("${stranger.url}/img.png")` }),
          el(12, 'video', { poster: `${o}/poster.png` }),
          el(13, 'img', { src: `${o}/page.html` }),
          el(14, 'a', { href: `${o}/not-an-asset.html` }),
        ]
      : []),
  ];
  const head = rich
    ? [el(4, 'link', { rel: 'stylesheet', href: `${o}/style.css` }), el(5, 'link', { rel: 'canonical', href: `${o}/canonical` })]
    : [];
  const node = { type: 0, id: 1, childNodes: [el(2, 'html', {}, [el(3, 'head', {}, head), el(6, 'body', {}, body)])] };
  return [
    { t, kind: 'dom', data: { type: 4, timestamp: t, data: { href: `${o}/`, width: 800, height: 600 } } },
    { t: t + 1, kind: 'dom', data: { type: 2, timestamp: t + 1, data: { node, initialOffset: { top: 0, left: 0 } } } },
  ];
}

interface AssetInfo {
  url: string;
  status: string;
  contentType: string | null;
  bytes: number | null;
  error: string | null;
}

/** The session's assets once capture has finished with them. */
async function settledAssets(sessionId: string, count = 1): Promise<{ mode: string; assets: AssetInfo[] }> {
  for (;;) {
    const r = await api('GET', `/api/v1/sessions/${sessionId}/assets`);
    expect(r.statusCode).toBe(200);
    const body = r.json() as { mode: string; assets: AssetInfo[] };
    if (
      body.assets.length >= count &&
      (body.mode !== 'capture' || body.assets.every((a) => a.status === 'stored' || a.status === 'failed'))
    )
      return body;
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function record(sessionId: string, events: ReplayEvent[]): Promise<void> {
  const r = await postBatch(s, makeBatch(sessionId, 0, events, `${origin.url}/`));
  expect(r.statusCode).toBe(200);
}

async function blobKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s.store.chunks.list('assets/')) keys.push(o.key);
  return keys;
}

describe('asset capture', () => {
  it('captures what a snapshot loads from an allowed origin once, by content, and serves it after the site is gone', async () => {
    s = await startTestServer();
    const pid = await setProject({ allowedOrigins: [origin.url] });
    await record('assetsess01', page(Date.now(), origin.url, [], true));
    const { mode, assets } = await settledAssets('assetsess01', 9);
    expect(mode).toBe('capture');
    const byPath = Object.fromEntries(
      assets.map((a) => [new URL(a.url).pathname + (new URL(a.url).origin === stranger.url ? '@stranger' : ''), a]),
    );
    for (const p of ['/style.css', '/img.png', '/copy.png', '/poster.png', '/bg.png', '/fonts/f.woff2'])
      expect(byPath[p]?.status, p).toBe('stored');
    expect(byPath['/fonts/f.woff2']!.contentType).toBe('font/woff2');
    // Size cap, content types, and origins the project does not allow.
    expect(byPath['/big.png']).toMatchObject({ status: 'failed', error: expect.stringMatching(/larger than/) });
    expect(byPath['/page.html']).toMatchObject({ status: 'failed', error: expect.stringMatching(/content type text\/html/) });
    expect(byPath['/img.png@stranger']).toMatchObject({ status: 'failed', error: expect.stringMatching(/not an allowed origin/) });
    expect(stranger.requests).toEqual([]);
    // Only subresources: no link that is not an asset, no anchor.
    expect(origin.requests.map((r) => r.path)).not.toContain('/canonical');
    expect(origin.requests.map((r) => r.path)).not.toContain('/not-an-asset.html');
    // Each URL fetched once, as nobody in particular.
    const paths = origin.requests.map((r) => r.path);
    expect(paths.length).toBe(new Set(paths).size);
    for (const r of origin.requests) {
      expect(r.headers['user-agent']).toBe(FETCH_USER_AGENT);
      expect(r.headers.cookie).toBeUndefined();
      expect(r.headers.referer).toBeUndefined();
    }
    // img, copy, bg and poster share one content: 4 distinct objects (css, png, font, ...) not 6.
    expect((await blobKeys()).sort()).toHaveLength(3);
    expect((await blobKeys()).every((k) => k.startsWith(`assets/${pid}/`))).toBe(true);

    // A second session naming the same URLs fetches nothing more.
    const before = origin.requests.length;
    await record('assetsess02', page(Date.now(), origin.url, [`${origin.url}/img.png`]));
    await settledAssets('assetsess02');
    expect(origin.requests.length).toBe(before);

    await origin.close();
    const img = await api('GET', assetRoute('assetsess01', `${origin.url}/copy.png`));
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.headers['x-content-type-options']).toBe('nosniff');
    expect(img.rawPayload.equals(PNG)).toBe(true);
    // The stylesheet's own fonts and images point at Reprise, relative URLs resolved against the sheet.
    const css = await api('GET', assetRoute('assetsess01', `${origin.url}/style.css`));
    expect(css.statusCode).toBe(200);
    expect(css.body).toContain(`url(${assetRoute('assetsess01', `${origin.url}/fonts/f.woff2`)})`);
    expect(css.body).toContain(`url('${assetRoute('assetsess01', `${origin.url}/bg.png`)}')`);
    const font = await api('GET', assetRoute('assetsess01', `${origin.url}/fonts/f.woff2`));
    expect(font.rawPayload.equals(FONT)).toBe(true);
    // Missing: not captured, not the session's, or not logged in.
    expect((await api('GET', assetRoute('assetsess01', `${origin.url}/big.png`))).json()).toMatchObject({ error: 'asset_missing' });
    expect((await api('GET', assetRoute('assetsess02', `${origin.url}/copy.png`))).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'GET', url: assetRoute('assetsess01', `${origin.url}/copy.png`) })).statusCode).toBe(401);
  });

  it('follows redirects only to allowed origins, and seals stored bytes with REPRISE_ENCRYPTION_KEY', async () => {
    s = await startTestServer({}, { cipher: new ChunkCipher(parseEncryptionKeys(Buffer.alloc(32, 7).toString('base64'))) });
    const pid = await setProject({ allowedOrigins: [origin.url] });
    await record('assetsess08', page(Date.now(), origin.url, [`${origin.url}/redirect.png`, `${origin.url}/hop.png`]));
    const { assets } = await settledAssets('assetsess08', 2);
    expect(assets.find((a) => a.url.endsWith('/redirect.png'))).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/not an allowed origin/),
    });
    expect(assets.find((a) => a.url.endsWith('/hop.png'))).toMatchObject({ status: 'stored', contentType: 'image/png' });
    expect(stranger.requests).toEqual([]);
    const [key] = await blobKeys();
    expect(key).toMatch(new RegExp(`^assets/${pid}/[0-9a-f]{64}$`));
    const stored = await s.store.chunks.get(key!);
    expect(stored.includes(PNG)).toBe(false);
    expect((await api('GET', assetRoute('assetsess08', `${origin.url}/hop.png`))).rawPayload.equals(PNG)).toBe(true);
  });

  it('never fetches private or loopback addresses for an origin allowed only through *', async () => {
    s = await startTestServer();
    await setProject({ allowedOrigins: ['*'] });
    await record(
      'assetsess03',
      page(Date.now(), origin.url, [`${origin.url}/img.png`, `http://localhost:${new URL(origin.url).port}/img.png`]),
    );
    const { assets } = await settledAssets('assetsess03', 2);
    expect(assets).toHaveLength(2);
    for (const a of assets) expect(a).toMatchObject({ status: 'failed', error: expect.stringMatching(/not public/) });
    expect(origin.requests).toEqual([]);
  });

  it("'block' records and serves nothing; 'proxy' fetches when a replay asks, without the viewer's identity", async () => {
    s = await startTestServer();
    await setProject({ allowedOrigins: [origin.url], mode: 'block' });
    await record('assetsess04', page(Date.now(), origin.url, [`${origin.url}/img.png`]));
    // Nothing to wait for in block mode: another batch after it shows the queue has passed it.
    await record('assetsess04b', page(Date.now(), origin.url, []));
    expect(await settledAssets('assetsess04', 0)).toEqual({ mode: 'block', assets: [] });
    expect((await api('GET', assetRoute('assetsess04', `${origin.url}/img.png`))).statusCode).toBe(404);
    expect(origin.requests).toEqual([]);

    await setProject({ mode: 'proxy' });
    await record('assetsess05', page(Date.now(), origin.url, [`${origin.url}/img.png`]));
    expect((await settledAssets('assetsess05')).assets).toMatchObject([{ status: 'new' }]);
    expect(origin.requests).toEqual([]);
    const r = await s.app.inject({
      method: 'GET',
      url: assetRoute('assetsess05', `${origin.url}/img.png`),
      headers: {
        cookie: s.cookie,
        referer: 'http://viewer.example/sessions/assetsess05',
        'user-agent': 'Viewer Browser/1.0',
        'x-forwarded-for': '198.51.100.7',
      },
    });
    expect(r.statusCode).toBe(200);
    expect(r.rawPayload.equals(PNG)).toBe(true);
    expect(origin.requests).toHaveLength(1);
    const seen = origin.requests[0]!.headers;
    expect(seen.cookie).toBeUndefined();
    expect(seen.referer).toBeUndefined();
    expect(seen['user-agent']).toBe(FETCH_USER_AGENT);
    expect(JSON.stringify(seen)).not.toContain('198.51.100.7');
    // Kept: the next replay does not ask the site again.
    expect((await api('GET', assetRoute('assetsess05', `${origin.url}/img.png`))).statusCode).toBe(200);
    expect(origin.requests).toHaveLength(1);
  });

  it('retention removes assets no remaining session references, rows and objects', async () => {
    s = await startTestServer();
    const pid = await setProject({ allowedOrigins: [origin.url] });
    await record('assetsess06', page(Date.now(), origin.url, [`${origin.url}/img.png`, `${origin.url}/other.png`]));
    await record('assetsess07', page(Date.now(), origin.url, [`${origin.url}/img.png`]));
    await settledAssets('assetsess06', 2);
    await settledAssets('assetsess07');
    expect(await blobKeys()).toHaveLength(2);

    expect((await api('DELETE', '/api/v1/sessions/assetsess06')).statusCode).toBe(204);
    const run = await runRetention(s.store, Date.now() + 1);
    expect(run.assets).toEqual({ rows: 1, objects: 1 });
    expect((await s.query<{ url: string }>('SELECT url FROM assets WHERE project_id = ?', pid)).map((r) => r.url)).toEqual([
      `${origin.url}/img.png`,
    ]);
    expect(await blobKeys()).toHaveLength(1);
    expect((await api('GET', assetRoute('assetsess07', `${origin.url}/img.png`))).statusCode).toBe(200);

    expect((await api('DELETE', '/api/v1/sessions/assetsess07')).statusCode).toBe(204);
    await runRetention(s.store, Date.now() + 1);
    expect(await s.query('SELECT url FROM assets')).toEqual([]);
    expect(await blobKeys()).toEqual([]);
  });

  it('validates the project setting', async () => {
    s = await startTestServer();
    const id = await projectId();
    expect((await api('GET', `/api/v1/projects/${id}/assets`)).json()).toEqual({ mode: 'capture' });
    expect((await api('PUT', `/api/v1/projects/${id}/assets`, { mode: 'sometimes' })).json()).toMatchObject({ error: 'invalid_request' });
    expect((await api('PUT', `/api/v1/projects/nope/assets`, { mode: 'block' })).statusCode).toBe(404);
    expect((await api('PUT', `/api/v1/projects/${id}/assets`, { mode: 'origin' })).json()).toEqual({ mode: 'origin' });
    expect((await api('GET', `/api/v1/projects/${id}/assets`)).json()).toEqual({ mode: 'origin' });
  });
});
