import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { openReplay, page, record, sdkTag, startSite, type Site } from './support/replay-site.js';

const h = useServerAndBrowser();
let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

// A chart-like canvas: red until the button is clicked, then a blue bar drawn over the right half.
// A second canvas, hidden, is drawn too: it is never recorded.
const CANVAS_BODY = `
<canvas id="chart" width="200" height="100" data-reprise-canvas></canvas>
<canvas id="other" width="200" height="100"></canvas>
<canvas id="hidden" width="50" height="50" style="display:none"></canvas>
<button id="draw">draw</button>
<script>
  const fill = (id, color, x = 0) => { const c = document.getElementById(id).getContext('2d'); c.fillStyle = color; c.fillRect(x, 0, 200 - x, 100); };
  fill('chart', 'rgb(220,0,0)');
  fill('other', 'rgb(0,160,0)');
  fill('hidden', 'rgb(0,0,0)');
  document.getElementById('draw').onclick = () => fill('chart', 'rgb(0,0,230)', 100);
</script>`;

type Rgb = [number, number, number];
const near = (a: Rgb, b: Rgb) => a.every((v, i) => Math.abs(v - b[i]!) <= 40);

interface Frame {
  evaluate<R, A>(fn: (arg: A) => R, arg: A): Promise<R>;
}
async function pixel(frame: Frame, id: string, x: number, y: number): Promise<Rgb> {
  return frame.evaluate(
    ([i, px, py]) => {
      const c = document.getElementById(i) as HTMLCanvasElement | null;
      const d = c?.getContext('2d')?.getImageData(px, py, 1, 1).data;
      return (d ? [d[0], d[1], d[2]] : [-1, -1, -1]) as [number, number, number];
    },
    [id, x, y] as [string, number, number],
  );
}

async function recordCanvasPage(path: string, attrs: Record<string, string>) {
  site.pages.set(path, page(sdkTag(h.server, attrs), CANVAS_BODY));
  return record(h.browser, h.server, `${site.base}${path}`, async (p) => {
    await p.waitForTimeout(400);
    await p.click('#draw');
    // Several sampled frames at 10 fps.
    await p.waitForTimeout(800);
  });
}

describe('canvas recording', () => {
  it('records a canvas as sampled WebP frames and the viewer draws them (pixel check), without allow-scripts', async () => {
    const s = await recordCanvasPage('/canvas', { 'data-record-canvas': 'true', 'data-canvas-fps': '10' });
    const replay = await openReplay(h.browser, h.server, s);
    try {
      expect(await replay.page.locator('[data-testid="player"] iframe').getAttribute('sandbox')).toBe('allow-same-origin');
      // The snapshot's image and the frame after the click, as the live page showed them.
      await expect.poll(() => pixel(replay.frame, 'chart', 150, 50), { timeout: 10_000 }).toSatisfy((p: Rgb) => near(p, [0, 0, 230]));
      expect(near(await pixel(replay.frame, 'chart', 20, 50), [220, 0, 0])).toBe(true);
      expect(near(await pixel(replay.frame, 'other', 20, 50), [0, 160, 0])).toBe(true);
    } finally {
      await replay.close();
    }
    const events = parseNdjson(await h.server.apiText(`/api/v1/sessions/${s.id}/events`));
    const frames = events.filter((e) => e.kind === 'dom' && (e.data as { type: number; data: { source?: number } }).data.source === 9);
    expect(frames.length).toBeGreaterThan(0);
    const text = JSON.stringify(events);
    expect(text).toContain('image/webp');
    // The hidden canvas: neither a snapshot image nor frames (its id never appears in a canvas event).
    expect(text.match(/data:image\/webp;base64/g)?.length).toBe(2);
  });

  it("with recordCanvas 'marked' records only canvases carrying data-reprise-canvas, as JPEG when asked", async () => {
    const s = await recordCanvasPage('/canvas-marked', {
      'data-record-canvas': 'marked',
      'data-canvas-fps': '10',
      'data-canvas-type': 'image/jpeg',
    });
    const replay = await openReplay(h.browser, h.server, s);
    try {
      await expect.poll(() => pixel(replay.frame, 'chart', 150, 50), { timeout: 10_000 }).toSatisfy((p: Rgb) => near(p, [0, 0, 230]));
      // Not marked: left blank.
      expect(await pixel(replay.frame, 'other', 20, 50)).toEqual([0, 0, 0]);
    } finally {
      await replay.close();
    }
    const text = await h.server.apiText(`/api/v1/sessions/${s.id}/events`);
    expect(text).toContain('image/jpeg');
    expect(text).not.toContain('image/webp');
  });

  it('records a WebGL canvas (no preserveDrawingBuffer) the same way', async () => {
    site.pages.set(
      '/webgl',
      page(
        sdkTag(h.server, { 'data-record-canvas': 'true', 'data-canvas-fps': '10' }),
        `<canvas id="gl" width="100" height="100"></canvas><button id="draw">draw</button>
         <script>
           const gl = document.getElementById('gl').getContext('webgl');
           const paint = (r, g, b) => { gl.clearColor(r, g, b, 1); gl.clear(gl.COLOR_BUFFER_BIT); };
           paint(0, 0.8, 0);
           document.getElementById('draw').onclick = () => paint(0.8, 0, 0.8);
         </script>`,
      ),
    );
    const s = await record(h.browser, h.server, `${site.base}/webgl`, async (p) => {
      await p.waitForTimeout(400);
      await p.click('#draw');
      await p.waitForTimeout(800);
    });
    const replay = await openReplay(h.browser, h.server, s);
    try {
      await expect.poll(() => pixel(replay.frame, 'gl', 50, 50), { timeout: 10_000 }).toSatisfy((p: Rgb) => near(p, [204, 0, 204]));
    } finally {
      await replay.close();
    }
  });

  it('records no canvas pixels by default', async () => {
    const s = await recordCanvasPage('/canvas-off', {});
    const text = await h.server.apiText(`/api/v1/sessions/${s.id}/events`);
    expect(text).not.toMatch(/rr_dataURL|"source":9/);
  });
});

describe('sandbox noise', () => {
  it('replays a page with autofocus and inline handlers without a single blocked-autofocus or blocked-script message', async () => {
    site.pages.set(
      '/autofocus',
      page(
        sdkTag(h.server),
        `<form><input id="q" autofocus placeholder="search"><textarea autofocus></textarea><img src="/missing.png" onerror="this.dataset.failed=1" alt="x"></form>
         <button id="add">add</button>
         <script>document.getElementById('add').onclick = () => { const i = document.createElement('input'); i.autofocus = true; i.id = 'late'; document.body.appendChild(i); };</script>`,
      ),
    );
    const s = await record(h.browser, h.server, `${site.base}/autofocus`, async (p) => {
      await p.click('#add');
      await p.waitForTimeout(300);
    });
    const replay = await openReplay(h.browser, h.server, s);
    // Read from the viewer page: Playwright evaluating inside the sandboxed frame would itself be
    // reported as blocked script execution.
    const inReplay = (sel: string) =>
      replay.page.evaluate((q) => {
        const doc = document.querySelector<HTMLIFrameElement>('[data-testid="player"] iframe')?.contentDocument;
        return doc?.querySelector(q)?.outerHTML ?? null;
      }, sel);
    try {
      await expect.poll(() => inReplay('#late')).not.toBeNull();
      // Seek back and forth: each rebuild would report autofocus again.
      for (const t of [0, 500, 0, 5000]) {
        await replay.page.evaluate(
          (ms) => (window as unknown as { __repriseReplayer?: { pause(t: number): void } }).__repriseReplayer?.pause(ms),
          t,
        );
        await replay.page.waitForTimeout(150);
      }
      expect(await inReplay('#q')).toContain('placeholder="search"');
      expect(await inReplay('#q')).not.toContain('autofocus');
      expect(replay.console.filter((m) => /Blocked autofocusing|Blocked script execution/.test(m))).toEqual([]);
    } finally {
      await replay.close();
    }
  });
});
