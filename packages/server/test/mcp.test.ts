import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { SessionDetail } from '@reprise/protocol';
import { generateLongSession, type LongSession } from '../../../test-support/long-session.js';
import { makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * `/mcp` on both storage backends, with a long synthetic recording whose page content is known
 * at every moment (test-support/long-session.ts: a `#clock` whose text changes every second,
 * page loads, rrweb checkouts, list items added and removed). get_page_text must rebuild the page
 * as it stood at the asked moment; the browser-recorded demo-shop session is e2e/mcp.test.ts.
 */
const SESSION_ID = 'mcp_long_session';
const DURATION_MS = 6 * 60_000;

let s: TestServer;
let base = '';
let token = '';
let session: LongSession;
let detail: SessionDetail;
let client: Client;

beforeAll(async () => {
  s = await startTestServer();
  session = generateLongSession({
    seed: 11,
    startTime: Date.now() - DURATION_MS - 60_000,
    durationMs: DURATION_MS,
    checkoutEveryMs: 2 * 60_000,
    batchEveryMs: 10_000,
    pageEveryMs: 3 * 60_000,
    nodes: 300,
  });
  for (const [seq, events] of session.batches.entries()) {
    const res = await postBatch(s, makeBatch(SESSION_ID, seq, events, 'https://shop.example/page-1'));
    expect(res.statusCode, res.body).toBe(200);
  }
  const created = await s.app.inject({
    method: 'POST',
    url: '/api/v1/tokens',
    headers: { cookie: s.cookie },
    payload: { name: 'mcp', scope: 'read' },
  });
  token = (created.json() as { token: string }).token;
  detail = (
    await s.app.inject({ method: 'GET', url: `/api/v1/sessions/${SESSION_ID}`, headers: { authorization: `Bearer ${token}` } })
  ).json() as SessionDetail;
  base = await s.app.listen({ port: 0, host: '127.0.0.1' });
  client = new Client({ name: 'reprise-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', base), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
}, 120_000);

afterAll(async () => {
  await client?.close();
  await s?.close();
});

async function call(name: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { text: r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'), isError: r.isError === true };
}

describe('get_page_text on a long recording', () => {
  it('shows the clock text the page had at each moment (after page loads, checkouts and mutations)', async () => {
    expect(session.pages).toBeGreaterThan(1);
    expect(session.checkouts).toBeGreaterThan(1);
    // Moments between ticks (the clock changes at +50 ms of each second): early, mid-stretch,
    // just after each checkout and page load, and near the end.
    const moments = [1_500, 47_300, 2 * 60_000 + 700, 3 * 60_000 + 2_500, 4 * 60_000 + 10_900, DURATION_MS - 3_000];
    for (const m of moments) {
      const at = session.startTime + m;
      const { text, isError } = await call('get_page_text', { sessionId: SESSION_ID, atMs: at - detail.startedAt });
      expect(isError, text).toBe(false);
      // Events at or before the moment are applied: the clock as it reads just after `at`.
      expect(text.match(/page \d+ · \d\d:\d\d/g), `at +${m} ms`).toEqual([session.clockAt(at + 1)]);
      expect(text.length).toBeLessThanOrEqual(24_000);
    }
  });

  it('answers a moment past the end with the last page, and a bad session or time with an error', async () => {
    const end = await call('get_page_text', { sessionId: SESSION_ID, atMs: 10 * DURATION_MS });
    expect(end.text.match(/page \d+ · \d\d:\d\d/g)).toEqual([session.clockAt(session.endTime + 1)]);
    expect((await call('get_page_text', { sessionId: 'nope', atMs: 0 })).text).toMatch(/^no session nope/);
    const negative = await call('get_page_text', { sessionId: SESSION_ID, atMs: -5 });
    expect(negative.isError).toBe(true);
  });
});

describe('get_errors', () => {
  it('says how each error came: uncaught, an unhandled rejection, a failed resource, logged with console.error', async () => {
    const t = Date.now() - 60_000;
    const err = (i: number, data: Record<string, unknown>) => ({
      t: t + i * 1000,
      kind: 'error' as const,
      data: { message: `m${i}`, ...data },
    });
    const res = await postBatch(
      s,
      makeBatch('mcp_errors_01', 0, [
        err(0, { origin: 'error', name: 'TypeError' }),
        err(1, { origin: 'unhandledrejection', name: 'Error' }),
        err(2, { origin: 'resource', source: 'https://shop.example/a.js' }),
        err(3, { origin: 'console', name: 'RangeError' }),
      ]),
    );
    expect(res.statusCode, res.body).toBe(200);
    const { text, isError } = await call('get_errors', { sessionId: 'mcp_errors_01' });
    expect(isError, text).toBe(false);
    const kinds = ['uncaught', 'unhandled rejection', 'failed resource', 'logged with console.error'];
    const at = kinds.map((k) => text.indexOf(k));
    expect(
      at.every((i) => i >= 0),
      text,
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });
});

describe('size budgets on a long recording', () => {
  it('the digest keeps to its budget, and console and errors fit theirs', async () => {
    const digest = await call('get_session_digest', { sessionId: SESSION_ID, budgetTokens: 500 });
    expect(digest.isError).toBe(false);
    // 500 tokens ≈ 2,000 characters, plus the replay link line.
    expect(digest.text.length).toBeLessThanOrEqual(2_000 + 200);
    for (const name of ['get_console', 'get_errors', 'get_repro_steps', 'export_playwright_test']) {
      const r = await call(name, { sessionId: SESSION_ID });
      expect(r.isError, name).toBe(false);
      expect(r.text.length, name).toBeLessThanOrEqual(24_000);
    }
  });
});

describe('/mcp authentication', () => {
  it('refuses a request without a token, with a revoked token, and with a login cookie', async () => {
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      s.app.inject({ method: 'POST', url: '/mcp', headers: { accept: 'application/json, text/event-stream', ...headers }, payload: init });
    expect((await post({})).statusCode).toBe(401);
    expect((await post({})).headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await post({ cookie: s.cookie })).statusCode).toBe(401);
    const other = (
      await s.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { cookie: s.cookie },
        payload: { name: 'to revoke', scope: 'read' },
      })
    ).json() as { id: string; token: string };
    const ok = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${other.token}`,
      },
      body: JSON.stringify(init),
    });
    expect(ok.status).toBe(200);
    expect(
      (await s.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${other.id}`, headers: { cookie: s.cookie } })).statusCode,
    ).toBeLessThan(300);
    expect((await post({ authorization: `Bearer ${other.token}` })).statusCode).toBe(401);
  });
});
