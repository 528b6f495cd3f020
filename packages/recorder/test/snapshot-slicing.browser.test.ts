import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ReplayEvent } from '@reprise/protocol';
import { html } from './support/fake-ingest.js';
import { replayToEnd } from '../../../test-support/rrweb-replay.js';
import { useHarness } from './support/harness.js';

// The SDK build slices rrweb's full snapshots over several tasks on a large page
// (rrweb-patches.mjs). These tests hold it to what rrweb's one-task snapshot gives: the whole
// page, privacy applied, and, when the page changes while it is sliced, the page as it is then.

const h = useHarness();

const ROWS = 2000; // 2000 × 12 nodes: ~24k nodes, several times what one 30 ms slice serializes

// The SDK without data-project-key: nothing starts until the test calls Reprise.init().
const PAGE = html(
  '<script src="/sdk/reprise.js"></script>',
  `<main id="rows"></main>
   <input id="pw" type="password" value="hunter2-secret">
   <div data-reprise-block id="blocked"><p>blocked-text</p></div>
   <script>
     const rows = document.getElementById('rows');
     for (let i = 0; i < ${ROWS}; i++) {
       const s = document.createElement('section');
       const h = document.createElement('h3');
       h.textContent = 'row-' + i;
       const p = document.createElement('p');
       p.innerHTML = '<span>a</span> <b>b</b> <i>c</i>';
       if (i === ${ROWS - 10}) { p.setAttribute('data-reprise-mask', ''); p.textContent = 'masked-late-text'; }
       s.append(h, p);
       rows.append(s);
     }
   </script>`,
);

interface SNode {
  type: number;
  id: number;
  tagName?: string;
  textContent?: string;
  attributes?: Record<string, unknown>;
  childNodes?: SNode[];
}
type Rrweb = { type: number; timestamp: number; data: { node?: SNode } };

function walk(n: SNode, visit: (n: SNode) => void): void {
  visit(n);
  for (const c of n.childNodes ?? []) walk(c, visit);
}

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  h.ingest.pages.set(path, PAGE);
  const page = await h.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${h.ingest.base}${path}`);
  await page.waitForFunction(() => typeof window.Reprise?.init === 'function');
  return { page, errors };
}

/** The session's rrweb events as uploaded, in batch order. */
function domEventsOf(sid: string): Rrweb[] {
  return h.ingest
    .forSession(sid)
    .sort((a, b) => a.batch.seq - b.batch.seq)
    .flatMap((r) => r.batch.events)
    .filter((e: ReplayEvent) => e.kind === 'dom')
    .map((e) => e.data as Rrweb);
}

/**
 * Starts the recorder, and in a timer queued right behind the starting task runs `between`
 * (which sees a snapshot still in progress, if it was sliced). Returns the session, the time
 * that timer ran at, and the recorder's report once the snapshot is complete.
 */
async function start(page: Page, between: string, feedback = false) {
  const out = await page.evaluate(
    async ({ body, feedback }) => {
      const handle = window.Reprise!.init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000, feedback });
      const sid = handle.getSessionId()!;
      const timerAt = await new Promise<number>((resolve) =>
        setTimeout(() => {
          const at = Date.now();
          (new Function(body) as () => void)();
          // Time moves on before the snapshot can complete, so "emitted after this timer" is strict.
          while (Date.now() < at + 3);
          resolve(at);
        }, 0),
      );
      return { sid, timerAt };
    },
    { body: between, feedback },
  );
  await page.waitForFunction(() => window.Reprise!.stats()!.initialSnapshot !== null, undefined, { timeout: 20_000 });
  const stats = await page.evaluate(() => window.Reprise!.stats()!);
  await page.evaluate(() => window.Reprise!.flush());
  return { ...out, stats, dom: domEventsOf(out.sid) };
}

/** Text nodes of <main id="rows"> in document order (masked text as asterisks), and the #early input's value. */
function pageState(): { text: string[]; early: string | null } {
  const out: string[] = [];
  const main = document.getElementById('rows');
  if (main) {
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const masked = n.parentElement!.closest('[data-reprise-mask]') !== null;
      out.push(masked ? n.nodeValue!.replace(/\S/g, '*') : n.nodeValue!);
    }
  }
  const early = document.getElementById('early') as HTMLInputElement | null;
  return { text: out, early: early ? early.value : null };
}

describe('initial snapshot sliced over tasks (patched rrweb)', () => {
  it('snapshots a large page over several tasks, whole and masked, while the page keeps running', async () => {
    const { page, errors } = await open('/slices');
    // feedback: the SDK's own button appears mid-snapshot; that is not a page change.
    const { sid, timerAt, stats, dom } = await start(page, '', true);
    expect(stats.initialSnapshot).toEqual({ tasks: expect.any(Number), retaken: false });
    expect(stats.initialSnapshot!.tasks).toBeGreaterThan(1);
    const fulls = dom.filter((e) => e.type === 2);
    expect(fulls).toHaveLength(1);
    const full = fulls[0]!;
    // A page timer queued behind the starting task ran before the snapshot was complete.
    expect(full.timestamp).toBeGreaterThan(timerAt);
    // rrweb's Meta comes right before its snapshot, as the player needs.
    expect(dom[dom.indexOf(full) - 1]?.type).toBe(4);

    const ids = new Set<number>();
    const rows: string[] = [];
    let sections = 0;
    const text: string[] = [];
    walk(full.data.node!, (n) => {
      expect(ids.has(n.id)).toBe(false);
      ids.add(n.id);
      if (n.tagName === 'section') sections++;
      if (n.type === 3 && n.textContent) {
        text.push(n.textContent);
        if (n.textContent.startsWith('row-')) rows.push(n.textContent);
      }
    });
    // Every row once, in page order: nothing dropped or repeated between slices.
    expect(sections).toBe(ROWS);
    expect(rows).toEqual(Array.from({ length: ROWS }, (_, i) => `row-${i}`));
    // Every text node of <main>, in document order, as the live page has it (masked text as asterisks).
    const live = await page.evaluate(() => {
      const out: string[] = [];
      const walker = document.createTreeWalker(document.getElementById('rows')!, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const masked = n.parentElement!.closest('[data-reprise-mask]') !== null;
        out.push(masked ? n.nodeValue!.replace(/\S/g, '*') : n.nodeValue!);
      }
      return out;
    });
    let main: SNode | undefined;
    walk(full.data.node!, (n) => {
      if (n.tagName === 'main') main = n;
    });
    const recorded: string[] = [];
    walk(main!, (n) => {
      if (n.type === 3) recorded.push(n.textContent ?? '');
    });
    expect(recorded.length).toBeGreaterThan(ROWS * 5);
    expect(recorded).toEqual(live);
    const json = JSON.stringify(full);
    expect(json).not.toContain('masked-late-text');
    expect(json).not.toContain('blocked-text');
    expect(json).not.toContain('hunter2-secret');
    // The masked text is there, as rrweb's asterisks.
    expect(text).toContain('*'.repeat('masked-late-text'.length));
    // The recorder records after the snapshot as usual.
    await page.evaluate(() => {
      const p = document.createElement('p');
      p.textContent = 'after-the-snapshot';
      document.body.appendChild(p);
    });
    await page.evaluate(() => window.Reprise!.flush());
    expect(JSON.stringify(h.ingest.forSession(sid).flatMap((r) => r.batch.events))).toContain('after-the-snapshot');
    expect(await page.evaluate(() => window.Reprise!.stats()!.internalErrors)).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('takes the snapshot again, in one task, when the page changes while it is sliced', async () => {
    const { page, errors } = await open('/slices-changed');
    const { stats, dom } = await start(
      page,
      // row-0 is serialized in the first slice; the appended node comes after everything.
      `document.querySelector('h3').textContent = 'row-0-changed';
       const p = document.createElement('p'); p.textContent = 'appended-meanwhile'; document.body.appendChild(p);`,
    );
    expect(stats.initialSnapshot).toEqual({ tasks: expect.any(Number), retaken: true });
    const fulls = dom.filter((e) => e.type === 2);
    expect(fulls).toHaveLength(1);
    const json = JSON.stringify(fulls[0]);
    expect(json).toContain('row-0-changed');
    expect(json).toContain('appended-meanwhile');
    expect(json).not.toContain('"row-0"');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('takes it again on an input event from a serialized field (values are not mutations)', async () => {
    const { page } = await open('/slices-typed');
    await page.evaluate(() => document.body.prepend(Object.assign(document.createElement('input'), { id: 'name' })));
    // The event alone (what typing produces besides the new value), nothing set from script.
    const { stats } = await start(page, `document.getElementById('name').dispatchEvent(new Event('input', { bubbles: true }));`);
    expect(stats.initialSnapshot?.retaken).toBe(true);
    await page.close();
  });

  it('takes it again when a script sets a serialized input value, or edits a serialized stylesheet', async () => {
    for (const [path, change, expected] of [
      ['/slices-value', `document.getElementById('early').value = 'set-from-script';`, 'set-from-script'],
      ['/slices-cssom', `document.getElementById('early-style').sheet.insertRule('.inserted-rule { color: red }');`, '.inserted-rule'],
    ] as const) {
      const { page, errors } = await open(path);
      await page.evaluate(() => {
        document.body.prepend(Object.assign(document.createElement('input'), { id: 'early', type: 'text' }));
        document.head.appendChild(Object.assign(document.createElement('style'), { id: 'early-style', textContent: 'main { margin: 0 }' }));
      });
      // maskAllInputs is on by default: the value is there as asterisks, so look for the length.
      const { stats, dom } = await start(page, change);
      expect(stats.initialSnapshot?.retaken, path).toBe(true);
      const json = JSON.stringify(dom.find((e) => e.type === 2));
      if (path === '/slices-value') expect(json).toContain(`"value":"${'*'.repeat(expected.length)}"`);
      else expect(json).toContain(expected);
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it('needs no retake for changes to what it has not reached yet, and shows them', async () => {
    const { page, errors } = await open('/slices-ahead');
    const { stats, dom } = await start(
      page,
      // The last rows: serialized in a later slice than this timer runs after.
      `const last = document.querySelectorAll('section')[${ROWS - 1}];
       last.querySelector('h3').textContent = 'last-row-changed';
       last.setAttribute('data-state', 'changed-ahead');
       last.appendChild(document.createElement('em')).textContent = 'appended-ahead';
       const input = document.querySelectorAll('section')[${ROWS - 2}].appendChild(document.createElement('input'));
       input.value = 'ahead-value';
       input.dispatchEvent(new Event('input', { bubbles: true }));`,
    );
    expect(stats.initialSnapshot?.retaken).toBe(false);
    expect(stats.initialSnapshot!.tasks).toBeGreaterThan(1);
    const json = JSON.stringify(dom.find((e) => e.type === 2));
    for (const text of ['last-row-changed', 'changed-ahead', 'appended-ahead', `"value":"${'*'.repeat('ahead-value'.length)}"`])
      expect(json).toContain(text);
    expect(json).not.toContain(`"row-${ROWS - 1}"`);
    expect(errors).toEqual([]);
    await page.close();
  });

  // Its waits alone (a 10 s checkout interval, then polls of up to 20 + 20 + 10 s) pass the 60 s default.
  it('slices checkouts too; typed while one is sliced, it is retaken, and the recording replays to the live page', async () => {
    const { page, errors } = await open('/slices-checkout');
    await page.evaluate(() => document.body.prepend(Object.assign(document.createElement('input'), { id: 'early', type: 'text' })));
    const sid = await page.evaluate(() => {
      const handle = window.Reprise!.init({
        projectKey: 'test-key',
        endpoint: location.origin,
        flushIntervalMs: 60_000,
        checkoutEveryNms: 10_000,
      });
      return handle.getSessionId()!;
    });
    await page.waitForFunction(() => window.Reprise!.stats()!.initialSnapshot !== null, undefined, { timeout: 20_000 });
    const timerAt = await page.evaluate(async () => {
      // The shortest checkout interval the SDK accepts. rrweb checks whether one is due at its
      // next event: this mutation starts it.
      await new Promise((r) => setTimeout(r, 10_100));
      document.body.appendChild(document.createElement('p')).textContent = 'checkout-trigger';
      return new Promise<number>((resolve) =>
        setTimeout(() => {
          const at = Date.now();
          // Behind the checkout's first slice: the typed value is state rrweb reads, not a mutation,
          // and its input event would come before the snapshot. A row changes and one goes too.
          const early = document.getElementById('early') as HTMLInputElement;
          early.value = 'typed-meanwhile';
          early.dispatchEvent(new Event('input', { bubbles: true }));
          document.querySelector('h3')!.textContent = 'row-0-changed';
          document.querySelectorAll('section')[5]!.remove();
          while (Date.now() < at + 3);
          resolve(at);
        }, 0),
      );
    });
    const domEvents = (): Rrweb[] => domEventsOf(sid);
    await expect
      .poll(
        async () => {
          await page.evaluate(() => window.Reprise!.flush());
          return domEvents().filter((e) => e.type === 2).length;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThanOrEqual(2);
    // The checkout was emitted after a page timer queued behind the task that started it.
    expect(domEvents().filter((e) => e.type === 2)[1]!.timestamp).toBeGreaterThan(timerAt);
    await page.evaluate(() => (document.body.appendChild(document.createElement('p')).textContent = 'after-checkout'));
    await page.evaluate(() => window.Reprise!.flush());
    const events = domEvents();
    expect(JSON.stringify(events)).toContain('after-checkout');

    const live = await page.evaluate(pageState);
    expect(live.early).toBe('typed-meanwhile');
    const replay = await replayToEnd(h.browser, events);
    await expect.poll(async () => (await replay.frame.evaluate(pageState)).text.length, { timeout: 10_000 }).toBe(live.text.length);
    const replayed = await replay.frame.evaluate(pageState);
    expect(replayed.text).toEqual(live.text);
    // Masked (maskAllInputs): the replayed field holds as many asterisks as was typed.
    expect(replayed.early).toBe('*'.repeat(live.early!.length));
    expect(replay.errors).toEqual([]);
    expect(errors).toEqual([]);
    await replay.page.close();
    await page.close();
  }, 180_000);

  it('stop() while it is sliced ends it: no snapshot, nothing recorded after, no errors', async () => {
    const { page, errors } = await open('/slices-stopped');
    const { sid, observedAfterStop } = await page.evaluate(async () => {
      // rrweb starts its observers when the snapshot is complete: after stop() it must not.
      let stopped = false;
      let observedAfterStop = 0;
      const observe = MutationObserver.prototype.observe;
      MutationObserver.prototype.observe = function (target: Node, options?: MutationObserverInit) {
        if (stopped && target === document) observedAfterStop++;
        return observe.call(this, target, options);
      };
      const handle = window.Reprise!.init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000 });
      const id = handle.getSessionId()!;
      await new Promise((r) => setTimeout(r, 0));
      handle.stop();
      stopped = true;
      document.body.appendChild(document.createElement('p')).textContent = 'after-stop';
      await new Promise((r) => setTimeout(r, 1000));
      return { sid: id, observedAfterStop };
    });
    expect(observedAfterStop).toBe(0);
    const stats = await page.evaluate(() => window.Reprise!.stats()!);
    expect(stats.recording).toBe(false);
    const events = h.ingest.forSession(sid).flatMap((r) => r.batch.events);
    expect(events.some((e) => e.kind === 'dom' && (e.data as Rrweb).type === 2)).toBe(false);
    expect(JSON.stringify(events)).not.toContain('after-stop');
    expect(errors).toEqual([]);
    await page.close();
  });
});
