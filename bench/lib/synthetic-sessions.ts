import type { ClickData, ConsoleData, ErrorData, NavData, NetworkData, ReplayEvent } from '@reprise/protocol';
import type { Rng } from '../../test-support/rng.js';

/**
 * Whole synthetic sessions for the search benchmark: about 50 requests, 20 console
 * messages, 30 clicks, a few errors and page views each, plus the rrweb activity and
 * mutations that answer most clicks. A small share of sessions carry the problems
 * search is for (a 422 on checkout, rage and dead clicks, a `card_expiry` console error),
 * so selective queries have a realistic number of hits.
 */
export interface SyntheticSession {
  id: string;
  startedAt: number;
  events: ReplayEvent[];
  browser: string;
  os: string;
  device: string;
}

const BROWSERS = [
  ['Chrome', 65],
  ['Safari', 18],
  ['Firefox', 8],
  ['Edge', 6],
  ['Samsung Internet', 3],
] as const;
const OSES: Record<string, readonly (readonly [string, string, number])[]> = {
  desktop: [
    ['Windows', 'desktop', 55],
    ['macOS', 'desktop', 35],
    ['Linux', 'desktop', 10],
  ],
  mobile: [
    ['iOS', 'mobile', 55],
    ['Android', 'mobile', 45],
  ],
};
const PAGES = ['/', '/products', '/products/:id', '/cart', '/checkout', '/account', '/orders/:id', '/search', '/help'];
const ROUTES = [
  ['GET', '/api/products'],
  ['GET', '/api/products/:id'],
  ['GET', '/api/cart'],
  ['POST', '/api/cart/items'],
  ['DELETE', '/api/cart/items/:id'],
  ['GET', '/api/users/:id/profile'],
  ['GET', '/api/orders/:id'],
  ['GET', '/api/search'],
  ['POST', '/api/events'],
  ['GET', '/api/recommendations'],
  ['POST', '/api/checkout'],
  ['GET', '/api/shipping/rates'],
  ['PATCH', '/api/users/:id'],
  ['GET', '/api/stock/:id'],
] as const;
const BUTTONS = [
  ['#add-to-cart', 'Add to cart'],
  ['[data-testid="checkout"]', 'Checkout'],
  ['#pay', 'Pay now'],
  ['nav > a:nth-of-type(1)', 'Home'],
  ['nav > a:nth-of-type(2)', 'Products'],
  ['nav > a:nth-of-type(3)', 'Account'],
  ['#search-submit', 'Search'],
  ['.product-card:nth-of-type(2) > button', 'Quick view'],
  ['#apply-coupon', 'Apply coupon'],
  ['#qty-plus', '+'],
  ['#qty-minus', '−'],
  ['.filters > label:nth-of-type(1)', 'In stock'],
  ['#load-more', 'Load more'],
  ['footer > a:nth-of-type(4)', 'Contact'],
  ['#newsletter-submit', 'Subscribe'],
  ['.size-picker > button:nth-of-type(3)', 'M'],
] as const;
const LOGS = [
  ['log', 'Loaded product <id>'],
  ['info', 'cart updated: <n> items'],
  ['debug', 'render took <n>ms'],
  ['log', 'analytics: page_view <id>'],
  ['warn', 'Deprecated API used: window.webkitStorageInfo'],
  ['info', 'feature flag new_checkout=<b>'],
  ['log', 'session restored for user <id>'],
  ['warn', 'Slow request /api/search took <n>ms'],
] as const;
const ERRORS = [
  ['TypeError', "Cannot read properties of undefined (reading 'price')"],
  ['TypeError', 'Failed to fetch'],
  ['Error', 'Order <id> failed to load'],
  ['ReferenceError', 'gtag is not defined'],
  ['RangeError', 'Invalid time value'],
] as const;

function weighted<T>(rng: Rng, items: readonly (readonly [...unknown[], number])[], map: (item: readonly unknown[]) => T): T {
  const total = items.reduce((s, i) => s + (i[i.length - 1] as number), 0);
  let r = rng.next() * total;
  for (const i of items) {
    r -= i[i.length - 1] as number;
    if (r < 0) return map(i);
  }
  return map(items[items.length - 1]!);
}

const fill = (rng: Rng, s: string) =>
  s
    .replace(/<id>/g, () => String(rng.int(1, 99_999)))
    .replace(/<n>/g, () => String(rng.int(1, 400)))
    .replace(/<b>/g, () => (rng.chance(0.5) ? 'on' : 'off'));
const path = (rng: Rng, p: string) => p.replace(/:id/g, () => String(rng.int(1, 50_000)));

/** One session, deterministic for a given rng state. `now` anchors start times in the last 30 days. */
export function syntheticSession(rng: Rng, index: number, now: number): SyntheticSession {
  const id = `bench_${index.toString(36).padStart(6, '0')}_${rng.int(0, 1e9).toString(36)}`;
  const startedAt = now - rng.int(0, 30 * 24 * 3600) * 1000;
  const browser = weighted(rng, BROWSERS, (i) => i[0] as string);
  const mobile = browser === 'Samsung Internet' || (browser === 'Safari' ? rng.chance(0.6) : rng.chance(0.3));
  const [os, device] = weighted(rng, OSES[mobile ? 'mobile' : 'desktop']!, (i) => [i[0] as string, i[1] as string] as const);
  const w = new SessionScript(rng, 'https://shop.example.com', startedAt);

  // Problems a search should single out, at realistic rates.
  const problems: Problems = {
    expiredCard: rng.chance(0.004),
    rage: rng.chance(0.03),
    dead: rng.chance(0.02),
    errorCount: rng.chance(0.15) ? rng.int(1, 3) : 0,
  };

  const t = startedAt;
  w.push(t, 'dom', { type: 4, timestamp: t, data: { href: `${w.origin}/`, width: 1280, height: 800 } });
  w.push(t, 'dom', { type: 2, timestamp: t, data: { node: { type: 0, id: 1, childNodes: [] }, initialOffset: { top: 0, left: 0 } } });
  if (rng.chance(0.4)) w.push(t, 'custom', { type: 'identify', userId: `u_${rng.int(1, 20_000)}` });
  w.push(t, 'custom', { type: 'tag', key: 'plan', value: rng.pick(['free', 'free', 'pro', 'enterprise']) });

  const pages = rng.int(3, 8);
  const totals = { requests: rng.int(40, 60), logs: rng.int(15, 25), clicks: rng.int(25, 35) };
  // Everything is spread over the session in page-sized slices.
  for (let p = 0; p < pages; p++) writePage(w, p, pages, totals);
  writeProblems(w, problems);
  w.t += rng.int(1000, 20_000);
  w.push(w.t, 'dom', { type: 3, timestamp: w.t, data: { source: 3, id: 1, x: 0, y: rng.int(0, 3000) } });
  w.events.sort((a, b) => a.t - b.t);
  return { id, startedAt, events: w.events, browser, os, device };
}

interface Problems {
  expiredCard: boolean;
  rage: boolean;
  dead: boolean;
  errorCount: number;
}

/** A session's events as they are written: the clock `t` and the next DOM node id move on as they go. */
class SessionScript {
  readonly events: ReplayEvent[] = [];
  node = 100;
  constructor(
    readonly rng: Rng,
    readonly origin: string,
    public t: number,
  ) {}

  push<D>(t: number, kind: ReplayEvent['kind'], data: D): void {
    this.events.push({ t, kind, data });
  }
}

/** Page `p` of `pages`: its navigation, then its share of the requests, console lines and clicks. */
function writePage(w: SessionScript, p: number, pages: number, totals: { requests: number; logs: number; clicks: number }): void {
  const { rng, origin } = w;
  const url = origin + path(rng, p === 0 ? '/' : rng.pick(PAGES));
  w.push(w.t, 'nav', { url, type: p === 0 ? 'load' : 'pushState' } satisfies NavData);
  const share = (n: number) => Math.round(n / pages) + (p === 0 ? n % pages : 0);
  for (let i = 0; i < share(totals.requests); i++) {
    w.t += rng.int(50, 1500);
    const [method, route] = rng.pick(ROUTES);
    const r = rng.next();
    const status = r < 0.95 ? 200 : r < 0.97 ? 404 : r < 0.985 ? 500 : r < 0.995 ? 401 : 0;
    w.push(w.t, 'network', networkData(rng, method, origin + path(rng, route), status, w.t));
  }
  for (let i = 0; i < share(totals.logs); i++) {
    w.t += rng.int(20, 800);
    const [level, text] = rng.pick(LOGS);
    w.push(w.t, 'console', { level, args: [{ type: 'string', value: fill(rng, text) }] } satisfies ConsoleData);
  }
  for (let i = 0; i < share(totals.clicks); i++) {
    w.t += rng.int(300, 4000);
    const t = w.t;
    const [selector, text] = rng.pick(BUTTONS);
    w.push(t, 'dom', { type: 3, timestamp: t - 200, data: { source: 1, positions: [{ x: 400, y: 300, id: w.node, timeOffset: 0 }] } });
    w.push(t, 'click', clickData(selector, text, w.node++, rng));
    // Most clicks change the page; that is what makes them not dead.
    w.push(t + 120, 'dom', {
      type: 3,
      timestamp: t + 120,
      data: { source: 0, texts: [{ id: w.node, value: 'updated' }], attributes: [], removes: [], adds: [] },
    });
    if (rng.chance(0.3))
      w.push(t + 300, 'dom', { type: 3, timestamp: t + 300, data: { source: 5, id: w.node, text: '*****', isChecked: false } });
  }
}

/** The session's problems after its pages: an expired card, rage clicks, a dead click, errors. */
function writeProblems(w: SessionScript, problems: Problems): void {
  const { rng, origin } = w;
  if (problems.expiredCard) {
    w.t += 2000;
    const t = w.t;
    w.push(t, 'click', clickData('#pay', 'Pay now', w.node++, rng));
    w.push(t + 50, 'network', networkData(rng, 'POST', `${origin}/api/checkout`, 422, t + 50));
    w.push(t + 400, 'console', {
      level: 'error',
      args: [{ type: 'string', value: 'card_expiry: the card has expired' }],
    } satisfies ConsoleData);
  }
  if (problems.rage) {
    w.t += 3000;
    const t = w.t;
    for (let i = 0; i < rng.int(3, 6); i++) w.push(t + i * 250, 'click', clickData('#apply-coupon', 'Apply coupon', 999_999, rng));
    w.t += 3000;
  }
  if (problems.dead) {
    w.t += 3000;
    w.push(w.t, 'click', clickData('.size-picker > button:nth-of-type(3)', 'M', w.node++, rng));
    w.t += 4000;
    w.push(w.t, 'dom', { type: 3, timestamp: w.t, data: { source: 1, positions: [{ x: 10, y: 10, id: 1, timeOffset: 0 }] } });
  }
  for (let i = 0; i < problems.errorCount; i++) {
    w.t += rng.int(100, 2000);
    const [name, message] = rng.pick(ERRORS);
    const msg = fill(rng, message);
    w.push(w.t, 'error', {
      name,
      message: msg,
      stack: `${name}: ${msg}\n    at render (${origin}/assets/app.js:1:${rng.int(1, 90_000)})`,
      origin: 'error',
    } satisfies ErrorData);
  }
}

function networkData(rng: Rng, method: string, url: string, status: number, t: number): NetworkData {
  return {
    id: `r${rng.int(0, 1e9)}`,
    initiator: rng.chance(0.8) ? 'fetch' : 'xhr',
    method,
    url,
    status,
    requestHeaders: { accept: 'application/json' },
    responseHeaders: status ? { 'content-type': 'application/json' } : {},
    requestBody: null,
    responseBody: null,
    startedAt: t,
    durationMs: rng.int(15, 900),
    ...(status === 0 ? { error: 'network' as const, errorMessage: 'Failed to fetch' } : {}),
  };
}

function clickData(selector: string, text: string, nodeId: number, rng: Rng): ClickData {
  return { selector, text, tag: 'button', interactive: true, x: rng.int(0, 1280), y: rng.int(0, 800), nodeId };
}
