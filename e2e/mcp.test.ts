import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { parseNdjson, type ErrorData, type NetworkData, type ReplayEvent, type SessionDetail } from '@reprise/protocol';
import { useServerAndBrowser } from './support/harness.js';
import { checkoutWithExpiredCard, sessionIdOf, SHOPPER } from './support/shopper.js';
import { builtCli } from '../test-support/cli.js';

/**
 * The MCP server driven by the SDK's own client, over both transports (Streamable HTTP at
 * /mcp, and `reprise mcp` on stdio relaying to it), on a recorded demo-shop checkout with an
 * expired card: POST /demo/api/checkout answers 422, then "Retry payment" throws a TypeError.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const h = useServerAndBrowser();
const TOOL_NAMES = [
  'search_sessions',
  'get_session_digest',
  'get_repro_steps',
  'list_problems',
  'get_network_request',
  'get_console',
  'get_errors',
  'get_page_text',
  'export_playwright_test',
];

let sessionId = '';
let session: SessionDetail;
let token = '';
/** Ms from the session start just after the TypeError: the payment form shows its error. */
let afterErrorMs = 0;

beforeAll(async () => {
  const ctx = await h.browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  await checkoutWithExpiredCard(page, h.server.base);
  sessionId = await sessionIdOf(page);
  await page.goto('about:blank');
  await ctx.close();
  session = await h.server.waitForSession(sessionId);
  const events = parseNdjson(await h.server.apiText(`/api/v1/sessions/${sessionId}/events`)) as ReplayEvent[];
  const error = events.find((e) => e.kind === 'error') as ReplayEvent<'error', ErrorData> | undefined;
  expect(error?.data.message).toMatch(/confirmation/);
  afterErrorMs = error!.t - session.startedAt + 250;
  expect(events.some((e) => e.kind === 'network' && (e.data as NetworkData).status === 422)).toBe(true);
  token = (await h.server.apiSend<{ token: string }>('POST', '/api/v1/tokens', { name: 'mcp e2e', scope: 'read' })).body.token;
  expect(token).toMatch(/^rpt_/);
}, 120_000);

function text(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

const transports = {
  http: (t: string) =>
    new StreamableHTTPClientTransport(new URL('/mcp', h.server.base), { requestInit: { headers: { authorization: `Bearer ${t}` } } }),
  stdio: (t: string) =>
    new StdioClientTransport({
      command: process.execPath,
      args: [builtCli(), 'mcp'],
      cwd: root,
      env: { ...(process.env as Record<string, string>), REPRISE_URL: h.server.base, REPRISE_TOKEN: t },
      stderr: 'pipe',
    }),
};

describe.each(Object.keys(transports) as (keyof typeof transports)[])('MCP over %s', (kind) => {
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

  beforeAll(async () => {
    client = new Client({ name: 'reprise-e2e', version: '1.0.0' });
    await client.connect(transports[kind](token));
  }, 60_000);
  afterAll(async () => {
    await client?.close();
  });

  it('lists the eight tools, each with a one-line description and an input schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOL_NAMES].sort());
    for (const t of tools) {
      expect(t.description, t.name).toMatch(/^[^\n]{20,300}$/);
      expect(t.inputSchema.type).toBe('object');
    }
    const search = tools.find((t) => t.name === 'search_sessions')!;
    expect(Object.keys(search.inputSchema.properties ?? {})).toEqual(['query', 'limit']);
  });

  it('search_sessions finds the session by its failed checkout, with counts and a viewer link', async () => {
    const r = await call('search_sessions', { query: 'status:422 request:/demo/api/checkout', limit: 5 });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toContain(sessionId);
    // Viewer links use REPRISE_PUBLIC_URL (the default here: http://localhost:8080).
    expect(text(r)).toMatch(new RegExp(`http://\\S+/sessions/${sessionId}`));
    expect(text(r)).toMatch(/1 4xx/);
    expect(text(r)).toMatch(/\d+ errors/);
    const none = await call('search_sessions', { query: 'status:418', limit: 5 });
    expect(text(none)).not.toContain(sessionId);
  });

  it('search_sessions answers a bad query with a clear error', async () => {
    const r = await call('search_sessions', { query: 'status:>>', limit: 5 });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/^invalid query: /);
  });

  it('get_session_digest holds the 422 and the TypeError', async () => {
    const r = await call('get_session_digest', { sessionId });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toContain('422');
    expect(text(r)).toContain('TypeError');
    expect(text(r)).not.toContain(SHOPPER.card);
  });

  it('get_repro_steps names the Pay button', async () => {
    const r = await call('get_repro_steps', { sessionId });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toMatch(/^1\. /m);
    expect(text(r)).toContain('Pay');
  });

  it('list_problems shows the failing checkout endpoint and the TypeError, with queries', async () => {
    const r = await call('list_problems', { window: '24h' });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toMatch(/POST \/demo\/api\/checkout → 422/);
    expect(text(r)).toMatch(/TypeError: .*confirmation/);
    expect(text(r)).toContain('## Rage clicks');
    const bad = await call('list_problems', { window: 'last week' });
    expect(bad.isError).toBe(true);
    expect(text(bad)).toContain('window must look like');
  });

  it('get_network_request gives the checkout request with its stored headers and bodies', async () => {
    const r = await call('get_network_request', { sessionId, requestId: '/demo/api/checkout' });
    expect(r.isError).toBeFalsy();
    const t = text(r);
    expect(t).toMatch(/^POST \S+\/demo\/api\/checkout → 422/);
    expect(t).toContain('card_expired');
    expect(t).toContain('content-type');
    expect(t).toContain('Backend spans: not available');
    expect(t).not.toContain(SHOPPER.card);
    const missing = await call('get_network_request', { sessionId, requestId: 'no-such-request' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain('/demo/api/checkout');
  });

  it('get_console filters by level and finds the card error', async () => {
    const r = await call('get_console', { sessionId, level: 'error', around: afterErrorMs });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toContain('[error] card_expiry invalid format');
    expect(text(r)).not.toContain('[log]');
  });

  it('get_errors gives the uncaught TypeError with its location', async () => {
    const r = await call('get_errors', { sessionId });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toMatch(/uncaught TypeError: .*confirmation/);
    expect(text(r)).toMatch(/checkout\.js:\d+:\d+/);
  });

  it('get_page_text rebuilds the checkout page as it stood after the failed payment', async () => {
    const r = await call('get_page_text', { sessionId, atMs: afterErrorMs });
    expect(r.isError).toBeFalsy();
    const t = text(r);
    expect(t).toMatch(/^Page at \+[\d.]+s: \S+\/demo\/checkout/);
    expect(t).toContain('Checkout');
    expect(t).toContain('Payment');
    expect(t).toContain('card_expiry invalid format');
    expect(t).toContain('button "Pay" [data-testid="pay"]');
    expect(t).toContain('button "Retry payment" [data-testid="retry"]');
    // The account step is hidden by then; the card number was masked by the recorder.
    expect(t).not.toContain('Continue to payment');
    expect(t).not.toContain(SHOPPER.card);
    // At the start, the products page: no checkout yet.
    const first = text(await call('get_page_text', { sessionId, atMs: 0 }));
    expect(first).toMatch(/^Page at \+[\d.]+s: \S+\/demo\/,/);
    expect(first).not.toContain('Retry payment');
  });

  it('answers an unknown session with a clear error from every session tool', async () => {
    for (const [name, args] of [
      ['get_session_digest', {}],
      ['get_repro_steps', {}],
      ['get_network_request', { requestId: 'x' }],
      ['get_console', {}],
      ['get_errors', {}],
      ['get_page_text', { atMs: 0 }],
    ] as const) {
      const r = await call(name, { sessionId: 'no-such-session', ...args });
      expect(r.isError, name).toBe(true);
      expect(text(r), name).toMatch(/^no session no-such-session/);
    }
  });
});

describe('/mcp access', () => {
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
  };
  const post = (headers: Record<string, string>) =>
    fetch(`${h.server.base}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(init),
    });

  it('refuses a missing or wrong token with 401', async () => {
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer rpt_not-a-token' })).status).toBe(401);
    expect((await post({ authorization: token })).status).toBe(401);
    expect((await fetch(`${h.server.base}/mcp`)).status).toBe(401);
    const ok = await post({ authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe('reprise');
  });

  it('does not take the login cookie', async () => {
    const login = await fetch(`${h.server.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@e2e.local', password: 'e2e admin password' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await post({ cookie })).status).toBe(401);
  });

  it('the SDK client fails to connect with a wrong token, over HTTP and stdio', async () => {
    await expect(new Client({ name: 'x', version: '1' }).connect(transports.http('rpt_wrong'))).rejects.toMatchObject({ code: 401 });
    const stdio = new Client({ name: 'x', version: '1' });
    await expect(stdio.connect(transports.stdio('rpt_wrong'))).rejects.toThrow(/401|refused the token/);
    await stdio.close();
  }, 60_000);

  it('a token limited to another project sees none of this session', async () => {
    const other = (await h.server.apiSend<{ id: string }>('POST', '/api/v1/projects', { name: 'elsewhere' })).body;
    const limited = (
      await h.server.apiSend<{ token: string }>('POST', '/api/v1/tokens', { name: 'other only', scope: 'read', projectIds: [other.id] })
    ).body.token;
    const client = new Client({ name: 'x', version: '1' });
    await client.connect(transports.http(limited));
    try {
      const search = (await client.callTool({ name: 'search_sessions', arguments: { query: '', limit: 50 } })) as CallToolResult;
      expect(text(search)).not.toContain(sessionId);
      const digest = (await client.callTool({ name: 'get_session_digest', arguments: { sessionId } })) as CallToolResult;
      expect(digest.isError).toBe(true);
      expect(text(digest)).toMatch(/^no session /);
      const problems = (await client.callTool({ name: 'list_problems', arguments: { window: '24h' } })) as CallToolResult;
      expect(text(problems)).not.toContain('/demo/api/checkout');
    } finally {
      await client.close();
    }
  });
});
