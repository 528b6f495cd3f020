import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { html, sdkTag, type Received } from './support/fake-ingest.js';
import { useHarness } from './support/harness.js';

/**
 * What the recorder does with each kind of answer (docs/ARCHITECTURE.md, wire format): a final
 * 4xx drops the batch and the next goes; "not now" is retried with backoff (honouring
 * Retry-After) and bounded; a closed session uploads nothing more; every session's batches
 * carry its key.
 */
const h = useHarness();

function page(attrs: Record<string, string | number> = {}): string {
  return html(
    sdkTag({ 'data-flush-interval-ms': 100, 'data-max-retry-delay-ms': 100, ...attrs }),
    `<div id="out"></div><script>window.__mark=function(t){const d=document.createElement('p');d.textContent=t;document.getElementById('out').appendChild(d)}</script>`,
  );
}

async function open(
  path: string,
  attrs: Record<string, string | number> = {},
): Promise<{ ctx: BrowserContext; page: Page; id: string; errors: string[] }> {
  h.ingest.pages.set(path, page(attrs));
  const ctx = await h.browser.newContext();
  const p = await ctx.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(`${h.ingest.base}${path}`);
  await expect.poll(() => p.evaluate(() => window.Reprise?.getSessionId() ?? null)).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  const id = (await p.evaluate(() => window.Reprise!.getSessionId()))!;
  await expect.poll(() => h.ingest.forSession(id).length, { timeout: 10_000 }).toBeGreaterThan(0);
  return { ctx, page: p, id, errors };
}

const mark = (p: Page, text: string) => p.evaluate((t) => (window as unknown as { __mark(t: string): void }).__mark(t), text);
const stats = async (p: Page) => (await p.evaluate(() => window.Reprise!.stats()))!;
const has = (r: Received, text: string) => r.text.includes(text);
/** Every request for the session that carried `text`, in order of arrival. */
const attempts = (id: string, text: string) => h.ingest.received.filter((r) => r.batch.sessionId === id && has(r, text));
const acceptedWith = (id: string, text: string) => h.ingest.forSession(id).some((r) => has(r, text));

describe('recorder answers to refusals and failures', () => {
  it('drops a batch refused with a final 4xx (counted) and delivers the batches behind it', async () => {
    h.ingest.respond = (b) => (JSON.stringify(b.events).includes('POISON') ? { status: 400, error: 'invalid_batch' } : null);
    const { ctx, page: p, id, errors } = await open('/answers/400');
    await mark(p, 'POISON-1');
    await expect.poll(() => attempts(id, 'POISON-1').length, { timeout: 10_000 }).toBe(1);
    await mark(p, 'LATER-ONE');
    await expect.poll(() => acceptedWith(id, 'LATER-ONE'), { timeout: 10_000 }).toBe(true);
    expect(attempts(id, 'POISON-1')).toHaveLength(1);
    expect(await stats(p)).toMatchObject({
      batchesFailed: 1,
      batchesGivenUp: 0,
      batchesSessionClosed: 0,
      uploadStopped: null,
      recording: true,
    });
    expect(errors).toEqual([]);
    h.ingest.respond = null;
    await ctx.close();
  });

  it('retries 503 and 425 with backoff, waits as long as Retry-After says, then delivers', async () => {
    h.ingest.respond = (b, before) => {
      if (!JSON.stringify(b.events).includes('FLAKY')) return null;
      if (before === 0) return { status: 503, error: 'unavailable', headers: { 'Retry-After': '1' } };
      if (before === 1) return { status: 425, error: 'too_early' };
      return null;
    };
    const { ctx, page: p, id } = await open('/answers/503');
    await mark(p, 'FLAKY-1');
    await expect.poll(() => acceptedWith(id, 'FLAKY-1'), { timeout: 15_000 }).toBe(true);
    const tries = attempts(id, 'FLAKY-1');
    expect(tries.map((r) => r.status)).toEqual([503, 425, 200]);
    // Backoff alone is at most 100 ms here (data-max-retry-delay-ms): the wait is the server's 1 s.
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1000);
    const s = await stats(p);
    expect(s.retries).toBe(2);
    expect(s).toMatchObject({ batchesFailed: 0, batchesGivenUp: 0 });
    h.ingest.respond = null;
    await ctx.close();
  });

  it('gives up on a batch that gets 503 forever after the bound (counted), and delivers the rest', async () => {
    h.ingest.respond = (b) => (JSON.stringify(b.events).includes('STUCK') ? { status: 503, error: 'unavailable' } : null);
    const { ctx, page: p, id, errors } = await open('/answers/stuck', { 'data-max-retries': 3 });
    await mark(p, 'STUCK-1');
    await expect.poll(() => attempts(id, 'STUCK-1').length, { timeout: 10_000 }).toBeGreaterThan(0);
    await mark(p, 'LATER-TWO');
    await expect.poll(() => acceptedWith(id, 'LATER-TWO'), { timeout: 15_000 }).toBe(true);
    // The first attempt and three retries, no more.
    expect(attempts(id, 'STUCK-1').map((r) => r.status)).toEqual([503, 503, 503, 503]);
    expect(await stats(p)).toMatchObject({ batchesGivenUp: 1, retries: 3, batchesFailed: 0, recording: true });
    // Later batches keep their order after the gap.
    const seqs = h.ingest.forSession(id).map((r) => r.batch.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(errors).toEqual([]);
    h.ingest.respond = null;
    await ctx.close();
  });

  for (const [status, error] of [
    [413, 'session_full'],
    [410, 'session_deleted'],
    [403, 'session_key_mismatch'],
    [403, 'link_expired'],
  ] as const) {
    it(`stops uploading a session refused with ${status} ${error} (counted), also after a reload`, async () => {
      h.ingest.respond = (b) => (JSON.stringify(b.events).includes('OVER') ? { status, error } : null);
      const { ctx, page: p, id, errors } = await open(`/answers/closed-${error}`);
      await mark(p, 'OVER-1');
      await expect.poll(async () => (await stats(p)).uploadStopped, { timeout: 10_000 }).toBe(error);
      const sent = h.ingest.received.filter((r) => r.batch.sessionId === id).length;
      for (let i = 0; i < 5; i++) await mark(p, `MORE-${i}`);
      await p.waitForTimeout(800);
      const s = await stats(p);
      expect(s).toMatchObject({ recording: false, batchesFailed: 0 });
      expect(s.batchesSessionClosed).toBeGreaterThanOrEqual(1);
      // The same tab's next page continues the session, and still sends nothing for it.
      await p.reload();
      await expect.poll(() => p.evaluate(() => window.Reprise?.stats()?.uploadStopped ?? null)).toBe(error);
      await mark(p, 'AFTER-RELOAD');
      await p.waitForTimeout(800);
      expect(h.ingest.received.filter((r) => r.batch.sessionId === id).length).toBe(sent);
      expect(errors).toEqual([]);
      h.ingest.respond = null;
      await ctx.close();
    });
  }

  it('sends the session key with every batch of the session (reloads, pagehide) and nowhere else', async () => {
    const { ctx, page: p, id } = await open('/answers/key');
    const key = await p.evaluate(() => (JSON.parse(sessionStorage.getItem('reprise:session')!) as { key: string }).key);
    expect(key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await mark(p, 'BEFORE-RELOAD');
    await expect.poll(() => acceptedWith(id, 'BEFORE-RELOAD'), { timeout: 10_000 }).toBe(true);
    await p.reload();
    await mark(p, 'AT-PAGEHIDE');
    // Leaving the page: the pending events go with keepalive.
    await p.goto('about:blank');
    await expect.poll(() => acceptedWith(id, 'AT-PAGEHIDE'), { timeout: 10_000 }).toBe(true);
    const mine = h.ingest.received.filter((r) => r.batch.sessionId === id);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(new Set(mine.map((r) => r.sessionKey))).toEqual(new Set([key]));
    expect(mine.some((r) => r.text.includes(key))).toBe(false);
    expect(h.ingest.requests.some((u) => u.includes(key))).toBe(false);
    await ctx.close();

    // Another tab: another session, another key.
    const other = await open('/answers/key');
    const otherKey = h.ingest.forSession(other.id)[0]!.sessionKey!;
    expect(otherKey).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(otherKey).not.toBe(key);
    await other.ctx.close();
  });
});
