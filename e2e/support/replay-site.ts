import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { SessionDetail } from '@reprise/protocol';
import { ADMIN, type RunningServer } from './server.js';
import { sessionIdOf } from './shopper.js';

/**
 * A site of test pages on its own loopback port (its own origin), recording into the Reprise
 * server under test with the script tag a customer would paste. Two of them are two origins.
 */
export interface Site {
  base: string;
  /** Page HTML by path; `files` serve other content types. */
  pages: Map<string, string>;
  files: Map<string, { type: string; body: Buffer }>;
  close(): Promise<void>;
}

export async function startSite(): Promise<Site> {
  const pages = new Map<string, string>();
  const files = new Map<string, { type: string; body: Buffer }>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const page = pages.get(path);
    const file = files.get(path);
    if (page !== undefined) {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(page);
    } else if (file) {
      // Byte ranges, as real sites serve media: without them the browser cannot seek it.
      res.setHeader('content-type', file.type);
      res.setHeader('accept-ranges', 'bytes');
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (!range) return void res.end(file.body);
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), file.body.length - 1) : file.body.length - 1;
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${end}/${file.body.length}`);
      res.end(file.body.subarray(start, end + 1));
    } else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pages,
    files,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The recorder's script tag for `server`, with extra data-* attributes. */
export function sdkTag(server: RunningServer, attrs: Record<string, string> = {}): string {
  const all = { 'data-project-key': server.projectKey, 'data-flush-interval-ms': '200', ...attrs };
  return `<script src="${server.base}/sdk/reprise.js" ${Object.entries(all)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ')}></script>`;
}

export function page(head: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>fidelity</title>${head}</head><body>${body}</body></html>`;
}

/**
 * Opens `url` in a new context, runs `act` on the live page, leaves the page (the recorder
 * flushes on pagehide) and waits until the server has the whole session.
 */
export async function record(
  browser: Browser,
  server: RunningServer,
  url: string,
  act: (p: Page) => Promise<void>,
): Promise<SessionDetail> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  try {
    const p = await ctx.newPage();
    await p.goto(url);
    await p.waitForFunction(() => !!(window as unknown as { Reprise?: { getSessionId(): string | null } }).Reprise?.getSessionId());
    await act(p);
    const id = await sessionIdOf(p);
    await p.goto('about:blank');
    return await server.waitForSession(id);
  } finally {
    await ctx.close();
  }
}

export interface OpenReplay {
  ctx: BrowserContext;
  page: Page;
  /** The replayed document. */
  frame: Frame;
  /** Console messages of the viewer page and its frames, as printed. */
  console: string[];
  close(): Promise<void>;
}

/** Logs in to the viewer and opens the session at its end (`?t=` past the last event), like a user would. */
export async function openReplay(browser: Browser, server: RunningServer, session: SessionDetail): Promise<OpenReplay> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const p = await ctx.newPage();
  const console: string[] = [];
  p.on('console', (m) => console.push(m.text()));
  const end = Math.ceil(session.durationMs / 1000) + 1;
  await p.goto(`${server.base}/login?next=${encodeURIComponent(`/sessions/${session.id}?t=${end}`)}`);
  await p.fill('input[name="email"]', ADMIN.email);
  await p.fill('input[name="password"]', ADMIN.password);
  await p.click('[data-testid="login-submit"]');
  await p.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
  const iframe = await p.waitForSelector('[data-testid="player"] iframe');
  return { ctx, page: p, frame: (await iframe.contentFrame())!, console, close: () => ctx.close() };
}
