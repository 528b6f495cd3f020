/**
 * Front to back: a shopper pays with an expired card in Chromium; the recorder sends a
 * `traceparent` with the checkout request, the demo shop's API (OpenTelemetry SDK) continues that
 * trace and exports its spans and logs over OTLP to the same Reprise server, and the viewer shows
 * them in the 422 request's Backend view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { parseNdjson, type NetworkData, type ReplayEvent, type SessionTrace, type SessionTraces } from '@reprise/protocol';
import { launchChromium } from '../test-support/chromium.js';
import { ADMIN, startServer, type RunningServer } from './support/server.js';
import { checkoutWithExpiredCard, sessionIdOf } from './support/shopper.js';

let server: RunningServer;
let browser: Browser;
let sessionId = '';
let checkout: NetworkData;
let trace: SessionTrace | undefined;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  await checkoutWithExpiredCard(page, server.base);
  sessionId = await sessionIdOf(page);
  await page.goto('about:blank');
  await ctx.close();
  await server.waitForSession(sessionId);
  const events = parseNdjson(await server.apiText(`/api/v1/sessions/${sessionId}/events`)) as ReplayEvent[];
  checkout = events
    .filter((e) => e.kind === 'network')
    .map((e) => e.data as NetworkData)
    .find((d) => d.url.endsWith('/demo/api/checkout') && d.status === 422)!;
  // The exporter batches for a moment: wait until the trace has both spans and the log.
  for (let i = 0; i < 60 && checkout?.traceId; i++) {
    const { traces } = await server.api<SessionTraces>(`/api/v1/sessions/${sessionId}/traces`);
    trace = traces.find((t) => t.traceId === checkout.traceId);
    if (trace && trace.spans.some((s) => s.name === 'charge card') && trace.logs.length > 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('backend traces of a recorded checkout', () => {
  it("continues the browser's trace in the API and shows it in the request's Backend view", async () => {
    // The recorder put its own trace on the same-origin request…
    expect(checkout, 'the 422 checkout request was recorded').toBeDefined();
    expect(checkout.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(checkout.requestHeaders.traceparent).toBe(`00-${checkout.traceId}-${checkout.spanId}-01`);
    // …and the API's server span is the child of the browser's span, "charge card" its child.
    expect(trace, 'the trace arrived over OTLP').toBeDefined();
    const server_ = trace!.spans.find((s) => s.kind === 'server')!;
    const charge = trace!.spans.find((s) => s.name === 'charge card')!;
    expect(server_).toMatchObject({ service: 'demo-shop-api', name: 'POST /demo/api/checkout', parentSpanId: checkout.spanId });
    expect(charge).toMatchObject({ service: 'demo-shop-api', parentSpanId: server_.spanId, status: 'error' });
    const exception = charge.events.find((e) => e.name === 'exception');
    expect(exception?.attributes['exception.message']).toMatch(/card expired/);
    expect(trace!.logs).toEqual([
      expect.objectContaining({
        traceId: checkout.traceId,
        spanId: charge.spanId,
        severityText: 'ERROR',
        body: expect.stringMatching(/card expired/),
      }),
    ]);
    expect(trace!.error).toBe(true);

    const ctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
    const page = await ctx.newPage();
    await page.goto(`${server.base}/login?next=/sessions/${sessionId}`);
    await page.fill('input[name="email"]', ADMIN.email);
    await page.fill('input[name="password"]', ADMIN.password);
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 60_000 });
    await page.click('[data-testid="tab-network"]');
    // The row says its trace failed, and the scrub bar marks the backend error.
    const row = page.locator('[data-testid="network-entry"][data-status="422"]');
    await page.waitForSelector('[data-testid="network-entry"][data-status="422"][data-backend-error="true"]', { timeout: 30_000 });
    expect(await page.locator('[data-testid="marker"][data-kind="backend-error"]').count()).toBeGreaterThanOrEqual(1);
    await row.click();
    await page.click('[data-testid="nd-view-backend"]');
    const view = page.locator('[data-testid="backend-view"]');
    await view.waitFor({ timeout: 30_000 });
    expect(await view.getAttribute('data-trace-id')).toBe(checkout.traceId);

    // The span tree: the server span, with "charge card" under it, failed.
    const spans = await page
      .locator('[data-testid="backend-span"]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-name'), e.getAttribute('data-depth'), e.getAttribute('data-status')]));
    expect(spans).toEqual([
      ['POST /demo/api/checkout', '0', 'unset'],
      ['charge card', '1', 'error'],
    ]);
    // The exception with its stack trace, and the log line.
    const ex = await page.locator('[data-testid="backend-exception"]').innerText();
    expect(ex).toContain('CardExpiredError');
    expect(ex).toMatch(/card expired/);
    expect(ex).toMatch(/telemetry\.js/);
    const logs = await page.locator('[data-testid="backend-log"]').allInnerTexts();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/ERROR.*demo-shop-api.*payment declined: card expired/s);
    // A span opens onto its attributes and events.
    await page.click('[data-testid="backend-span"][data-name="charge card"] button');
    const detail = await page.locator('[data-testid="backend-span-detail"]').innerText();
    expect(detail).toContain('demo-pay');
    expect(detail).toContain('exception');
    await ctx.close();
  });
});
