import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { locatorFor } from '../src/export/playwright/locators.js';
import { checkoutEvents, SECRET_HEADER } from './digest-fixture.js';
import { makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';
import { typeErrors } from './spec-typecheck.js';
import { runCli } from '../../../test-support/cli.js';

let s: TestServer;
const T0 = Date.now() - 3 * 3600_000;

async function store(sid: string, events: ReplayEvent[], url = 'https://shop.example/checkout'): Promise<void> {
  for (let seq = 0; seq * 200 < events.length; seq++) {
    const res = await postBatch(s, makeBatch(sid, seq, events.slice(seq * 200, (seq + 1) * 200), url));
    expect(res.statusCode, res.body).toBe(200);
  }
}

async function get(sid: string, query = '', status = 200): Promise<string> {
  const res = await s.app.inject({ url: `/api/v1/sessions/${sid}/playwright${query}`, headers: { cookie: s.cookie } });
  expect(res.statusCode, res.body).toBe(status);
  return res.body;
}

/** Syntax errors of the spec as TypeScript (empty when it parses). */
function syntaxErrors(source: string): string[] {
  const out = ts.transpileModule(source, { reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022 } });
  return (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** The test's body (between `test(` and the recorded responses). */
function testBody(spec: string): string {
  return spec.slice(spec.indexOf('\ntest('), spec.indexOf('const RECORDED_RESPONSES'));
}

const click = (t: number, data: Record<string, unknown>): ReplayEvent => ({
  t,
  kind: 'click',
  data: { tag: 'button', interactive: true, x: 5, y: 5, ...data },
});
const net = (t: number, url: string, extra: Record<string, unknown> = {}): ReplayEvent => ({
  t: t + 100,
  kind: 'network',
  data: {
    id: `n${t}`,
    initiator: 'fetch',
    method: 'GET',
    url,
    status: 200,
    startedAt: t,
    durationMs: 100,
    requestHeaders: {},
    responseHeaders: { 'content-type': 'application/json', 'content-length': '99' },
    requestBody: null,
    responseBody: { kind: 'json', value: { ok: true } },
    ...extra,
  },
});

/** A form page: clicks by role and by selector only, a client-side route change, no network at all. */
function formEvents(t0: number): ReplayEvent[] {
  return [
    { t: t0, kind: 'nav', data: { url: 'http://app.test:8080/contact', type: 'load' } },
    click(t0 + 1000, { selector: 'main > button.send', text: 'Send message', tag: 'button', x: 40, y: 300 }),
    click(t0 + 2000, { selector: 'div.card:nth-of-type(2) > span', tag: 'span', interactive: false, x: 200, y: 100 }),
    { t: t0 + 2100, kind: 'nav', data: { url: 'http://app.test:8080/contact/thanks', type: 'pushState' } },
    click(t0 + 9000, { selector: '#again', text: 'Again', tag: 'button' }),
    click(t0 + 9200, { selector: '#again', text: 'Again', tag: 'button' }),
    click(t0 + 9400, { selector: '#again', text: 'Again', tag: 'button' }),
  ];
}

/** Calls with redacted values, a body the recorder left out, and a request that never got an answer. */
function redactedEvents(t0: number): ReplayEvent[] {
  return [
    { t: t0, kind: 'nav', data: { url: 'https://shop.example/account', type: 'load' } },
    net(t0 + 100, 'https://shop.example/api/me?token=[redacted]', {
      responseBody: { kind: 'json', value: { name: 'Ada', apiKey: '[redacted]', plan: 'pro' } },
      responseHeaders: { 'content-type': 'application/json', authorization: 'Bearer [redacted]' },
    }),
    net(t0 + 200, 'https://shop.example/avatar.png', { responseBody: { kind: 'omitted', reason: 'binary' } }),
    click(t0 + 1000, { selector: '#refresh', text: 'Refresh', testId: 'refresh' }),
    net(t0 + 1100, 'https://cdn.other.example/feed', { status: 0, error: 'network', responseBody: null }),
  ];
}

/**
 * A help page: a search field submitted with Enter (the value committed by the Enter's change,
 * just after the key), a scroll that loads more answers, a scroll that loads nothing, Escape.
 */
function keyEvents(t0: number): ReplayEvent[] {
  const dom = (t: number, type: number, data: unknown): ReplayEvent => ({ t, kind: 'dom', data: { type, timestamp: t, data } });
  const node = (id: number, tagName: string, attributes: Record<string, string>, childNodes: unknown[] = []) => ({
    type: 2,
    id,
    tagName,
    attributes,
    childNodes,
  });
  const searchTarget = {
    selector: '#faq-q',
    tag: 'input',
    inputType: 'search',
    interactive: true,
    x: 50,
    y: 20,
    nodeId: 6,
    testId: 'faq-search',
    text: 'Search the FAQ',
  };
  const key = (t: number, k: string, target: Record<string, unknown>): ReplayEvent => ({
    t,
    kind: 'custom',
    data: { type: 'key', key: k, target },
  });
  return [
    { t: t0, kind: 'nav', data: { url: 'http://app.test:8080/help', type: 'load' } },
    dom(t0 + 1, 4, { href: 'http://app.test:8080/help', width: 800, height: 600 }),
    dom(t0 + 2, 2, {
      node: {
        type: 0,
        id: 1,
        childNodes: [
          node(2, 'html', {}, [
            node(3, 'body', {}, [
              node(4, 'label', { for: 'faq-q' }, [{ type: 3, id: 5, textContent: 'Search the FAQ' }]),
              node(6, 'input', { id: 'faq-q', type: 'search', 'data-testid': 'faq-search' }),
            ]),
          ]),
        ],
      },
      initialOffset: { top: 0, left: 0 },
    }),
    key(t0 + 2000, 'Enter', searchTarget),
    dom(t0 + 2001, 3, { source: 5, id: 6, text: 'card', isChecked: false, userTriggered: true }),
    net(t0 + 2003, 'http://app.test:8080/api/help/search?q=card'),
    dom(t0 + 5000, 3, { source: 3, id: 1, x: 0, y: 400 }),
    dom(t0 + 5150, 3, { source: 3, id: 1, x: 0, y: 900 }),
    net(t0 + 5300, 'http://app.test:8080/api/help/more?page=2'),
    dom(t0 + 8000, 3, { source: 3, id: 1, x: 0, y: 1234 }),
    key(t0 + 9000, 'Escape', { selector: 'body', tag: 'body', interactive: false, x: 400, y: 300, nodeId: 3 }),
    // The app closes its search on Escape and changes the route.
    { t: t0 + 9050, kind: 'nav', data: { url: 'http://app.test:8080/help/faq', type: 'pushState' } },
  ];
}

/** The form page whose Send click makes the app's error handler log a TypeError (as Angular's does): no pageerror. */
function loggedErrorEvents(t0: number): ReplayEvent[] {
  const stack = 'TypeError: form.total is undefined\n    at send (http://app.test:8080/main.js:1:200)';
  return [
    ...formEvents(t0).slice(0, 2),
    {
      t: t0 + 1010,
      kind: 'console',
      data: {
        level: 'error',
        args: [
          { type: 'string', value: 'ERROR' },
          { type: 'error', name: 'TypeError', message: 'form.total is undefined', stack },
        ],
      },
    },
    { t: t0 + 1010, kind: 'error', data: { message: 'form.total is undefined', name: 'TypeError', stack, origin: 'console' } },
  ];
}

beforeAll(async () => {
  s = await startTestServer();
  await store('pw_checkout', checkoutEvents(T0));
  await store('pw_routine', checkoutEvents(T0, { routine: 5 }));
  await store('pw_form_01', formEvents(T0), 'http://app.test:8080/contact');
  await store('pw_redacted1', redactedEvents(T0), 'https://shop.example/account');
  await store('pw_keys_001', keyEvents(T0), 'http://app.test:8080/help');
  await store('pw_logged_1', loggedErrorEvents(T0), 'http://app.test:8080/contact');
});
afterAll(async () => s.close());

describe('Playwright export of the failing checkout', () => {
  it('is a spec that type-checks against Playwright and never carries request headers', async () => {
    const spec = await get('pw_checkout');
    expect(syntaxErrors(spec)).toEqual([]);
    expect(typeErrors(spec)).toEqual([]);
    expect(spec).toContain("from '@playwright/test'");
    expect(spec).not.toContain(SECRET_HEADER);
  });

  it('opens the first path with the origin as a changeable baseURL', async () => {
    const spec = await get('pw_checkout');
    expect(spec).toContain("const BASE_URL = process.env.REPRISE_BASE_URL ?? 'https://shop.example';");
    expect(spec).toContain('test.use({ baseURL: BASE_URL });');
    expect(testBody(spec)).toContain("await page.goto('/checkout');");
  });

  it('turns the masked card number into a placeholder at the top and keeps the unmasked email', async () => {
    const spec = await get('pw_checkout');
    const top = spec.slice(0, spec.indexOf('\ntest('));
    expect(top).toContain("const CARD_NUMBER = 'TODO: masked when recorded';");
    expect(testBody(spec)).toContain("await page.getByTestId('card-number').fill(CARD_NUMBER);");
    expect(testBody(spec)).toContain("await page.getByRole('textbox', { name: 'Email' }).fill('shopper@example.com');");
    expect(spec).not.toContain('****');
  });

  it('waits for the 422 the Pay click caused and asserts it, the console error, the TypeError and the text shown', async () => {
    const body = testBody(await get('pw_checkout'));
    expect(body).toMatch(
      /const \[checkoutResponse\] = await Promise\.all\(\[\s*page\.waitForResponse\(responseTo\('POST', '\/api\/checkout'\)\),\s*page\.getByTestId\('pay'\)\.click\(\),/,
    );
    expect(body).toContain('expect(checkoutResponse.status()).toBe(422);');
    expect(body).toMatch(/toMatchObject\(\{\s*error: 'card_expired',\s*field: 'card_expiry',\s*\}\)/);
    expect(body).toContain("expect.stringContaining('card_expiry invalid format')");
    expect(body).toContain(`expect.stringContaining("Cannot read properties of undefined (reading 'total')")`);
    expect(body).toContain("await expect(page.locator('body')).toContainText('Retry');");
    expect(body).toMatch(/passes while the bug is still there.*\n.*turn these around/);
    expect(body).not.toMatch(/waitForTimeout|setTimeout/);
  });

  it('serves the recorded 422 as a mock and offers the same calls as a HAR', async () => {
    const spec = await get('pw_checkout');
    expect(spec).toMatch(/method: 'POST',\s*url: '\/api\/checkout',\s*status: 422,/);
    expect(spec).toContain("const UNMATCHED_REQUESTS: 'passthrough' | 'block' = 'passthrough';");
    expect(await get('pw_checkout', '?unmatched=block')).toContain("const UNMATCHED_REQUESTS: 'passthrough' | 'block' = 'block';");
    const har = JSON.parse(await get('pw_checkout', '?file=har')) as {
      log: { entries: { request: { url: string }; response: { status: number; content: { text: string } } }[] };
    };
    expect(har.log.entries.map((e) => [e.request.url, e.response.status])).toEqual([['https://shop.example/api/checkout', 422]]);
    expect(JSON.parse(har.log.entries[0]!.response.content.text)).toEqual({ error: 'card_expired', field: 'card_expiry' });
    const both = JSON.parse(await get('pw_checkout', '?file=json')) as { filename: string; spec: string; harFilename: string };
    expect([both.filename, both.harFilename]).toEqual(['reprise-pw_checkout.spec.ts', 'reprise-pw_checkout.har']);
    expect(both.spec).toBe(spec);
  });
});

describe('locators and a session with no network calls', () => {
  it('prefers the test id, then the role with its name, then the selector', () => {
    const all = { testId: 'pay', role: 'button', name: 'Pay now', selector: '#pay' };
    expect(locatorFor(all)).toBe("page.getByTestId('pay')");
    expect(locatorFor({ ...all, testId: null })).toBe("page.getByRole('button', { name: 'Pay now' })");
    // A role getByRole does not take, or no name: the recorded selector.
    expect(locatorFor({ ...all, testId: null, role: 'generic' })).toBe("page.locator('#pay')");
    expect(locatorFor({ ...all, testId: null, name: null })).toBe("page.locator('#pay')");
    expect(locatorFor({ testId: null, role: null, name: "Don't", selector: null })).toBe(`page.getByText("Don't")`);
  });

  it('uses the role and accessible name, else the recorded selector; repeated clicks stay repeated', async () => {
    const spec = await get('pw_form_01');
    const body = testBody(spec);
    expect(body).toContain("await page.getByRole('button', { name: 'Send message' }).click();");
    expect(body).toContain("await page.locator('div.card:nth-of-type(2) > span').click();");
    expect(body).toContain("await page.waitForURL((url) => url.pathname === '/contact/thanks');");
    expect(body).toContain("await clickTimes(page.getByRole('button', { name: 'Again' }), 3);");
    expect(spec).toContain("const BASE_URL = process.env.REPRISE_BASE_URL ?? 'http://app.test:8080';");
    expect(typeErrors(spec)).toEqual([]);
  });

  it('has no waits for responses and no failure assertions when the session made no calls', async () => {
    const spec = await get('pw_form_01');
    expect(spec).toMatch(/const RECORDED_RESPONSES: RecordedResponse\[\] = \[\];/);
    expect(testBody(spec)).not.toContain('waitForResponse');
    expect(testBody(spec)).not.toContain('pageErrors.map');
    expect(testBody(spec)).toContain('Nothing went wrong in the recorded range');
  });
});

describe('an error the app logged (console.error), not thrown', () => {
  it('is asserted among the console errors, never as a page error (a logged error fires no pageerror)', async () => {
    const spec = await get('pw_logged_1');
    expect(typeErrors(spec)).toEqual([]);
    const body = testBody(spec);
    expect(body).toContain(
      "await expect.poll(() => consoleErrors).toContainEqual(expect.stringContaining('ERROR TypeError: form.total is undefined'));",
    );
    expect(body).not.toContain('pageErrors.map');
  });
});

describe('key presses and scrolls', () => {
  it('fills the field before pressing Enter in it, waits for what the keys and the scroll set off, leaves idle scrolls out', async () => {
    const spec = await get('pw_keys_001');
    expect(typeErrors(spec)).toEqual([]);
    const body = testBody(spec);
    const fill = body.indexOf("await page.getByTestId('faq-search').fill('card');");
    const press = body.search(
      /await Promise\.all\(\[\s*page\.waitForResponse\(responseTo\('GET', '\/api\/help\/search'\)\),\s*page\.getByTestId\('faq-search'\)\.press\('Enter'\),/,
    );
    expect(fill).toBeGreaterThan(0);
    expect(press).toBeGreaterThan(fill);
    expect(body).toContain("// 3. Press Enter in 'Search the FAQ' ([data-testid=faq-search])");
    expect(body).toContain('// 4. Scroll down to 900 px');
    expect(body).toMatch(
      /this scroll set off what follows\.\n\s*await Promise\.all\(\[\s*page\.waitForResponse\(responseTo\('GET', '\/api\/help\/more'\)\),\s*page\.evaluate\(\(\) => window\.scrollTo\(0, 900\)\),/,
    );
    expect(body).not.toContain('1234');
    expect(body).toContain(
      "// 5. Press Escape\n  await page.keyboard.press('Escape');\n  await page.waitForURL((url) => url.pathname === '/help/faq');",
    );
  });
});

describe('redacted and unrecorded values in the mocks', () => {
  it('keeps redacted values redacted and marks them, says when a body was not recorded, and fails what failed', async () => {
    const spec = await get('pw_redacted1');
    expect(typeErrors(spec)).toEqual([]);
    const fixture = spec.slice(spec.indexOf('const RECORDED_RESPONSES'));
    const me = fixture.slice(0, fixture.indexOf("url: '/avatar.png'"));
    expect(me).toContain('// Redacted when recorded: "[redacted]" values below are not the real ones.');
    expect(me).toContain("url: '/api/me?token=[redacted]'");
    expect(me).toContain("apiKey: '[redacted]'");
    expect(me).toContain('redacted: true');
    expect(me).not.toContain("'content-length'");
    expect(fixture).toContain('// Body not recorded (binary).');
    expect(fixture).toMatch(/url: 'https:\/\/cdn\.other\.example\/feed',\s*failed: true,/);
    // The failing call to another origin is waited for as a request (it never got a response).
    expect(testBody(spec)).toMatch(/const \[feedRequest\] = await Promise\.all\(\[\s*page\.waitForRequest\(requestTo\('GET', '\/feed'\)\)/);
    const har = JSON.parse(await get('pw_redacted1', '?file=har')) as { log: { entries: { comment?: string }[] } };
    expect(har.log.entries[0]!.comment).toMatch(/redacted/);
    expect(har.log.entries[1]!.comment).toMatch(/not recorded \(binary\)/);
  });
});

describe('a time range', () => {
  // pw_routine: five product clicks 10 s apart, then the checkout (card input 5 s after the last).
  const cardAt = 1000 + 5 * 10_000 + 5000;

  it('from a moment to the error: opens the page of that moment, leaves earlier steps out, keeps the failure', async () => {
    const spec = await get('pw_routine', `?from=${cardAt - 1000}`);
    const body = testBody(spec);
    expect(body).not.toContain('Product');
    expect(body).toMatch(/\/\/ 1\. Open \/checkout\n\s*await page\.goto\('\/checkout'\);/);
    expect(body).toContain('CARD_NUMBER');
    expect(body).toContain('expect(checkoutResponse.status()).toBe(422);');
    expect(spec).toContain('(a slice of it)');
    expect(typeErrors(spec)).toEqual([]);
    const whole = testBody(await get('pw_routine'));
    expect(whole).toContain("name: 'Product 0'");
  });

  it('up to a moment before the error: no failure asserted; ISO times work; bad values are refused', async () => {
    const body = testBody(await get('pw_routine', `?to=${cardAt + 1000}`));
    expect(body).toContain('CARD_NUMBER');
    expect(body).not.toContain("getByTestId('pay')");
    expect(body).not.toContain('toBe(422)');
    const iso = testBody(await get('pw_routine', `?from=${encodeURIComponent(new Date(T0 + cardAt - 1000).toISOString())}`));
    expect(iso).not.toContain('Product');
    expect(iso).toContain('toBe(422)');
    await get('pw_routine', '?from=yesterday', 400);
    await get('pw_routine', '?from=5000&to=1000', 400);
    await get('pw_routine', '?unmatched=maybe', 400);
    await get('nope_nope', '', 404);
  });
});

describe('reprise export playwright', () => {
  it('writes the spec and the HAR into --out, and the spec to stdout without it; `export <id>` keeps working', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REPRISE_')));
    const cli = (...args: string[]) => runCli(args, { ...env, ...s.env });
    const out = mkdtempSync(path.join(tmpdir(), 'reprise-pw-'));
    try {
      await cli('export', 'playwright', 'pw_checkout', '--har', '--out', out);
      const spec = readFileSync(path.join(out, 'reprise-pw_checkout.spec.ts'), 'utf8');
      expect(spec).toContain('expect(checkoutResponse.status()).toBe(422);');
      const har = JSON.parse(readFileSync(path.join(out, 'reprise-pw_checkout.har'), 'utf8')) as { log: { entries: unknown[] } };
      expect(har.log.entries.length).toBe(1);
      const [{ stdout: sliced }, { stdout: json }] = await Promise.all([
        cli('export', 'playwright', 'pw_routine', '--from', String(1000 + 5 * 10_000 + 4000)),
        cli('export', 'pw_checkout'),
      ]);
      expect(sliced).toContain('(a slice of it)');
      expect(sliced).not.toContain('Product');
      expect(JSON.parse(json)).toHaveProperty('batches');
      await expect(cli('export', 'playwright', 'pw_checkout', '--from', 'soon')).rejects.toMatchObject({ code: 2 });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    // Four CLI starts through tsx: over a minute on a loaded machine.
  }, 240_000);
});
