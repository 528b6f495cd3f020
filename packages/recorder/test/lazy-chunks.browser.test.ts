import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { CustomData, KeyData, NetworkData } from '@reprise/protocol';
import { html, sdkTag } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

/**
 * The script-tag build's lazy chunks (src/lazy-chunk.ts): the codec (fflate, dictionary r1, the
 * Worker's source) and the late capture modules (env, vitals) are imported once recording has
 * started, as is the network records code (the fetch/XHR hooks are in the first load), buffer mode
 * when a recorder starts in it; recording never depends on them, and what happens before a chunk
 * arrives is not lost.
 */
const h = useHarness();

async function sessionIdOf(page: Page): Promise<string> {
  await expect.poll(() => page.evaluate(() => window.Reprise?.getSessionId() ?? null)).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  return (await page.evaluate(() => window.Reprise!.getSessionId()))!;
}

/** A fresh tab on `path` of the test site, once its recorder has a session; the page's uncaught errors collect in `errors`. */
async function openPage(path: string): Promise<{ ctx: BrowserContext; page: Page; id: string; errors: string[] }> {
  const ctx = await h.browser.newContext();
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${h.ingest.base}${path}`);
  return { ctx, page, id: await sessionIdOf(page), errors };
}

/**
 * Runs `test` on a fresh tab of `path` (served as `page`) while the test server holds the lazy
 * chunks' requests (answered once the test releases them) or refuses them; the tab is closed and
 * the server serves chunks again afterwards.
 */
async function withChunks(
  chunks: 'held' | 'refused',
  path: string,
  page: string,
  test: (tab: { page: Page; id: string; errors: string[] }) => Promise<void>,
): Promise<void> {
  h.ingest.pages.set(path, page);
  if (chunks === 'held') h.ingest.holdChunks = true;
  else h.ingest.refuseChunks = true;
  try {
    const { ctx, ...tab } = await openPage(path);
    try {
      await test(tab);
    } finally {
      await ctx.close();
    }
  } finally {
    h.ingest.refuseChunks = false;
    h.ingest.releaseChunks();
  }
}

/** The events of `kind` the test server has received for session `id`. */
const eventsOf = (id: string, kind: string) =>
  h.ingest
    .forSession(id)
    .flatMap((r) => r.batch.events)
    .filter((e) => e.kind === kind);
const codecRequests = () => h.ingest.requests.filter((r) => /^GET \/sdk\/reprise-codec\.[\w-]+\.js$/.test(r));
const canvasOrUiRequests = () => h.ingest.requests.filter((r) => /^GET \/sdk\/reprise-(ui|canvas)\./.test(r));

describe('lazy chunks', () => {
  it('the codec chunk is imported after recording starts; batches are deflated against dictionary r1 in the Worker', async () => {
    h.ingest.pages.set('/lazy', html(sdkTag(), '<h1 id="title">lazy</h1>'));
    const before = { codec: codecRequests().length, other: canvasOrUiRequests().length };
    const { ctx, page, id, errors } = await openPage('/lazy');
    await page.evaluate(() => {
      document.getElementById('title')!.textContent = 'MARKER-lazy';
    });
    await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes('MARKER-lazy')), { timeout: 10_000 }).toBe(true);
    for (const r of h.ingest.forSession(id)) expect(r).toMatchObject({ encoding: 'deflate', dict: 'r1' });
    expect(codecRequests().length).toBe(before.codec + 1);
    // Nothing asked for the UI or canvas recording, so their chunks were never loaded.
    expect(canvasOrUiRequests().length).toBe(before.other);
    expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({
      compression: 'worker',
      batchesDropped: 0,
      internalErrors: 0,
    });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('when the chunks cannot be had, recording goes on: gzip via CompressionStream, nothing lost, the page unharmed', async () => {
    await withChunks('refused', '/lazy-fail', html(sdkTag(), '<h1 id="title">lazy</h1>'), async ({ page, id, errors }) => {
      for (const m of ['MARKER-one', 'MARKER-two']) {
        await page.evaluate((text) => {
          document.getElementById('title')!.textContent = text;
        }, m);
        await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes(m)), { timeout: 10_000 }).toBe(true);
      }
      const rs = h.ingest.forSession(id);
      const seqs = rs.map((r) => r.batch.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(seqs.map((_, i) => i));
      for (const r of rs) expect(r.encoding).toBe('gzip');
      expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({
        compression: 'main-thread',
        batchesDropped: 0,
        batchesFailed: 0,
      });
      expect(errors).toEqual([]);
    });
  });

  it('a page left before the codec is there still delivers its events (plain JSON at pagehide)', async () => {
    // The chunk request hangs: the pagehide send cannot wait for it.
    await withChunks(
      'held',
      '/lazy-slow',
      html(sdkTag({ 'data-flush-interval-ms': 60_000 }), '<h1 id="title">slow</h1>'),
      async ({ page, id }) => {
        await page.evaluate(() => {
          document.getElementById('title')!.textContent = 'MARKER-leaving';
        });
        await page.goto('about:blank');
        await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes('MARKER-leaving')), { timeout: 10_000 }).toBe(true);
        for (const r of h.ingest.forSession(id)) expect(r.encoding).toBeNull();
      },
    );
  });

  it('canvas recording, cut out of the first load, comes with its chunk: sampled frames are recorded', async () => {
    const body = `<canvas id="c" width="120" height="60"></canvas><script>
      let n = 0;
      setInterval(() => { const x = document.getElementById('c').getContext('2d'); x.fillStyle = 'rgb(' + (n++ % 255) + ',0,0)'; x.fillRect(0, 0, 120, 60); }, 50);
    </script>`;
    h.ingest.pages.set('/lazy-canvas', html(sdkTag({ 'data-record-canvas': 'true', 'data-canvas-fps': 4 }), body));
    const { ctx, id } = await openPage('/lazy-canvas');
    // rrweb's canvas mutation events: incremental (type 3) with source 9 (CanvasMutation).
    const canvasFrames = () =>
      h.ingest
        .forSession(id)
        .flatMap((r) => r.batch.events)
        .filter((e) => e.kind === 'dom' && (e.data as { type: number; data?: { source?: number } }).type === 3)
        .filter((e) => (e.data as { data: { source?: number } }).data.source === 9).length;
    await expect.poll(canvasFrames, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(h.ingest.requests.some((r) => /^GET \/sdk\/reprise-canvas\.[\w-]+\.js$/.test(r))).toBe(true);
    await ctx.close();
  });

  it('env, vitals, click descriptions and serialization come with the capture chunk: a click, a console call, a rejection and a long task before it arrives are recorded at their times', async () => {
    await withChunks(
      'held',
      '/lazy-late',
      html(sdkTag(), '<h1 id="title">A heading large enough to be the largest paint</h1>'),
      async ({ page, id, errors }) => {
        // The chunk is requested, not there: the first input comes before env and perf run.
        await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-capture\.[\w-]+\.js$/.test(r))).toBe(true);
        const before = Date.now();
        await page.mouse.click(10, 10);
        const after = Date.now();
        // A console call and a rejection with an object: serialized by the chunk, when it arrives, at their times.
        const calls = await page.evaluate(async () => {
          const before = Date.now();
          console.warn('early warn', { password: 'SECRET-console', n: 1 });
          void Promise.reject({ code: 'early-rejection' });
          await new Promise((r) => setTimeout(r, 50));
          return { before, after: Date.now() };
        });
        // A 150 ms long task, in a task of the page's own (a timer: the browser reports no long task
        // for the test's evaluate). The chunk's observer gets it from the browser's buffer.
        const busyFrom = await page.evaluate(
          () =>
            new Promise<number>((resolve) =>
              setTimeout(() => {
                const from = Date.now();
                const until = performance.now() + 150;
                while (performance.now() < until) {
                  /* busy */
                }
                resolve(from);
              }, 0),
            ),
        );
        // Long enough that a time taken when the chunk arrives would show.
        await new Promise((r) => setTimeout(r, 300));
        h.ingest.releaseChunks();
        const ofKind = (kind: string) => eventsOf(id, kind);
        await expect.poll(() => ofKind('env').length, { timeout: 10_000 }).toBe(1);
        await expect.poll(() => ofKind('vital').some((e) => (e.data as { name: string }).name === 'LCP'), { timeout: 10_000 }).toBe(true);
        // The click, described once the chunk was there, with the time it happened.
        await expect.poll(() => ofKind('click').length, { timeout: 10_000 }).toBe(1);
        const click = ofKind('click')[0]!;
        expect(click.t).toBeGreaterThanOrEqual(before - 50);
        expect(click.t).toBeLessThanOrEqual(after + 50);
        expect(click.data).toMatchObject({ x: 10, y: 10, selector: expect.any(String) });
        await expect.poll(() => ofKind('console').length, { timeout: 10_000 }).toBe(1);
        await expect.poll(() => ofKind('error').length, { timeout: 10_000 }).toBe(1);
        const [warn, rejection] = [ofKind('console')[0]!, ofKind('error')[0]!];
        for (const e of [warn, rejection]) {
          expect(e.t).toBeGreaterThanOrEqual(calls.before - 50);
          expect(e.t).toBeLessThanOrEqual(calls.after + 50);
        }
        expect(warn.data).toMatchObject({
          level: 'warn',
          args: [{ type: 'string', value: 'early warn' }, { type: 'object' }],
          stack: expect.any(String),
        });
        expect(JSON.stringify(warn.data)).toContain('"n"');
        expect(rejection.data).toMatchObject({ origin: 'unhandledrejection', message: expect.stringContaining('early-rejection') });
        for (const r of h.ingest.forSession(id)) expect(r.text).not.toContain('SECRET-console');
        const lcp = ofKind('vital').find((e) => (e.data as { name: string }).name === 'LCP')!;
        expect(lcp.t).toBeGreaterThanOrEqual(before - 50);
        expect(lcp.t).toBeLessThanOrEqual(after + 50);
        // Buffered entries from before the chunk: the page's first paint and its navigation timing.
        const vitals = ofKind('vital').map((e) => (e.data as { name: string }).name);
        expect(vitals).toEqual(expect.arrayContaining(['FCP', 'TTFB']));
        // The long task, stamped when it began, not when the chunk arrived.
        const longtasks = ofKind('vital').filter((e) => (e.data as { name: string; value: number }).name === 'longtask');
        expect(longtasks.filter((e) => (e.data as { value: number }).value >= 140).map((e) => e.t - busyFrom)).toContainEqual(
          expect.toSatisfy((d: number) => d >= -20 && d < 60),
        );
        expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({ internalErrors: 0 });
        // The page's own unhandled rejection is its only error.
        expect(errors).toHaveLength(1);
      },
    );
  });

  it('a page that logs hundreds of lines before the capture chunk arrives still has its first click described', async () => {
    await withChunks('held', '/lazy-chatty', html(sdkTag(), '<button id="buy">Buy now</button>'), async ({ page, id }) => {
      await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-capture\.[\w-]+\.js$/.test(r))).toBe(true);
      await page.evaluate(() => {
        for (let i = 0; i < 300; i++) console.log('starting up', i);
      });
      await page.click('#buy');
      h.ingest.releaseChunks();
      const ofKind = (kind: string) => eventsOf(id, kind);
      await expect.poll(() => ofKind('click').length, { timeout: 10_000 }).toBe(1);
      expect(ofKind('click')[0]!.data).toMatchObject({ selector: '#buy', text: 'Buy now' });
      // The console lines are bounded while they wait: the first 200 are kept, and the session
      // says the other 100 were left out (from the time of the first of them).
      await expect.poll(() => ofKind('console').length, { timeout: 10_000 }).toBe(200);
      await page.evaluate(() => window.Reprise!.flush());
      const notices = ofKind('custom')
        .map((e) => e.data as CustomData)
        .filter((d) => d.type === 'notice');
      expect(notices).toEqual([{ type: 'notice', code: 'console-flood', records: 100, limit: 50 }]);
    });
  });

  it('keys pressed before the capture chunk arrives are decided when it does: Escape and Enter kept at their time and in order, typed characters never', async () => {
    // A chat box that takes Enter (sends instead of a new line): kept, in its place among the others.
    const body =
      '<input id="pw" type="password"><textarea id="chat"></textarea><input id="q">' +
      `<script>document.getElementById('chat').addEventListener('keydown', (e) => { if (e.key === 'Enter') e.preventDefault(); });</script>`;
    await withChunks('held', '/lazy-keys', html(sdkTag(), body), async ({ page, id }) => {
      await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-capture\.[\w-]+\.js$/.test(r))).toBe(true);
      const before = Date.now();
      await page.click('#pw');
      await page.keyboard.type('hunter2');
      await page.keyboard.press('Enter');
      await page.click('#chat');
      await page.keyboard.type('hi');
      await page.keyboard.press('Enter');
      await page.click('#q');
      await page.keyboard.type('ab');
      await page.keyboard.press('Escape');
      const pressed = Date.now();
      await new Promise((r) => setTimeout(r, 300));
      h.ingest.releaseChunks();
      const keys = () =>
        eventsOf(id, 'custom')
          .filter((e) => (e.data as CustomData).type === 'key')
          .map((e) => ({ t: e.t, ...(e.data as KeyData) }));
      await expect
        .poll(
          async () => {
            await page.evaluate(() => window.Reprise!.flush());
            return keys().map((k) => `${k.key} ${k.target.selector}`);
          },
          { timeout: 10_000 },
        )
        .toEqual(['Enter #pw', 'Enter #chat', 'Escape #q']);
      for (const k of keys()) {
        expect(k.t).toBeGreaterThanOrEqual(before);
        expect(k.t).toBeLessThanOrEqual(pressed);
      }
      expect(JSON.stringify(h.ingest.forSession(id).map((r) => r.batch.events))).not.toContain('hunter2');
    });
  });

  it('requests made before the network chunk arrives are recorded with their headers, bodies and times, redacted in the browser', async () => {
    await withChunks('held', '/lazy-net', html(sdkTag(), '<h1 id="title">net</h1>'), async ({ page, id, errors }) => {
      await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-network\.[\w-]+\.js$/.test(r))).toBe(true);
      // Before the chunk is there: a fetch whose response the page reads at once, an XHR, a fetch of a Request with a body.
      const early = await page.evaluate(async () => {
        const times: Array<[number, number]> = [];
        let t = Date.now();
        const r1 = await fetch('/echo/one', {
          method: 'POST',
          headers: { Authorization: 'Bearer SECRET-fetch-token', 'content-type': 'application/json' },
          body: JSON.stringify({ item: 'mug', password: 'SECRET-pw' }),
        });
        const read = await r1.text();
        times.push([t, Date.now()]);
        t = Date.now();
        await new Promise<void>((resolve) => {
          const x = new XMLHttpRequest();
          x.open('POST', '/echo/two');
          x.setRequestHeader('Authorization', 'Bearer SECRET-xhr-token');
          x.setRequestHeader('content-type', 'application/x-www-form-urlencoded');
          x.onloadend = () => resolve();
          x.send('qty=2&token=SECRET-form-token');
        });
        times.push([t, Date.now()]);
        t = Date.now();
        await fetch(
          new Request('/echo/three', { method: 'POST', body: 'request body text', headers: { authorization: 'Bearer SECRET-req-token' } }),
        );
        times.push([t, Date.now()]);
        return { read, times };
      });
      expect(early.read).toBe('ok');
      // Long enough that a time taken when the chunk processes a request would show.
      await new Promise((r) => setTimeout(r, 500));
      const released = Date.now();
      h.ingest.releaseChunks();
      const network = () =>
        h.ingest
          .forSession(id)
          .flatMap((r) => r.batch.events)
          .filter((e) => e.kind === 'network');
      await expect.poll(() => network().length, { timeout: 10_000 }).toBe(3);
      // And one after it arrived, through the loaded code.
      await page.evaluate(() => fetch('/echo/four').then((r) => r.text()));
      await expect.poll(() => network().length, { timeout: 10_000 }).toBe(4);
      const events = network().sort((a, b) => a.t - b.t);
      const data = events.map((e) => e.data as NetworkData);
      expect(data.map((d) => [d.initiator, new URL(d.url).pathname])).toEqual([
        ['fetch', '/echo/one'],
        ['xhr', '/echo/two'],
        ['fetch', '/echo/three'],
        ['fetch', '/echo/four'],
      ]);
      early.times.forEach(([before, after], i) => {
        expect(events[i]!.t).toBeGreaterThanOrEqual(before - 50);
        expect(events[i]!.t).toBeLessThanOrEqual(after + 50);
        expect(events[i]!.t).toBeLessThan(released);
        expect(data[i]!.durationMs).toBeGreaterThan(0);
        expect(data[i]!.durationMs).toBeLessThanOrEqual(after - before + 50);
      });
      expect(data[0]).toMatchObject({
        method: 'POST',
        status: 200,
        requestHeaders: { 'content-type': 'application/json' },
        requestBody: { kind: 'json', value: { item: 'mug', password: '[redacted]' } },
        responseHeaders: { 'content-type': 'text/plain' },
        responseBody: { kind: 'text', value: 'ok' },
      });
      expect(data[1]).toMatchObject({
        method: 'POST',
        status: 200,
        requestBody: { kind: 'urlencoded', value: { qty: '2', token: '[redacted]' } },
        responseBody: { kind: 'text', value: 'ok' },
      });
      expect(data[2]).toMatchObject({ method: 'POST', status: 200, requestBody: { kind: 'text', value: 'request body text' } });
      for (const d of data.slice(0, 3)) expect(Object.keys(d.requestHeaders)).not.toContain('authorization');
      // The server got the Authorization headers; what was sent to the ingest holds none of them.
      expect(h.ingest.echoed.find((e) => e.path === '/echo/one')?.headers.authorization).toBe('Bearer SECRET-fetch-token');
      for (const r of h.ingest.forSession(id)) expect(r.text).not.toMatch(/SECRET-/);
      expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({ internalErrors: 0 });
      expect(errors).toEqual([]);
    });
  });

  it('requests a page leaves behind before the network chunk arrives are still recorded, redacted, bodies omitted', async () => {
    // The chunk requests hang: the page is left before any arrives.
    await withChunks('held', '/lazy-net-left', html(sdkTag(), '<h1 id="title">net</h1>'), async ({ page, id, errors }) => {
      await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-network\.[\w-]+\.js$/.test(r))).toBe(true);
      const before = Date.now();
      await page.evaluate(async () => {
        const r = await fetch('/echo/left-fetch?token=SECRET-query', {
          method: 'POST',
          headers: { Authorization: 'Bearer SECRET-fetch-token', 'content-type': 'application/json' },
          body: JSON.stringify({ password: 'SECRET-pw' }),
        });
        await r.text();
        await new Promise<void>((resolve) => {
          const x = new XMLHttpRequest();
          x.open('GET', '/echo/left-xhr');
          x.setRequestHeader('Authorization', 'Bearer SECRET-xhr-token');
          x.onloadend = () => resolve();
          x.send();
        });
        // Refused by the browser: no server answers, so the failure is recorded as such.
        await fetch('http://127.0.0.1:1/left-refused').catch(() => undefined);
      });
      expect(errors).toEqual([]);
      await page.goto('about:blank');
      const network = () => eventsOf(id, 'network').sort((a, b) => a.t - b.t);
      await expect.poll(() => network().length, { timeout: 10_000 }).toBe(3);
      const data = network().map((e) => e.data as NetworkData);
      for (const e of network()) expect(e.t).toBeGreaterThanOrEqual(before - 50);
      expect(data.map((d) => [d.initiator, d.method, new URL(d.url).pathname, d.status])).toEqual([
        ['fetch', 'POST', '/echo/left-fetch', 200],
        ['xhr', 'GET', '/echo/left-xhr', 200],
        ['fetch', 'GET', '/left-refused', 0],
      ]);
      const omitted = { kind: 'omitted', reason: 'page left before it was read' };
      expect(data[0]).toMatchObject({
        requestHeaders: { 'content-type': 'application/json' },
        responseHeaders: { 'content-type': 'text/plain' },
        requestBody: omitted,
        responseBody: omitted,
      });
      expect(data[0]!.url).not.toContain('SECRET');
      expect(data[1]).toMatchObject({ requestBody: null, responseBody: omitted });
      expect(data[2]).toMatchObject({ error: 'network', responseBody: null });
      for (const d of data) expect(Object.keys(d.requestHeaders)).not.toContain('authorization');
      expect(data[0]!.durationMs).toBeGreaterThan(0);
      expect(data[1]!.durationMs).toBeGreaterThan(0);
      for (const r of h.ingest.forSession(id)) expect(r.text).not.toMatch(/SECRET-/);
    });
  });

  it("while the network chunk is on its way, only bodies it will record are cloned or kept: not a binary one, not a denied URL's", async () => {
    const page = html(sdkTag({ 'data-body-url-deny': '/echo/denied' }), '<h1 id="title">net</h1>');
    await withChunks('held', '/lazy-net-plan', page, async ({ page, id, errors }) => {
      await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-network\.[\w-]+\.js$/.test(r))).toBe(true);
      const clones = await page.evaluate(async () => {
        const n = { response: 0, request: 0 };
        const [res, req] = [Response.prototype.clone, Request.prototype.clone];
        Response.prototype.clone = function (this: Response) {
          n.response++;
          return res.call(this);
        };
        Request.prototype.clone = function (this: Request) {
          n.request++;
          return req.call(this);
        };
        await fetch('/echo/image?type=image/png').then((r) => r.arrayBuffer());
        await fetch('/echo/events?type=text/event-stream').then((r) => r.text());
        await fetch('/echo/denied-get').then((r) => r.text());
        await fetch(new Request('/echo/denied-post', { method: 'POST', body: 'denied body' })).then((r) => r.text());
        await fetch('/echo/text').then((r) => r.text());
        for (const [url, type] of [
          ['/echo/bytes?type=application/octet-stream', 'arraybuffer'],
          ['/echo/image-text?type=image/png', ''],
        ] as const) {
          await new Promise<void>((resolve) => {
            const x = new XMLHttpRequest();
            x.open('GET', url);
            x.responseType = type;
            x.onloadend = () => resolve();
            x.send();
          });
        }
        [Response.prototype.clone, Request.prototype.clone] = [res, req];
        return n;
      });
      // The one text answer is cloned for the records code; nothing else is.
      expect(clones).toEqual({ response: 1, request: 0 });
      h.ingest.releaseChunks();
      const byPath = () =>
        new Map(eventsOf(id, 'network').map((e) => [new URL((e.data as NetworkData).url).pathname, e.data as NetworkData]));
      await expect.poll(() => byPath().size, { timeout: 10_000 }).toBe(7);
      const net = byPath();
      expect(net.get('/echo/image')!.responseBody).toEqual({ kind: 'binary', size: 2 });
      expect(net.get('/echo/events')!.responseBody).toMatchObject({ kind: 'omitted', reason: 'streaming response' });
      expect(net.get('/echo/denied-get')!.responseBody).toEqual({ kind: 'omitted', reason: 'URL denied by bodyUrlDeny' });
      expect(net.get('/echo/denied-post')!.requestBody).toEqual({ kind: 'omitted', reason: 'URL denied by bodyUrlDeny' });
      expect(net.get('/echo/text')!.responseBody).toMatchObject({ kind: 'text', value: 'ok' });
      expect(net.get('/echo/bytes')).toMatchObject({ initiator: 'xhr', responseBody: { kind: 'binary', size: 2 } });
      expect(net.get('/echo/image-text')).toMatchObject({ initiator: 'xhr', responseBody: { kind: 'binary', size: 2 } });
      expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({ internalErrors: 0 });
      expect(errors).toEqual([]);
    });
  });

  it('requests waiting for the network chunk are bounded: past 200 the oldest are dropped, the rest recorded in order', async () => {
    await withChunks('held', '/lazy-net-many', html(sdkTag(), '<h1 id="title">net</h1>'), async ({ page, id }) => {
      await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-network\.[\w-]+\.js$/.test(r))).toBe(true);
      await page.evaluate(async () => {
        for (let i = 0; i < 205; i++) await fetch(`/echo/many-${i}`).then((r) => r.text());
      });
      h.ingest.releaseChunks();
      const urls = () =>
        h.ingest
          .forSession(id)
          .flatMap((r) => r.batch.events)
          .filter((e) => e.kind === 'network')
          .sort((a, b) => a.t - b.t)
          .map((e) => new URL((e.data as NetworkData).url).pathname);
      await expect.poll(() => urls().length, { timeout: 10_000 }).toBe(200);
      expect(urls()).toEqual(Array.from({ length: 200 }, (_, i) => `/echo/many-${i + 5}`));
      expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({ internalErrors: 0 });
    });
  });

  it('when the network chunk cannot be had, the page and the rest of the recording are unharmed', async () => {
    await withChunks('refused', '/lazy-net-fail', html(sdkTag(), '<h1 id="title">net</h1>'), async ({ page, id, errors }) => {
      const read = await page.evaluate(async () => {
        const r = await fetch('/echo/fail', { method: 'POST', body: 'x', headers: { authorization: 'Bearer SECRET-t' } });
        const x = new XMLHttpRequest();
        x.open('GET', '/echo/fail-xhr');
        await new Promise((resolve) => {
          x.onloadend = resolve;
          x.send();
        });
        document.getElementById('title')!.textContent = 'MARKER-after-requests';
        return [await r.text(), x.responseText];
      });
      expect(read).toEqual(['ok', 'ok']);
      await expect
        .poll(() => h.ingest.forSession(id).some((r) => r.text.includes('MARKER-after-requests')), { timeout: 10_000 })
        .toBe(true);
      for (const r of h.ingest.forSession(id)) expect(r.text).not.toMatch(/SECRET-/);
      expect(await page.evaluate(() => window.Reprise!.stats())).toMatchObject({ internalErrors: 0 });
      expect(errors).toEqual([]);
    });
  });

  it('buffer mode comes with its chunk: events from before it arrives are kept, in order, and a trigger uploads them', async () => {
    await withChunks(
      'held',
      '/lazy-buffer',
      html(sdkTag({ 'data-mode': 'buffer', 'data-buffer-seconds': 30 }), '<h1 id="title">buffered</h1>'),
      async ({ page, id }) => {
        await expect.poll(() => h.ingest.requests.some((r) => /^GET \/sdk\/reprise-buffer\.[\w-]+\.js$/.test(r))).toBe(true);
        // Before the chunk is there: a change the buffer must keep, and a trigger it must act on.
        await page.evaluate(() => {
          document.getElementById('title')!.textContent = 'MARKER-early';
        });
        // In a later task: rrweb emits the change in a microtask, the console call at once.
        await page.evaluate(() => console.error('early trigger'));
        expect(await page.evaluate(() => window.Reprise!.stats()?.bufferedBytes)).toBe(0);
        h.ingest.releaseChunks();
        await expect.poll(() => h.ingest.forSession(id).some((r) => r.text.includes('early trigger')), { timeout: 10_000 }).toBe(true);
        const events = h.ingest
          .forSession(id)
          .sort((a, b) => a.batch.seq - b.batch.seq)
          .flatMap((r) => r.batch.events);
        // From the full snapshot on, in time order, the change before the trigger. (Vitals carry the
        // time of what they measure, a long task's start, which the browser reports later.)
        expect(events.some((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2)).toBe(true);
        const ts = events.filter((e) => e.kind !== 'vital').map((e) => e.t);
        expect([...ts].sort((a, b) => a - b)).toEqual(ts);
        const marker = events.findIndex((e) => JSON.stringify(e.data).includes('MARKER-early'));
        const trigger = events.findIndex((e) => e.kind === 'console');
        expect(marker).toBeGreaterThanOrEqual(0);
        expect(trigger).toBeGreaterThan(marker);
      },
    );
  });
});
