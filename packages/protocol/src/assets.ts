/**
 * The URLs of the assets (stylesheets, images, fonts, media) a recorded rrweb event makes a
 * replay load. The server collects them to capture the assets at ingest; the viewer rewrites
 * them so the replay loads them from Reprise instead of from the recorded site. One walker for
 * both, so what is captured is exactly what is rewritten.
 */

/**
 * How a project's replays get their assets:
 * - `capture` (default): the server fetches each asset once, soon after the batch that names it
 *   arrives, and replays load the stored copy; an asset it could not fetch shows as missing.
 * - `proxy`: nothing is fetched at ingest; the server fetches an asset when a replay first needs
 *   it (without the viewer's cookies, referrer, IP or user agent) and keeps it.
 * - `block`: replays load no asset at all.
 * - `origin`: replays load assets from the recorded site, as plain rrweb does; the site sees who
 *   watches and when. Opt-in only.
 */
export type AssetMode = 'capture' | 'proxy' | 'block' | 'origin';
export const ASSET_MODES: readonly AssetMode[] = ['capture', 'proxy', 'block', 'origin'];
export const DEFAULT_ASSET_MODE: AssetMode = 'capture';

/** URLs longer than this are not captured (and not rewritten to a Reprise route either: they are blanked). */
export const MAX_ASSET_URL_LENGTH = 2048;

/** Where a replay of `sessionId` loads the asset at `url` from Reprise (authorized like the session). */
export function assetRoute(sessionId: string, url: string): string {
  return `/api/v1/sessions/${encodeURIComponent(sessionId)}/asset?url=${encodeURIComponent(url)}`;
}

/** What a replay loads instead of an asset in `block` mode, or of one that cannot be served: nothing, and no request. */
export const BLOCKED_ASSET_URL = 'data:,';

/** An absolute http(s) URL to its replacement; `undefined` leaves the URL as it is. */
export type AssetUrlMap = (absoluteUrl: string) => string | undefined;

/** rrweb: the IncrementalSnapshot sources that carry URLs. */
const MUTATION = 0;
const STYLE_SHEET_RULE = 8;
const FONT = 10;
const STYLE_DECLARATION = 13;
const ADOPTED_STYLE_SHEET = 15;

/** Element attributes that load something when the element is rebuilt, by tag ('*' = any tag). */
const URL_ATTRS: Record<string, readonly string[]> = {
  img: ['src'],
  image: ['href', 'xlink:href'],
  input: ['src'],
  video: ['src', 'poster'],
  audio: ['src'],
  source: ['src'],
  track: ['src'],
  embed: ['src'],
  object: ['data'],
  link: ['href'],
  use: ['href', 'xlink:href'],
  feimage: ['href', 'xlink:href'],
  '*': ['background'],
};
const SRCSET_TAGS = new Set(['img', 'source']);
/** `<link>` relations whose target a page loads as a subresource; others (canonical, prefetch, preconnect…) are not assets. */
const ASSET_LINK_REL = /(^|\s)(stylesheet|icon|shortcut|apple-touch-icon|apple-touch-icon-precomposed|mask-icon|preload)(\s|$)/;

/** In attribute mutations the tag is unknown: only names that never hold a page link. */
const MUTATION_URL_ATTRS = new Set(['src', 'poster', 'background']);

const SIMPLE_ABSOLUTE = /^https?:\/\/[a-z0-9.-]+(:\d+)?(\/[^\s#\\]*)?$/;

/** Resolves `url` against `base`; null for anything but an http(s) URL. */
export function absoluteAssetUrl(url: string, base: string | null): string | null {
  // Most URLs in a snapshot are already absolute (rrweb makes them so): taken as they are, without
  // a parse (a large page has thousands). Server and viewer both go through here, so the key a
  // URL is captured under is the key the viewer asks for.
  if (SIMPLE_ABSOLUTE.test(url)) return url;
  const u = url.trim();
  if (u === '' || u.startsWith('#') || /^(data|blob|about|javascript|mailto|tel):/i.test(u)) return null;
  try {
    const abs = base ? new URL(u, base) : new URL(u);
    if (abs.protocol !== 'http:' && abs.protocol !== 'https:') return null;
    abs.hash = '';
    return abs.href;
  } catch {
    return null;
  }
}

// rrweb's own pattern for url(...) (absolutifyURLs), and @import with a bare string.
const CSS_URL = /url\((?:(')([^']*)'|(")(.*?)"|([^)]*))\)/gm;
const CSS_IMPORT = /@import\s+(['"])(.*?)\1/gm;

/** Applies `map` to every url(...) and `@import "…"` of a stylesheet's text; relative ones resolve against `base`. */
export function mapCssUrls(css: string, base: string | null, map: AssetUrlMap): string {
  if (!css.includes('url(') && !css.includes('@import')) return css;
  const one = (raw: string): string | undefined => {
    const abs = absoluteAssetUrl(raw, base);
    return abs === null ? undefined : map(abs);
  };
  return css
    .replace(
      CSS_URL,
      (whole, q1: string | undefined, p1: string | undefined, q2: string | undefined, p2: string | undefined, p3: string | undefined) => {
        const quote = q1 ?? q2 ?? '';
        const raw = p1 ?? p2 ?? p3 ?? '';
        const next = one(raw);
        return next === undefined ? whole : `url(${quote}${next}${quote})`;
      },
    )
    .replace(CSS_IMPORT, (whole, quote: string, raw: string) => {
      const next = one(raw);
      return next === undefined ? whole : `@import ${quote}${next}${quote}`;
    });
}

/** The absolute URLs a stylesheet's text loads (fonts, images, imported sheets), each once. */
export function cssAssetUrls(css: string, base: string | null): string[] {
  const out = new Set<string>();
  mapCssUrls(css, base, (u) => {
    out.add(u);
    return undefined;
  });
  return [...out];
}

function mapSrcset(value: string, base: string | null, map: AssetUrlMap): string {
  return value
    .split(',')
    .map((candidate) => {
      const m = /^(\s*)(\S+)(.*)$/s.exec(candidate);
      if (!m) return candidate;
      const abs = absoluteAssetUrl(m[2]!, base);
      const next = abs === null ? undefined : map(abs);
      return next === undefined ? candidate : `${m[1]}${next}${m[3]}`;
    })
    .join(',');
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface MapAssetOptions {
  /**
   * Set on the href of `<link>`s that are not assets (prefetch, preconnect, canonical…), and
   * `<meta http-equiv=refresh>` emptied: the viewer blanks them so the replay makes no request
   * for them. Unset: they are left alone.
   */
  nonAssetLink?: string;
}

/** Attributes of a serialized element (or of an attribute mutation when `tag` is null), in place. */
function mapAttributes(attrs: Obj, tag: string | null, base: string | null, map: AssetUrlMap, opts: MapAssetOptions): void {
  const single = (name: string) => {
    const v = attrs[name];
    if (typeof v !== 'string') return;
    const abs = absoluteAssetUrl(v, base);
    const next = abs === null ? undefined : map(abs);
    if (next !== undefined) attrs[name] = next;
  };
  if (tag === 'link' && typeof attrs.href === 'string' && !ASSET_LINK_REL.test(String(attrs.rel ?? '').toLowerCase())) {
    if (opts.nonAssetLink !== undefined && absoluteAssetUrl(attrs.href, base) !== null) attrs.href = opts.nonAssetLink;
    tag = '';
  }
  // A refresh would navigate the replay's frame to the recorded site.
  if (tag === 'meta' && opts.nonAssetLink !== undefined && /refresh/i.test(String(attrs['http-equiv'] ?? ''))) attrs.content = '';
  if (tag !== null) {
    for (const name of URL_ATTRS[tag] ?? []) single(name);
    for (const name of URL_ATTRS['*']!) single(name);
    if (SRCSET_TAGS.has(tag) && typeof attrs.srcset === 'string') attrs.srcset = mapSrcset(attrs.srcset, base, map);
  } else {
    for (const name of Object.keys(attrs)) if (MUTATION_URL_ATTRS.has(name)) single(name);
    if (typeof attrs.srcset === 'string') attrs.srcset = mapSrcset(attrs.srcset, base, map);
  }
  // A stylesheet rrweb inlined, and inline styles (rrweb's mutations may carry `style` as an object).
  if (typeof attrs._cssText === 'string') attrs._cssText = mapCssUrls(attrs._cssText, base, map);
  const style = attrs.style;
  if (typeof style === 'string') attrs.style = mapCssUrls(style, base, map);
  else if (isObj(style)) {
    for (const [k, v] of Object.entries(style)) {
      if (typeof v === 'string') style[k] = mapCssUrls(v, base, map);
      else if (Array.isArray(v) && typeof v[0] === 'string') v[0] = mapCssUrls(v[0], base, map);
    }
  }
}

/** A serialized node tree (rrweb-snapshot), in place; iterative, so no depth overflows the stack. */
function mapNode(root: unknown, base: string | null, map: AssetUrlMap, opts: MapAssetOptions): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isObj(node)) continue;
    if (node.type === 2 && typeof node.tagName === 'string') {
      const tag = node.tagName.toLowerCase();
      if (isObj(node.attributes)) mapAttributes(node.attributes, tag, base, map, opts);
      const kids = node.childNodes;
      if (!Array.isArray(kids) || kids.length === 0) continue;
      // A <style>'s children are its CSS text.
      if (tag === 'style') {
        for (const c of kids) if (isObj(c) && typeof c.textContent === 'string') c.textContent = mapCssUrls(c.textContent, base, map);
        continue;
      }
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    } else if (node.type === 3 && typeof node.textContent === 'string' && node.isStyle === true) {
      node.textContent = mapCssUrls(node.textContent, base, map);
    } else if (Array.isArray(node.childNodes)) {
      for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i]);
    }
  }
}
/**
 * Applies `map` to every asset URL of one rrweb event (`eventWithTime`), changing the event in
 * place. `base` resolves relative URLs (the page URL; rrweb already makes most absolute).
 * Anything that is not a well-formed rrweb event is left alone.
 */
export function mapEventAssetUrls(event: unknown, base: string | null, map: AssetUrlMap, opts: MapAssetOptions = {}): void {
  if (!isObj(event) || !isObj(event.data)) return;
  const data = event.data;
  if (event.type === 2) {
    mapNode(data.node, base, map, opts);
    return;
  }
  if (event.type !== 3) return;
  switch (data.source) {
    case MUTATION:
      if (Array.isArray(data.adds)) for (const add of data.adds) if (isObj(add)) mapNode(add.node, base, map, opts);
      if (Array.isArray(data.attributes)) {
        for (const a of data.attributes) if (isObj(a) && isObj(a.attributes)) mapAttributes(a.attributes, null, base, map, opts);
      }
      return;
    case STYLE_SHEET_RULE:
      if (Array.isArray(data.adds))
        for (const r of data.adds) if (isObj(r) && typeof r.rule === 'string') r.rule = mapCssUrls(r.rule, base, map);
      return;
    case STYLE_DECLARATION:
      if (isObj(data.set) && typeof data.set.value === 'string') data.set.value = mapCssUrls(data.set.value, base, map);
      return;
    case ADOPTED_STYLE_SHEET:
      if (Array.isArray(data.styles)) {
        for (const s of data.styles) {
          if (!isObj(s) || !Array.isArray(s.rules)) continue;
          for (const r of s.rules) if (isObj(r) && typeof r.rule === 'string') r.rule = mapCssUrls(r.rule, base, map);
        }
      }
      return;
    case FONT:
      if (data.buffer === false && typeof data.fontSource === 'string') data.fontSource = mapCssUrls(data.fontSource, base, map);
      return;
  }
}

/** The page URL an rrweb Meta event (type 4) names, else null. */
export function rrwebMetaHref(event: unknown): string | null {
  return isObj(event) && event.type === 4 && isObj(event.data) && typeof event.data.href === 'string' ? event.data.href : null;
}

/** Every distinct asset URL of some rrweb events (in order), without changing them. */
export function collectAssetUrls(events: Iterable<unknown>, base: string | null): string[] {
  const out = new Set<string>();
  let page = base;
  for (const e of events) {
    page = rrwebMetaHref(e) ?? page;
    mapEventAssetUrls(e, page, (u) => {
      if (u.length <= MAX_ASSET_URL_LENGTH) out.add(u);
      return undefined;
    });
  }
  return [...out];
}
