import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ErrorData } from '@reprise/protocol';
import { html, sdkTag } from './support/fake-ingest.js';
import { flushUntil, useHarness } from './support/harness.js';

/**
 * Errors a framework catches and logs instead of letting them reach window.onerror (Angular's
 * ErrorHandler, Vue 3's default handler, a React error boundary, zone.js's unhandled
 * rejections) are recorded as errors (origin `console`), each Error once. Tried with the real
 * zone.js, which Angular runs on (it patches timers, promises, events and fetch, before or after
 * the recorder loads), and the real Vue 3 production build.
 */
const h = useHarness();
const require = createRequire(import.meta.url);
const ZONE_JS = readFileSync(join(dirname(require.resolve('zone.js/package.json')), 'bundles/zone.umd.min.js'), 'utf8');
const VUE_JS = readFileSync(require.resolve('vue/dist/vue.global.prod.js'), 'utf8');

interface ZoneWindow {
  Zone: { current: { fork(spec: object): { run(f: () => void): void } } };
  __tasks: string[];
  __macro: boolean;
  __err?: Error;
  __done?: boolean;
}

const errorsOf = (id: string) =>
  h.ingest
    .forSession(id)
    .flatMap((r) => r.batch.events)
    .filter((e) => e.kind === 'error')
    .map((e) => e.data as ErrorData);

describe('errors logged with console.error', () => {
  for (const order of ['zone.js before the recorder', 'the recorder before zone.js'] as const) {
    it(`in a zone.js app (${order}): what its error handler logs is recorded once, with its stack; the recorder leaves no task in the app's zone`, async () => {
      const zone = `<script>${ZONE_JS}</script>`;
      const tag = sdkTag({ 'data-flush-interval-ms': 500 }).replace(' async', '');
      const path = order.startsWith('zone') ? '/zone-first' : '/zone-last';
      h.ingest.pages.set(path, html(path === '/zone-first' ? zone + tag : tag + zone, '<div id="app"></div>'));
      const ctx = await h.browser.newContext();
      try {
        const page = await ctx.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        await page.goto(`${h.ingest.base}${path}`);
        await expect.poll(() => page.evaluate(() => window.Reprise?.stats()?.initialSnapshot ?? null)).not.toBeNull();
        const id = (await page.evaluate(() => window.Reprise!.getSessionId()))!;
        await page.evaluate(() => {
          const w = window as unknown as ZoneWindow;
          w.__tasks = [];
          w.__macro = false;
          // What Angular's NgZone does: errors in the app's zone go to its ErrorHandler, which logs them.
          const app = w.Zone.current.fork({
            name: 'app',
            onHandleError(_d: unknown, _c: unknown, _t: unknown, err: Error) {
              w.__err = err;
              console.error('ERROR', err);
              return false;
            },
            onHasTask(d: { hasTask(t: unknown, s: unknown): void }, _c: unknown, t: unknown, s: { macroTask: boolean }) {
              d.hasTask(t, s);
              w.__macro = s.macroTask;
            },
            onInvokeTask(
              d: { invokeTask(t: unknown, task: unknown, a: unknown, b: unknown): unknown },
              _c: unknown,
              t: unknown,
              task: { source: string },
              a: unknown,
              b: unknown,
            ) {
              w.__tasks.push(task.source);
              return d.invokeTask(t, task, a, b);
            },
          });
          app.run(() => {
            const b = document.createElement('button');
            b.id = 'pay';
            b.textContent = 'Pay';
            b.addEventListener('click', () => {
              void fetch('/echo/pay')
                .then((r) => r.text())
                .then(() => {
                  w.__done = true;
                });
              // zone.js logs it ("Unhandled Promise rejection: …"); no unhandledrejection event fires.
              void Promise.reject(new RangeError('zone-rejected'));
              console.error('a plain message, not an Error');
              throw new TypeError('cart.total is undefined');
            });
            document.getElementById('app')!.append(b);
          });
        });
        await page.click('#pay');
        await expect.poll(() => page.evaluate(() => (window as unknown as ZoneWindow).__done ?? false)).toBe(true);
        // The same Error logged again by the app: not a second error.
        await page.evaluate(() => console.error('again', (window as unknown as ZoneWindow).__err));
        await flushUntil(page, () => errorsOf(id).length >= 2);
        const tasksBefore = await page.evaluate(() => (window as unknown as ZoneWindow).__tasks.length);
        // A second or more of the recorder's own timers and uploads (its flush interval is 500 ms).
        await page.mouse.move(10, 10);
        await page.waitForTimeout(1500);
        await page.evaluate(() => window.Reprise!.flush());
        const errors = errorsOf(id);
        expect(errors.map((e) => [e.origin, e.name, e.message])).toEqual([
          ['console', 'TypeError', 'cart.total is undefined'],
          ['console', 'RangeError', 'zone-rejected'],
        ]);
        expect(errors[0]!.stack).toMatch(/^TypeError: cart.total is undefined\n\s+at /);
        expect(errors[1]!.stack).toContain('zone-rejected');
        expect(pageErrors).toEqual([]);
        const after = await page.evaluate(() => {
          const w = window as unknown as ZoneWindow;
          return { tasks: w.__tasks.length, macro: w.__macro, stats: window.Reprise!.stats() };
        });
        // Nothing of the recorder ran in the app's zone, and it has no task pending there (Angular would
        // run change detection for each, and never be stable).
        expect(after.tasks).toBe(tasksBefore);
        expect(after.macro).toBe(false);
        expect(after.stats).toMatchObject({ internalErrors: 0 });
      } finally {
        await ctx.close();
      }
    });
  }

  it("in a Vue 3 app (production build): what a click handler throws, which Vue's default handler logs, is recorded with its stack", async () => {
    const app = `<div id="app"><button id="save" @click="save">Save</button></div>
<script>${VUE_JS}</script>
<script>Vue.createApp({ methods: { save() { throw new TypeError('order.total is undefined'); } } }).mount('#app');</script>`;
    h.ingest.pages.set('/vue-app', html(sdkTag(), app));
    const ctx = await h.browser.newContext();
    try {
      const page = await ctx.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${h.ingest.base}/vue-app`);
      await expect.poll(() => page.evaluate(() => window.Reprise?.stats()?.initialSnapshot ?? null)).not.toBeNull();
      const id = (await page.evaluate(() => window.Reprise!.getSessionId()))!;
      await page.click('#save');
      await flushUntil(page, () => errorsOf(id).length >= 1);
      const [err] = errorsOf(id);
      expect(err).toMatchObject({ origin: 'console', name: 'TypeError', message: 'order.total is undefined' });
      expect(err!.stack).toMatch(/^TypeError: order.total is undefined\n\s+at /);
      // Vue caught it: nothing reached window.onerror, so this is the only way it is recorded.
      expect(pageErrors).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('an uncaught error the page then logs is recorded once, as uncaught; errors capture off records no logged ones', async () => {
    h.ingest.pages.set('/logged-uncaught', html(sdkTag(), '<p>x</p>'));
    h.ingest.pages.set('/logged-off', html(sdkTag({ 'data-capture-errors': 'false' }), '<p>x</p>'));
    const ctx = await h.browser.newContext();
    try {
      const page = await ctx.newPage();
      await page.goto(`${h.ingest.base}/logged-uncaught`);
      await expect.poll(() => page.evaluate(() => window.Reprise?.getSessionId() ?? null)).toBeTruthy();
      const id = (await page.evaluate(() => window.Reprise!.getSessionId()))!;
      await page.evaluate(() => {
        const err = new Error('thrown then logged');
        addEventListener('error', () => console.error(err), { once: true });
        setTimeout(() => {
          throw err;
        });
      });
      await flushUntil(page, () => errorsOf(id).length >= 1);
      await page.evaluate(() => window.Reprise!.flush());
      expect(errorsOf(id).map((e) => [e.origin, e.message])).toEqual([['error', 'Uncaught Error: thrown then logged']]);

      await page.goto(`${h.ingest.base}/logged-off`);
      await expect.poll(() => page.evaluate(() => window.Reprise?.getSessionId() ?? null)).toBeTruthy();
      const off = (await page.evaluate(() => window.Reprise!.getSessionId()))!;
      await page.evaluate(() => console.error(new Error('logged while errors capture is off')));
      await flushUntil(page, () => h.ingest.forSession(off).some((r) => r.text.includes('logged while errors capture is off')));
      // (The same tab: the session goes on, with the uncaught error above.)
      expect(errorsOf(off).map((e) => e.message)).toEqual(['Uncaught Error: thrown then logged']);
    } finally {
      await ctx.close();
    }
  });
});
