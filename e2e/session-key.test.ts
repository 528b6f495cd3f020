import { describe, expect, it } from 'vitest';
import { parseNdjson, type SessionDetail } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { sessionIdOf } from './support/shopper.js';
import { storedBytes } from './support/stored-bytes.js';

const h = useServerAndBrowser();

describe('session binding with the real recorder and server', () => {
  it('a second client that knows the session id cannot append; the recorder itself records across a reload', async () => {
    const ctx = await h.browser.newContext();
    const page = await ctx.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${h.server.base}/demo/`);
    await expect.poll(() => sessionIdOf(page).catch(() => undefined)).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    const id = await sessionIdOf(page);
    const key = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('reprise:session')!) as { key: string }).key);
    await page.click('[data-testid="add-to-cart-mug"]');
    await expect.poll(async () => (await h.server.apiSend('GET', `/api/v1/sessions/${id}`)).status, { timeout: 15_000 }).toBe(200);

    // Another browser (same site, same public project key) that learned the id.
    const stranger = await h.browser.newContext();
    const other = await stranger.newPage();
    await other.goto(`${h.server.base}/demo/`);
    const answers = await other.evaluate(
      async ({ id, projectKey }) => {
        const batch = (seq: number) =>
          JSON.stringify({
            v: 1,
            sessionId: id,
            seq,
            events: [{ t: Date.now(), kind: 'custom', data: { type: 'tag', key: 'injected', value: 'INJECTED-BY-STRANGER' } }],
          });
        const out: { status: number; body: unknown }[] = [];
        for (const [seq, headers] of [
          [9000, {}],
          [9001, { 'X-Reprise-Session-Key': 'guessedguessedguessedguessed' }],
          [1, {}],
        ] as const) {
          const res = await fetch(`/ingest/v1/batch?key=${projectKey}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', ...headers },
            body: batch(seq),
          });
          out.push({ status: res.status, body: await res.json() });
        }
        return out;
      },
      { id, projectKey: h.server.projectKey },
    );
    for (const a of answers) expect(a).toMatchObject({ status: 403, body: { error: 'session_key_mismatch' } });
    await stranger.close();

    // The recorder continues the same session after a reload, with its key.
    await page.reload();
    expect(await sessionIdOf(page)).toBe(id);
    await page.click('[data-testid="add-to-cart-hoodie"]');
    const statsAfterReload = await page.evaluate(() => (window as unknown as { Reprise: { stats(): unknown } }).Reprise.stats());
    await page.goto('about:blank');
    await ctx.close();
    const detail: SessionDetail = await h.server.waitForSession(id);

    const events = parseNdjson(await h.server.apiText(`/api/v1/sessions/${id}/events`));
    // One full snapshot per page load: before and after the reload.
    expect(events.filter((e) => e.kind === 'dom' && (e.data as { type: number }).type === 2).length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(events)).not.toContain('INJECTED-BY-STRANGER');
    expect(JSON.stringify(detail)).not.toContain('INJECTED-BY-STRANGER');
    expect(statsAfterReload).toMatchObject({ batchesSessionClosed: 0, batchesFailed: 0, uploadStopped: null });
    // The key never reaches storage (only its hash, in the session row).
    expect(storedBytes(h.server.dataDir).includes(Buffer.from(key))).toBe(false);
    expect(pageErrors.filter((m) => !/TypeError|Cannot read/.test(m))).toEqual([]);
  });
});
