import { afterAll, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../../test-support/chromium.js';
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
  afterAll(async () => {
    await h.browser?.close();
    await h.ingest?.close();
  });
  return h;
}
