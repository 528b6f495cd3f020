import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test-support/chromium.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { BENCH_DIR, collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { recorderFingerprint, startBenchServer, type RunningServer } from './lib/server.js';

/**
 * Cost of canvas recording: the same page with an animated chart (a 600×300 canvas redrawn on
 * every animation frame), recorded by the built SDK without canvas recording and with it.
 */
export interface CanvasBenchOptions {
  runs: number;
  windowMs: number;
  command: string;
  log?: (line: string) => void;
}

export function canvasOptions(args: { runs?: number; durationS?: number; smoke: boolean; command: string }): CanvasBenchOptions {
  return { runs: args.runs ?? (args.smoke ? 1 : 5), windowMs: (args.durationS ?? (args.smoke ? 3 : 20)) * 1000, command: args.command };
}

interface Variant {
  key: string;
  label: string;
  /** data-* attributes of the recorder's script tag. */
  attrs: Record<string, string>;
}

const VARIANTS: Variant[] = [
  { key: 'off', label: 'canvas recording off (default)', attrs: {} },
  { key: 'webp2', label: 'canvas on: WebP, 2 fps, quality 0.6 (defaults)', attrs: { 'data-record-canvas': 'true' } },
  { key: 'jpeg2', label: 'canvas on: JPEG, 2 fps, quality 0.6', attrs: { 'data-record-canvas': 'true', 'data-canvas-type': 'image/jpeg' } },
  { key: 'webp10', label: 'canvas on: WebP, 10 fps, quality 0.6', attrs: { 'data-record-canvas': 'true', 'data-canvas-fps': '10' } },
];

// A live line chart of a seeded random walk scrolling left, with a grid and a label, redrawn ten
// times a second (a dashboard's rate; every sampled frame differs). The page's own drawing is
// kept cheap so the recorder's share of the main thread shows.
const CHART = `<h1>Dashboard</h1><canvas id="chart" width="600" height="300"></canvas><p>Live throughput</p>
<script>
  let seed = 7; const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const pts = Array.from({ length: 120 }, () => 150);
  const ctx = document.getElementById('chart').getContext('2d');
  function frame() {
    pts.shift(); pts.push(Math.max(20, Math.min(280, pts[pts.length - 1] + (rnd() - 0.5) * 30)));
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, 600, 300);
    ctx.strokeStyle = '#ccc'; ctx.beginPath(); for (let y = 50; y < 300; y += 50) { ctx.moveTo(0, y); ctx.lineTo(600, y); } ctx.stroke();
    ctx.strokeStyle = '#1f6feb'; ctx.lineWidth = 2; ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(i * 5, p) : ctx.moveTo(0, p))); ctx.stroke();
    ctx.fillStyle = '#333'; ctx.font = '14px sans-serif'; ctx.fillText('req/s ' + Math.round(300 - pts[pts.length - 1]), 10, 20);
  }
  setInterval(frame, 100);
</script>`;

async function pageServer(server: RunningServer): Promise<{ base: string; server: Server }> {
  const pages = new Map(
    VARIANTS.map((v) => {
      const attrs = Object.entries({ 'data-project-key': server.projectKey, 'data-flush-interval-ms': '5000', ...v.attrs })
        .map(([k, val]) => `${k}="${val}"`)
        .join(' ');
      return [
        `/${v.key}`,
        `<!doctype html><html><head><meta charset="utf-8"><script src="${server.base}/sdk/reprise.js" ${attrs}></script></head><body>${CHART}</body></html>`,
      ];
    }),
  );
  const s = createServer((req, res) => {
    const page = pages.get(req.url ?? '');
    res.statusCode = page ? 200 : 404;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page ?? 'not found');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, server: s };
}

interface Figures {
  /** Renderer main-thread CPU time (CDP TaskDuration, threadTicks) per minute of recording, ms. */
  taskMsPerMin: number;
  /** Upload bytes (compressed request bodies, as sent) per minute. */
  bytesPerMin: number;
}

/** One window of `windowMs` on a page that has started recording and uploaded its first snapshot. */
async function measure(browser: Browser, url: string, windowMs: number): Promise<Figures> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  try {
    const page = await ctx.newPage();
    let bytes = 0;
    let counting = false;
    page.on('request', (r) => {
      if (counting && r.method() === 'POST' && r.url().includes('/ingest/')) bytes += r.postDataBuffer()?.length ?? 0;
    });
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    await page.goto(url);
    await page.waitForFunction(
      () => (window as unknown as { Reprise?: { getSessionId(): string | null } }).Reprise?.getSessionId() != null,
    );
    await page.waitForTimeout(1000);
    await page.evaluate(() => (window as unknown as { Reprise: { flush(): Promise<void> } }).Reprise.flush());
    const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value;
    const t0 = await task();
    counting = true;
    await page.waitForTimeout(windowMs);
    await page.evaluate(() => (window as unknown as { Reprise: { flush(): Promise<void> } }).Reprise.flush());
    const t1 = await task();
    counting = false;
    const perMin = 60_000 / windowMs;
    return { taskMsPerMin: (t1 - t0) * 1000 * perMin, bytesPerMin: bytes * perMin };
  } finally {
    await ctx.close();
  }
}

export async function runCanvas(opts: CanvasBenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => {});
  const server = await startBenchServer({ needRecorder: true });
  const recorder = recorderFingerprint();
  let browser: Browser | undefined;
  let site: { base: string; server: Server } | undefined;
  const rows: Record<string, number>[] = [];
  let chromium = '';
  try {
    site = await pageServer(server);
    browser = await launchChromium();
    chromium = browser.version();
    for (let run = 0; run < opts.runs; run++) {
      const row: Record<string, number> = {};
      // Variant order rotated per run, so drift on a shared machine spreads over all of them.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + run) % VARIANTS.length]!);
      for (const v of order) {
        const f = await measure(browser, `${site.base}/${v.key}`, opts.windowMs);
        row[`${v.key}Task`] = f.taskMsPerMin;
        row[`${v.key}Bytes`] = f.bytesPerMin / 1e6;
      }
      for (const v of VARIANTS.slice(1)) {
        row[`${v.key}TaskRatio`] = row[`${v.key}Task`]! / row.offTask!;
        row[`${v.key}TaskExtra`] = row[`${v.key}Task`]! - row.offTask!;
        row[`${v.key}BytesExtra`] = row[`${v.key}Bytes`]! - row.offBytes!;
      }
      rows.push(row);
      log(
        `canvas run ${run + 1}/${opts.runs}: main thread ms/min ${VARIANTS.map((v) => `${v.key} ${row[`${v.key}Task`]!.toFixed(0)}`).join(', ')}; ` +
          `MB/min ${VARIANTS.map((v) => `${v.key} ${row[`${v.key}Bytes`]!.toFixed(3)}`).join(', ')}`,
      );
    }
  } finally {
    await browser?.close();
    await new Promise<void>((r) => (site ? site.server.close(() => r()) : r()));
    await server.close();
  }
  const specs: MetricSpec[] = [
    ...VARIANTS.flatMap((v): MetricSpec[] => [
      { key: `${v.key}Task`, label: `Main-thread time per minute, ${v.label}`, unit: 'ms', role: v.key === 'off' ? 'baseline' : 'reprise' },
      { key: `${v.key}Bytes`, label: `Upload per minute, ${v.label}`, unit: 'MB', role: v.key === 'off' ? 'baseline' : 'reprise' },
    ]),
    ...VARIANTS.slice(1).flatMap((v): MetricSpec[] => [
      { key: `${v.key}TaskRatio`, label: `Main-thread time, ${v.label} / off`, unit: 'ratio', role: 'ratio' },
      { key: `${v.key}TaskExtra`, label: `Main-thread time added per minute, ${v.label} − off`, unit: 'ms', role: 'reprise' },
      { key: `${v.key}BytesExtra`, label: `Upload added per minute, ${v.label} − off`, unit: 'MB', role: 'reprise' },
    ]),
  ];
  return {
    name: 'canvas',
    title: 'Canvas recording cost',
    measured:
      `A page with an animated line chart (a 600×300 2D canvas redrawn ten times a second, so every sampled frame differs) ` +
      `recorded by the built /sdk/reprise.js into the in-process Reprise server, for a ${opts.windowMs / 1000} s window after the ` +
      `recorder started and uploaded its first snapshot. Main-thread time: CDP Performance.getMetrics TaskDuration with threadTicks ` +
      `(the renderer main thread's CPU time: the page's own drawing, the recorder, and for canvas recording the frame capture ` +
      `(createImageBitmap) and posting to rrweb's encoder worker). Upload: the compressed request bodies the recorder sent, ` +
      `including Reprise.flush() at the end of the window. Both scaled to one minute. Each variant in a fresh browser context, order ` +
      `rotated per run.`,
    baseline:
      `The same page and window with canvas recording off (the default), measured in the same run. Ratios and differences are ` +
      `per run, then the median. Upload bytes are given as added megabytes, not as a ratio: without canvas the page uploads almost nothing.`,
    machine: describeMachine(chromium),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: { windowMs: opts.windowMs, recorder, revision: gitRevision() },
    metrics: collectMetrics(specs, rows),
    headline: ['webp2TaskRatio', 'webp2TaskExtra', 'webp2BytesExtra'],
    notes: [
      `The WebP/JPEG encoding runs in rrweb's worker (an OffscreenCanvas): its CPU time is not in the main-thread figures. ` +
        `Frames identical to the previous one of the same canvas are not sent (rrweb compares the encoded frame). rrweb's sampler ` +
        `checks on every animation frame whether a sample is due, whatever canvasFps is.`,
      `Results dir: ${BENCH_DIR}/results.`,
    ],
  };
}
