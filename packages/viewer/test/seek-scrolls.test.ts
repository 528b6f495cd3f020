import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../test-support/chromium';

// Scrolls during a seek (seekScrolls.ts), on rrweb 2.1.6's real Replayer in Chromium: the
// document's scroll position of the seek's full snapshot is applied once, at the flush, and a
// later scroll of the document wins over it; the window's scrollTo works again afterwards.

const here = path.dirname(fileURLToPath(import.meta.url));
const replayDist = path.join(path.dirname(fileURLToPath(import.meta.resolve('@rrweb/replay'))));

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const out = await build({
    stdin: { contents: "export { deferSeekScrolls } from './seekScrolls';", resolveDir: path.join(here, '../src/player'), loader: 'ts' },
    bundle: true,
    format: 'iife',
    globalName: 'playerPatches',
    write: false,
  });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent('<!doctype html><html><body><div id="player"></div></body></html>');
  await page.addScriptTag({ path: path.join(replayDist, 'replay.umd.cjs') });
  await page.addScriptTag({ content: out.outputFiles[0]!.text });
});

afterAll(async () => {
  await browser?.close();
});

const T0 = 1_700_000_000_000;

/** A page 5000 px tall, its full snapshot taken scrolled to 500; the document scrolled to 1200 at +2 s. */
const events = [
  { type: 4, timestamp: T0, data: { href: 'http://app.test/', width: 800, height: 600 } },
  {
    type: 2,
    timestamp: T0 + 10,
    data: {
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
              { type: 2, id: 3, tagName: 'head', attributes: {}, childNodes: [] },
              { type: 2, id: 4, tagName: 'body', attributes: { style: 'margin:0;height:5000px' }, childNodes: [] },
            ],
          },
        ],
      },
      initialOffset: { left: 0, top: 500 },
    },
  },
  {
    type: 3,
    timestamp: T0 + 1000,
    data: { source: 0, texts: [], attributes: [{ id: 4, attributes: { class: 'later' } }], removes: [], adds: [] },
  },
  { type: 3, timestamp: T0 + 2000, data: { source: 3, id: 1, x: 0, y: 1200 } },
];

interface Seen {
  /** The replayed window's scrollY right after the seek, before the flush. */
  beforeFlush: number;
  afterFlush: number;
  /** scrollY after the page's own scrollTo(0, 40) once the seek is done. */
  ownScroll: number;
}

/** Builds a Replayer as the player does (virtual DOM off, scrolls deferred) and seeks to `offset`. */
function seek(offset: number): Promise<Seen> {
  return page.evaluate(
    ({ events, offset }) => {
      const w = window as unknown as {
        rrwebReplay: { Replayer: new (e: unknown[], o: object) => { pause(t: number): void; destroy(): void; iframe: HTMLIFrameElement } };
        playerPatches: { deferSeekScrolls(r: unknown): { flush(): void } };
      };
      const r = new w.rrwebReplay.Replayer(events, {
        root: document.getElementById('player'),
        showWarning: false,
        useVirtualDom: false,
        triggerFocus: false,
      });
      const scrolls = w.playerPatches.deferSeekScrolls(r);
      r.pause(offset);
      const win = r.iframe.contentWindow!;
      const beforeFlush = win.scrollY;
      scrolls.flush();
      const afterFlush = win.scrollY;
      win.scrollTo(0, 40);
      const ownScroll = win.scrollY;
      r.destroy();
      return { beforeFlush, afterFlush, ownScroll };
    },
    { events, offset },
  );
}

describe('a seek scrolls the replayed document once, at the end', () => {
  it("to its full snapshot's position when nothing scrolled it since", async () => {
    expect(await seek(1500)).toEqual({ beforeFlush: 0, afterFlush: 500, ownScroll: 40 });
  });

  it('to where a later scroll of the document left it', async () => {
    expect(await seek(2500)).toEqual({ beforeFlush: 0, afterFlush: 1200, ownScroll: 40 });
  });
});
