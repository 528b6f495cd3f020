import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../test-support/chromium.js';

// The compression Worker's watchdog (transport/worker-compressor.ts), with real Workers in
// Chromium: a worker that stops answering is given up for good and every job it held is redone
// by the fallback, so nothing is lost; a worker that is slow but answers is kept, because each
// answer restarts the clock of the jobs still waiting. The timeout is shortened for the test.

const here = path.dirname(fileURLToPath(import.meta.url));
const ORIGIN = 'http://watchdog.test';

/** What the page reports of one run: each job's result, and the hooks' calls. */
interface Outcome {
  results: ({ bytes: number[]; deflate: boolean } | null)[];
  broken: number;
  errors: string[];
  fallbacks: string[];
  /** compress() once the jobs settled: null when the worker was given up. */
  after: 'null' | 'promise';
}

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const out = await build({
    stdin: {
      contents: "export { WorkerCompressor } from './worker-compressor';",
      resolveDir: path.join(here, '../src/transport'),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    globalName: 'watchdog',
    write: false,
    logLevel: 'warning',
  });
  browser = await launchChromium();
  page = await browser.newPage();
  // A real origin, so blob: Workers start as they do on a customer's page.
  await page.route(`${ORIGIN}/**`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>watchdog</title>' }));
  await page.goto(`${ORIGIN}/`);
  await page.addScriptTag({ content: out.outputFiles[0]!.text });
});

afterAll(async () => {
  await browser?.close();
});

/** Posts `texts` at once to a WorkerCompressor running `source`, with `timeoutMs`, and waits for every job. */
function run(source: string, timeoutMs: number, texts: string[]): Promise<Outcome> {
  return page.evaluate(
    async ({ source, timeoutMs, texts }) => {
      type Result = { bytes: Uint8Array; deflate: boolean } | null;
      const w = window as unknown as {
        watchdog: {
          WorkerCompressor: new (
            source: string,
            hooks: { onError(e: unknown): void; onBroken(): void; fallback(t: string): Promise<Result> },
            timeoutMs: number,
          ) => { compress(t: string, d: null, r: boolean, x: boolean): Promise<Result> | null; dispose(): void };
        };
      };
      const o = { broken: 0, errors: [] as string[], fallbacks: [] as string[] };
      const wc = new w.watchdog.WorkerCompressor(
        source,
        {
          onError: (e) => o.errors.push(String(e)),
          onBroken: () => o.broken++,
          // Marks what the fallback compressed: byte 0, then the text's length.
          fallback: (t) => {
            o.fallbacks.push(t);
            return Promise.resolve({ bytes: new Uint8Array([0, t.length]), deflate: false });
          },
        },
        timeoutMs,
      );
      const results = await Promise.all(texts.map((t) => wc.compress(t, null, false, false)));
      const after = wc.compress('later', null, false, false) === null ? 'null' : 'promise';
      wc.dispose();
      return { ...o, after, results: results.map((r) => (r ? { bytes: [...r.bytes], deflate: r.deflate } : null)) } as Outcome;
    },
    { source, timeoutMs, texts },
  );
}

const TEXTS = ['{"a":1}', '{"bb":22}', '{"ccc":333}', '{"dddd":4444}', '{"eeeee":55555}'];

describe('compression worker watchdog', () => {
  it('gives up a worker that never answers and redoes every job it held with the fallback', async () => {
    const o = await run('onmessage = () => {};', 500, TEXTS);
    expect(o.fallbacks).toEqual(TEXTS);
    expect(o.results).toEqual(TEXTS.map((t) => ({ bytes: [0, t.length], deflate: false })));
    expect(o.broken).toBe(1);
    expect(o.errors).toEqual(['Error: compression worker timed out']);
    // Given up for good: the caller compresses otherwise from now on.
    expect(o.after).toBe('null');
  });

  it('keeps a slow worker that answers: each answer restarts the clock of the jobs still waiting', async () => {
    // One job at a time, 400 ms each: five jobs take 2 s, longer than the 1.5 s timeout, but no
    // job waits 1.5 s past the previous answer.
    const slow = `
      let queue = Promise.resolve();
      onmessage = (e) => {
        const { id, text } = e.data;
        queue = queue
          .then(() => new Promise((r) => setTimeout(r, 400)))
          .then(() => { const buf = new Uint8Array([1, text.length]).buffer; postMessage({ id, buf, deflate: true }, [buf]); });
      };`;
    const o = await run(slow, 1_500, TEXTS);
    expect(o.results).toEqual(TEXTS.map((t) => ({ bytes: [1, t.length], deflate: true })));
    expect(o.fallbacks).toEqual([]);
    expect(o.broken).toBe(0);
    expect(o.errors).toEqual([]);
    expect(o.after).toBe('promise');
  });

  it('gives up a worker whose script fails and redoes its jobs with the fallback', async () => {
    const o = await run("throw new Error('worker script failed');", 30_000, TEXTS.slice(0, 2));
    expect(o.fallbacks).toEqual(TEXTS.slice(0, 2));
    expect(o.results.map((r) => r?.bytes[0])).toEqual([0, 0]);
    expect(o.broken).toBe(1);
    expect(o.errors).toHaveLength(1);
    expect(o.errors[0]).toMatch(/^Error: compression worker error: .*worker script failed/);
    expect(o.after).toBe('null');
  });
});
