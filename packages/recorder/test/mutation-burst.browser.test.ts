import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { replayToEnd } from '../../../test-support/rrweb-replay.js';
import { html } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

// A MutationObserver callback holding more records than `mutationLimit` is not recorded change
// by change: the recorder takes a fresh full snapshot instead, says so with a `notice` custom
// event, and goes on recording.

const h = useHarness();

const PAGE = html(
  '<script src="/sdk/reprise.js"></script>',
  '<div id="list"><p>row 0</p><p>row 1</p><p>row 2</p></div><p id="status">start</p>',
);

type Rrweb = { type: number; data?: { source?: number } };
const MUTATION = (e: Rrweb): boolean => e.type === 3 && e.data?.source === 0;

/** The body's visible text and its element count: what the replay must end with. */
function pageState(): { text: string; elements: number } {
  return { text: document.body.innerText, elements: document.body.querySelectorAll('*').length };
}

describe('mutation bursts', () => {
  it('a burst past mutationLimit becomes a full snapshot plus a notice; recording goes on and the replay ends right', async () => {
    h.ingest.pages.set('/burst', PAGE);
    const page = await h.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${h.ingest.base}/burst`);
    await page.waitForFunction(() => typeof window.Reprise?.init === 'function');
    const sid = await page.evaluate(() =>
      window
        .Reprise!.init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 60_000, mutationLimit: 500 })
        .getSessionId()!,
    );
    await page.waitForFunction(() => window.Reprise!.stats()!.initialSnapshot !== null);

    // Under the limit: recorded as rrweb mutations, as always.
    await page.evaluate(() => {
      document.getElementById('status')!.textContent = 'small-change';
      return new Promise((r) => setTimeout(r, 0));
    });
    // The burst: 800 records in one task (600 rows added, the old rows removed, 197 text changes).
    await page.evaluate(() => {
      const list = document.getElementById('list')!;
      for (let i = 0; i < 600; i++) list.appendChild(document.createElement('p')).textContent = `burst-${i}`;
      for (const old of Array.from(list.children).slice(0, 3)) old.remove();
      const rows = Array.from(list.children);
      for (let i = 0; i < 197; i++) rows[i]!.firstChild!.textContent = `burst-${i}-edited`;
      return new Promise((r) => setTimeout(r, 0));
    });
    const events = (): ReplayEvent[] =>
      h.ingest
        .forSession(sid)
        .sort((a, b) => a.batch.seq - b.batch.seq)
        .flatMap((r) => r.batch.events);
    const dom = (): Rrweb[] =>
      events()
        .filter((e) => e.kind === 'dom')
        .map((e) => e.data as Rrweb);
    // The fresh snapshot (time-sliced: it may take a few tasks).
    await expect
      .poll(
        async () => {
          await page.evaluate(() => window.Reprise!.flush());
          return dom().filter((e) => e.type === 2).length;
        },
        { timeout: 20_000 },
      )
      .toBe(2);
    // Recording goes on: a change after the burst is a mutation again.
    await page.evaluate(() => {
      const p = document.body.appendChild(document.createElement('p'));
      p.textContent = 'after-burst';
      return new Promise((r) => setTimeout(r, 0));
    });
    await expect
      .poll(
        async () => {
          await page.evaluate(() => window.Reprise!.flush());
          return JSON.stringify(dom().filter(MUTATION));
        },
        { timeout: 20_000 },
      )
      .toContain('after-burst');
    const all = events();
    const recorded = dom();
    const mutations = JSON.stringify(recorded.filter(MUTATION));
    expect(mutations).toContain('small-change');
    // None of the burst went out as mutations: a second full snapshot holds its outcome.
    expect(mutations).not.toContain('burst-');
    const snapshots = recorded.filter((e) => e.type === 2);
    expect(snapshots).toHaveLength(2);
    expect(JSON.stringify(snapshots[1])).toContain('burst-599');
    expect(JSON.stringify(snapshots[1])).toContain('burst-0-edited');

    // The session says so, before that snapshot.
    const notices = all.filter((e) => e.kind === 'custom' && (e.data as { type?: string }).type === 'notice');
    expect(notices.map((e) => e.data)).toEqual([{ type: 'notice', code: 'mutation-burst', records: expect.any(Number), limit: 500 }]);
    expect((notices[0]!.data as { records: number }).records).toBeGreaterThan(500);
    const noticeAt = all.indexOf(notices[0]!);
    const snapshotAt = all.flatMap((e, i) => (e.kind === 'dom' && (e.data as Rrweb).type === 2 ? [i] : []));
    expect(noticeAt).toBeGreaterThan(snapshotAt[0]!);
    expect(noticeAt).toBeLessThan(snapshotAt[1]!);

    const stats = await page.evaluate(() => window.Reprise!.stats()!);
    expect(stats.recording).toBe(true);
    expect(stats.internalErrors).toBe(0);
    expect(stats.eventsDropped).toBe(0);

    // The replay of what was stored ends in the page's DOM.
    const live = await page.evaluate(pageState);
    const replay = await replayToEnd(h.browser, recorded);
    await expect.poll(async () => (await replay.frame.evaluate(pageState)).text, { timeout: 10_000 }).toBe(live.text);
    expect((await replay.frame.evaluate(pageState)).elements).toBe(live.elements);
    expect(replay.errors).toEqual([]);
    expect(errors).toEqual([]);
    await replay.page.close();
    await page.close();
  }, 120_000);
});
