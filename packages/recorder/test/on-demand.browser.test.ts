import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ReplayEvent } from '@reprise/protocol';
import { launchChromium } from '../../../test-support/chromium.js';
import { FakeIngest, html, sdkTag, type Received } from './support/fake-ingest.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const SDK = join(pkgDir, 'dist/browser/reprise.js');
const LOADER = join(pkgDir, 'dist/browser/loader.js');

let browser: Browser;
let ingest: FakeIngest;

beforeAll(async () => {
  if (!existsSync(LOADER)) execFileSync(process.execPath, ['build.mjs'], { cwd: pkgDir, stdio: 'inherit' });
  ingest = new FakeIngest(SDK);
  ingest.files.set('/esm/index.js', { type: 'text/javascript', path: join(pkgDir, 'dist/index.js') });
  await ingest.start();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await ingest?.close();
});

const events = (rs: Received[]): ReplayEvent[] => rs.flatMap((r) => r.batch.events);
const customs = (rs: Received[]): Array<Record<string, unknown>> =>
  events(rs)
    .filter((e) => e.kind === 'custom')
    .map((e) => e.data as Record<string, unknown>);
const loaderTag = (attrs = ''): string => `<script src="/sdk/loader.js" data-project-key="test-key" ${attrs} async></script>`;

async function newPage(): Promise<{ ctx: BrowserContext; page: Page; pageErrors: string[] }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { ctx, page, pageErrors };
}

async function sessionIdOf(page: Page): Promise<string> {
  await expect
    .poll(() => page.evaluate(() => window.Reprise?.getSessionId() ?? null), { timeout: 10_000 })
    .toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  return (await page.evaluate(() => window.Reprise!.getSessionId()))!;
}

/** Requests after index `from` other than the page itself, the loader and the favicon. */
function serverRequestsSince(from: number, pagePath: string): string[] {
  return ingest.requests.slice(from).filter((r) => r !== `GET ${pagePath}` && r !== 'GET /sdk/loader.js' && !r.startsWith('GET /favicon'));
}

describe('on-demand loader (dist/browser/loader.js)', () => {
  it('is under 3 KB gzipped and does not bundle rrweb or the recorder', () => {
    const src = readFileSync(LOADER);
    expect(gzipSync(src).length).toBeLessThan(3 * 1024);
    const text = src.toString('utf8');
    expect(text).not.toMatch(/takeFullSnapshot|rrweb|ingest\/v1/);
  });

  it('without a token: no request to the server and no event listeners', async () => {
    const body = '<p>shop</p><button id="b">buy</button>';
    ingest.pages.set('/plain', html('', body));
    ingest.pages.set('/dormant', html(loaderTag(), body));
    const count = async (path: string): Promise<{ listeners: number; extra: string[] }> => {
      const { ctx, page } = await newPage();
      await page.addInitScript(() => {
        const w = window as unknown as { __ael: number };
        w.__ael = 0;
        const orig = EventTarget.prototype.addEventListener;
        EventTarget.prototype.addEventListener = function (this: EventTarget, ...args: Parameters<typeof orig>) {
          w.__ael++;
          return orig.apply(this, args);
        };
      });
      const from = ingest.requests.length;
      await page.goto(`${ingest.base}${path}`);
      await page.waitForLoadState('load');
      await page.waitForTimeout(700);
      const listeners = await page.evaluate(() => (window as unknown as { __ael: number }).__ael);
      const extra = serverRequestsSince(from, path);
      const hasGlobal = await page.evaluate(() => 'Reprise' in window);
      expect(hasGlobal).toBe(false);
      await ctx.close();
      return { listeners, extra };
    };
    const without = await count('/plain');
    const withLoader = await count('/dormant');
    expect(withLoader.listeners).toBe(without.listeners);
    expect(withLoader.extra).toEqual([]);
    // The loader itself was fetched (sanity: the tag was really on the page).
    expect(ingest.requests).toContain('GET /sdk/loader.js');
  });

  it('with #reprise_token: strips it, lazy-loads the recorder, records under the link across pages, Stop ends it', async () => {
    const TOKEN = 'tokLinkA1';
    ingest.pages.set('/lp1', html(loaderTag(), '<p>link page one</p><a id="next" href="/lp2">next</a>'));
    ingest.pages.set('/lp2', html(loaderTag(), '<p>link page two</p>'));
    const { ctx, page, pageErrors } = await newPage();
    await page.goto(`${ingest.base}/lp1?x=1#reprise_token=${TOKEN}`);
    const id = await sessionIdOf(page);
    expect(page.url()).toBe(`${ingest.base}/lp1?x=1`);
    expect(ingest.requests).toContain('GET /sdk/reprise.js');
    // The token never reaches the DOM.
    expect(await page.evaluate((t) => document.documentElement.outerHTML.includes(t), TOKEN)).toBe(false);

    const badge = page.locator('reprise-badge');
    await expect.poll(() => badge.locator('[role="status"]').textContent()).toContain('Recording for support');
    expect(await badge.getAttribute('data-reprise-block')).not.toBeNull();
    // rrweb's own block class too: blocked by a class check, whatever selectors are configured.
    expect(await badge.getAttribute('class')).toBe('rr-block');
    await expect.poll(() => ingest.forSession(id).some((r) => r.text.includes('link page one')), { timeout: 10_000 }).toBe(true);
    for (const r of ingest.forSession(id)) expect(r.link).toBe(TOKEN);

    await page.click('#next');
    await page.waitForURL(/\/lp2$/);
    expect(await sessionIdOf(page)).toBe(id);
    await expect.poll(() => ingest.forSession(id).some((r) => r.text.includes('link page two')), { timeout: 10_000 }).toBe(true);
    const stored = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('reprise:session')!) as { link?: string; startedAt?: number },
    );
    expect(stored.link).toBe(TOKEN);
    expect(stored.startedAt).toEqual(expect.any(Number));

    await page.locator('reprise-badge').locator('button').click();
    await expect.poll(() => customs(ingest.forSession(id)).some((d) => d.type === 'stop'), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('reprise-badge').count()).toBe(0);
    expect(await page.evaluate(() => [sessionStorage.getItem('reprise:link'), sessionStorage.getItem('reprise:session')])).toEqual([
      null,
      null,
    ]);
    const countAtStop = ingest.received.length;
    await page.evaluate(() => {
      document.body.appendChild(document.createElement('p')).textContent = 'after stop';
      console.log('after stop');
    });
    await page.waitForTimeout(1500);
    expect(ingest.received.length).toBe(countAtStop);
    // The stop event is the very last event of the session.
    const all = events(ingest.forSession(id).sort((a, b) => a.batch.seq - b.batch.seq));
    expect(all[all.length - 1]).toMatchObject({ kind: 'custom', data: { type: 'stop', by: 'user' } });
    for (const r of ingest.forSession(id)) {
      expect(r.text).not.toContain('Recording for support');
      expect(r.text).not.toContain(TOKEN);
    }

    // A later page of the tab stays dormant.
    const before = ingest.requests.length;
    await page.goto(`${ingest.base}/lp1`);
    await page.waitForTimeout(700);
    expect(serverRequestsSince(before, '/lp1')).toEqual([]);
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it('Stop then a navigation while the final batch is on the wire: it still arrives, and the stop event is the last', async () => {
    const TOKEN = 'tokLinkNav';
    ingest.pages.set('/sn1', html(loaderTag(), '<p>stop then leave</p><a id="away" href="/sn2">away</a>'));
    ingest.pages.set('/sn2', html('', '<p>elsewhere</p>'));
    const { ctx, page, pageErrors } = await newPage();
    await page.goto(`${ingest.base}/sn1#reprise_token=${TOKEN}`);
    const id = await sessionIdOf(page);
    await expect.poll(() => ingest.forSession(id).some((r) => r.text.includes('stop then leave')), { timeout: 10_000 }).toBe(true);
    // From Stop on, the first upload is held in the browser and never let through: the normal
    // send of the final batch is still on the wire when the page goes away.
    let held: (() => void) | null = null;
    const heldSeen = new Promise<void>((resolve) => (held = resolve));
    let holding = false;
    let heldOne = false;
    await ctx.route('**/ingest/v1/batch*', async (route) => {
      if (holding && !heldOne) {
        heldOne = true;
        held?.();
        return; // neither continued nor fulfilled: cancelled when the page unloads
      }
      await route.continue();
    });
    holding = true;
    // Mouse moves right before Stop: rrweb buffers their positions and emits them up to 500 ms
    // later, after Stop, when they must not be recorded.
    for (let i = 0; i < 5; i++) await page.mouse.move(20 + i * 15, 30 + i * 10);
    await page.locator('reprise-badge').locator('button').click();
    await heldSeen;
    await page.waitForTimeout(800);
    await page.click('#away');
    await page.waitForURL(/\/sn2$/);
    await expect.poll(() => customs(ingest.forSession(id)).some((d) => d.type === 'stop'), { timeout: 15_000 }).toBe(true);
    const all = events(ingest.forSession(id).sort((a, b) => a.batch.seq - b.batch.seq));
    expect(all[all.length - 1]).toMatchObject({ kind: 'custom', data: { type: 'stop', by: 'user' } });
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it('stops at once when ingest answers 403 link_revoked', async () => {
    const TOKEN = 'tokRevoked9';
    ingest.linkErrors.set(TOKEN, 'link_revoked');
    ingest.pages.set('/rv', html(loaderTag(), '<p>revoked page</p><button id="b" onclick="this.textContent+=\'!\'">go</button>'));
    const { ctx, page, pageErrors } = await newPage();
    await page.goto(`${ingest.base}/rv#reprise_token=${TOKEN}`);
    await expect.poll(() => ingest.received.some((r) => r.link === TOKEN && r.status === 403), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => page.locator('reprise-badge').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('reprise:link'))).toBeNull();
    expect(await page.evaluate(() => window.Reprise?.getSessionId() ?? null)).toBeNull();
    const n = ingest.received.filter((r) => r.link === TOKEN).length;
    for (let i = 0; i < 3; i++) {
      await page.click('#b');
      await page.waitForTimeout(300);
    }
    await page.waitForTimeout(800);
    expect(ingest.received.filter((r) => r.link === TOKEN).length).toBe(n);
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it('ESM initOnDemand records only with a token', async () => {
    ingest.pages.set(
      '/esm-od',
      html(
        '',
        `<p>esm on demand</p><script type="module">
          import { initOnDemand } from '/esm/index.js';
          window.__h = initOnDemand({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 200 });
        </script>`,
      ),
    );
    const { ctx, page } = await newPage();
    const from = ingest.requests.length;
    await page.goto(`${ingest.base}/esm-od`);
    await page.waitForFunction(() => !!(window as unknown as { __h?: unknown }).__h);
    await page.waitForTimeout(600);
    expect(await page.evaluate(() => (window as unknown as { __h: { getSessionId(): string | null } }).__h.getSessionId())).toBeNull();
    expect(ingest.requests.slice(from).filter((r) => r.startsWith('POST'))).toEqual([]);

    await page.goto(`${ingest.base}/esm-od?reprise_token=esmTok2&y=2`);
    await page.waitForFunction(() => !!(window as unknown as { __h?: { getSessionId(): string | null } }).__h?.getSessionId());
    expect(page.url()).toBe(`${ingest.base}/esm-od?y=2`);
    const sid = await page.evaluate(() => (window as unknown as { __h: { getSessionId(): string } }).__h.getSessionId());
    await expect.poll(() => ingest.forSession(sid).some((r) => r.text.includes('esm on demand')), { timeout: 10_000 }).toBe(true);
    for (const r of ingest.forSession(sid)) expect(r.link).toBe('esmTok2');
    await ctx.close();
  });
});

describe('buffer mode', () => {
  it('uploads nothing until an error, then the last bufferSeconds starting with a full snapshot', async () => {
    ingest.pages.set(
      '/buf',
      html(
        sdkTag({ 'data-mode': 'buffer', 'data-buffer-seconds': 4, 'data-after-error-seconds': 2 }),
        `<ul id="l"></ul><script>let i=0;setInterval(()=>{const li=document.createElement('li');li.textContent='tick-'+(i++);document.getElementById('l').appendChild(li)},100)</script>`,
      ),
    );
    const { ctx, page } = await newPage();
    await page.goto(`${ingest.base}/buf`);
    const id = await sessionIdOf(page);
    await page.waitForTimeout(8000);
    expect(ingest.forSession(id)).toEqual([]);
    expect(ingest.requests.filter((r) => r.startsWith('POST'))).not.toContain(expect.stringContaining(id));
    const errAt = await page.evaluate(() => {
      const t = Date.now();
      setTimeout(() => {
        throw new Error('buffer-boom');
      });
      return t;
    });
    await expect.poll(() => events(ingest.forSession(id)).some((e) => e.kind === 'error'), { timeout: 10_000 }).toBe(true);
    const rs = ingest.forSession(id).sort((a, b) => a.batch.seq - b.batch.seq);
    expect(rs[0]!.batch.seq).toBe(0);
    const all = events(rs);
    const first = all[0]!;
    expect(first.kind).toBe('dom');
    const firstType = (first.data as { type: number }).type;
    expect([2, 4]).toContain(firstType);
    if (firstType === 4) expect((all[1]!.data as { type: number }).type).toBe(2);
    // Covers at least bufferSeconds, with at most one checkout interval of slack.
    expect(first.t).toBeGreaterThanOrEqual(errAt - 6000);
    expect(first.t).toBeLessThanOrEqual(errAt - 3800);
    // Events stay in time order.
    const ts = all.filter((e) => e.kind === 'dom').map((e) => e.t);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    const stats = await page.evaluate(() => window.Reprise!.stats()!);
    expect(stats.queuedBytes).toBeLessThan(5 * 1024 * 1024);
    expect(stats.bufferedBytes).toBeLessThan(8 * 1024 * 1024);
    expect(stats.internalErrors).toBe(0);

    // After afterErrorSeconds it buffers again: uploads stop while the page keeps changing…
    await page.waitForTimeout(3000);
    const settled = ingest.forSession(id).length;
    await page.waitForTimeout(1500);
    expect(ingest.forSession(id).length).toBe(settled);
    // …until the next trigger (console.error), whose upload again starts with a full snapshot.
    await page.evaluate(() => console.error('second trigger'));
    await expect.poll(() => ingest.forSession(id).length, { timeout: 10_000 }).toBeGreaterThan(settled);
    const next = ingest.forSession(id).sort((a, b) => a.batch.seq - b.batch.seq)[settled]!;
    expect([2, 4]).toContain((next.batch.events[0]!.data as { type: number }).type);
    await ctx.close();
  });
});

describe('feedback widget and SDK API', () => {
  it('"Report a problem" submits a feedback custom event', async () => {
    ingest.pages.set('/fb', html(sdkTag({ 'data-feedback': 'true' }), '<p>feedback page</p>'));
    const { ctx, page, pageErrors } = await newPage();
    await page.goto(`${ingest.base}/fb`);
    const id = await sessionIdOf(page);
    const w = page.locator('reprise-feedback');
    await w.getByRole('button', { name: 'Report a problem' }).click();
    await w.getByRole('textbox', { name: 'What went wrong?' }).fill('Checkout button does nothing');
    await w.getByRole('textbox', { name: 'Email (optional)' }).fill('a@example.com');
    await w.getByRole('button', { name: 'Submit' }).click();
    await expect
      .poll(() => customs(ingest.forSession(id)).find((d) => d.type === 'feedback'), { timeout: 10_000 })
      .toEqual({ type: 'feedback', message: 'Checkout button does nothing', email: 'a@example.com' });
    // The widget itself is never recorded.
    for (const r of ingest.forSession(id)) expect(r.text).not.toContain('Report a problem');
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it('identify / tag / event produce custom events; getSessionUrl links into the viewer', async () => {
    ingest.pages.set('/api', html(sdkTag(), '<p>api page</p>'));
    const { ctx, page } = await newPage();
    await page.goto(`${ingest.base}/api`);
    const id = await sessionIdOf(page);
    await page.evaluate(() => {
      const R = window.Reprise!;
      R.identify('user-42', { plan: 'pro' });
      R.tag('cart', 'big');
      R.event('checkout', { items: 3 });
    });
    await expect.poll(() => customs(ingest.forSession(id)).length, { timeout: 10_000 }).toBe(3);
    expect(customs(ingest.forSession(id))).toEqual([
      { type: 'identify', userId: 'user-42', traits: { plan: 'pro' } },
      { type: 'tag', key: 'cart', value: 'big' },
      { type: 'event', name: 'checkout', data: { items: 3 } },
    ]);
    const startedAt = await page.evaluate(
      () => (JSON.parse(sessionStorage.getItem('reprise:session')!) as { startedAt: number }).startedAt,
    );
    expect(await page.evaluate((t) => window.Reprise!.getSessionUrl(t + 7500), startedAt)).toBe(`${ingest.base}/sessions/${id}?t=7`);
    expect(await page.evaluate((t) => window.Reprise!.getSessionUrl(new Date(t + 61_000)), startedAt)).toBe(
      `${ingest.base}/sessions/${id}?t=61`,
    );
    expect(await page.evaluate(() => window.Reprise!.getSessionUrl())).toMatch(new RegExp(`^${ingest.base}/sessions/${id}\\?t=\\d+$`));
    await page.evaluate(() => window.Reprise!.stop());
    expect(await page.evaluate(() => window.Reprise!.getSessionUrl())).toBeNull();
    await page.evaluate(() => window.Reprise!.start());
    expect(await sessionIdOf(page)).toBe(id);
    await ctx.close();
  });
});
