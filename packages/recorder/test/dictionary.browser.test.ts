import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Batch } from '@reprise/protocol';
import { gzipSync } from 'node:zlib';
import { html, sdkTag, type Received } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

/**
 * Deflate against preset dictionaries (docs/ARCHITECTURE.md, wire format): later page loads of
 * a site reference earlier ones, and a server that lacks a dictionary loses nothing.
 */
const h = useHarness();

// Pages of one "site": the same stylesheet and list markup, a different heading.
const CSS = Array.from(
  { length: 60 },
  (_, i) => `.card-${i} { display: flex; padding: ${i}px; color: rgb(${i}, 20, 30); border-radius: 8px; }`,
).join('\n');
const ITEMS = Array.from(
  { length: 24 },
  (_, i) =>
    `<li class="card card-${i % 60}" data-testid="item-${i}"><h3>Item ${i}</h3><p>Description of item ${i}, which is a fine thing</p><button>Add</button></li>`,
).join('');
function sitePage(title: string, attrs: Record<string, string | number> = {}): string {
  return html(
    `<style>${CSS}</style>${sdkTag(attrs)}`,
    `<h1 id="title">${title}</h1><ul>${ITEMS}</ul><a id="to-a" href="/site/a">a</a><a id="to-b" href="/site/b">b</a>`,
  );
}

async function sessionIdOf(page: Page): Promise<string> {
  await expect.poll(() => page.evaluate(() => window.Reprise?.getSessionId() ?? null)).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  return (await page.evaluate(() => window.Reprise!.getSessionId()))!;
}

function expectContiguousSeqs(rs: Received[]): void {
  const seqs = [...new Set(rs.map((r) => r.batch.seq))].sort((a, b) => a - b);
  expect(seqs).toEqual(seqs.map((_, i) => i));
}

const startsPage = (r: Received) => r.batch.events.some((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2);

/**
 * Waits until this page has the lazily loaded codec: a pagehide send before it goes as plain JSON
 * (it cannot wait for a fetch), and these tests are about compressed pagehide sends.
 */
async function codecReady(page: Page): Promise<void> {
  const loaded = () => performance.getEntriesByType('resource').some((e) => /\/reprise-codec\.[\w-]+\.js$/.test(e.name));
  await expect.poll(() => page.evaluate(loaded), { timeout: 10_000 }).toBe(true);
  // The chunk's module runs right after its fetch; leave it a moment to.
  await page.waitForTimeout(200);
}

/** Visits a, b, then a again, waiting for each page's start batch; returns the session id. */
async function browse(page: Page, marker: string): Promise<string> {
  await page.goto(`${h.ingest.base}/site/a`);
  const id = await sessionIdOf(page);
  await expect.poll(() => h.ingest.forSession(id).filter(startsPage).length, { timeout: 10_000 }).toBe(1);
  await page.click('#to-b');
  await page.waitForURL(/\/site\/b$/);
  await expect.poll(() => h.ingest.forSession(id).filter(startsPage).length, { timeout: 10_000 }).toBe(2);
  await page.click('#to-a');
  await page.waitForURL(/\/site\/a$/);
  await page.evaluate((m) => {
    document.getElementById('title')!.textContent = m;
  }, marker);
  await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes(marker)), { timeout: 10_000 }).toBe(true);
  return id;
}

describe('preset dictionaries', () => {
  it('a page seen before costs a fraction of its first visit: it references that visit', async () => {
    h.ingest.refusals.length = 0;
    h.ingest.pages.set('/site/a', sitePage('Page A'));
    h.ingest.pages.set('/site/b', sitePage('Page B'));
    const ctx = await h.browser.newContext();
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const id = await browse(page, 'MARKER-seen-before');
    const rs = h.ingest.forSession(id);
    expectContiguousSeqs(rs);
    expect(h.ingest.refusals).toEqual([]);
    for (const r of rs) {
      expect(r.encoding).toBe('deflate');
      expect(r.dict).toBe('r1');
    }
    const starts = rs.filter(startsPage).sort((x, y) => x.batch.seq - y.batch.seq);
    expect(starts.map((r) => r.batch.meta?.url?.replace(h.ingest.base, ''))).toEqual(['/site/a', '/site/b', '/site/a']);
    const [a1, b, a2] = starts as [Received, Received, Received];
    expect(a1.ref).toBeNull(); // nothing earlier in the session
    expect(b.ref).toBe(`${id}.${a1.batch.seq}`); // another page of the site
    expect(a2.ref).toBe(`${id}.${a1.batch.seq}`); // the same page's earlier visit
    // Against its earlier visit, the page costs a fraction of what it does gzip'd alone.
    expect(a2.size).toBeLessThan(gzipSync(a2.text).length * 0.35);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a server that lacks the referenced batch answers 422; the batch goes again self-contained and nothing is lost', async () => {
    h.ingest.pages.set('/site/a', sitePage('Page A'));
    h.ingest.refusals.length = 0;
    const ctx = await h.browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${h.ingest.base}/site/a`);
    const id = await sessionIdOf(page);
    await expect.poll(() => h.ingest.forSession(id).filter(startsPage).length, { timeout: 10_000 }).toBe(1);
    const start = h.ingest.forSession(id).find(startsPage)!;
    // As if the page's start batch were gone from the server (deleted, or never arrived).
    h.ingest.forgotten.add(`${id}.${start.batch.seq}`);
    for (const m of ['MARKER-one', 'MARKER-two']) {
      await page.evaluate((text) => {
        document.getElementById('title')!.textContent = text;
      }, m);
      await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes(m)), { timeout: 10_000 }).toBe(true);
    }
    const rs = h.ingest.forSession(id);
    expectContiguousSeqs(rs);
    // Refused (then the reference is forgotten: at most a batch already compressed against it
    // follows), and each refused batch came again self-contained, as gzip.
    expect(h.ingest.refusals.length).toBeGreaterThan(0);
    for (const r of h.ingest.refusals) expect(r).toMatchObject({ status: 422, dict: 'r1', ref: `${id}.${start.batch.seq}` });
    for (const r of rs.filter((x) => x.batch.seq > start.batch.seq)) expect(r.ref).toBeNull();
    // Counted after the start batch: on a loaded machine the start batch itself may go as gzip, sent
    // before the lazily loaded codec arrived.
    expect(rs.filter((r) => r.batch.seq > start.batch.seq && r.encoding === 'gzip')).toHaveLength(h.ingest.refusals.length);
    const stats = await page.evaluate(() => window.Reprise!.stats());
    expect(stats).toMatchObject({ batchesDropped: 0, batchesFailed: 0, internalErrors: 0 });
    await ctx.close();
  });

  it('a server without deflate (415): the batch goes again as gzip, and the session stays on gzip', async () => {
    h.ingest.pages.set('/site/a', sitePage('Page A'));
    h.ingest.pages.set('/site/b', sitePage('Page B'));
    h.ingest.deflate = 'unsupported';
    h.ingest.refusals.length = 0;
    try {
      const ctx = await h.browser.newContext();
      const page = await ctx.newPage();
      const id = await browse(page, 'MARKER-old-server');
      const rs = h.ingest.forSession(id);
      expectContiguousSeqs(rs);
      for (const r of rs) expect(r.encoding).toBe('gzip');
      // A 415 to a delta-form body turns the delta form off; one to a plain deflate body, deflate
      // (on the first or the second page), and the choices survive the page loads that followed:
      // nothing of the third page is refused.
      const starts = rs
        .filter(startsPage)
        .map((r) => r.batch.seq)
        .sort((x, y) => x - y);
      expect(h.ingest.refusals.length).toBeGreaterThan(0);
      for (const r of h.ingest.refusals) {
        expect(r.status).toBe(415);
        expect(r.seq).not.toBeNull();
        expect(r.seq!).toBeLessThan(starts[2]!);
      }

      await ctx.close();
    } finally {
      h.ingest.deflate = 'ok';
    }
  });

  it('a page whose CSP forbids blob: workers: gzip on the main thread (CompressionStream), nothing lost', async () => {
    const csp = `<meta http-equiv="Content-Security-Policy" content="worker-src 'none'">`;
    h.ingest.pages.set('/csp', html(csp + sdkTag(), '<h1 id="title">CSP</h1>'));
    const ctx = await h.browser.newContext();
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.ingest.base}/csp`);
    const id = await sessionIdOf(page);
    await page.evaluate(() => {
      document.getElementById('title')!.textContent = 'MARKER-csp';
    });
    await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes('MARKER-csp')), { timeout: 10_000 }).toBe(true);
    const rs = h.ingest.forSession(id);
    expectContiguousSeqs(rs);
    for (const r of rs) expect(r.encoding).toBe('gzip');
    expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({ compression: 'main-thread', batchesDropped: 0 });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it("a page that requires Trusted Types: the Worker's blob: URL goes through the policy 'reprise', with no violation; a page whose allow-list leaves it out falls back to gzip", async () => {
    for (const [path, policies, worker] of [
      ['/trusted-types', '', true],
      ['/trusted-types-listed', "; trusted-types app 'allow-duplicates'", false],
    ] as const) {
      const csp = `<meta http-equiv="Content-Security-Policy" content="require-trusted-types-for 'script'${policies}">`;
      h.ingest.pages.set(path, html(csp + sdkTag(), '<h1 id="title">TT</h1>'));
      const ctx = await h.browser.newContext();
      const page = await ctx.newPage();
      const errors: string[] = [];
      const violations: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Trusted/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${h.ingest.base}${path}`);
      const id = await sessionIdOf(page);
      await page.evaluate((marker) => {
        document.getElementById('title')!.textContent = marker;
      }, `MARKER-${path}`);
      await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes(`MARKER-${path}`)), { timeout: 10_000 }).toBe(true);
      const rs = h.ingest.forSession(id);
      expectContiguousSeqs(rs);
      const stats = await page.evaluate(() => window.Reprise!.stats());
      if (worker) {
        expect(stats).toMatchObject({ compression: 'worker', batchesDropped: 0, internalErrors: 0 });
        expect(rs.some((r) => r.encoding === 'deflate')).toBe(true);
        expect(violations).toEqual([]);
      } else {
        expect(stats).toMatchObject({ compression: 'main-thread', batchesDropped: 0 });
        for (const r of rs) expect(r.encoding).toBe('gzip');
      }
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  it('a pagehide send uses gzip until the server took deflate, then only references it surely rebuilds', async () => {
    // No flush timer: only the pagehide flush sends.
    h.ingest.pages.set('/site/a', sitePage('Page A', { 'data-flush-interval-ms': 60_000 }));
    h.ingest.pages.set('/site/b', sitePage('Page B', { 'data-flush-interval-ms': 60_000 }));
    h.ingest.refusals.length = 0;
    const ctx = await h.browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${h.ingest.base}/site/a`);
    const id = await sessionIdOf(page);
    await codecReady(page);
    // Nothing acknowledged yet: the first page leaves as gzip.
    await page.click('#to-b');
    await page.waitForURL(/\/site\/b$/);
    await expect.poll(() => h.ingest.forSession(id).length, { timeout: 10_000 }).toBe(1);
    expect(h.ingest.forSession(id)[0]!.encoding).toBe('gzip');
    // A normal send (explicit flush) proves deflate; its reference (page a) was a pagehide batch,
    // whose text no worker canonicalized, so it becomes safe only once this send is acknowledged.
    await page.evaluate(() => window.Reprise!.flush());
    const flushed = h.ingest.forSession(id).find((r) => r.batch.seq === 1)!;
    expect(flushed).toMatchObject({ encoding: 'deflate', ref: `${id}.0`, delta: true });
    // Leaving b, then a: both pagehide sends deflate against references the server surely has:
    // b's start (acknowledged, its text canonicalized by the worker) and a's proven first visit,
    // in the delta form, which the server has taken in this session.
    await page.click('#to-a');
    await page.waitForURL(/\/site\/a$/);
    await codecReady(page);
    await page.goto('about:blank');
    await expect.poll(() => h.ingest.forSession(id).filter(startsPage).length, { timeout: 10_000 }).toBe(3);
    const later = h.ingest.forSession(id).filter((r) => r.batch.seq > 1);
    const a2 = later.find(startsPage)!;
    expect(a2).toMatchObject({ encoding: 'deflate', dict: 'r1', ref: `${id}.0`, delta: true });
    for (const r of later.filter((x) => x !== a2)) {
      expect(r).toMatchObject({ encoding: 'deflate', dict: 'r1', ref: `${id}.1`, delta: true });
    }
    expect(h.ingest.refusals).toEqual([]);
    expectContiguousSeqs(h.ingest.forSession(id));
    await ctx.close();
  });
});

/**
 * A page that adds a burst of elements (rrweb ids in sequence), then moves them. The move runs in
 * a microtask after rrweb's mutation callback (queued at the first add), so rrweb emits the adds
 * and the moves apart, yet in one task: no flush timer (200 ms here) can cut a batch between them.
 */
const BURST_PAGE = html(
  sdkTag(),
  `<div id="from"></div><div id="to"></div><script>
    window.burst = (n) => {
      const from = document.getElementById('from');
      for (let i = 0; i < n; i++) { const d = document.createElement('div'); d.className = 'moved'; d.textContent = 'node ' + i; from.appendChild(d); }
      return new Promise((r) => queueMicrotask(() => { const to = document.getElementById('to'); while (from.lastChild) to.appendChild(from.lastChild); setTimeout(r, 0); }));
    };
  </script>`,
);

/** The ids of the elements the batch's mutations add, in order. */
function addedIds(r: Received): number[] {
  return r.batch.events.flatMap((e) => {
    const d = e.data as { type?: number; data?: { source?: number; adds?: { node: { type: number; id: number } }[] } };
    return e.kind === 'dom' && d.type === 3 && d.data?.source === 0
      ? (d.data.adds ?? []).filter((a) => a.node.type === 2).map((a) => a.node.id)
      : [];
  });
}

/** A fresh tab on the burst page, once its page-start batch is in. */
async function openBurstPage(): Promise<{ ctx: BrowserContext; page: Page; id: string }> {
  h.ingest.pages.set('/burst', BURST_PAGE);
  const ctx = await h.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${h.ingest.base}/burst`);
  const id = await sessionIdOf(page);
  await expect.poll(() => h.ingest.forSession(id).filter(startsPage).length, { timeout: 10_000 }).toBe(1);
  return { ctx, page, id };
}

describe('the delta form (reprise-delta, deflate)', () => {
  it('a burst of added and moved nodes goes in the delta form, a fraction of its plain size, and decodes to the same ids', async () => {
    h.ingest.refusals.length = 0;
    const { ctx, page, id } = await openBurstPage();
    await page.evaluate(() => (window as unknown as { burst(n: number): Promise<void> }).burst(2000));
    await page.evaluate(() => window.Reprise!.flush());
    const rs = h.ingest.forSession(id);
    expectContiguousSeqs(rs);
    expect(h.ingest.refusals).toEqual([]);
    const bursts = rs.filter((r) => addedIds(r).length >= 2000);
    expect(bursts.length).toBeGreaterThan(0);
    for (const r of bursts) {
      expect(r.delta).toBe(true);
      // Records that repeat byte for byte: deflating the zlib stream once more pays (reprise-delta, deflate, deflate).
      expect(r.twice).toBe(true);
      expect(r.size).toBeLessThan(gzipSync(r.text).length * 0.1);
    }
    // The first burst adds 2000 fresh elements: absolute ids, one more (element and text) each time.
    const ids = addedIds(bursts[0]!);
    expect(ids.slice(1).every((v, i) => v === ids[i]! + 1)).toBe(true);
    await ctx.close();
  });

  // Two older servers: one that takes deflate but not the delta form, one that takes the delta form
  // but not deflated twice. Either way the refused batch goes again as gzip, byte for byte the JSON
  // the server would have decoded (the recorder undid every pass), then the session sends plain deflate.
  it.each([
    { server: 'deflate but not the delta form', deltaForm: 'unsupported', burst: 300, refused: { status: 415, delta: true } },
    {
      server: 'the delta form but not deflated twice',
      deltaForm: 'once-only',
      burst: 2000,
      refused: { status: 415, delta: true, twice: true },
    },
  ] as const)('a server that takes $server (415): the batch goes again as gzip, the same JSON, then plain deflate', async (c) => {
    h.ingest.deltaForm = c.deltaForm;
    h.ingest.refusals.length = 0;
    try {
      const { ctx, page, id } = await openBurstPage();
      await page.evaluate((n) => (window as unknown as { burst(n: number): Promise<void> }).burst(n), c.burst);
      await page.evaluate(() => window.Reprise!.flush());
      const rs = h.ingest.forSession(id);
      expectContiguousSeqs(rs);
      expect(h.ingest.refusals.length).toBeGreaterThan(0);
      for (const refused of h.ingest.refusals) {
        expect(refused).toMatchObject(c.refused);
        const again = rs.find((r) => r.batch.seq === refused.seq)!;
        expect(again.encoding).toBe('gzip');
        expect(refused.text).toBe(again.text);
      }
      if (c.deltaForm === 'unsupported') {
        // Without the delta form at all, every later batch is plain deflate. (A server refusing only the
        // second pass may still take a batch already encoded in the delta form before its 415 came back.)
        const later = rs.filter((r) => r.batch.seq > Math.max(...h.ingest.refusals.map((x) => x.seq!)));
        expect(later.length).toBeGreaterThan(0);
        for (const r of later) expect(r).toMatchObject({ encoding: 'deflate', delta: false });
      }
      const stats = await page.evaluate(() => window.Reprise!.stats());
      expect(stats).toMatchObject({ batchesDropped: 0, batchesFailed: 0, internalErrors: 0 });
      await ctx.close();
    } finally {
      h.ingest.deltaForm = 'ok';
    }
  });

  it('at pagehide, a body deflated twice goes deflated once (its inner stream, the same batch) unless the server took one before', async () => {
    h.ingest.refusals.length = 0;
    // The burst's first attempt is answered 503 with a minute's Retry-After: it waits in the outbox,
    // deflated twice and never acknowledged, until the pagehide send. 800 nodes added then moved
    // stay one batch (under the 512 KB cut), so no other body deflated twice is acknowledged first.
    const burstRecord = (b: Batch) => b.events.some((e) => JSON.stringify(e.data).includes('node 799'));
    h.ingest.respond = (batch, before) => (before === 0 && burstRecord(batch) ? { status: 503, headers: { 'Retry-After': '60' } } : null);
    try {
      const { ctx, page, id } = await openBurstPage();
      await codecReady(page);
      await page.evaluate(() => (window as unknown as { burst(n: number): Promise<void> }).burst(800));
      // Not awaited: the flush waits for an answer the 503 puts off.
      await page.evaluate(() => void window.Reprise!.flush());
      const attempts = () => h.ingest.received.filter((r) => r.batch.sessionId === id && burstRecord(r.batch));
      await expect.poll(() => attempts().length, { timeout: 10_000 }).toBeGreaterThan(0);
      const first = attempts()[0]!;
      expect(first).toMatchObject({ status: 503, delta: true, twice: true });
      // Batches go one at a time: every earlier one was answered before the burst went. On a busy
      // machine an earlier batch (events that came after the snapshot's) may itself have been taken
      // deflated twice; then the pagehide send may be too.
      const tookTwice = h.ingest.forSession(id).some((r) => r.status === 200 && r.twice && !burstRecord(r.batch));
      await page.goto('about:blank');
      await expect.poll(() => attempts().filter((r) => r.status === 200).length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(new Set(attempts().map((r) => r.batch.seq))).toEqual(new Set([first.batch.seq]));
      const again = attempts().find((r) => r.status === 200)!;
      expect(again).toMatchObject({ encoding: 'deflate', delta: true, twice: tookTwice });
      expect(again.text).toBe(first.text);
      expect(h.ingest.refusals).toEqual([]);
      await ctx.close();
    } finally {
      h.ingest.respond = null;
    }
  });
});
