import { gzipSync } from 'node:zlib';
import type { SessionTimeline } from '@reprise/protocol';
import type { Browser } from 'playwright-core';
import { checkoutWithExpiredCard, sessionIdOf } from '../e2e/support/shopper.js';
import { launchChromium } from '../test-support/chromium.js';
import { describeMachine, gitRevision } from './lib/machine.js';
import { collectMetrics, type BenchResult, type MetricSpec } from './lib/results.js';
import { startBenchServer, type RunningServer } from './lib/server.js';

export interface HtmlExportBenchOptions {
  /** Demo checkouts recorded, each exported once. */
  runs: number;
  command: string;
  log?: (line: string) => void;
}

export function htmlExportOptions(args: { runs?: number; smoke: boolean; command: string }): HtmlExportBenchOptions {
  return { runs: args.runs ?? (args.smoke ? 1 : 3), command: args.command };
}

const SPECS: MetricSpec[] = [
  { key: 'fileKB', label: 'HTML export of the demo checkout (GET …/export.html): file size', unit: 'KB', role: 'reprise' },
  { key: 'storedKB', label: "The session's stored event bytes (compressed chunks, as stored)", unit: 'KB', role: 'baseline' },
  { key: 'ratioStored', label: 'Export file / stored event bytes', unit: 'ratio', role: 'ratio' },
  { key: 'jsonKB', label: 'The events as raw JSON (GET …/events, NDJSON)', unit: 'KB', role: 'info' },
  { key: 'ratioJson', label: 'Export file / raw events JSON', unit: 'ratio', role: 'ratio' },
  {
    key: 'bundleKB',
    label: 'Of the file: the inlined player and panels (script and stylesheet), the same for every session',
    unit: 'KB',
    role: 'info',
  },
  { key: 'gzipKB', label: 'The export file gzipped (as a mail or ticket attachment might travel)', unit: 'KB', role: 'info' },
  { key: 'events', label: 'Events in the session', unit: 'count', role: 'info' },
];

async function oneRun(browser: Browser, server: RunningServer): Promise<Record<string, number>> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await checkoutWithExpiredCard(page, server.base);
  const id = await sessionIdOf(page);
  await ctx.close();
  await server.waitForSession(id);
  const html = Buffer.from(await server.apiText(`/api/v1/sessions/${id}/export.html`));
  const events = Buffer.from(await server.apiText(`/api/v1/sessions/${id}/events`));
  const timeline = await server.api<SessionTimeline>(`/api/v1/sessions/${id}/timeline`);
  const stored = timeline.batches.reduce((n, b) => n + b.bytes, 0);
  const text = html.toString('utf8');
  const bundle = [/<style>([\s\S]*?)<\/style>/, /<script type="module">([\s\S]*?)<\/script>/].reduce(
    (n, re) => n + Buffer.byteLength(re.exec(text)?.[1] ?? ''),
    0,
  );
  return {
    fileKB: html.length / 1000,
    storedKB: stored / 1000,
    ratioStored: html.length / stored,
    jsonKB: events.length / 1000,
    ratioJson: html.length / events.length,
    bundleKB: bundle / 1000,
    gzipKB: gzipSync(html).length / 1000,
    events: events.toString('utf8').split('\n').filter(Boolean).length,
  };
}

export async function runHtmlExport(opts: HtmlExportBenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const server = await startBenchServer({ needRecorder: true });
  let browser: Browser | null = null;
  let chromium = '';
  const rows: Record<string, number>[] = [];
  try {
    browser = await launchChromium();
    chromium = browser.version();
    for (let run = 0; run < opts.runs; run++) {
      const row = await oneRun(browser, server);
      rows.push(row);
      log(
        `html-export run ${run + 1}/${opts.runs}: ${row.fileKB!.toFixed(1)} KB file, ${row.storedKB!.toFixed(1)} KB stored ` +
          `(×${row.ratioStored!.toFixed(2)}), ${row.jsonKB!.toFixed(1)} KB JSON (×${row.ratioJson!.toFixed(2)})`,
      );
    }
  } finally {
    await browser?.close();
    await server.close();
  }
  return {
    name: 'html-export',
    title: 'Self-contained HTML export of the demo session',
    measured:
      'The demo checkout (e2e/support/shopper.ts checkoutWithExpiredCard: products, cart, checkout, an expired card answered 422, Retry throws) ' +
      `recorded in Chromium by the SDK into an in-process server (SQLite + local chunk files), ${opts.runs} time(s), each session then ` +
      'downloaded whole with GET /api/v1/sessions/:id/export.html over loopback HTTP (the file the viewer\'s "Download" writes and ' +
      "`reprise export html` writes alike). The demo shop's stylesheets are inlined by rrweb, so the session references no captured asset.",
    baseline:
      "The same session's event chunks as stored (compressed; the replay index's batch sizes) and its events as JSON (GET …/events), " +
      'measured on the same session.',
    machine: describeMachine(chromium),
    date: new Date().toISOString(),
    command: opts.command,
    runs: opts.runs,
    options: { revision: gitRevision() },
    metrics: collectMetrics(SPECS, rows),
    headline: ['fileKB', 'ratioStored', 'ratioJson'],
    notes: [
      'Most of a short session\'s file is the inlined player (React, rrweb\'s replayer, the panels): a fixed cost of about the "inlined player" ' +
        'figure; the events follow as JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped, so a long session grows like its raw JSON.',
    ],
  };
}
