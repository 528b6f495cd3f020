import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { NetworkData } from '@reprise/protocol';
import { html, sdkTag } from './support/fake-ingest.js';
import { recordRequests, useHarness } from './support/harness.js';

const h = useHarness();

/** Loads a recorded page with the given tag attributes, sends two POSTs, returns their network events. */
function requests(attrs: Record<string, string>): Promise<NetworkData[]> {
  return recordCalls(attrs, async (page) => {
    await page.evaluate(async () => {
      const body = JSON.stringify({ dob: '1990-01-01', plan: 'pro', password: 'pw-in-body' });
      await fetch('/public/orders', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'X-Tenant': 'tenant-secret-1' },
      });
      await fetch('/private/orders', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    });
  });
}

/** Loads a recorded page (under a directory), runs `calls` in it, returns the network events recorded. */
async function recordCalls(attrs: Record<string, string>, calls: (page: Page) => Promise<void>): Promise<NetworkData[]> {
  const path = `/dir/net-${Math.random().toString(36).slice(2)}`;
  h.ingest.pages.set(path, html(sdkTag(attrs), '<p>net</p>'));
  const ctx = await h.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${h.ingest.base}${path}`);
  await page.waitForFunction(() => !!window.Reprise?.getSessionId());
  const sid = await page.evaluate(() => window.Reprise!.getSessionId()!);
  const net = await recordRequests(h.ingest, page, sid, () => calls(page));
  await ctx.close();
  return net;
}

describe('network capture options', () => {
  it('captures bodies by default, redacting extra keys and headers it was given', async () => {
    const net = await requests({ 'data-redact-keys': 'dob', 'data-redact-headers': 'x-tenant' });
    const pub = net.find((n) => n.url.endsWith('/public/orders'))!;
    expect(pub.status).toBe(404);
    expect(pub.requestBody).toMatchObject({ kind: 'json', value: { dob: '[redacted]', plan: 'pro', password: '[redacted]' } });
    expect(pub.responseBody).toMatchObject({ kind: 'text', value: 'not found' });
    expect(JSON.stringify(pub)).not.toContain('tenant-secret-1');
    expect(pub.requestHeaders['content-type']).toBe('application/json');
    // The recorder's own uploads are never recorded.
    expect(net.some((n) => n.url.includes('/ingest/v1/'))).toBe(false);
  });

  it('omits bodies for denied URLs and keeps them for the rest', async () => {
    const net = await requests({ 'data-body-url-deny': '/private/' });
    const priv = net.find((n) => n.url.endsWith('/private/orders'))!;
    const pub = net.find((n) => n.url.endsWith('/public/orders'))!;
    expect(priv.status).toBe(404);
    expect(priv.requestBody?.value).toBeUndefined();
    expect(priv.responseBody?.value).toBeUndefined();
    expect(pub.requestBody?.kind).toBe('json');
  });

  it('captures no bodies at all when bodies are switched off', async () => {
    const net = await requests({ 'data-capture-bodies': 'false' });
    expect(net).toHaveLength(2);
    for (const n of net) {
      expect(n.requestBody?.value).toBeUndefined();
      expect(n.responseBody?.value).toBeUndefined();
    }
    expect(JSON.stringify(net)).not.toContain('1990-01-01');
  });

  it.each([
    [{ 'data-capture-bodies': 'false' }, 'body capture disabled'],
    [{ 'data-body-url-deny': '/private/' }, 'URL denied by bodyUrlDeny'],
  ])("a Request's own body not recorded (%o) is marked omitted, with the reason, and never cloned", async (attrs, reason) => {
    const net = await recordCalls(attrs, async (page) => {
      const clones = await page.evaluate(async () => {
        let n = 0;
        const clone = Request.prototype.clone;
        Request.prototype.clone = function (this: Request) {
          n++;
          return clone.call(this);
        };
        await fetch(new Request('/private/orders', { method: 'POST', body: 'card=4242-SECRET' }));
        Request.prototype.clone = clone;
        return n;
      });
      expect(clones).toBe(0);
    });
    expect(net).toHaveLength(1);
    expect(net[0]!.requestBody).toEqual({ kind: 'omitted', reason });
    expect(JSON.stringify(net)).not.toContain('4242-SECRET');
  });

  it("resolves relative request URLs against the page's <base>, as the browser does", async () => {
    const net = await recordCalls({}, async (page) => {
      await page.evaluate(async () => {
        const base = document.createElement('base');
        base.href = '/shop/';
        document.head.prepend(base);
        await fetch('api/by-fetch');
        await new Promise<void>((done) => {
          const xhr = new XMLHttpRequest();
          xhr.open('GET', 'api/by-xhr');
          xhr.onloadend = () => done();
          xhr.send();
        });
      });
    });
    const urls = net.map((n) => new URL(n.url).pathname).sort();
    expect(urls).toEqual(['/shop/api/by-fetch', '/shop/api/by-xhr']);
  });
});
