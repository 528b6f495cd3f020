import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { NetworkData } from '@reprise/protocol';
import { html, sdkTag } from './support/fake-ingest.js';
import { recordRequests, useHarness } from './support/harness.js';

const h = useHarness();

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

interface Sent {
  /** The traceparent header(s) the server received for this path, as one string (undefined: none). */
  header: string | undefined;
  /** The recorded network event of the request. */
  record: NetworkData | undefined;
}

/**
 * Loads a recorded page with the given tag attributes, runs `calls` (which requests `/echo/<name>`
 * paths, same- or cross-origin), and returns what the server received and what was recorded, by name.
 */
async function run(attrs: Record<string, string>, calls: (page: Page, cross: string) => Promise<void>): Promise<(name: string) => Sent> {
  const tag = Math.random().toString(36).slice(2);
  const path = `/trace-${tag}`;
  h.ingest.pages.set(path, html(sdkTag(attrs), '<p>trace</p>'));
  const ctx = await h.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${h.ingest.base}${path}`);
  await page.waitForFunction(() => !!window.Reprise?.getSessionId());
  const sid = await page.evaluate(() => window.Reprise!.getSessionId()!);
  // localhost and 127.0.0.1 are different origins: the same fake server, seen cross-origin.
  const cross = h.ingest.base.replace('127.0.0.1', 'localhost');
  await page.evaluate((t) => ((window as unknown as { T: string }).T = t), tag);
  const net = await recordRequests(h.ingest, page, sid, () => calls(page, cross));
  await ctx.close();
  return (name) => {
    const hits = h.ingest.echoed.filter((e) => e.path === `/echo/${tag}/${name}`);
    expect(hits, `server got /echo/${name} once`).toHaveLength(1);
    const v = hits[0].headers.traceparent;
    return { header: Array.isArray(v) ? v.join(', ') : v, record: net.find((n) => n.url.endsWith(`/echo/${tag}/${name}`)) };
  };
}

/** The recorded ids are exactly the ones the header carried. */
function expectLinked(s: Sent): void {
  const m = TRACEPARENT.exec(s.header ?? '');
  expect(m, `traceparent ${s.header}`).not.toBeNull();
  expect(s.record?.traceId).toBe(m![1]);
  expect(s.record?.spanId).toBe(m![2]);
}

function xhr(url: string, headers: Record<string, string> = {}): Promise<void> {
  return new Promise<void>((done) => {
    const x = new XMLHttpRequest();
    x.open('GET', url);
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    x.onloadend = () => done();
    x.send();
  });
}

describe('trace context on recorded requests', () => {
  it('adds a traceparent to same-origin fetch and XHR only, and records its ids', async () => {
    let badHeader = '';
    const got = await run({}, async (page, cross) => {
      // Headers fetch itself refuses: the app gets fetch's own TypeError, as without the recorder.
      badHeader = await page.evaluate(() =>
        fetch('/echo/never', { headers: { 'bad header': 'x' } }).then(
          () => 'resolved',
          (e: Error) => e.name,
        ),
      );
      await page.evaluate(
        async ({ cross, xhrSrc }) => {
          const T = (window as unknown as { T: string }).T;
          const send = new Function(`return ${xhrSrc}`)() as typeof xhr;
          await fetch(`/echo/${T}/same-fetch`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
          await fetch(new Request(`/echo/${T}/same-request`));
          await send(`/echo/${T}/same-xhr`);
          await fetch(`${cross}/echo/${T}/cross-fetch`);
          await send(`${cross}/echo/${T}/cross-xhr`);
        },
        { cross, xhrSrc: xhr.toString() },
      );
    });
    expect(badHeader).toBe('TypeError');
    const same = ['same-fetch', 'same-request', 'same-xhr'].map(got);
    for (const s of same) expectLinked(s);
    // Every request is its own trace.
    expect(new Set(same.map((s) => s.record?.traceId)).size).toBe(3);
    expect(same[0].record?.requestHeaders['content-type']).toBe('text/plain');
    for (const name of ['cross-fetch', 'cross-xhr']) {
      const s = got(name);
      expect(s.header).toBeUndefined();
      expect(s.record?.status).toBe(200);
      expect(s.record?.traceId).toBeUndefined();
    }
  });

  it('adds it to a cross-origin target named in data-trace-propagation-targets', async () => {
    const cross = h.ingest.base.replace('127.0.0.1', 'localhost');
    const got = await run({ 'data-trace-propagation-targets': `${cross}, /only-this/` }, async (page, cross) => {
      await page.evaluate(
        async ({ cross, xhrSrc }) => {
          const T = (window as unknown as { T: string }).T;
          const send = new Function(`return ${xhrSrc}`)() as typeof xhr;
          await fetch(`${cross}/echo/${T}/cross-fetch`);
          await send(`${cross}/echo/${T}/cross-xhr`);
          // The page's own origin is no target any more: only the listed prefix is.
          await fetch(`/echo/${T}/same-fetch`);
        },
        { cross, xhrSrc: xhr.toString() },
      );
    });
    expectLinked(got('cross-fetch'));
    expectLinked(got('cross-xhr'));
    expect(got('same-fetch').header).toBeUndefined();
  });

  it("keeps the app's own traceparent however it is given, and records its ids", async () => {
    const app = (n: number): string => `00-${String(n).repeat(32)}-${String(n).repeat(16)}-00`;
    const got = await run({}, async (page) => {
      await page.evaluate(
        async ({ values, xhrSrc }) => {
          const T = (window as unknown as { T: string }).T;
          const send = new Function(`return ${xhrSrc}`)() as typeof xhr;
          await fetch(`/echo/${T}/headers-object`, { headers: new Headers({ TraceParent: values[0] }) });
          await fetch(`/echo/${T}/plain-object`, { headers: { TRACEPARENT: values[1], 'x-other': '1' } });
          await fetch(`/echo/${T}/array`, { headers: [['traceparent', values[2]]] });
          await fetch(new Request(`/echo/${T}/request`, { headers: { traceparent: values[3] } }));
          await send(`/echo/${T}/xhr`, { Traceparent: values[4] });
          // Not a valid traceparent: still the app's, so it is kept and no ids are recorded.
          await fetch(`/echo/${T}/invalid`, { headers: { traceparent: 'not-a-trace' } });
        },
        { values: [1, 2, 3, 4, 5].map(app), xhrSrc: xhr.toString() },
      );
    });
    ['headers-object', 'plain-object', 'array', 'request', 'xhr'].forEach((name, i) => {
      const s = got(name);
      expect(s.header, name).toBe(app(i + 1));
      expect(s.record?.traceId, name).toBe(String(i + 1).repeat(32));
      expect(s.record?.spanId, name).toBe(String(i + 1).repeat(16));
    });
    const invalid = got('invalid');
    expect(invalid.header).toBe('not-a-trace');
    expect(invalid.record?.traceId).toBeUndefined();
  });

  it('adds no header when the session is sampled out', async () => {
    const tag = Math.random().toString(36).slice(2);
    const path = `/trace-${tag}`;
    h.ingest.pages.set(path, html(sdkTag({ 'data-sample-rate': 0 }), '<p>trace</p>'));
    const ctx = await h.browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${h.ingest.base}${path}`);
    await page.waitForFunction(() => !!window.Reprise?.stats());
    expect(await page.evaluate(() => window.Reprise!.stats()?.recording)).toBe(false);
    await page.evaluate(async (t) => void (await fetch(`/echo/${t}/sampled-out`)), tag);
    await ctx.close();
    const hits = h.ingest.echoed.filter((e) => e.path === `/echo/${tag}/sampled-out`);
    expect(hits).toHaveLength(1);
    expect(hits[0].headers.traceparent).toBeUndefined();
  });

  it('adds no header in buffer mode', async () => {
    const got = await run({ 'data-mode': 'buffer' }, async (page) => {
      await page.evaluate(async (xhrSrc) => {
        const T = (window as unknown as { T: string }).T;
        const send = new Function(`return ${xhrSrc}`)() as typeof xhr;
        await fetch(`/echo/${T}/fetch`);
        await send(`/echo/${T}/xhr`);
      }, xhr.toString());
    });
    for (const name of ['fetch', 'xhr']) {
      const s = got(name);
      expect(s.header).toBeUndefined();
      // flush() uploaded the buffer: the request is recorded, without a trace.
      expect(s.record?.status).toBe(200);
      expect(s.record?.traceId).toBeUndefined();
    }
  });
});
