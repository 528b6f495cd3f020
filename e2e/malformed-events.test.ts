/**
 * The viewer survives any stored data: a session holding well-formed events next to a table
 * of type-confused ones (each devtools kind × several confusions, and garbage rrweb events)
 * opens with the replay running, every panel showing the good entries and marking the bad ones
 * "unreadable event", and no uncaught error. Then the viewer's own writes (create and revoke a
 * link, log out: cookie-authenticated, under the CSRF guard) still work from real Chromium.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Batch, ReplayEvent } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { ADMIN } from './support/server.js';

const h = useServerAndBrowser();
const SID = 'sess_malformed_events_01';
// An hour ago: a session active in the last minutes opens live, at its newest events.
const T0 = Date.now() - 3_600_000;

// A one-element page: document > html > body > p.
const snapshotNode = {
  type: 0,
  id: 1,
  childNodes: [
    {
      type: 2,
      id: 2,
      tagName: 'html',
      attributes: {},
      childNodes: [
        { type: 2, id: 3, tagName: 'head', attributes: {}, childNodes: [] },
        {
          type: 2,
          id: 4,
          tagName: 'body',
          attributes: {},
          childNodes: [
            {
              type: 2,
              id: 5,
              tagName: 'p',
              attributes: { id: 'greeting' },
              childNodes: [{ type: 3, id: 6, textContent: 'A readable page' }],
            },
          ],
        },
      ],
    },
  ],
};

const dom = (t: number, data: unknown): ReplayEvent => ({ t, kind: 'dom', data: { timestamp: t, ...(data as object) } as never });
const ev = (t: number, kind: ReplayEvent['kind'], data: unknown): ReplayEvent => ({ t, kind, data: data as never });

const goodEnv = {
  userAgent: 'UA/1',
  viewport: { width: 1280, height: 800 },
  screen: { width: 1920, height: 1080 },
  dpr: 1,
  url: 'https://shop.example/',
  referrer: '',
};
const goodNet = {
  id: 'r1',
  initiator: 'fetch',
  method: 'GET',
  url: 'https://shop.example/api/ok',
  status: 200,
  requestHeaders: {},
  responseHeaders: {},
  requestBody: null,
  responseBody: null,
  startedAt: T0 + 1500,
  durationMs: 20,
};

/** Type confusions per kind; each becomes one event (the panel and marker kind in brackets). */
const MALFORMED: {
  kind: ReplayEvent['kind'];
  panel: 'console' | 'network' | 'errors' | 'environment' | 'feedback' | null;
  what: string;
  data: unknown;
}[] = [
  { kind: 'console', panel: 'console', what: 'args as a string', data: { level: 'log', args: 'hello' } },
  { kind: 'console', panel: 'console', what: 'args as a number', data: { level: 'error', args: 42 } },
  {
    kind: 'console',
    panel: 'console',
    what: 'an argument of an unknown type',
    data: { level: 'log', args: [{ type: 'weird', value: 1 }] },
  },
  {
    kind: 'console',
    panel: 'console',
    what: 'object entries as a string',
    data: { level: 'warn', args: [{ type: 'object', entries: 'nope' }] },
  },
  { kind: 'console', panel: 'console', what: 'a string argument without its value', data: { level: 'log', args: [{ type: 'string' }] } },
  { kind: 'console', panel: 'console', what: 'level as an object', data: { level: { x: 1 }, args: [] } },
  { kind: 'console', panel: 'console', what: 'data as a string', data: 'console.log("x")' },
  { kind: 'network', panel: 'network', what: 'method as a number', data: { ...goodNet, method: 7 } },
  { kind: 'network', panel: 'network', what: 'url as an object', data: { ...goodNet, url: { href: 'x' } } },
  { kind: 'network', panel: 'network', what: 'status as a string', data: { ...goodNet, status: '200' } },
  { kind: 'network', panel: 'network', what: 'a header value as an object', data: { ...goodNet, requestHeaders: { accept: { a: 1 } } } },
  { kind: 'network', panel: 'network', what: 'data as an array', data: [1, 2, 3] },
  { kind: 'error', panel: 'errors', what: 'message as an object', data: { message: { text: 'boom' } } },
  { kind: 'error', panel: 'errors', what: 'no message', data: { stack: 'at x' } },
  { kind: 'error', panel: 'errors', what: 'stack as a number', data: { message: 'boom', stack: 12 } },
  { kind: 'error', panel: 'errors', what: 'line as a string', data: { message: 'boom', line: 'ten' } },
  { kind: 'env', panel: 'environment', what: 'no viewport', data: { ...goodEnv, viewport: undefined } },
  { kind: 'env', panel: 'environment', what: 'viewport as a string', data: { ...goodEnv, viewport: '1280x800' } },
  { kind: 'env', panel: 'environment', what: 'dpr as a string', data: { ...goodEnv, dpr: '2' } },
  { kind: 'vital', panel: 'environment', what: 'value as a string', data: { name: 'LCP', value: 'fast' } },
  { kind: 'nav', panel: null, what: 'url as a number', data: { url: 5, type: 'load' } },
  { kind: 'custom', panel: 'feedback', what: 'feedback message as an object', data: { type: 'feedback', message: { text: 'hi' } } },
  { kind: 'custom', panel: null, what: 'event name as a number', data: { type: 'event', name: 3 } },
];

/** rrweb events that pass ingest's {type, timestamp} check but that rrweb chokes on. */
const GARBAGE_DOM: unknown[] = [
  { type: 3, data: { source: 0, texts: [], attributes: [], removes: [], adds: 'nodes' } },
  {
    type: 3,
    data: {
      source: 0,
      texts: [],
      attributes: [],
      removes: [],
      adds: [{ parentId: 4, nextId: null, node: { type: 2, id: 50, tagName: '1 bad<tag', attributes: {}, childNodes: [] } }],
    },
  },
  {
    type: 3,
    data: {
      source: 0,
      texts: [],
      attributes: [],
      removes: [],
      adds: [{ parentId: 4, nextId: null, node: { type: 2, id: 51, tagName: 'div', attributes: {}, childNodes: 'x' } }],
    },
  },
  { type: 3, data: { source: 1, positions: 'here' } },
  { type: 3, data: null },
  { type: 3, data: { source: 3, id: 'x', x: 1, y: 2 } },
  { type: 2, data: { node: { type: 0, id: 1, childNodes: 'none' }, initialOffset: { top: 0, left: 0 } } },
  { type: 4, data: 'meta' },
  { type: 99, data: {} },
];

function sessionEvents(): ReplayEvent[] {
  const out: ReplayEvent[] = [
    dom(T0, { type: 4, data: { href: 'https://shop.example/', width: 1280, height: 800 } }),
    dom(T0 + 1, { type: 2, data: { node: snapshotNode, initialOffset: { top: 0, left: 0 } } }),
    ev(T0 + 2, 'env', goodEnv),
    ev(T0 + 1000, 'console', { level: 'log', args: [{ type: 'string', value: 'readable console line' }] }),
    ev(T0 + 1600, 'network', goodNet),
    ev(T0 + 2000, 'error', { message: 'Readable error', name: 'Error', origin: 'error' }),
    ev(T0 + 2100, 'vital', { name: 'LCP', value: 900 }),
    ev(T0 + 2200, 'custom', { type: 'feedback', message: 'readable feedback' }),
  ];
  MALFORMED.forEach((m, i) => out.push(ev(T0 + 3000 + i * 100, m.kind, m.data)));
  GARBAGE_DOM.forEach((d, i) => out.push(dom(T0 + 3050 + i * 100, d)));
  out.push(dom(T0 + 8000, { type: 3, data: { source: 2, type: 2, id: 5, x: 10, y: 10 } }));
  return out.sort((a, b) => a.t - b.t);
}

async function ingest(): Promise<void> {
  const batch: Batch = { v: 1, sessionId: SID, seq: 0, meta: { url: 'https://shop.example/' }, events: sessionEvents() };
  const r = await fetch(`${h.server.base}/ingest/v1/batch?key=${h.server.projectKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(Buffer.from(JSON.stringify(batch))),
  });
  expect(r.status, await r.text()).toBe(200);
}

async function loggedIn(next: string): Promise<{ page: Page; uncaught: string[] }> {
  const ctx = await h.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const uncaught: string[] = [];
  page.on('pageerror', (err) => uncaught.push(err.message));
  await page.goto(`${h.server.base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('input[name="email"]', ADMIN.email);
  await page.fill('input[name="password"]', ADMIN.password);
  await page.click('[data-testid="login-submit"]');
  return { page, uncaught };
}

describe('the viewer survives malformed stored events', () => {
  it(`opens a session with ${MALFORMED.length + GARBAGE_DOM.length} malformed events: good entries shown, bad ones marked, nothing blank`, async () => {
    expect(MALFORMED.length + GARBAGE_DOM.length).toBeGreaterThanOrEqual(21);
    await ingest();
    const { page, uncaught } = await loggedIn(`/sessions/${SID}`);
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 }).catch(async (err: unknown) => {
      throw new Error(
        `player not ready: ${String(err)}\nuncaught: ${uncaught.join(' | ')}\npage: ${(await page.locator('main').innerText()).slice(0, 1500)}`,
      );
    });
    // The replay shows the page from the good snapshot.
    await expect
      .poll(() => page.frameLocator('[data-testid="player"] iframe').locator('#greeting').textContent(), { timeout: 15_000 })
      .toBe('A readable page');
    await expect
      .poll(() => page.locator('[data-testid="unreadable-dom"]').textContent())
      .toContain(`${GARBAGE_DOM.length} unreadable events`);

    const unreadableIn = () => page.locator('[data-testid="unreadable-event"]');
    const expectPanel = async (tab: string, goodSelector: string, goodText: string, panel: string) => {
      await page.click(`[data-testid="tab-${tab}"]`);
      await expect.poll(() => page.locator(goodSelector).first().textContent()).toContain(goodText);
      expect(await unreadableIn().count(), `${tab} unreadable rows`).toBe(MALFORMED.filter((m) => m.panel === panel).length);
      expect(await unreadableIn().first().textContent()).toContain('unreadable event');
    };
    await expectPanel('console', '[data-testid="console-entry"]', 'readable console line', 'console');
    await expectPanel('network', '[data-testid="network-entry"]', '/api/ok', 'network');
    await expectPanel('errors', '[data-testid="error-entry"]', 'Readable error', 'errors');
    await expectPanel('feedback', '[data-testid="feedback-entry"]', 'readable feedback', 'feedback');
    await expectPanel('environment', '[data-testid="environment"]', '1280 × 800', 'environment');
    expect(await page.locator('[data-testid="vital"]').count()).toBe(1);

    // Every unreadable devtools event has its marker on the scrub bar.
    expect(await page.locator('[data-testid="marker"][data-kind="unreadable"]').count()).toBe(MALFORMED.length);
    // Nothing fell back to a boundary, nothing went uncaught, and the player still plays.
    expect(await page.locator('[data-testid="part-failed"]').count()).toBe(0);
    await page.click('[data-testid="tab-console"]');
    await page.locator('[data-testid="console-entry"]').first().click();
    await page.waitForTimeout(300);
    expect(uncaught).toEqual([]);
    await page.context().close();
  });

  it("the viewer's own writes (create and revoke a link, log out) pass the CSRF guard", async () => {
    const { page, uncaught } = await loggedIn('/links');
    page.on('dialog', (d) => void d.accept());
    await page.waitForSelector('[data-testid="create-link"]');
    await page.fill('[data-testid="link-target"]', `${h.server.base}/demo/`);
    await page.fill('[data-testid="link-label-input"]', 'CSRF-OK-1');
    await page.fill('[data-testid="link-expires"]', '1');
    await page.click('[data-testid="create-link"]');
    expect(await page.inputValue('[data-testid="created-link-url"]')).toMatch(/\/l\/[A-Za-z0-9_-]{22,}$/);
    const row = page.locator('[data-testid="link-row"]', { hasText: 'CSRF-OK-1' });
    await expect.poll(() => row.getAttribute('data-status')).toBe('created');
    await row.locator('[data-testid="revoke-link"]').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('ended');

    // The same request from a script in another origin's page is refused (no Origin of ours).
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'reprise_session')!;
    const forged = await fetch(`${h.server.base}/api/v1/links`, {
      method: 'POST',
      headers: { cookie: `${session.name}=${session.value}`, 'content-type': 'text/plain', origin: 'http://attacker.localhost' },
      body: JSON.stringify({ targetUrl: `${h.server.base}/demo/`, expiresInSeconds: 60 }),
    });
    expect(forged.status).toBe(403);

    await page.getByRole('button', { name: /log out/i }).click();
    await page.waitForURL(/\/login/);
    const after = await fetch(`${h.server.base}/api/v1/auth/me`, { headers: { cookie: `${session.name}=${session.value}` } });
    expect(after.status).toBe(401);
    expect(uncaught).toEqual([]);
    await page.context().close();
  });
});
