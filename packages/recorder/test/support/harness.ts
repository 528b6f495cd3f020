import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../../test-support/chromium.js';
import type { NetworkData } from '@reprise/protocol';
import { FakeIngest } from './fake-ingest.js';

export const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const SDK = join(pkgDir, 'dist/browser/reprise.js');

export interface Harness {
  ingest: FakeIngest;
  browser: Browser;
}

/**
 * Registers beforeAll/afterAll for a browser test file: the fake ingest (serving the built
 * SDK, loader and ESM build) and one Chromium. `npm test` builds first; a file run alone
 * builds here, and parallel files never rewrite the bundle while another reads it.
 */
export function useHarness(): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    if (!existsSync(join(pkgDir, 'dist/browser/loader.js')))
      execFileSync(process.execPath, ['build.mjs'], { cwd: pkgDir, stdio: 'inherit' });
    h.ingest = new FakeIngest(SDK);
    h.ingest.files.set('/esm/index.js', { type: 'text/javascript', path: join(pkgDir, 'dist/index.js') });
    await h.ingest.start();
    h.browser = await launchChromium();
  });
  afterEach(() => h.ingest?.reset());
  afterAll(async () => {
    await h.browser?.close();
    await h.ingest?.close();
  });
  return h;
}

/**
 * Flushes the page's recorder until `done()` holds: what waits for a lazy chunk (console arguments,
 * network records) leaves with a later flush when the chunk comes late, as on a loaded machine.
 */
export async function flushUntil(page: Page, done: () => boolean): Promise<void> {
  await expect
    .poll(async () => {
      await page.evaluate(() => window.Reprise!.flush());
      return done();
    })
    .toBe(true);
}

/** The page's own requests among `requests`: not the recorder's uploads or chunks, CORS preflights or the favicon. */
const pageRequests = (requests: string[]): number =>
  requests.filter((r) => !/^(POST \/ingest\/|GET \/sdk\/|OPTIONS |GET \/favicon\.ico)/.test(r)).length;

/**
 * Runs `calls` in the page, then flushes until each request it made is recorded (the records wait
 * for the network chunk); returns session `sid`'s network records.
 */
export async function recordRequests(ingest: FakeIngest, page: Page, sid: string, calls: () => Promise<void>): Promise<NetworkData[]> {
  const before = ingest.requests.length;
  await calls();
  const recorded = (): NetworkData[] =>
    ingest
      .forSession(sid)
      .flatMap((r) => r.batch.events)
      .filter((e) => e.kind === 'network')
      .map((e) => e.data as NetworkData);
  const made = pageRequests(ingest.requests.slice(before));
  await flushUntil(page, () => recorded().length >= made);
  return recorded();
}
