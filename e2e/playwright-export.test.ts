import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startFrontEndOnly, type FrontEndOnly } from './support/front-end-only.js';
import { useServerAndBrowser } from './support/harness.js';
import { runPlaywrightSpec, type SpecRun } from './support/run-playwright-spec.js';
import { checkoutWithExpiredCard, contactSupport, FAQ_QUERY, SHOPPER, sessionIdOf } from './support/shopper.js';

// Issue 17's proof: a session recorded in Chromium, exported as a Playwright test, and run with
// @playwright/test on Debian's Chromium against the shop's front end with its API stopped.

const h = useServerAndBrowser();
let frontEnd: FrontEndOnly;
beforeAll(async () => {
  frontEnd = await startFrontEndOnly();
});
afterAll(async () => {
  await frontEnd?.close();
});

interface Export {
  filename: string;
  spec: string;
  harFilename: string;
  har: { log: { entries: { request: { method: string; url: string }; response: { status: number } }[] } };
}

/** Records `flow` in a fresh context and exports the session through the API. */
async function recordAndExport(flow: (page: Page, base: string) => Promise<void>): Promise<Export> {
  const ctx = await h.browser.newContext();
  const page = await ctx.newPage();
  await flow(page, h.server.base);
  const id = await sessionIdOf(page);
  await ctx.close();
  await h.server.waitForSession(id);
  return h.server.api<Export>(`/api/v1/sessions/${id}/playwright?file=json`);
}

const PLACEHOLDER = /^const (\w+) = 'TODO: masked when recorded';$/gm;

/** What a developer does first: real values for the inputs that were masked when recorded. */
function fillMaskedValues(spec: string, values: Record<string, string>): string {
  const names = [...spec.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  expect(names.sort()).toEqual(Object.keys(values).sort());
  return spec.replace(PLACEHOLDER, (_line, name: string) => `const ${name} = ${JSON.stringify(values[name])};`);
}

function runAgainst(site: FrontEndOnly, ex: Export, spec: string): Promise<SpecRun> {
  return runPlaywrightSpec({ spec, specName: ex.filename, files: { [ex.harFilename]: JSON.stringify(ex.har) }, baseURL: site.origin });
}

describe('Playwright export, run with @playwright/test', () => {
  it('reproduces the checkout 422 and the TypeError with the API stopped, and fails once the bug is fixed', async () => {
    const ex = await recordAndExport(checkoutWithExpiredCard);
    expect(ex.filename).toMatch(/\.spec\.ts$/);
    expect(ex.har.log.entries.map((e) => [e.request.method, new URL(e.request.url).pathname, e.response.status])).toContainEqual([
      'POST',
      '/demo/api/checkout',
      422,
    ]);
    // The assertions that reproduce what went wrong.
    expect(ex.spec).toContain('.toBe(422)');
    expect(ex.spec).toContain("error: 'card_expired'");
    expect(ex.spec).toContain("page.on('pageerror'");
    expect(ex.spec).toContain(`"Cannot read properties of undefined (reading 'confirmation')"`);
    const spec = fillMaskedValues(ex.spec, {
      EMAIL: SHOPPER.email,
      PASSWORD: SHOPPER.password,
      NAME_ON_CARD: 'E2E Shopper',
      CARD_NUMBER: SHOPPER.card,
      EXPIRY_MM_YY: '01/20',
      CVC: '123',
    });

    const run = await runAgainst(frontEnd, ex, spec);
    expect(run.errors).toEqual([]);
    expect(run.passed, run.output).toBe(true);
    expect(run.expected).toBe(1);
    // The front end without an API served the pages, and the recorded responses answered every call.
    expect(frontEnd.served).toEqual(expect.arrayContaining(['index.html', 'cart.html', 'checkout.html', 'assets/checkout.js']));
    expect(frontEnd.apiRequests).toEqual([]);

    // The same front end with the retry bug fixed: the test that reproduces it must fail.
    const BUG = 'var previousOrderId = lastOrder.confirmation.id;';
    let patched = false;
    const fixed = await startFrontEndOnly((file, text) => {
      if (file !== 'assets/checkout.js') return text;
      patched = text.includes(BUG);
      return text.replace(BUG, 'var previousOrderId = lastOrder && lastOrder.confirmation.id;');
    });
    try {
      const afterFix = await runAgainst(fixed, ex, spec);
      expect(patched).toBe(true);
      expect(afterFix.passed).toBe(false);
      expect(afterFix.unexpected, afterFix.output).toBe(1);
      // It fails on the uncaught TypeError that no longer happens, not on an earlier step.
      expect(afterFix.errors.join('\n')).toMatch(/toContainEqual[\s\S]*reading 'confirmation'/);
      expect(fixed.served).toContain('checkout.html');
      expect(fixed.apiRequests).toEqual([]);
    } finally {
      await fixed.close();
    }
  }, 360_000);

  it('replays a flow with a search submitted with Enter, client-side route changes and a form, green', async () => {
    frontEnd.apiRequests.length = 0;
    frontEnd.served.length = 0;
    const ex = await recordAndExport(contactSupport);
    // Both pushState route changes are waited for, and the form's POST is served from the recording.
    expect(ex.spec).toContain("url.pathname === '/demo/help/contact'");
    expect(ex.spec).toContain("url.pathname === '/demo/help/sent'");
    expect(ex.spec).toContain("url: '/demo/api/support'");
    // The search's value is filled before the Enter that submitted it, which waits for the search.
    expect(ex.spec).toMatch(
      /await page\.getByTestId\('faq-query'\)\.fill\(FAQ_QUERY\);\n\n\s*\/\/ 3\. Press Enter in 'Search the FAQ' \(\[data-testid=faq-query\]\)\n\s*await Promise\.all\(\[\n\s*page\.waitForResponse\(responseTo\('GET', '\/demo\/api\/help\/search'\)\),\n\s*page\.getByTestId\('faq-query'\)\.press\('Enter'\),/,
    );
    const spec = fillMaskedValues(ex.spec, { FAQ_QUERY, EMAIL: SHOPPER.email, TOPIC: 'payment', MESSAGE: 'My card was refused.' });

    const run = await runAgainst(frontEnd, ex, spec);
    expect(run.errors).toEqual([]);
    expect(run.passed, run.output).toBe(true);
    expect(run.expected).toBe(1);
    // One page load: the routes after it changed on the client.
    expect(frontEnd.served.filter((f) => f.endsWith('.html'))).toEqual(['help.html']);
    expect(frontEnd.apiRequests).toEqual([]);
  }, 300_000);
});
