import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionList } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { openReplay, page, record, sdkTag, startSite, type Site } from './support/replay-site.js';

const h = useServerAndBrowser();
// Two ports, two origins: the recorded page on `a`, the cross-origin frames on `b`.
let a: Site;
let b: Site;
beforeAll(async () => {
  [a, b] = await Promise.all([startSite(), startSite()]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

/** Text of a frame (by id) inside the replayed document, read from the viewer page. */
function frameText(p: import('playwright-core').Page, id: string): Promise<string | null> {
  return p.evaluate((fid) => {
    const replay = document.querySelector<HTMLIFrameElement>('[data-testid="player"] iframe')?.contentDocument;
    const frame = replay?.getElementById(fid) as HTMLIFrameElement | null;
    return frame?.contentDocument?.body?.textContent?.replace(/\s+/g, ' ').trim() ?? null;
  }, id);
}

describe('iframes', () => {
  it('replays a same-origin frame in place, a cross-origin frame that loads the recorder inside the page session, and a placeholder for one that does not', async () => {
    a.pages.set(
      '/same',
      page('', '<p id="s">same-origin frame text</p><button id="sb" onclick="this.textContent=\'same clicked\'">same</button>'),
    );
    b.pages.set(
      '/child',
      page(
        sdkTag(h.server),
        '<p id="c">cross-origin recorded text</p><button id="cb" onclick="document.getElementById(\'c\').textContent=\'child changed it\'">child</button>',
      ),
    );
    b.pages.set('/plain', page('', '<p>plain cross-origin page</p>'));
    a.pages.set(
      '/parent',
      page(
        sdkTag(h.server),
        `<h1>parent page</h1>
         <iframe id="f-same" src="/same" width="300" height="120"></iframe>
         <iframe id="f-child" src="${b.base}/child" width="300" height="120"></iframe>
         <iframe id="f-plain" src="${b.base}/plain" width="300" height="120"></iframe>`,
      ),
    );
    const before = (await h.server.api<SessionList>('/api/v1/sessions')).sessions.length;
    const s = await record(h.browser, h.server, `${a.base}/parent`, async (p) => {
      const child = p.frameLocator('#f-child');
      await child.locator('#cb').waitFor();
      // The child's recorder has its answer from the page's once its frame is recorded.
      await p.waitForTimeout(800);
      await child.locator('#cb').click();
      await p.frameLocator('#f-same').locator('#sb').click();
      await p.waitForTimeout(500);
    });

    const replay = await openReplay(h.browser, h.server, s);
    try {
      await expect.poll(() => frameText(replay.page, 'f-same'), { timeout: 10_000 }).toMatch(/^same-origin frame text\s*same clicked$/);
      await expect.poll(() => frameText(replay.page, 'f-child'), { timeout: 10_000 }).toMatch(/^child changed it\s*child$/);
      await expect.poll(() => frameText(replay.page, 'f-plain'), { timeout: 10_000 }).toMatch(/^cross-origin frame not recorded/);
      expect(await replay.page.locator('[data-testid="player"] iframe').getAttribute('sandbox')).toBe('allow-same-origin');
    } finally {
      await replay.close();
    }
    // The child frame started no session of its own: the page's is the only new one.
    const after = (await h.server.api<SessionList>('/api/v1/sessions')).sessions;
    expect(after.length).toBe(before + 1);
    expect(after.some((x) => x.firstUrl?.startsWith(b.base))).toBe(false);
  });

  it("after the page's checkout (a new full snapshot) the cross-origin frame sends a fresh one, so the replay from that checkout shows it", async () => {
    b.pages.set('/child2', page(sdkTag(h.server), '<p id="c">child content</p>'));
    a.pages.set(
      '/parent2',
      page(
        sdkTag(h.server, { 'data-checkout-every-ms': '10000' }),
        `<button id="go" onclick="document.body.appendChild(document.createElement('p')).textContent='after checkout'">go</button><iframe id="f-child" src="${b.base}/child2"></iframe>`,
      ),
    );
    const s = await record(h.browser, h.server, `${a.base}/parent2`, async (p) => {
      await p.frameLocator('#f-child').locator('#c').waitFor();
      // rrweb checks out at its first event after the interval.
      await p.waitForTimeout(10_500);
      await p.click('#go');
      await p.waitForTimeout(1000);
    });
    const events = (await h.server.apiText(`/api/v1/sessions/${s.id}/events`))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { kind: string; data: { type: number; data?: { isAttachIframe?: boolean } } });
    const dom = events.filter((e) => e.kind === 'dom').map((e) => e.data);
    const snapshots = dom.map((e, i) => (e.type === 2 ? i : -1)).filter((i) => i >= 0);
    expect(snapshots.length).toBe(2);
    expect(dom.slice(snapshots[1]).some((e) => e.type === 3 && e.data?.isAttachIframe === true)).toBe(true);
    const replay = await openReplay(h.browser, h.server, s);
    try {
      await expect.poll(() => frameText(replay.page, 'f-child'), { timeout: 10_000 }).toBe('child content');
    } finally {
      await replay.close();
    }
  });

  it('a cross-origin frame with the recorder in a page that does not record records its own session', async () => {
    b.pages.set('/alone', page(sdkTag(h.server), '<p>alone in a frame</p>'));
    a.pages.set('/host', page('', `<iframe id="f" src="${b.base}/alone"></iframe>`));
    const ctx = await h.browser.newContext();
    try {
      const p = await ctx.newPage();
      await p.goto(`${a.base}/host`);
      const frame = p.frame({ url: `${b.base}/alone` })!;
      // No answer from the page: after the wait the frame records as a page of its own.
      await frame.waitForFunction(
        () => !!(window as unknown as { Reprise?: { getSessionId(): string | null } }).Reprise?.getSessionId(),
        undefined,
        { timeout: 10_000 },
      );
      const id = await frame.evaluate(() => (window as unknown as { Reprise: { getSessionId(): string } }).Reprise.getSessionId());
      await p.goto('about:blank');
      const d = await h.server.waitForSession(id);
      expect(d.eventCount).toBeGreaterThan(0);
    } finally {
      await ctx.close();
    }
  });
});
