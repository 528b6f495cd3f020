import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../test-support/chromium.js';
import { FakeIngest, html } from './support/fake-ingest.js';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
let ingest: FakeIngest;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(join(pkgDir, 'dist/index.js'))) execFileSync(process.execPath, ['build.mjs'], { cwd: pkgDir, stdio: 'inherit' });
  ingest = new FakeIngest(join(pkgDir, 'dist/browser/reprise.js'));
  ingest.files.set('/esm/index.js', { type: 'text/javascript', path: join(pkgDir, 'dist/index.js') });
  await ingest.start();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await ingest?.close();
});

describe('ESM package', () => {
  it('records with `import { init } from "@reprise/recorder"` and shares one recorder per page', async () => {
    ingest.pages.set(
      '/esm',
      html(
        '',
        `<p>esm page</p><script type="module">
          import { init } from '/esm/index.js';
          const a = init({ projectKey: 'test-key', endpoint: location.origin, flushIntervalMs: 200 });
          const b = init({ projectKey: 'test-key', endpoint: location.origin });
          window.__same = a === b;
          window.__handle = a;
        </script>`,
      ),
    );
    const page = await browser.newPage();
    await page.goto(`${ingest.base}/esm`);
    await page.waitForFunction(() => !!(window as unknown as { __handle?: { getSessionId(): string | null } }).__handle?.getSessionId());
    const sid = await page.evaluate(() => (window as unknown as { __handle: { getSessionId(): string } }).__handle.getSessionId());
    expect(await page.evaluate(() => (window as unknown as { __same: boolean }).__same)).toBe(true);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !ingest.forSession(sid).some((r) => r.text.includes('esm page'))) await new Promise((r) => setTimeout(r, 50));
    expect(ingest.forSession(sid).some((r) => r.text.includes('esm page'))).toBe(true);
    await page.close();
  });
});
