import { describe, expect, it } from 'vitest';
import { absoluteAssetUrl, collectAssetUrls, cssAssetUrls, mapCssUrls, mapEventAssetUrls } from '@reprise/protocol';

/** The walker shared by capture (server) and rewriting (viewer): which URLs of an rrweb event load something. */
const O = 'https://shop.example';
const el = (tagName: string, attributes: Record<string, unknown>, childNodes: unknown[] = []) => ({ type: 2, id: 1, tagName, attributes, childNodes });
const snapshot = (...nodes: unknown[]) => ({ type: 2, timestamp: 1, data: { node: { type: 0, id: 0, childNodes: nodes } } });
const mutation = (data: Record<string, unknown>) => ({ type: 3, timestamp: 1, data: { source: 0, texts: [], removes: [], adds: [], attributes: [], ...data } });

describe('asset URLs of rrweb events', () => {
  it.each([
    ['img src, relative to the page', snapshot(el('img', { src: '/a.png' })), [`${O}/a.png`]],
    ['srcset candidates', snapshot(el('img', { srcset: `${O}/a.png 1x, /b.png 2x` })), [`${O}/a.png`, `${O}/b.png`]],
    ['picture source srcset', snapshot(el('source', { srcset: '/c.webp' })), [`${O}/c.webp`]],
    ['video poster and src', snapshot(el('video', { poster: '/p.png', src: '/v.mp4' })), [`${O}/v.mp4`, `${O}/p.png`]],
    ['stylesheet link', snapshot(el('link', { rel: 'stylesheet', href: '/s.css' })), [`${O}/s.css`]],
    ['icon link', snapshot(el('link', { rel: 'shortcut icon', href: '/favicon.ico' })), [`${O}/favicon.ico`]],
    ['not an asset: canonical, prefetch, anchors', snapshot(el('link', { rel: 'canonical', href: '/x' }), el('link', { rel: 'prefetch', href: '/y' }), el('a', { href: '/z' })), []],
    ['inlined stylesheet', snapshot(el('link', { _cssText: `@font-face{src:url("${O}/f.woff2")} @import "/i.css";` })), [`${O}/f.woff2`, `${O}/i.css`]],
    ['inline style', snapshot(el('div', { style: "background: url('/bg.png')" })), [`${O}/bg.png`]],
    ['<style> text', snapshot(el('style', {}, [{ type: 3, id: 2, textContent: 'b{background:url(/t.png)}' }])), [`${O}/t.png`]],
    ['svg image', snapshot(el('image', { 'xlink:href': '/i.svg' })), [`${O}/i.svg`]],
    ['data: and blob: are not fetched', snapshot(el('img', { src: 'data:image/png;base64,AA' }), el('img', { src: 'blob:x' })), []],
    ['added node', mutation({ adds: [{ parentId: 1, nextId: null, node: el('img', { src: '/m.png' }) }] }), [`${O}/m.png`]],
    ['attribute change', mutation({ attributes: [{ id: 1, attributes: { src: '/n.png', href: '/page', style: { background: "url('/o.png')" } } }] }), [`${O}/n.png`, `${O}/o.png`]],
    ['stylesheet loaded later', mutation({ attributes: [{ id: 1, attributes: { _cssText: 'a{background:url(/late.png)}' } }] }), [`${O}/late.png`]],
    ['inserted rule', { type: 3, timestamp: 1, data: { source: 8, id: 1, adds: [{ rule: 'a{background:url(/r.png)}', index: 0 }] } }, [`${O}/r.png`]],
    ['style declaration', { type: 3, timestamp: 1, data: { source: 13, id: 1, index: [0], set: { property: 'background', value: 'url(/d.png)' } } }, [`${O}/d.png`]],
    ['adopted sheet', { type: 3, timestamp: 1, data: { source: 15, id: 1, styleIds: [1], styles: [{ styleId: 1, rules: [{ rule: 'a{background:url(/ad.png)}' }] }] } }, [`${O}/ad.png`]],
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
    expect(img!.attributes).toEqual({ src: `/r?${encodeURIComponent(`${O}/a.png`)}`, srcset: `/r?${encodeURIComponent(`${O}/a.png`)} 1x, /r?${encodeURIComponent(`${O}/b.png`)} 2x` });
    expect(link!.attributes.href).toBe('data:,');
    expect(meta!.attributes.content).toBe('');

    let deep: Record<string, unknown> = el('img', { src: '/deep.png' });
    for (let i = 0; i < 50_000; i++) deep = el('div', {}, [deep]);
    expect(collectAssetUrls([snapshot(deep)], `${O}/`)).toEqual([`${O}/deep.png`]);
  });

  it('resolves stylesheet URLs against the sheet, keeping quotes', () => {
    const css = `@font-face { src: url(fonts/f.woff2) } a { background: url("../img/x.png") } @import 'more.css';`;
    expect(cssAssetUrls(css, `${O}/static/css/site.css`)).toEqual([`${O}/static/css/fonts/f.woff2`, `${O}/static/img/x.png`, `${O}/static/css/more.css`]);
    expect(mapCssUrls(css, `${O}/static/css/site.css`, () => 'R')).toBe(`@font-face { src: url(R) } a { background: url("R") } @import 'R';`);
    expect(absoluteAssetUrl('#frag', O)).toBeNull();
    expect(absoluteAssetUrl('javascript:alert(1)', O)).toBeNull();
    expect(absoluteAssetUrl(`${O}/a.png#x`, null)).toBe(`${O}/a.png`);
  });
});
