import { describe, expect, it } from 'vitest';
import { parseNdjson, type ReplayEvent, type SessionDetail } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { sessionIdOf } from './support/shopper.js';
import { storedBytes } from './support/stored-bytes.js';

/**
 * Privacy defaults are checked on stored bytes: a real recording in Chromium puts secrets in the
 * page URL, fragment and referrer, in console arguments, navigations, errors, tags and custom
 * events, and types a password it submits with Enter; none of them may appear in any byte the
 * server stored (SQLite + WAL, inflated chunks).
 */
const h = useServerAndBrowser();

// A JWT-shaped value; its signature part is unique to this test.
const JWT_SIG = 'Zq9pV3sigE2ePrivacy_Jwt-Sig0xA1';
const JWT = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlMmUifQ.${JWT_SIG}`;
const SECRETS = {
  pageQuery: 'page-query-secret-1a2b',
  pageFragment: 'page-fragment-secret-3c4d',
  referrer: 'referrer-secret-5e6f',
  consolePassword: 'console-password-7a8b',
  consoleNested: 'console-nested-session-9c0d',
  consoleMap: 'console-map-token-1e2f',
  navSid: 'nav-sid-secret-3a4b',
  tagBearer: 'TagBearerSecret5c6d',
  tagKey: 'tag-session-id-7e8f',
  eventKey: 'event-password-9a0b',
  jwtSig: JWT_SIG,
  typedPassword: 'Typed-Pa55word-2d4f',
};

describe('page URLs, console arguments and bearer values never reach storage', () => {
  it('stores none of the secrets, and the redacted values are what the session shows', async () => {
    const ctx = await h.browser.newContext();
    const page = await ctx.newPage();
    const referer = `${h.server.base}/demo/cart.html?token=${SECRETS.referrer}`;
    await page.goto(`${h.server.base}/demo/?token=${SECRETS.pageQuery}&page=2#access_token=${SECRETS.pageFragment}&state=ok`, { referer });
    await page.waitForFunction(
      () => typeof (window as unknown as { Reprise?: unknown }).Reprise === 'object' && !!sessionStorage.getItem('reprise:session'),
    );
    // The first batch leaves before the navigation below: it names the session's first URL.
    await page.evaluate(() => (window as unknown as { Reprise: { flush(): Promise<void> } }).Reprise.flush());
    // A sign-in field added by the app: typed key by key, then submitted with Enter.
    await page.evaluate(() =>
      document.body.insertAdjacentHTML('beforeend', '<label for="e2e-pw">Password</label><input id="e2e-pw" type="password">'),
    );
    await page.focus('#e2e-pw');
    await page.keyboard.type(SECRETS.typedPassword);
    await page.keyboard.press('Enter');
    await page.evaluate(
      ({ s, jwt }) => {
        console.log(
          'login',
          { user: 'ada', password: s.consolePassword, nested: { deeper: { session_id: s.consoleNested } } },
          new Map([['token', s.consoleMap]]),
        );
        console.warn(`retrying with ${jwt}`);
        history.pushState({}, '', `?sid=${s.navSid}&view=list`);
        const r = (window as unknown as { Reprise: { tag(k: string, v: string): void; event(n: string, d: unknown): void } }).Reprise;
        r.tag('debug', `Bearer ${s.tagBearer}`);
        r.tag('session_id', s.tagKey);
        r.event('signed-in', { note: `got ${jwt}`, form: { password: s.eventKey } });
        setTimeout(() => {
          throw new Error(`token rejected: ${jwt}`);
        }, 0);
      },
      { s: SECRETS, jwt: JWT },
    );
    await page.waitForTimeout(200);
    const sessionId = await sessionIdOf(page);
    await page.evaluate(() => (window as unknown as { Reprise: { flush(): Promise<void> } }).Reprise.flush());
    await page.goto('about:blank');
    await ctx.close();
    const detail: SessionDetail = await h.server.waitForSession(sessionId);

    const bytes = storedBytes(h.server.dataDir);
    for (const [name, secret] of Object.entries(SECRETS)) expect(bytes.includes(Buffer.from(secret)), name).toBe(false);

    // Not vacuous: each place was recorded, with the secret replaced and the rest kept.
    expect(detail.firstUrl).toBe(`${h.server.base}/demo/?token=[redacted]&page=2#access_token=[redacted]&state=ok`);
    const events: ReplayEvent[] = parseNdjson(await h.server.apiText(`/api/v1/sessions/${sessionId}/events`));
    const json = (kind: string) => JSON.stringify(events.filter((e) => e.kind === kind).map((e) => e.data));
    expect(json('meta')).toContain('/demo/?token=[redacted]&page=2#access_token=[redacted]&state=ok');
    expect(json('meta')).toContain('/demo/cart.html?token=[redacted]');
    const rrMeta = events.find((e) => e.kind === 'dom' && (e.data as { type: number }).type === 4);
    expect((rrMeta?.data as { data: { href: string } }).data.href).toBe(
      `${h.server.base}/demo/?token=[redacted]&page=2#access_token=[redacted]&state=ok`,
    );
    expect(json('env')).toContain('cart.html?token=[redacted]');
    expect(json('nav')).toContain('?sid=[redacted]&view=list');
    expect(json('console')).toContain('"password",{"type":"string","value":"[redacted]"}');
    expect(json('console')).toContain('"ada"');
    expect(json('console')).toContain('retrying with [redacted]');
    expect(json('custom')).toContain('Bearer [redacted]');
    expect(json('custom')).toContain('got [redacted]');
    expect(json('custom')).toContain('"key":"session_id","value":"[redacted]"');
    expect(json('custom')).toContain('"password":"[redacted]"');
    expect(json('error')).toContain('token rejected: [redacted]');
    // The password's Enter was recorded, as the key alone.
    const keys = events.filter((e) => e.kind === 'custom' && (e.data as { type?: string }).type === 'key').map((e) => e.data);
    expect(keys).toEqual([{ type: 'key', key: 'Enter', target: expect.objectContaining({ selector: '#e2e-pw', inputType: 'password' }) }]);
  });
});
