import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseBatch } from '@reprise/protocol/schema';
import type { ReplayEvent } from '@reprise/protocol';
import { launchChromium } from '../../../test-support/chromium.js';
import { FakeIngest, html, sdkTag, type Received } from './support/fake-ingest.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const SDK = join(pkgDir, 'dist/browser/reprise.js');

let browser: Browser;
let ingest: FakeIngest;

beforeAll(async () => {
  // `npm test` builds first; build here only when run alone (parallel files must not rewrite it mid-read).
  if (!existsSync(join(pkgDir, 'dist/browser/reprise.js')))
    execFileSync(process.execPath, ['build.mjs'], { cwd: pkgDir, stdio: 'inherit' });
  ingest = new FakeIngest(SDK);
  await ingest.start();
  browser = await launchChromium();
});

// A test that fails while the server is made to fail must not fail the ones after it.
afterEach(() => ingest.reset());

afterAll(async () => {
  await browser?.close();
  await ingest?.close();
});

interface RrwebLike {
  type: number;
  data: { source?: number; text?: string };
}

const events = (rs: Received[]): ReplayEvent[] => rs.flatMap((r) => r.batch.events);
const domEvents = (rs: Received[]): RrwebLike[] =>
  events(rs)
    .filter((e) => e.kind === 'dom')
    .map((e) => e.data as RrwebLike);

async function sessionIdOf(page: Page): Promise<string> {
  await expect.poll(() => page.evaluate(() => window.Reprise?.getSessionId() ?? null)).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  return (await page.evaluate(() => window.Reprise!.getSessionId()))!;
}

async function newPage(): Promise<{ ctx: BrowserContext; page: Page; pageErrors: string[] }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { ctx, page, pageErrors };
}

function expectContiguousSeqs(rs: Received[]): void {
  const seqs = [...new Set(rs.map((r) => r.batch.seq))].sort((a, b) => a - b);
  expect(seqs).toEqual(seqs.map((_, i) => i));
  // Every seq was sent under exactly one body (a retry re-sends identical bytes).
  for (const seq of seqs) expect(new Set(rs.filter((r) => r.batch.seq === seq).map((r) => r.text)).size).toBe(1);
}

describe('recorder in Chromium (script tag build)', () => {
  it('captures a full snapshot and incremental DOM events in deflate batches with seq 0,1,2…', async () => {
    ingest.pages.set(
      '/dom',
      html(
        sdkTag(),
        `<h1>Shop</h1><button id="add" onclick="const li=document.createElement('li');li.textContent='item-'+document.querySelectorAll('li').length;document.getElementById('list').appendChild(li)">add</button><ul id="list"></ul>`,
      ),
    );
    const { ctx, page, pageErrors } = await newPage();
    await page.goto(`${ingest.base}/dom`);
    const id = await sessionIdOf(page);
    // Batch 0 may serve as a reference only once acknowledged: a batch cut before that goes against r1 alone.
    await expect.poll(() => page.evaluate(() => window.Reprise?.stats()?.batchesSent ?? 0), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 3; i++) {
      await page.click('#add');
      await page.waitForTimeout(300); // spread over several flushes
    }
    await expect.poll(() => ingest.forSession(id).some((r) => r.text.includes('item-2')), { timeout: 10_000 }).toBe(true);

    const rs = ingest.forSession(id);
    expect(rs.length).toBeGreaterThanOrEqual(2);
    for (const r of rs) {
      expect(parseBatch(JSON.parse(r.text)).ok).toBe(true);
      expect(r.contentType).toBe('application/json');
      // zlib against the static dictionary; after the first batch, also against that batch (its full snapshot).
      expect(r.encoding).toBe('deflate');
      expect(r.dict).toBe('r1');
      if (r.batch.seq > 0) expect([null, `${id}.0`]).toContain(r.ref);
      expect(r.batch.meta?.url).toBe(`${ingest.base}/dom`);
      expect(r.batch.meta?.sdk).toMatch(/^\d+\.\d+\.\d+/);
    }
    expectContiguousSeqs(rs);
    // Cut after batch 0 was acknowledged, so deflated against it.
    expect(rs.find((r) => r.text.includes('item-2'))!.ref).toBe(`${id}.0`);

    const all = events(rs);
    expect(all[0]!.kind).toBe('meta');
    expect(all[0]!.data).toMatchObject({ url: `${ingest.base}/dom`, title: 'test page', viewport: { w: expect.any(Number) } });
    const dom = domEvents(rs);
    expect(dom.some((e) => e.type === 2)).toBe(true); // full snapshot
    expect(dom.some((e) => e.type === 3 && e.data.source === 0)).toBe(true); // mutation
    // dom events keep rrweb's timestamp as t
    for (const e of all.filter((x) => x.kind === 'dom')) expect(e.t).toBe((e.data as { timestamp: number }).timestamp);

    const stats = await page.evaluate(() => window.Reprise!.stats());
    expect(stats).toMatchObject({ recording: true, compression: 'worker', batchesDropped: 0, internalErrors: 0 });
    expect(stats!.batchesSent).toBeGreaterThanOrEqual(2);
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it('keeps the session across reload and navigation, never reuses a seq, and starts a new one per tab or after 30 min idle', async () => {
    ingest.pages.set('/s1', html(sdkTag(), '<p>page one</p><a id="next" href="/s2">next</a>'));
    ingest.pages.set('/s2', html(sdkTag(), '<p>page two</p>'));
    const { ctx, page } = await newPage();
    await page.goto(`${ingest.base}/s1`);
    const id = await sessionIdOf(page);
    await expect.poll(() => ingest.forSession(id).length).toBeGreaterThan(0);

    await page.reload();
    expect(await sessionIdOf(page)).toBe(id);
    await page.click('#next');
    await page.waitForURL(/\/s2$/);
    expect(await sessionIdOf(page)).toBe(id);
    // Three page loads → three meta events, all in one session.
    await expect.poll(() => events(ingest.forSession(id)).filter((e) => e.kind === 'meta').length, { timeout: 10_000 }).toBe(3);
    await page.waitForTimeout(500);
    expectContiguousSeqs(ingest.forSession(id));
    const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('reprise:session')!) as { seq: number });
    expect(stored.seq).toBeGreaterThan(Math.max(...ingest.forSession(id).map((r) => r.batch.seq)));

    // A fresh tab has its own sessionStorage, so its own session.
    const other = await ctx.newPage();
    await other.goto(`${ingest.base}/s1`);
    const otherId = await sessionIdOf(other);
    expect(otherId).not.toBe(id);
    await other.close();

    // 31 minutes without activity, then a reload: new session starting at seq 0.
    await page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('reprise:session')!) as { lastActivity: number };
      s.lastActivity = Date.now() - 31 * 60 * 1000;
      sessionStorage.setItem('reprise:session', JSON.stringify(s));
    });
    await page.reload();
    const idleId = await sessionIdOf(page);
    expect(idleId).not.toBe(id);
    await expect.poll(() => ingest.forSession(idleId).map((r) => r.batch.seq)).toContain(0);
    expect(events(ingest.forSession(idleId))[0]!.kind).toBe('meta');
    expect(domEvents(ingest.forSession(idleId)).some((e) => e.type === 2)).toBe(true);
    await ctx.close();
  });

  it('a tab opened from a recording page (its sessionStorage copied) records a session of its own; each tab keeps its own across reloads', async () => {
    ingest.pages.set('/tab-a', html(sdkTag(), '<p id="p">tab A</p><a id="next" href="/tab-a2">next</a>'));
    ingest.pages.set('/tab-a2', html(sdkTag(), '<p id="p">tab A, page 2</p>'));
    ingest.pages.set('/tab-b', html(sdkTag(), '<p id="p">tab B</p>'));
    const { ctx, page: a } = await newPage();
    await a.goto(`${ingest.base}/tab-a`);
    const idA = await sessionIdOf(a);
    await expect.poll(() => ingest.forSession(idA).length).toBeGreaterThan(0);
    // window.open copies sessionStorage into the new tab, as "Duplicate tab" does.
    const [b] = await Promise.all([ctx.waitForEvent('page'), a.evaluate(() => void window.open('/tab-b'))]);
    await b.waitForLoadState();
    const idB = await sessionIdOf(b);
    expect(idB).not.toBe(idA);
    expect(await b.evaluate(() => sessionStorage.getItem('reprise:session'))).toContain(idB);
    for (let i = 0; i < 3; i++) {
      await a.evaluate((i) => (document.getElementById('p')!.textContent = `MARK-A-${i}`), i);
      await b.evaluate((i) => (document.getElementById('p')!.textContent = `MARK-B-${i}`), i);
      await a.waitForTimeout(250);
    }
    // Each tab goes on with its own session: a reload, a navigation.
    await b.reload();
    expect(await sessionIdOf(b)).toBe(idB);
    await a.click('#next');
    await a.waitForURL(/\/tab-a2$/);
    expect(await sessionIdOf(a)).toBe(idA);
    await a.evaluate(() => window.Reprise!.flush());
    await b.evaluate(() => window.Reprise!.flush());
    const [ra, rb] = [ingest.forSession(idA), ingest.forSession(idB)];
    expectContiguousSeqs(ra);
    expectContiguousSeqs(rb);
    expect(ra.some((r) => r.text.includes('MARK-A-2'))).toBe(true);
    expect(rb.some((r) => r.text.includes('MARK-B-2'))).toBe(true);
    expect(ra.some((r) => r.text.includes('MARK-B') || r.text.includes('tab B'))).toBe(false);
    expect(rb.some((r) => r.text.includes('MARK-A'))).toBe(false);
    // Tab B's session starts self-contained: its Meta and full snapshot at seq 0.
    expect(domEvents(rb.filter((r) => r.batch.seq === 0)).some((e) => e.type === 2)).toBe(true);
    await ctx.close();
  });

  const PASSWORD = 'hunter2-Secret!';
  const TEXT = 'Visible Name Xyzzy';

  async function typeSecrets(path: string, attrs: Record<string, string>): Promise<Received[]> {
    ingest.pages.set(
      path,
      html(
        sdkTag(attrs),
        `<form><input id="name"><input id="pw" type="password"><button type="button" id="show" onclick="document.getElementById('pw').type='text'">show</button></form>`,
      ),
    );
    const { ctx, page, pageErrors } = await newPage();
    await page.goto(`${ingest.base}${path}`);
    const id = await sessionIdOf(page);
    await page.type('#name', TEXT);
    await page.type('#pw', PASSWORD);
    // "Show password" toggles, then more typing and a value set by script.
    await page.click('#show');
    await page.type('#pw', 'MORE');
    await page.evaluate(() => {
      (document.getElementById('pw') as HTMLInputElement).value = 'hunter2-Secret!-again';
    });
    await page.evaluate(() => window.Reprise!.flush());
    await page.goto('about:blank');
    await page.waitForTimeout(300);
    expect(pageErrors).toEqual([]);
    await ctx.close();
    const rs = ingest.forSession(id);
    // Input events (incremental source 5) were recorded, so masking, not absence, hides the values.
    expect(domEvents(rs).filter((e) => e.type === 3 && e.data.source === 5).length).toBeGreaterThan(0);
    return rs;
  }

  it('never uploads a typed password, even with maskAllInputs: false', async () => {
    const rs = await typeSecrets('/pw-unmasked', { 'data-mask-all-inputs': 'false' });
    const body = rs.map((r) => r.text).join('\n');
    expect(body).not.toContain('hunter2');
    expect(body).not.toContain('Secret!');
    expect(body).not.toContain('MORE');
    // Inputs are unmasked in this mode: the normal field is recorded (the test can see typed text).
    expect(body).toContain(TEXT);
  });

  it('masks every input by default', async () => {
    const rs = await typeSecrets('/pw-default', {});
    const body = rs.map((r) => r.text).join('\n');
    for (const secret of ['hunter2', 'Secret!', 'Xyzzy', 'Visible']) expect(body).not.toContain(secret);
  });

  it('never breaks the page while the server fails, stays within maxQueueBytes, and delivers once it is back', async () => {
    const MAX_QUEUE = 64 * 1024;
    ingest.pages.set(
      '/flaky',
      html(
        `<script>window.__errors=[];window.onerror=function(m){window.__errors.push(String(m))};window.addEventListener('unhandledrejection',function(e){window.__errors.push('rejection:'+e.reason)});</script>` +
          sdkTag({
            'data-flush-interval-ms': 100,
            'data-max-queue-bytes': MAX_QUEUE,
            'data-max-retry-delay-ms': 300,
          }),
        `<div id="out"></div><span id="count">0</span>
         <script>
           window.__churn=function(n){for(let i=0;i<n;i++){const d=document.createElement('div');d.textContent='row '+i+' '+Math.random().toString(36).repeat(8);document.getElementById('out').appendChild(d);if(document.getElementById('out').children.length>200)document.getElementById('out').firstChild.remove();}
             const c=document.getElementById('count');c.textContent=String(Number(c.textContent)+1);};
         </script>`,
      ),
    );
    ingest.mode = 'error500';
    const { ctx, page, pageErrors } = await newPage();
    await page.goto(`${ingest.base}/flaky`);
    const id = await sessionIdOf(page);
    // The first upload waits for the codec chunk: the server has failed it once before the rounds.
    const failed = () => ingest.received.filter((r) => r.batch.sessionId === id && r.status === 500).length;
    await expect.poll(failed).toBeGreaterThan(0);

    let maxQueued = 0;
    for (let round = 0; round < 20; round++) {
      if (round === 10) ingest.mode = 'unreachable';
      await page.evaluate(() => (window as unknown as { __churn(n: number): void }).__churn(100));
      await page.waitForTimeout(60);
      const s = (await page.evaluate(() => window.Reprise!.stats()))!;
      maxQueued = Math.max(maxQueued, s.queuedBytes);
    }
    expect(await page.textContent('#count')).toBe('20'); // page code kept running
    const failing = (await page.evaluate(() => window.Reprise!.stats()))!;
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(MAX_QUEUE);
    expect(failing.batchesDropped).toBeGreaterThan(0);
    expect(failing.retries).toBeGreaterThan(0);
    expect(failing.batchesSent).toBe(0);

    ingest.mode = 'ok';
    await page.evaluate(() => (window as unknown as { __churn(n: number): void }).__churn(5));
    await expect.poll(() => ingest.forSession(id).length, { timeout: 15_000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await page.evaluate(() => window.Reprise!.stats()))!.queuedBytes, { timeout: 15_000 })
      .toBeLessThan(8192);
    const after = (await page.evaluate(() => window.Reprise!.stats()))!;
    expect(after.batchesSent).toBeGreaterThan(0);

    expect(await page.evaluate(() => (window as unknown as { __errors: string[] }).__errors)).toEqual([]);
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it('delivers events produced right before leaving the page (keepalive on pagehide)', async () => {
    ingest.pages.set('/bye', html(sdkTag({ 'data-flush-interval-ms': 60_000 }), '<p id="p">hello</p>'));
    ingest.pages.set('/elsewhere', html('', '<p>no recorder here</p>'));
    const { ctx, page } = await newPage();
    await page.goto(`${ingest.base}/bye`);
    const id = await sessionIdOf(page);
    await page.evaluate(() => {
      document.getElementById('p')!.textContent = 'LAST-WORDS-marker';
      location.href = '/elsewhere';
    });
    await page.waitForURL(/elsewhere/);
    await expect.poll(() => ingest.forSession(id).some((r) => r.text.includes('LAST-WORDS-marker')), { timeout: 10_000 }).toBe(true);
    // No flush timer fired (60 s): only the pagehide path can have sent it.
    expect(ingest.forSession(id)).toHaveLength(1);
    expectContiguousSeqs(ingest.forSession(id));
    await ctx.close();
  });

  it('parks a batch too big for keepalive in sessionStorage and sends it from the next page', async () => {
    // ~400 KB of random text: over the 64 KiB keepalive budget even gzip'd.
    ingest.pages.set('/big', html(sdkTag({ 'data-flush-interval-ms': 60_000 }), '<pre id="big"></pre>'));
    // Looks at sessionStorage before the recorder on the next page takes the parked batch.
    const peek = `<script>window.__parked = sessionStorage.getItem('reprise:outbox') !== null;</script>`;
    ingest.pages.set('/after', html(peek + sdkTag(), '<p>after</p>'));
    const { ctx, page } = await newPage();
    await page.goto(`${ingest.base}/big`);
    const id = await sessionIdOf(page);
    await page.evaluate(() => {
      let s = '';
      for (let i = 0; i < 15000; i++) s += Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2) + '\n';
      document.getElementById('big')!.textContent = s + 'BIG-marker';
      location.href = '/after';
    });
    await page.waitForURL(/after/);
    expect(await sessionIdOf(page)).toBe(id);
    expect(await page.evaluate(() => (window as unknown as { __parked: boolean }).__parked)).toBe(true);
    await expect.poll(() => ingest.forSession(id).some((r) => r.text.includes('BIG-marker')), { timeout: 10_000 }).toBe(true);
    const parked = ingest.forSession(id).find((r) => r.text.includes('BIG-marker'))!;
    expect(parked.encoding).toBe('gzip'); // re-compressed by the next page
    expect(await page.evaluate(() => sessionStorage.getItem('reprise:outbox'))).toBeNull();
    await page.waitForTimeout(400);
    expectContiguousSeqs(ingest.forSession(id));
    await ctx.close();
  });
});
