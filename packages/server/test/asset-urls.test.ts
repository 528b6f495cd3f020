import { describe, expect, it } from 'vitest';
import { fetchAsset, fetchPermission, isAllowedAssetType, isSpecialAddress } from '../src/assets/fetch.js';
import { absoluteAssetUrl, collectAssetUrls, cssAssetUrls, mapCssUrls, mapEventAssetUrls } from '@reprise/protocol';

/** The walker shared by capture (server) and rewriting (viewer): which URLs of an rrweb event load something. */
const O = 'https://shop.example';
const el = (tagName: string, attributes: Record<string, unknown>, childNodes: unknown[] = []) => ({
  type: 2,
  id: 1,
  tagName,
  attributes,
  childNodes,
});
const snapshot = (...nodes: unknown[]) => ({ type: 2, timestamp: 1, data: { node: { type: 0, id: 0, childNodes: nodes } } });
const mutation = (data: Record<string, unknown>) => ({
  type: 3,
  timestamp: 1,
  data: { source: 0, texts: [], removes: [], adds: [], attributes: [], ...data },
});

describe('asset URLs of rrweb events', () => {
  it.each([
    ['img src, relative to the page', snapshot(el('img', { src: '/a.png' })), [`${O}/a.png`]],
    ['srcset candidates', snapshot(el('img', { srcset: `${O}/a.png 1x, /b.png 2x` })), [`${O}/a.png`, `${O}/b.png`]],
    ['picture source srcset', snapshot(el('source', { srcset: '/c.webp' })), [`${O}/c.webp`]],
    ['video poster and src', snapshot(el('video', { poster: '/p.png', src: '/v.mp4' })), [`${O}/v.mp4`, `${O}/p.png`]],
    ['stylesheet link', snapshot(el('link', { rel: 'stylesheet', href: '/s.css' })), [`${O}/s.css`]],
    ['icon link', snapshot(el('link', { rel: 'shortcut icon', href: '/favicon.ico' })), [`${O}/favicon.ico`]],
    [
      'not an asset: canonical, prefetch, anchors',
      snapshot(el('link', { rel: 'canonical', href: '/x' }), el('link', { rel: 'prefetch', href: '/y' }), el('a', { href: '/z' })),
      [],
    ],
    [
      'inlined stylesheet',
      snapshot(el('link', { _cssText: `@font-face{src:url("${O}/f.woff2")} @import "/i.css";` })),
      [`${O}/f.woff2`, `${O}/i.css`],
    ],
    ['inline style', snapshot(el('div', { style: "background: url('/bg.png')" })), [`${O}/bg.png`]],
    ['<style> text', snapshot(el('style', {}, [{ type: 3, id: 2, textContent: 'b{background:url(/t.png)}' }])), [`${O}/t.png`]],
    ['svg image', snapshot(el('image', { 'xlink:href': '/i.svg' })), [`${O}/i.svg`]],
    ['data: and blob: are not fetched', snapshot(el('img', { src: 'data:image/png;base64,AA' }), el('img', { src: 'blob:x' })), []],
    ['added node', mutation({ adds: [{ parentId: 1, nextId: null, node: el('img', { src: '/m.png' }) }] }), [`${O}/m.png`]],
    [
      'attribute change',
      mutation({ attributes: [{ id: 1, attributes: { src: '/n.png', href: '/page', style: { background: "url('/o.png')" } } }] }),
      [`${O}/n.png`, `${O}/o.png`],
    ],
    [
      'stylesheet loaded later',
      mutation({ attributes: [{ id: 1, attributes: { _cssText: 'a{background:url(/late.png)}' } }] }),
      [`${O}/late.png`],
    ],
    [
      'inserted rule',
      { type: 3, timestamp: 1, data: { source: 8, id: 1, adds: [{ rule: 'a{background:url(/r.png)}', index: 0 }] } },
      [`${O}/r.png`],
    ],
    [
      'style declaration',
      { type: 3, timestamp: 1, data: { source: 13, id: 1, index: [0], set: { property: 'background', value: 'url(/d.png)' } } },
      [`${O}/d.png`],
    ],
    [
      'adopted sheet',
      {
        type: 3,
        timestamp: 1,
        data: { source: 15, id: 1, styleIds: [1], styles: [{ styleId: 1, rules: [{ rule: 'a{background:url(/ad.png)}' }] }] },
      },
      [`${O}/ad.png`],
    ],
    ['malformed events', { type: 2, data: { node: { type: 2, tagName: 7, attributes: 'x' } } }, []],
  ])('%s', (_name, event, urls) => {
    expect(collectAssetUrls([event], `${O}/page`)).toEqual(urls);
  });

  it('rewrites in place, blanks non-asset links and refreshes when asked, and never walks deep trees recursively', () => {
    const ev = snapshot(
      el('img', { src: '/a.png', srcset: '/a.png 1x, /b.png 2x' }),
      el('link', { rel: 'preconnect', href: 'https://cdn.example' }),
      el('meta', { 'http-equiv': 'refresh', content: '0;url=https://shop.example/next' }),
    );
    mapEventAssetUrls(ev, `${O}/`, (u) => `/r?${encodeURIComponent(u)}`, { nonAssetLink: 'data:,' });
    const [img, link, meta] = ev.data.node.childNodes as { attributes: Record<string, string> }[];
    expect(img!.attributes).toEqual({
      src: `/r?${encodeURIComponent(`${O}/a.png`)}`,
      srcset: `/r?${encodeURIComponent(`${O}/a.png`)} 1x, /r?${encodeURIComponent(`${O}/b.png`)} 2x`,
    });
    expect(link!.attributes.href).toBe('data:,');
    expect(meta!.attributes.content).toBe('');

    let deep: Record<string, unknown> = el('img', { src: '/deep.png' });
    for (let i = 0; i < 50_000; i++) deep = el('div', {}, [deep]);
    expect(collectAssetUrls([snapshot(deep)], `${O}/`)).toEqual([`${O}/deep.png`]);
  });

  it('resolves stylesheet URLs against the sheet, keeping quotes', () => {
    const css = `@font-face { src: url(fonts/f.woff2) } a { background: url("../img/x.png") } @import 'more.css';`;
    expect(cssAssetUrls(css, `${O}/static/css/site.css`)).toEqual([
      `${O}/static/css/fonts/f.woff2`,
      `${O}/static/img/x.png`,
      `${O}/static/css/more.css`,
    ]);
    expect(mapCssUrls(css, `${O}/static/css/site.css`, () => 'R')).toBe(
      `@font-face { src: url(R) } a { background: url("R") } @import 'R';`,
    );
    expect(absoluteAssetUrl('#frag', O)).toBeNull();
    expect(absoluteAssetUrl('javascript:alert(1)', O)).toBeNull();
    expect(absoluteAssetUrl(`${O}/a.png#x`, null)).toBe(`${O}/a.png`);
  });
});

describe('what the server may fetch', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fd00::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:10.0.0.1', true],
    ['64:ff9b::7f00:1', true],
    ['not an address', true],
    ['93.184.216.34', false],
    ['8.8.8.8', false],
    ['2606:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s is special: %s', (address, special) => {
    expect(isSpecialAddress(address)).toBe(special);
  });

  it('refuses loopback spelled any way a URL allows, before connecting', async () => {
    for (const url of [
      'http://[::ffff:127.0.0.1]:9/a.png',
      'http://0x7f.1:9/a.png',
      'http://2130706433:9/a.png',
      'http://[::1]:9/a.png',
      'http://localhost:9/a.png',
    ]) {
      expect(await fetchAsset(url, ['*']), url).toMatchObject({ ok: false, error: expect.stringMatching(/not public/) });
    }
  });

  it('gives up on a slow site and on a declared size over the cap, without reading it', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url === '/slow.png') return void res.writeHead(200, { 'content-type': 'image/png' }).write('x'); // never ends
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(1024 * 1024) }).end(Buffer.alloc(1024 * 1024));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const limits = { maxBytes: 1000, timeoutMs: 300, maxRedirects: 0 };
      expect(await fetchAsset(`${origin}/slow.png`, [origin], limits)).toEqual({ ok: false, error: 'timed out after 300 ms' });
      expect(await fetchAsset(`${origin}/big.png`, [origin], limits)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/larger than 1000 bytes \(1048576\)/),
      });
      expect(await fetchAsset(`${origin}/big.png`, [origin], { ...limits, maxBytes: 2 * 1024 * 1024 })).toMatchObject({
        ok: true,
        contentType: 'image/png',
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('allows named origins anywhere, others only through * and publicly', () => {
    const allowed = ['https://shop.example', 'http://intranet.local:8080/', '*'];
    expect(fetchPermission(allowed, new URL('https://shop.example/a.png'))).toBe('named');
    expect(fetchPermission(allowed, new URL('http://INTRANET.local:8080/x.css'))).toBe('named');
    expect(fetchPermission(allowed, new URL('https://cdn.example/a.png'))).toBe('public');
    expect(fetchPermission(['https://shop.example'], new URL('https://cdn.example/a.png'))).toBeNull();
    expect(fetchPermission(['https://shop.example'], new URL('http://shop.example/a.png'))).toBeNull();
    expect(fetchPermission(['*'], new URL('ftp://shop.example/a.png'))).toBeNull();
  });

  it('takes only what a replay loads as a subresource', () => {
    for (const t of [
      'text/css',
      'image/png',
      'image/svg+xml',
      'font/woff2',
      'application/font-woff',
      'application/vnd.ms-fontobject',
      'video/mp4',
      'audio/mpeg',
    ]) {
      expect(isAllowedAssetType(t), t).toBe(true);
    }
    for (const t of ['text/html', 'application/javascript', 'text/javascript', 'application/json', '', 'text/plain'])
      expect(isAllowedAssetType(t), t).toBe(false);
  });
});
