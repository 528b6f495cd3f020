import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../test-support/chromium';

// rrweb 2.1.6's Replayer, driven as the player drives it, on hand-made events: applying events
// never edits them (mutationCopies.ts), and a seek forward after one that ended on a batch of mouse
// moves applies nothing twice (playedFrontier.ts). Real Chromium, the real replayer.

const here = path.dirname(fileURLToPath(import.meta.url));
const replayDist = path.join(path.dirname(fileURLToPath(import.meta.resolve('@rrweb/replay'))));

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const out = await build({
    stdin: {
      contents:
        "export { copyMutationsOnApply } from './mutationCopies'; export { settleFrontier } from './playedFrontier'; export { endSkip } from './skipState';",
      resolveDir: path.join(here, '../src/player'),
      loader: 'ts',
    },
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
const el = (id: number, tagName: string, childNodes: unknown[] = []) => ({ type: 2, id, tagName, attributes: {}, childNodes });
const text = (id: number, textContent: string) => ({ type: 3, id, textContent });
const li = (id: number, label: string) => el(id, 'li', [text(id + 100, label)]);

/** Meta and a full snapshot of `<ul id=5>` holding `items`. */
function page0(items: unknown[]) {
  return [
    { type: 4, timestamp: T0, data: { href: 'http://app.test/', width: 800, height: 600 } },
    {
      type: 2,
      timestamp: T0 + 10,
      data: {
        node: { type: 0, id: 1, childNodes: [el(2, 'html', [el(3, 'head'), el(4, 'body', [el(5, 'ul', items)])])] },
        initialOffset: { left: 0, top: 0 },
      },
    },
  ];
}
const mutation = (t: number, d: { adds?: unknown[]; removes?: unknown[] }) => ({
  type: 3,
  timestamp: T0 + t,
  data: { source: 0, texts: [], attributes: [], adds: d.adds ?? [], removes: d.removes ?? [] },
});

/**
 * Builds a Replayer as the player does (virtual DOM off, patches applied), then for each offset
 * pauses there (settling the frontier as ReplayClock.goTo does) and reads the list's text.
 */
function replay(events: unknown[], offsets: number[], patched: boolean): Promise<{ texts: string[]; events: unknown[]; notFound: number }> {
  return page.evaluate(
    ({ events, offsets, patched }) => {
      const w = window as unknown as {
        rrwebReplay: { Replayer: new (e: unknown[], o: object) => { pause(t: number): void; destroy(): void; iframe: HTMLIFrameElement } };
        playerPatches: { copyMutationsOnApply(r: unknown): void; settleFrontier(r: unknown): void };
      };
      const r = new w.rrwebReplay.Replayer(events, {
        root: document.getElementById('player'),
        showWarning: false,
        useVirtualDom: false,
        triggerFocus: false,
      });
      if (patched) w.playerPatches.copyMutationsOnApply(r);
      // rrweb warns when a mutation names a node that is not there: a remove applied twice does.
      let notFound = 0;
      (r as unknown as { warnNodeNotFound(): void }).warnNodeNotFound = () => void notFound++;
      const texts = offsets.map((o) => {
        r.pause(o);
        if (patched) w.playerPatches.settleFrontier(r);
        return [...r.iframe.contentDocument!.querySelectorAll('li')].map((x) => x.textContent).join(',');
      });
      r.destroy();
      // rrweb writes its schedule (`delay`) onto each event; that is recomputed on every play.
      return { texts, notFound, events: events.map((e) => ({ ...(e as object), delay: undefined })) };
    },
    { events, offsets, patched },
  );
}

describe('the player hands rrweb events it can replay any number of times', () => {
  // The second remove names a node already gone (a mutation applied to a page that did not match):
  // rrweb drops it from `removes`, in the event object itself.
  const events = () => [
    ...page0([li(6, 'A'), li(7, 'B')]),
    mutation(100, { removes: [{ parentId: 5, id: 6 }] }),
    mutation(200, {
      removes: [
        { parentId: 5, id: 6 },
        { parentId: 5, id: 7 },
      ],
    }),
  ];

  it('keeps every mutation as recorded after it is applied', async () => {
    const { texts, events: after } = await replay(events(), [300, 50, 300], true);
    expect(texts).toEqual(['', 'A,B', '']);
    expect(JSON.parse(JSON.stringify(after))).toEqual(events());
  });

  it('(rrweb alone edits them: the check above can fail)', async () => {
    const { events: after } = await replay(events(), [300], false);
    expect((after[3] as { data: { removes: unknown[] } }).data.removes).toHaveLength(1);
  });
});

describe('building nodes never writes into the events', () => {
  // rrweb-snapshot writes the adapted CSS into the text children of a <style> recorded in parts
  // (`_cssText` with rr_split), and empties the children of a <textarea> with a value: in a full
  // snapshot and in the nodes a mutation adds.
  const css = (id: number) => ({
    type: 2,
    id,
    tagName: 'style',
    attributes: { _cssText: 'li:hover { color: red; }/* rr_split */ul { margin: 0; }' },
    childNodes: [text(id + 1, 'li:hover { color: red; }'), text(id + 2, 'ul { margin: 0; }')],
  });
  const events = () => {
    const [meta, snapshot] = page0([li(6, 'A')]) as [
      object,
      { data: { node: { childNodes: { childNodes: { childNodes: unknown[] }[] }[] } } },
    ];
    const [head, body] = snapshot.data.node.childNodes[0]!.childNodes;
    head!.childNodes.push(css(9));
    body!.childNodes.push({ type: 2, id: 12, tagName: 'textarea', attributes: { value: 'note' }, childNodes: [text(13, 'note')] });
    return [meta, snapshot, mutation(100, { adds: [{ parentId: 3, nextId: null, node: css(20) }] })];
  };

  it('keeps snapshots and added nodes as recorded after they are built', async () => {
    const { texts, events: after } = await replay(events(), [200, 50, 200], true);
    expect(texts).toEqual(['A', 'A', 'A']);
    expect(JSON.parse(JSON.stringify(after))).toEqual(events());
  });

  it('(rrweb alone edits them: the check above can fail)', async () => {
    const { events: after } = await replay(events(), [200], false);
    expect(JSON.parse(JSON.stringify(after))).not.toEqual(events());
  });
});

describe('a seek forward after one that ended on a batch of mouse moves', () => {
  // The batch at 500 ms holds moves from 100 ms on; "A" was removed at 300 ms, between them.
  const events = [
    ...page0([li(6, 'A'), li(7, 'B')]),
    mutation(300, { removes: [{ parentId: 5, id: 6 }] }),
    {
      type: 3,
      timestamp: T0 + 500,
      data: {
        source: 1,
        positions: [
          { x: 1, y: 1, id: 4, timeOffset: -400 },
          { x: 9, y: 9, id: 4, timeOffset: -10 },
        ],
      },
    },
    mutation(1000, {
      adds: [
        { parentId: 5, nextId: null, node: el(8, 'li') },
        { parentId: 8, nextId: null, node: text(108, 'C') },
      ],
    }),
  ];

  it('applies nothing twice', async () => {
    const { texts, notFound } = await replay(events, [600, 1100, 50, 1100], true);
    expect(texts).toEqual(['B', 'B,C', 'A,B', 'B,C']);
    expect(notFound).toBe(0);
  });

  it('(rrweb alone removes "A" again and loses that remove: the check above can fail)', async () => {
    const { texts, notFound } = await replay(events, [600, 1100, 50, 1100], false);
    expect(notFound).toBeGreaterThan(0);
    expect(texts[3]).toBe('A,B,C');
  });
});

describe('a seek while skipping inactivity', () => {
  // 60 s without interaction between the moves at 30 ms and at 60 s: rrweb fast-forwards it.
  const mm = (t: number) => ({ type: 3, timestamp: T0 + t, data: { source: 1, positions: [{ x: 1, y: 1, id: 4, timeOffset: 0 }] } });
  const events = [
    ...page0([li(6, 'A')]),
    mm(30),
    mm(60_000),
    mutation(61_000, { removes: [{ parentId: 5, id: 6 }] }),
    mm(62_000),
    mm(200_000),
  ];

  async function speedAfterSeek(patched: boolean): Promise<string> {
    return page.evaluate(
      async ({ events, patched }) => {
        const w = window as unknown as {
          rrwebReplay: {
            Replayer: new (
              e: unknown[],
              o: object,
            ) => {
              play(t: number): void;
              pause(t?: number): void;
              destroy(): void;
              on(e: string, f: () => void): void;
              speedService: { state: { value: string } };
            };
          };
          playerPatches: { endSkip(r: unknown): void };
        };
        const r = new w.rrwebReplay.Replayer(events, {
          root: document.getElementById('player'),
          showWarning: false,
          useVirtualDom: false,
          skipInactive: true,
        });
        const skipping = new Promise<void>((resolve) => r.on('skip-start', () => resolve()));
        r.play(0);
        await skipping;
        // The player's seek: past the interaction rrweb was skipping to, playing on from there.
        if (patched) w.playerPatches.endSkip(r);
        r.play(61_500);
        const speed = r.speedService.state.value;
        r.destroy();
        return speed;
      },
      { events, patched },
    );
  }

  it('ends the skip', async () => {
    expect(await speedAfterSeek(true)).toBe('normal');
  });

  it('(rrweb alone keeps fast-forwarding: the check above can fail)', async () => {
    expect(await speedAfterSeek(false)).toBe('skipping');
  });
});
