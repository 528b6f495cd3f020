import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, type SessionDetail } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { openReplay, page, record, sdkTag, startSite, type OpenReplay, type Site } from './support/replay-site.js';
import { sessionIdOf } from './support/shopper.js';

const h = useServerAndBrowser();
let site: Site;
let session: SessionDetail;
let replay: OpenReplay;

/** A silent mono 8-bit WAV of `seconds` (8 kHz): media the page can play and seek. */
function silentWav(seconds: number): Buffer {
  const n = 8000 * seconds;
  const b = Buffer.alloc(44 + n, 128);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36);
  b.writeUInt32LE(n, 40);
  return b;
}

const BODY = `
<style>
  .card .more { display: none; }
  .card:hover .more { display: block; height: 40px; }
</style>
<details id="det"><summary id="sum">summary</summary><p>inside details</p></details>
<select id="sel"><option value="a">A</option><option value="b">B</option><option value="c">C</option></select>
<div id="scroller" style="height:100px;overflow:auto"><div style="height:1000px">tall content</div></div>
<audio id="media" src="/tone.wav" preload="auto"></audio>
<button id="play" onclick="const m=document.getElementById('media'); m.currentTime=1.5; m.play();">play</button>
<button id="stop" onclick="document.getElementById('media').pause()">stop</button>
<div id="pop" popover="manual">popover content</div>
<button id="showpop" onclick="document.getElementById('pop').showPopover()">popover</button>
<dialog id="dlg"><p>modal dialog</p><div class="card" id="card">card<div class="more">more</div></div></dialog>
<button id="open" onclick="document.getElementById('dlg').showModal()">dialog</button>
`;

beforeAll(async () => {
  site = await startSite();
  site.files.set('/tone.wav', { type: 'audio/wav', body: silentWav(4) });
  // Inputs unmasked: a masked select replays as masked, on purpose.
  site.pages.set('/states', page(sdkTag(h.server, { 'data-mask-all-inputs': 'false' }), BODY));
  session = await record(h.browser, h.server, `${site.base}/states`, async (p) => {
    await p.selectOption('#sel', 'c');
    await p.click('#sum');
    await p.$eval('#scroller', (el) => (el.scrollTop = 300));
    await p.click('#play');
    await p.waitForFunction(() => (document.getElementById('media') as HTMLMediaElement).currentTime > 1.6);
    await p.click('#stop');
    await p.click('#showpop');
    await p.click('#open');
    // rrweb samples mouse moves at most every 50 ms with no trailing call: a single move (hover)
    // right after the click's move would be dropped, so the hover comes past that window.
    await p.waitForTimeout(100);
    const startedHover = Date.now();
    await p.hover('#card');
    // The replay's :hover comes from the mouse positions rrweb emits in a batch up to 500 ms after
    // the move (later on a busy machine): wait until the server has one from the hover, not for a fixed time.
    const sid = await sessionIdOf(p);
    for (let i = 0; i < 50 && !hasMoveSince(await h.server.apiText(`/api/v1/sessions/${sid}/events`), startedHover); i++) {
      await p.waitForTimeout(200);
      await p.evaluate(() => (window as unknown as { Reprise: { flush(): Promise<void> } }).Reprise.flush());
    }
  });
  replay = await openReplay(h.browser, h.server, session);
});
afterAll(async () => {
  await replay?.close();
  await site?.close();
});

/** Whether the events hold a mouse position taken at `since` or later (a position's time is its batch's less its offset). */
function hasMoveSince(ndjson: string, since: number): boolean {
  return parseNdjson(ndjson).some((e) => {
    const d = e.data as { type?: number; timestamp?: number; data?: { source?: number; positions?: { timeOffset: number }[] } };
    return (
      e.kind === 'dom' && d.type === 3 && d.data?.source === 1 && !!d.data.positions?.some((q) => d.timestamp! + q.timeOffset >= since)
    );
  });
}

/** Reads the replayed document (opened at the session's end, i.e. after a seek). */
function inReplay<R>(fn: (doc: Document) => R): Promise<R> {
  return replay.page.evaluate(`(${fn.toString()})(document.querySelector('[data-testid="player"] iframe').contentDocument)`) as Promise<R>;
}

describe('states rrweb misses, replayed at the end of the session', () => {
  it('<select> selection', async () => {
    await expect.poll(() => inReplay((d) => (d.getElementById('sel') as HTMLSelectElement).value)).toBe('c');
  });
  it('<details open>', async () => {
    await expect.poll(() => inReplay((d) => (d.getElementById('det') as HTMLDetailsElement).open)).toBe(true);
  });
  it('scroll position of a nested scroller after a seek', async () => {
    await expect.poll(() => inReplay((d) => d.getElementById('scroller')!.scrollTop)).toBe(300);
  });
  it('media: paused, at the recorded position', async () => {
    const media = () =>
      inReplay((d) => {
        const m = d.getElementById('media') as HTMLMediaElement;
        return { paused: m.paused, t: m.currentTime };
      });
    await expect.poll(async () => (await media()).paused).toBe(true);
    const { t } = await media();
    expect(t).toBeGreaterThan(1.5);
    expect(t).toBeLessThan(3);
  });
  it('<dialog> opened with showModal: open and modal (top layer)', async () => {
    await expect
      .poll(() =>
        inReplay((d) => {
          const x = d.getElementById('dlg')!;
          return [(x as HTMLDialogElement).open, x.matches(':modal')];
        }),
      )
      .toEqual([true, true]);
  });
  it('popover open state (top layer)', async () => {
    await expect.poll(() => inReplay((d) => d.getElementById('pop')!.matches(':popover-open'))).toBe(true);
  });
  it(':hover that changes layout', async () => {
    await expect.poll(() => inReplay((d) => getComputedStyle(d.querySelector('#card .more')!).display)).toBe('block');
  });

  it('all of them after seeking back to the start and forward to the end again', async () => {
    const states = () =>
      inReplay((d) => ({
        select: (d.getElementById('sel') as HTMLSelectElement).value,
        details: (d.getElementById('det') as HTMLDetailsElement).open,
        scroll: d.getElementById('scroller')!.scrollTop,
        dialog: d.getElementById('dlg')!.matches(':modal'),
        popover: d.getElementById('pop')!.matches(':popover-open'),
      }));
    // The viewer's own seeks: the scrub bar's Home and End keys.
    await replay.page.focus('[data-testid="scrubber"]');
    await replay.page.keyboard.press('Home');
    await expect.poll(states).toEqual({ select: 'a', details: false, scroll: 0, dialog: false, popover: false });
    await replay.page.keyboard.press('End');
    await expect.poll(states).toEqual({ select: 'c', details: true, scroll: 300, dialog: true, popover: true });
  });
});
