import { afterAll, describe, expect, it } from 'vitest';
import type { Frame, Page } from 'playwright-core';
import { parseNdjson, type SessionDetail } from '@reprise/protocol';
import { ADMIN } from './support/server.js';
import { useServerAndBrowser } from './support/harness.js';
import { png, startSite, systemFont, type AssetSite } from './support/asset-site.js';
import { sessionIdOf } from './support/shopper.js';

/**
 * Assets that vanish, and a viewer that must not tell the recorded site who watches: a page on
 * its own origin loads a stylesheet (with a web font and a background image), an image, a
 * cross-origin stylesheet without CORS (the page cannot read it, so rrweb cannot inline it) and a
 * stylesheet still loading when the snapshot is taken, with the `media="print" onload` trick of
 * Angular's build. After recording, both sites go away; the replay must still show everything,
 * loaded from Reprise, with not one request from the viewer to the sites.
 */
const h = useServerAndBrowser();
let site: AssetSite;
let cdn: AssetSite;
afterAll(async () => {
  await site?.close();
  await cdn?.close();
});

const LATE_MS = 1500;

async function startSites(): Promise<void> {
  cdn = await startSite(() => ({
    // No Access-Control-Allow-Origin: the page can apply it but not read its rules.
    '/cross.css': { type: 'text/css', body: '#cross { color: rgb(0, 0, 255); background-image: url(dot.png); }' },
    '/dot.png': { type: 'image/png', body: png(2, 2, [0, 0, 255]) },
  }));
  site = await startSite(() => ({
    '/': {
      type: 'text/html',
      body: `<!doctype html><html><head><title>Assets</title>
<link rel="stylesheet" href="/site.css">
<link rel="stylesheet" href="${cdn.origin}/cross.css">
<link rel="stylesheet" href="/late.css" media="print" onload="this.media='all'">
</head><body>
<h1 id="title">Assets</h1>
<img id="logo" src="/logo.png" width="40" height="20">
<div id="bg" style="width: 50px; height: 50px">bg</div>
<p id="cross">cross-origin stylesheet</p>
<p id="late">late stylesheet</p>
<script src="${h.server.base}/sdk/reprise.js" data-project-key="${h.server.projectKey}"></script>
</body></html>`,
    },
    '/site.css': {
      type: 'text/css',
      body: `@font-face { font-family: ReplayFont; src: url(fonts/replay.ttf) format("truetype"); }
#title { font-family: ReplayFont, monospace; }
#bg { background-image: url("/bg.png"); }`,
    },
    '/late.css': { type: 'text/css', body: '#late { color: rgb(0, 128, 0); }', delayMs: LATE_MS },
    '/logo.png': { type: 'image/png', body: png(40, 20, [200, 0, 0]) },
    '/bg.png': { type: 'image/png', body: png(4, 4, [0, 200, 0]) },
    '/fonts/replay.ttf': { type: 'font/ttf', body: systemFont() },
    '/favicon.ico': { type: 'image/png', body: png(1, 1, [0, 0, 0]) },
  }));
}

interface AssetInfo {
  url: string;
  status: string;
  error: string | null;
}

/** What the replay shows of each asset, read in the player's frame. */
async function replayedAssets(frame: Frame) {
  return frame.evaluate(async () => {
    const logo = document.getElementById('logo') as HTMLImageElement | null;
    if (logo && !logo.complete) {
      await new Promise((r) => {
        logo.addEventListener('load', r, { once: true });
        logo.addEventListener('error', r, { once: true });
      });
    }
    let font = false;
    try {
      const faces = await document.fonts.load('16px ReplayFont');
      font = faces.length > 0 && faces.every((f) => f.status === 'loaded');
    } catch {
      font = false;
    }
    const css = (id: string) => {
      const el = document.getElementById(id);
      return el ? getComputedStyle(el) : null;
    };
    return {
      logoWidth: logo?.naturalWidth ?? -1,
      bg: css('bg')?.backgroundImage ?? null,
      crossColor: css('cross')?.color ?? null,
      crossBg: css('cross')?.backgroundImage ?? null,
      lateColor: css('late')?.color ?? null,
      font,
    };
  });
}

async function openReplay(page: Page, sessionId: string, endSeconds: number): Promise<Frame> {
  await page.goto(`${h.server.base}/sessions/${sessionId}?t=${endSeconds}`);
  await page.waitForSelector('input[name="email"], [data-testid="player"]');
  if (page.url().includes('/login')) {
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForURL(new RegExp(`/sessions/${sessionId}`));
  }
  await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
  const iframe = await page.waitForSelector('[data-testid="player"] iframe');
  const frame = (await iframe.contentFrame())!;
  await frame.waitForSelector('#late');
  return frame;
}

describe('assets of a recording are captured by the server and replayed from Reprise', () => {
  let sessionId = '';
  let endSeconds = 0;

  it('records a page whose stylesheets, font and images are served by its own origin and a CDN', async () => {
    await startSites();
    const projectId = (await h.server.api<{ projects: { id: string }[] }>('/api/v1/projects')).projects[0]!.id;
    // Named origins: the server may fetch them even on loopback (a project allowed only through * may not).
    const patched = await h.server.apiSend('PATCH', `/api/v1/projects/${projectId}`, {
      allowedOrigins: [site.origin, cdn.origin, h.server.base],
    });
    expect(patched.status).toBe(200);

    const ctx = await h.browser.newContext({ viewport: { width: 900, height: 700 } });
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => getComputedStyle(document.getElementById('late')!).color === 'rgb(0, 128, 0)');
    expect(await page.evaluate(async () => (await document.fonts.load('16px ReplayFont')).length)).toBe(1);
    expect(await page.evaluate(() => getComputedStyle(document.getElementById('cross')!).color)).toBe('rgb(0, 0, 255)');
    await page.waitForTimeout(300);
    sessionId = await sessionIdOf(page);
    await page.goto('about:blank');
    await ctx.close();
    const d: SessionDetail = await h.server.waitForSession(sessionId);
    endSeconds = Math.ceil(d.durationMs / 1000) + 1;

    // The late stylesheet (still loading at snapshot time) is what the Angular build produced:
    // the snapshot keeps the <link> with its href, and rrweb sends its rules once it loads.
    const dom = parseNdjson(await h.server.apiText(`/api/v1/sessions/${sessionId}/events`))
      .filter((e) => e.kind === 'dom')
      .map((e) => JSON.stringify(e.data));
    const snapshot = dom.find((x) => x.startsWith('{"type":2'))!;
    expect(snapshot).toContain(`"href":"${site.origin}/late.css"`);
    expect(snapshot).toContain(`"href":"${cdn.origin}/cross.css"`);
    // rrweb's own remedy comes later: once the sheet loads it sends the rules as a `_cssText`
    // mutation (not at all if the tab goes first, or after its 5 s stylesheet timeout). Until then
    // a replay needs the file itself, which the viewer's CSP (style-src 'self') refused from the
    // site: that is the Angular replay that kept a <link> to styles-*.css.
    expect(snapshot).not.toContain('#late {');
    expect(dom.some((x) => x.startsWith('{"type":3') && x.includes('"_cssText":"#late {'))).toBe(true);

    let assets: AssetInfo[] = [];
    for (let i = 0; i < 200; i++) {
      assets = (await h.server.api<{ assets: AssetInfo[] }>(`/api/v1/sessions/${sessionId}/assets`)).assets;
      if (assets.length >= 6 && assets.every((a) => a.status === 'stored' || a.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const stored = assets.filter((a) => a.status === 'stored').map((a) => a.url.replace(site.origin, 'site:').replace(cdn.origin, 'cdn:'));
    expect(stored).toEqual(
      expect.arrayContaining([
        'site:/logo.png',
        'site:/bg.png',
        'site:/fonts/replay.ttf',
        'site:/late.css',
        'cdn:/cross.css',
        'cdn:/dot.png',
      ]),
    );
  });

  it('replays them after both sites are gone, loaded from Reprise only', async () => {
    // The assets "vanish": a deploy, a login wall, an intranet the viewer cannot reach.
    await site.close();
    await cdn.close();
    const ctx = await h.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await ctx.newPage();
    const requests: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('response', (r) => {
      if (r.url().includes('/asset?') && r.status() !== 200) failed.push(`${r.status()} ${r.url()}`);
    });
    const frame = await openReplay(page, sessionId, endSeconds);
    await expect
      .poll(() => replayedAssets(frame), { timeout: 15_000 })
      .toMatchObject({
        logoWidth: 40,
        crossColor: 'rgb(0, 0, 255)',
        lateColor: 'rgb(0, 128, 0)',
        font: true,
      });
    const shown = await replayedAssets(frame);
    expect(shown.bg).toContain('/api/v1/sessions/');
    expect(shown.crossBg).toContain('/api/v1/sessions/');
    await page.waitForLoadState('networkidle');
    expect(failed).toEqual([]);
    expect(requests.filter((u) => u.startsWith(site.origin) || u.startsWith(cdn.origin))).toEqual([]);
    const route = (u: string) => `/api/v1/sessions/${sessionId}/asset?url=${encodeURIComponent(u)}`;
    for (const u of [
      `${site.origin}/logo.png`,
      `${site.origin}/late.css`,
      `${cdn.origin}/cross.css`,
      `${cdn.origin}/dot.png`,
      `${site.origin}/fonts/replay.ttf`,
    ]) {
      expect(
        requests.some((r) => r.endsWith(route(u))),
        u,
      ).toBe(true);
    }
    await ctx.close();
  });

  it("loads nothing at all in the project's 'block' mode", async () => {
    const projectId = (await h.server.api<{ projects: { id: string }[] }>('/api/v1/projects')).projects[0]!.id;
    expect((await h.server.apiSend('PUT', `/api/v1/projects/${projectId}/assets`, { mode: 'block' })).status).toBe(200);
    const ctx = await h.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await ctx.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const frame = await openReplay(page, sessionId, endSeconds);
    await page.waitForLoadState('networkidle');
    const shown = await replayedAssets(frame);
    expect(shown).toMatchObject({ logoWidth: 0, font: false });
    expect(shown.crossColor).not.toBe('rgb(0, 0, 255)');
    expect(requests.filter((u) => u.includes('/asset?') || u.startsWith(site.origin) || u.startsWith(cdn.origin))).toEqual([]);
    await ctx.close();
  });
});
