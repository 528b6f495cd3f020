import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTML_EXPORT_DATA_ID, type HtmlExportData, type ReplayEvent } from '@reprise/protocol';
import { hasAssetStore } from '../src/assets/types.js';
import { exportHtml } from '../src/export/html/index.js';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

let s: TestServer;
const T0 = Date.now() - 3 * 3600_000;
const HOSTILE = '</script><script>alert(1)</script><!-- \u2028\u2029 </SCRIPT >';

const meta = (t: number): ReplayEvent => domEvent(t, 4, { href: 'https://shop.example/', width: 1024, height: 768 });
/** A full snapshot whose page says `text` and shows `img` (an absolute URL). */
const snapshot = (t: number, text: string, img = 'https://cdn.example/logo.png'): ReplayEvent =>
  domEvent(t, 2, {
    node: {
      type: 0,
      id: 1,
      childNodes: [
        {
          type: 2,
          id: 2,
          tagName: 'html',
          attributes: {},
          childNodes: [
            {
              type: 2,
              id: 3,
              tagName: 'body',
              attributes: {},
              childNodes: [
                { type: 3, id: 4, textContent: text },
                { type: 2, id: 5, tagName: 'img', attributes: { src: img }, childNodes: [] },
              ],
            },
          ],
        },
      ],
    },
    initialOffset: { top: 0, left: 0 },
  });
const log = (t: number, text: string): ReplayEvent => ({
  t,
  kind: 'console',
  data: { level: 'log', args: [{ type: 'string', value: text }] },
});

async function store(sid: string, events: ReplayEvent[], url = 'https://shop.example/'): Promise<void> {
  const res = await postBatch(s, makeBatch(sid, 0, events, url));
  expect(res.statusCode, res.body).toBe(200);
}

async function get(sid: string, query = '', status = 200) {
  const res = await s.app.inject({ url: `/api/v1/sessions/${sid}/export.html${query}`, headers: { cookie: s.cookie } });
  expect(res.statusCode, res.body).toBe(status);
  return res;
}

/** The file parsed by a real HTML parser (happy-dom, nothing evaluated): its scripts and its data. */
function parse(html: string) {
  const window = new Window({
    settings: { disableJavaScriptEvaluation: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true },
  });
  window.document.write(html);
  const scripts = [...window.document.querySelectorAll('script')];
  const data = JSON.parse(window.document.getElementById(HTML_EXPORT_DATA_ID)!.textContent!) as HtmlExportData;
  const csp = window.document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
  const title = window.document.title;
  const out = { scripts: scripts.map((x) => ({ type: x.getAttribute('type'), text: x.textContent ?? '' })), data, csp, title };
  void window.happyDOM.close();
  return out;
}

async function text(body: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const piece of body) out += piece;
  return out;
}

beforeAll(async () => {
  s = await startTestServer();
  // Three pages: snapshots at 0, 60 and 120 s, a console line around each.
  await store('hx_range', [
    meta(T0),
    snapshot(T0 + 1, 'page one'),
    log(T0 + 30_000, 'before the slice'),
    meta(T0 + 60_000),
    snapshot(T0 + 60_001, 'page two'),
    log(T0 + 70_000, 'inside the slice'),
    meta(T0 + 120_000),
    snapshot(T0 + 120_001, 'page three'),
    log(T0 + 150_000, 'after the slice'),
  ]);
  await store(
    'hx_hostile',
    [
      meta(T0),
      snapshot(T0 + 1, HOSTILE),
      log(T0 + 10, HOSTILE),
      { t: T0 + 20, kind: 'custom', data: { type: 'tag', key: 'k', value: HOSTILE } },
    ],
    'https://shop.example/?q=</title><script>alert(1)</script>',
  );
});
afterAll(async () => s?.close());

describe('GET /api/v1/sessions/:id/export.html', () => {
  it('exports a slice: the events from the snapshot its first moment needs to its end, and no console before it', async () => {
    const res = await get('hx_range', '?from=65000&to=130000');
    expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="reprise-hx_range-65000-130000.html"');
    const { data } = parse(res.body);
    expect(data.range).toEqual({ from: T0 + 65_000, to: T0 + 130_000 });
    const lines = data.events.filter((e) => e.kind === 'console').map((e) => (e.data as { args: { value: string }[] }).args[0]!.value);
    expect(lines).toEqual(['inside the slice']);
    const dom = data.events.filter((e) => e.kind === 'dom').map((e) => e.t);
    // Page two's Meta and snapshot (the slice starts on that page) and page three's, up to 130 s.
    expect(dom).toEqual([T0 + 60_000, T0 + 60_001, T0 + 120_000, T0 + 120_001]);

    const whole = parse((await get('hx_range')).body).data;
    expect(whole.range).toBeNull();
    expect(whole.events).toHaveLength(9);
    // Only the header's facts travel: no project, no IP.
    expect(Object.keys(whole.session).sort()).toEqual(
      [
        'browser',
        'browserVersion',
        'device',
        'firstUrl',
        'id',
        'linkLabel',
        'os',
        'osVersion',
        'startedAt',
        'durationMs',
        'tags',
        'userAgent',
        'userId',
      ].sort(),
    );
  });

  it('keeps hostile recorded text inside the data: one data element, one script (the bundle, allowed by its hash)', async () => {
    const res = await get('hx_hostile');
    const raw = res.body;
    expect(raw).not.toContain('alert(1)</script>');
    expect(raw).not.toMatch(/[\u2028\u2029]/);
    const { scripts, data, csp, title } = parse(raw);
    expect(scripts.map((x) => x.type)).toEqual(['application/json', 'module']);
    const hash = createHash('sha256').update(scripts[1]!.text, 'utf8').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:|'self'|\*/);
    expect(title).toContain('</title><script>');
    // The hostile strings come back intact, as data.
    const console = data.events.find((e) => e.kind === 'console')!;
    expect((console.data as { args: { value: string }[] }).args[0]!.value).toBe(HOSTILE);
    expect((data.events.find((e) => e.kind === 'custom')!.data as { value: string }).value).toBe(HOSTILE);
    expect(JSON.stringify(data.events)).toContain(JSON.stringify(HOSTILE).slice(1, -1));
  });

  it('inlines the captured assets the session references, within the size caps; the rest stays out', async () => {
    const st = s.store;
    if (!hasAssetStore(st)) throw new Error('the test store keeps no assets');
    const projectId = (await st.getSession('hx_range'))!.projectId;
    const put = async (url: string, type: string, body: string) => {
      const bytes = Buffer.from(body);
      const hash = createHash('sha256').update(bytes).digest('hex');
      await st.assets.referenceAssets(projectId, 'hx_range', [url], Date.now());
      await st.assetBlobs.put({ projectId, hash }, bytes);
      await st.assets.finishAsset(projectId, url, { status: 'stored', hash, contentType: type, bytes: bytes.length }, Date.now());
    };
    await put('https://cdn.example/logo.png', 'image/png', 'PNG');
    await put('https://cdn.example/site.css', 'text/css', 'body { background: url(logo.png) } h1 { background: url(/big.png) }');
    await put('https://cdn.example/big.png', 'image/png', 'x'.repeat(500));
    const out = await exportHtml(st, 'hx_range', { assetCaps: { perAsset: 200, total: 1000 } });
    const { data } = parse(await text(out!.body));
    expect(Object.keys(data.assets).sort()).toEqual(['https://cdn.example/logo.png', 'https://cdn.example/site.css']);
    expect(data.assets['https://cdn.example/logo.png']).toBe(`data:image/png;base64,${Buffer.from('PNG').toString('base64')}`);
    const css = Buffer.from(data.assets['https://cdn.example/site.css']!.split(',')[1]!, 'base64').toString();
    // The sheet's own URLs point at the inlined copy, or nowhere: never at the site.
    expect(css).toBe(`body { background: url(${data.assets['https://cdn.example/logo.png']}) } h1 { background: url(data:,) }`);
    expect(data.assetsLeftOut).toBe(1);
    // In block mode the viewer loads no asset: neither does the export.
    await st.assets.setAssetMode(projectId, 'block');
    const blocked = parse(await text((await exportHtml(st, 'hx_range'))!.body)).data;
    expect(blocked.assets).toEqual({});
    await st.assets.setAssetMode(projectId, 'capture');
  });

  it('refuses a bad range (400) and an unknown session (404)', async () => {
    expect(JSON.parse((await get('hx_range', '?from=soon', 400)).body)).toMatchObject({ error: 'invalid_request' });
    await get('hx_range', '?from=9000&to=1000', 400);
    await get('hx_range', '?from=1&from=2', 400);
    await get('hx_nope_nope', '', 404);
  });
});

describe('reprise export html', () => {
  it('writes the slice to -o FILE, the same data as the API', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPRISE_')));
    const dir = mkdtempSync(path.join(tmpdir(), 'reprise-hx-'));
    try {
      const file = path.join(dir, 'out.html');
      await runCli(['export', 'html', 'hx_range', '--from', '65000', '--to', '130000', '-o', file], { ...env, ...s.env });
      const fromCli = parse(readFileSync(file, 'utf8')).data;
      const fromApi = parse((await get('hx_range', '?from=65000&to=130000')).body).data;
      expect(fromCli.events).toEqual(fromApi.events);
      expect(fromCli.range).toEqual(fromApi.range);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
