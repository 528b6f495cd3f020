import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import {
  parseNdjson,
  type ConsoleData,
  type ErrorData,
  type NetworkData,
  type ReplayEvent,
  type SerializedValue,
  type SessionDetail,
} from '@reprise/protocol';
import { launchChromium } from '../test-support/chromium.js';
import { ADMIN, startServer, type RunningServer } from './support/server.js';
import { checkoutWithExpiredCard, sessionIdOf, SHOPPER } from './support/shopper.js';
import { storedBytes } from './support/stored-bytes.js';
import { playheadT } from './support/viewer.js';

const BEARER = 'e2e-bearer-9f8e7d6c5b4a';

let server: RunningServer;
let browser: Browser;
let sessionId = '';
let events: ReplayEvent[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  await checkoutWithExpiredCard(page, server.base);
  // A request carrying credentials the recorder must strip before anything is queued.
  await page.evaluate(
    (secret) =>
      fetch('/demo/api/products?token=query-secret-123', {
        headers: { Authorization: `Bearer ${secret}`, 'X-Session-Token': secret },
      }).then((r) => r.json()),
    BEARER,
  );
  sessionId = await sessionIdOf(page);
  await page.goto('about:blank');
  await ctx.close();
  await server.waitForSession(sessionId);
  events = parseNdjson(await server.apiText(`/api/v1/sessions/${sessionId}/events`));
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const ofKind = <D>(kind: string) => events.filter((e) => e.kind === kind) as ReplayEvent<never, D>[];

describe('devtools capture on the demo shop', () => {
  it('records POST /demo/api/checkout with status 422 and its JSON response body', () => {
    const req = ofKind<NetworkData>('network').find((e) => e.data.url.includes('/demo/api/checkout'));
    expect(req).toBeDefined();
    expect(req!.data.method).toBe('POST');
    expect(req!.data.status).toBe(422);
    expect(req!.data.responseBody?.kind).toBe('json');
    expect(req!.data.responseBody?.value).toEqual({ error: 'card_expired', field: 'card_expiry', message: 'card_expiry invalid format' });
    expect(req!.data.durationMs).toBeGreaterThanOrEqual(0);
    // The card fields in the request body are redacted in the browser.
    expect(JSON.stringify(req!.data.requestBody)).not.toContain(SHOPPER.card);
  });

  it('keeps the console.warn object argument as an inspectable structure', () => {
    const warn = ofKind<ConsoleData>('console').find((e) => e.data.level === 'warn');
    expect(warn).toBeDefined();
    const [label, obj] = warn!.data.args;
    expect(label).toEqual({ type: 'string', value: 'Checkout rejected' });
    expect(obj!.type).toBe('object');
    const entries = new Map((obj as Extract<SerializedValue, { type: 'object' }>).entries);
    expect(entries.get('status')).toEqual({ type: 'number', value: 422 });
    expect(entries.get('body')?.type).toBe('object');
  });

  it('records console.error with its text and a stack', () => {
    const e = ofKind<ConsoleData>('console').find((x) => x.data.level === 'error');
    expect(e?.data.args[0]).toEqual({ type: 'string', value: 'card_expiry invalid format' });
    expect(e?.data.stack).toMatch(/checkout\.js/);
  });

  it('records the uncaught TypeError with its stack', () => {
    const err = ofKind<ErrorData>('error').find((e) => /Cannot read properties of undefined/.test(e.data.message));
    expect(err).toBeDefined();
    expect(err!.data.stack).toMatch(/TypeError/);
    expect(err!.data.stack).toMatch(/checkout\.js/);
  });

  it('records environment and navigation', () => {
    const env = ofKind<{ userAgent: string; viewport: { width: number }; timezone?: string }>('env')[0];
    expect(env?.data.userAgent).toMatch(/Chrom/);
    expect(env?.data.viewport.width).toBe(1100);
    expect(ofKind<{ url: string }>('nav').some((e) => e.data.url.includes('/demo/checkout'))).toBe(true);
  });

  it('counts errors, warnings and 4xx on the session summary', async () => {
    const d = await server.api<SessionDetail>(`/api/v1/sessions/${sessionId}`);
    expect(d.counts.errors).toBeGreaterThanOrEqual(1);
    expect(d.counts.consoleWarnings).toBeGreaterThanOrEqual(1);
    expect(d.counts.consoleErrors).toBeGreaterThanOrEqual(1);
    expect(d.counts.network4xx).toBeGreaterThanOrEqual(1);
  });

  it('stores neither the typed password nor the Authorization header anywhere', () => {
    const bytes = storedBytes(server.dataDir);
    for (const secret of [SHOPPER.password, SHOPPER.card, BEARER, 'query-secret-123']) {
      expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
    }
    // The request itself was recorded, so the check above is not vacuous.
    expect(ofKind<NetworkData>('network').some((e) => e.data.url.includes('/demo/api/products?token='))).toBe(true);
  });

  it('seeks the player to the 422 request when its entry is clicked, and shows the response body', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    const page = await ctx.newPage();
    await page.goto(`${server.base}/login?next=/sessions/${sessionId}`);
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
    await page.click('[data-testid="tab-network"]');
    await page.click('[data-testid="network-entry"][data-status="422"]');
    const req = ofKind<NetworkData>('network').find((e) => e.data.status === 422)!;
    const expected = req.data.startedAt;
    const now = () => playheadT(page);
    // The seek may wait for the window that holds it to load (background reads give way first; slower under load).
    await expect.poll(async () => Math.abs((await now()) - expected), { timeout: 10_000 }).toBeLessThanOrEqual(100);
    const body = await page.locator('[data-testid="network-detail"] [data-testid="response-body"]').innerText();
    expect(body).toContain('card_expired');
    expect(body).toContain('card_expiry invalid format');
    expect(await page.locator('[data-testid="marker"][data-kind="error"]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="marker"][data-kind="network-error"]').count()).toBeGreaterThanOrEqual(1);

    // Error moments are JS errors and failed or 4xx/5xx requests. From the 422, "next" goes to
    // the following moment (the TypeError, unless something else failed in between) and
    // "previous" comes back to the 422.
    const moments = [
      ...ofKind<ErrorData>('error').map((e) => e.t),
      ...ofKind<NetworkData>('network')
        .filter((e) => e.data.status >= 400 || e.data.error)
        .map((e) => e.data.startedAt),
    ].sort((a, b) => a - b);
    const typeError = ofKind<ErrorData>('error').find((e) => /Cannot read/.test(e.data.message))!;
    expect(moments).toContain(typeError.t);
    const following = moments.find((m) => m > expected + 1)!;
    const diag = async () =>
      `moments ${moments.join(',')} expected ${expected} now ${await now()} clock ${await page.textContent('[data-testid="current-time"]')} live ${await page.locator('[data-testid="live-indicator"]').count()} url ${page.url()}`;
    if (await page.locator('[data-testid="next-error"]').isDisabled()) throw new Error(`next-error disabled: ${await diag()}`);
    // Each seek may wait for its window too (polled, as above).
    await page.click('[data-testid="next-error"]');
    await expect.poll(async () => Math.abs((await now()) - following), { timeout: 10_000, message: await diag() }).toBeLessThanOrEqual(100);
    await page.click('[data-testid="prev-error"]');
    await expect
      .poll(async () => Math.abs((await now()) - expected), { timeout: 10_000, message: `moments ${moments.join(',')}` })
      .toBeLessThanOrEqual(100);

    // Console: the warn's object argument expands into its fields.
    await page.click('[data-testid="tab-console"]');
    const warn = page.locator('[data-testid="console-entry"][data-level="warn"]');
    await expect.poll(() => warn.count()).toBe(1);
    expect(await page.locator('[data-testid="console-entry"][data-level="error"]').innerText()).toContain('card_expiry invalid format');
    expect(await warn.innerText()).toContain('Checkout rejected');
    expect(await warn.innerText()).toContain('422');
    // Errors: the TypeError with its stack.
    await page.click('[data-testid="tab-errors"]');
    expect(await page.locator('[data-testid="error-entry"]').first().innerText()).toMatch(/checkout\.js/);
    // Environment: what the recorder saw.
    await page.click('[data-testid="tab-environment"]');
    expect(await page.locator('[data-testid="environment"]').innerText()).toMatch(/1100/);

    // The session list shows what went wrong, from the counts computed at ingest.
    await page.goto(`${server.base}/`);
    const row = page.locator('[data-testid="session-row"]').first();
    await row.waitFor();
    expect(await row.locator('[data-testid="problem-errors"]').innerText()).toMatch(/^1 /);
    expect(await row.locator('[data-testid="problem-network"]').innerText()).toMatch(/^1 /);
    await ctx.close();
  });
});

describe('a hostile page', () => {
  let site: Server;
  let siteBase = '';
  const TEN_MB = 10 * 1024 * 1024;

  const page = (withRecorder: boolean) => `<!doctype html><html><head><meta charset="utf-8">
    ${withRecorder ? `<script src="${server.base}/sdk/reprise.js" data-project-key="${server.projectKey}" data-flush-interval-ms="500"></script>` : ''}
    </head><body><p>hostile</p><script>
    window.__run = async function () {
      const out = {};
      const circ = { name: 'circ' }; circ.self = circ; circ.list = [circ];
      console.log('circular', circ);
      const big = 'x'.repeat(5 * 1024 * 1024);
      console.log(big);
      const evil = { ok: 1, get boom() { throw new Error('getter exploded'); }, toJSON() { throw new Error('toJSON exploded'); } };
      console.warn('evil', evil);
      const r = await fetch('/big');
      const text = await r.text();
      out.len = text.length; out.head = text.slice(0, 8); out.status = r.status;
      out.circ = circ.self === circ; out.bigLen = big.length;
      try { evil.boom; } catch (e) { out.boom = e.message; }
      return out;
    };
    </script></body></html>`;

  beforeAll(async () => {
    const bigBody = Buffer.alloc(TEN_MB, 'y');
    site = createServer((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(bigBody);
      } else {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page(req.url === '/with'));
      }
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    siteBase = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => site.close(() => r())));

  it('behaves exactly as without the recorder and yields capped, well-formed events', async () => {
    const run = async (path: string) => {
      const ctx = await browser.newContext();
      const p = await ctx.newPage();
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(e.message));
      await p.goto(`${siteBase}${path}`);
      if (path === '/with') await p.waitForFunction(() => !!(window as unknown as { Reprise?: unknown }).Reprise);
      const result = await p.evaluate(() => (window as unknown as { __run(): Promise<unknown> }).__run());
      const sid = path === '/with' ? await sessionIdOf(p) : '';
      await p.goto('about:blank');
      await ctx.close();
      return { result, errors, sid };
    };
    const without = await run('/without');
    const withRec = await run('/with');
    expect(withRec.result).toEqual(without.result);
    expect(withRec.result).toMatchObject({ len: TEN_MB, status: 200, circ: true, bigLen: 5 * 1024 * 1024, boom: 'getter exploded' });
    expect(withRec.errors).toEqual([]);

    await server.waitForSession(withRec.sid);
    const evs = parseNdjson(await server.apiText(`/api/v1/sessions/${withRec.sid}/events`));
    const consoles = evs.filter((e) => e.kind === 'console') as ReplayEvent<'console', ConsoleData>[];
    expect(consoles.length).toBeGreaterThanOrEqual(3);
    for (const e of consoles) expect(JSON.stringify(e).length).toBeLessThan(200 * 1024);
    const text = JSON.stringify(consoles);
    expect(text).toContain('"type":"circular"');
    expect(text).toContain('"type":"thrown"');
    const bigLog = consoles.find(
      (e) => e.data.args[0]?.type === 'string' && (e.data.args[0] as { value: string }).value.startsWith('xxxx'),
    )!;
    expect((bigLog.data.args[0] as { truncated?: number }).truncated).toBe(5 * 1024 * 1024);
    const big = evs.find((e) => e.kind === 'network' && (e.data as NetworkData).url.endsWith('/big')) as ReplayEvent<
      'network',
      NetworkData
    >;
    expect(big.data.status).toBe(200);
    expect(JSON.stringify(big).length).toBeLessThan(200 * 1024);
    expect(
      big.data.responseBody?.truncated || big.data.responseBody?.kind === 'omitted' || big.data.responseBody?.kind === 'binary',
    ).toBeTruthy();
  });
});
