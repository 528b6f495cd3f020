import { describe, expect, it } from 'vitest';
import { html } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

const h = useHarness();

describe('ESM package', () => {
  it('records with `import { init } from "@reprise/recorder"` and shares one recorder per page', async () => {
    h.ingest.pages.set(
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
    const page = await h.browser.newPage();
    await page.goto(`${h.ingest.base}/esm`);
    await page.waitForFunction(() => !!(window as unknown as { __handle?: { getSessionId(): string | null } }).__handle?.getSessionId());
    const sid = await page.evaluate(() => (window as unknown as { __handle: { getSessionId(): string } }).__handle.getSessionId());
    expect(await page.evaluate(() => (window as unknown as { __same: boolean }).__same)).toBe(true);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !h.ingest.forSession(sid).some((r) => r.text.includes('esm page')))
      await new Promise((r) => setTimeout(r, 50));
    expect(h.ingest.forSession(sid).some((r) => r.text.includes('esm page'))).toBe(true);
    await page.close();
  });
});
