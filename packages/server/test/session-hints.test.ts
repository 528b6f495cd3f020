import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_VIEWER_DIR } from '../src/http/static.js';
import { sessionHints } from '../src/http/session-hints.js';
import { startTestServer, type TestServer } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'reprise-hints-'));
  writeFileSync(
    path.join(dir, 'session-page.json'),
    JSON.stringify({ modulePreload: ['/assets/replay-Ab_1.js', 'https://elsewhere.example/x.js', '/assets/"><script>.js'] }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const links = (html: string) =>
  [...html.matchAll(/<link rel="([^"]+)"(?: as="fetch")? crossorigin href="([^"]*)">/g)].map((m) => `${m[1]} ${m[2]}`);

describe('preload hints of a session page', () => {
  it('name the replayer chunk and the requests the page opens with, at the URL’s moment', () => {
    const hints = sessionHints(dir);
    const html = hints.forUrl('/sessions/abc%20d?comment=x&t=12.5');
    expect(links(html)).toEqual([
      'modulepreload /assets/replay-Ab_1.js',
      'preload /api/v1/sessions/abc%20d/timeline',
      'preload /api/v1/sessions/abc%20d/events?open=12500',
      'preload /api/v1/sessions/abc%20d/assets',
    ]);
    // Nothing but these tags: the other entries of the file are not our asset paths.
    expect(html.replace(/<link [^>]*>/g, '')).toBe('');
    expect(links(hints.forUrl('/sessions/abc/'))).toContain('preload /api/v1/sessions/abc/events?open=0');
  });

  it('are absent from other pages, and an id cannot break out of its attribute', () => {
    const hints = sessionHints(dir);
    for (const url of ['/', '/sessions', '/sessions/', '/sessions/a/b', '/login?next=/sessions/a', '/sessions/%E0%A4%A']) {
      expect(hints.forUrl(url), url).toBe('');
    }
    const html = hints.forUrl('/sessions/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(html).not.toContain('<script');
    expect(links(html)).toHaveLength(4);
  });
});

describe('the viewer page as served', () => {
  let s: TestServer;
  beforeAll(async () => (s = await startTestServer()));
  afterAll(async () => s?.close());

  it('carries the hints on session pages only, and the chunk they name is the built one', async () => {
    expect(existsSync(path.join(DEFAULT_VIEWER_DIR, 'session-page.json')), 'viewer build (npm run build -w @reprise/viewer)').toBe(true);
    const page = await s.app.inject({ url: '/sessions/sess_x?t=3' });
    expect(page.statusCode).toBe(200);
    const tags = links(page.body.slice(0, page.body.indexOf('</head>')));
    const chunk = tags.find((t) => t.startsWith('modulepreload '))?.slice('modulepreload '.length);
    expect(chunk).toMatch(/^\/assets\/replay-[\w-]+\.js$/);
    expect(readFileSync(path.join(DEFAULT_VIEWER_DIR, chunk!), 'utf8').length).toBeGreaterThan(50_000);
    expect(tags).toContain('preload /api/v1/sessions/sess_x/events?open=3000');
    for (const url of ['/', '/login', '/links']) {
      expect((await s.app.inject({ url })).body, url).not.toContain('rel="preload"');
    }
  });
});
