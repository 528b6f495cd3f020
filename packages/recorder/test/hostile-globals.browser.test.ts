import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { html } from './support/fake-ingest.js';
import { flushUntil, useHarness } from './support/harness.js';

// Pages that change the built-ins the recorder serializes with (json.ts). Prototype.js 1.6,
// still on legacy pages, defines Array#toJSON returning a string: JSON.stringify calls it for
// every array, so without care each array of an event (a snapshot's childNodes…) goes out as a
// string and the replay is empty. An Object.prototype.toJSON would do the same to every object.

const h = useHarness();

const PROTOTYPE_TOJSON = `<script>
  Array.prototype.toJSON = function () { return '[' + this.map(function (x) { return String(x); }).join(', ') + ']'; };
  Object.prototype.toJSON = function () { return this instanceof Array ? this : 'OBJ'; };
  Object.defineProperty(Object.prototype, 'toJSON', { enumerable: false });
</script>`;

describe('pages that change built-ins the recorder serializes with', () => {
  it('toJSON on Array.prototype and Object.prototype: batches and stored state are plain JSON, the page keeps its toJSON', async () => {
    h.ingest.pages.set('/proto', html(PROTOTYPE_TOJSON + '<script src="/sdk/reprise.js"></script>', '<ul id="l"><li>one</li></ul>'));
    const page = await h.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.ingest.base}/proto`);
    await page.waitForFunction(() => typeof window.Reprise?.init === 'function');
    const out = await page.evaluate(async () => {
      const handle = window.Reprise!.init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000 });
      // The li must come after the snapshot, as a mutation.
      while (!handle.stats().initialSnapshot) await new Promise((r) => setTimeout(r, 20));
      const li = document.createElement('li');
      li.textContent = 'two';
      document.getElementById('l')!.appendChild(li);
      console.log('logged', [1, 2], { a: 'b' });
      handle.event('checkout', { items: ['x', 'y'] });
      await handle.flush();
      const stored: Record<string, unknown> = {};
      for (const s of [sessionStorage, localStorage])
        for (let i = 0; i < s.length; i++) {
          const k = s.key(i)!;
          // reprise:live holds the bare session id; every other entry is JSON.
          if (k.startsWith('reprise')) stored[k] = k === 'reprise:live' ? s.getItem(k) : JSON.parse(s.getItem(k)!);
        }
      // The page's own calls still go through its toJSON.
      return { sid: handle.getSessionId()!, stored, pageArray: JSON.stringify([1, 2]), pageObject: JSON.stringify({ a: 1 }) };
    });
    // Console arguments are serialized by a lazy chunk: on a loaded machine they may miss that flush.
    const sent = () => h.ingest.forSession(out.sid).flatMap((r) => r.batch.events);
    await flushUntil(page, () => sent().some((e) => e.kind === 'console') && sent().some((e) => JSON.stringify(e).includes('"two"')));
    await page.close();
    expect(errors).toEqual([]);
    expect(out.pageArray).toBe('"[1, 2]"');
    expect(out.pageObject).toBe('"OBJ"');
    // What the recorder keeps in storage parses back to objects, not to the page's strings.
    expect(Object.keys(out.stored).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(out.stored))
      expect(value, key).toEqual(key === 'reprise:live' ? out.sid : expect.any(Object));

    const events = h.ingest.forSession(out.sid).flatMap((r) => r.batch.events) as ReplayEvent[];
    const full = events.find((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2);
    const node = (full!.data as { data: { node: { childNodes: unknown } } }).data.node;
    expect(Array.isArray(node.childNodes)).toBe(true);
    const json = JSON.stringify(events);
    expect(json).not.toContain('OBJ');
    const added = events.find((e) => e.kind === 'dom' && JSON.stringify(e.data).includes('"two"'));
    expect(Array.isArray((added!.data as { data: { adds: unknown } }).data.adds)).toBe(true);
    const log = events.find((e) => e.kind === 'console');
    expect(Array.isArray((log!.data as { args: unknown }).args)).toBe(true);
    const custom = events.find((e) => e.kind === 'custom' && (e.data as { name?: string }).name === 'checkout');
    expect(custom?.data).toEqual({ type: 'event', name: 'checkout', data: { items: ['x', 'y'] } });
  });

  it('enumerable properties added to Object.prototype and Array.prototype (MooTools, old Prototype.js) stay out of events', async () => {
    const POLLUTE = `<script>
      Object.prototype.polluted = 'POLLUTED-OBJECT';
      Array.prototype.each = function () { return 'POLLUTED-ARRAY'; };
    </script>`;
    h.ingest.pages.set(
      '/polluted',
      html(
        POLLUTE + '<script src="/sdk/reprise.js"></script>',
        '<form><input id="q" name="q"><button id="b" type="button">Go</button></form>',
      ),
    );
    const page = await h.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.ingest.base}/polluted`);
    await page.waitForFunction(() => typeof window.Reprise?.init === 'function');
    const sid = await page.evaluate(() => {
      const handle = window.Reprise!.init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000 });
      return handle.getSessionId()!;
    });
    await page.fill('#q', 'hello');
    await page.click('#b');
    const flushed = await page.evaluate(async () => {
      console.warn('warned', { a: 1 }, [1]);
      window.Reprise!.tag('plan', 'pro');
      window.Reprise!.identify('user-1', { plan: 'pro' });
      await fetch('/echo/polluted', { method: 'POST', headers: { 'x-test': '1' }, body: JSON.stringify({ q: 'x' }) });
      await window.Reprise!.flush();
      return window.Reprise!.stats()!;
    });
    const wanted = ['dom', 'console', 'network', 'click', 'custom'];
    const kinds = (): Set<string> => new Set(h.ingest.forSession(sid).flatMap((r) => r.batch.events.map((e) => e.kind)));
    await flushUntil(page, () => wanted.every((k) => kinds().has(k)));
    await page.close();
    expect(errors).toEqual([]);
    expect(flushed.internalErrors).toBe(0);
    const events = h.ingest.forSession(sid).flatMap((r) => r.batch.events) as ReplayEvent[];
    for (const k of wanted) expect(kinds(), k).toContain(k);
    expect(JSON.stringify(events)).not.toContain('POLLUTED');
  });

  it("a fetch wrapper the app installed before init() (one that blocks other hosts' requests) never sees the uploads", async () => {
    // Installed by the app before it starts the recorder from npm: it refuses requests it does not
    // know (as mocks and some interceptors do) and counts those to ingest.
    h.ingest.pages.set(
      '/wrapped-fetch',
      html(
        '',
        `<p id="p">wrapped fetch page</p><script type="module">
          const pageFetch = window.fetch;
          window.__ingestCalls = 0;
          window.fetch = function (input, init) {
            if (String(input instanceof Request ? input.url : input).includes('/ingest/')) {
              window.__ingestCalls++;
              return Promise.reject(new TypeError('blocked by the app'));
            }
            return pageFetch.call(this, input, init);
          };
          const { init } = await import('/esm/index.js');
          window.__handle = init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000 });
        </script>`,
      ),
    );
    const page = await h.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.ingest.base}/wrapped-fetch`);
    type W = { __handle?: { getSessionId(): string | null; flush(): Promise<void> }; __ingestCalls: number };
    await page.waitForFunction(() => !!(window as unknown as W).__handle?.getSessionId());
    const out = await page.evaluate(async () => {
      const w = window as unknown as W;
      document.getElementById('p')!.textContent = 'changed after init';
      await w.__handle!.flush();
      // The app's own requests still go through its wrapper.
      const echoed = await (await fetch('/echo/app')).text();
      return { sid: w.__handle!.getSessionId()!, ingestCalls: w.__ingestCalls, echoed, frames: document.querySelectorAll('iframe').length };
    });
    await page.close();
    expect(errors).toEqual([]);
    expect(out).toMatchObject({ ingestCalls: 0, echoed: 'ok', frames: 0 });
    const text = h.ingest
      .forSession(out.sid)
      .map((r) => r.text)
      .join('\n');
    expect(text).toContain('wrapped fetch page');
    expect(text).toContain('changed after init');
  });
});
