import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest, ReplayEvent, StepList } from '@reprise/protocol';
import { REWRITE_INSTRUCTION } from '../src/digest/llm.js';
import { checkoutEvents, SECRET_HEADER } from './digest-fixture.js';
import { makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;
const T0 = Date.now() - 3 * 3600_000;

async function store(sid: string, events: ReplayEvent[]): Promise<void> {
  for (let seq = 0; seq * 200 < events.length; seq++) {
    const res = await postBatch(s, makeBatch(sid, seq, events.slice(seq * 200, (seq + 1) * 200), 'https://shop.example/checkout'));
    expect(res.statusCode, res.body).toBe(200);
  }
}

async function get<T>(url: string, status = 200): Promise<T> {
  const res = await s.app.inject({ url, headers: { cookie: s.cookie } });
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as T;
}

beforeAll(async () => {
  s = await startTestServer();
  await store('dg_short_1', checkoutEvents(T0));
  // 60 minutes of routine browsing before the failing checkout.
  await store('dg_long_01', checkoutEvents(T0, { routine: 360 }));
});
afterAll(async () => s.close());

describe('session digest', () => {
  it('puts the error chain first: the Pay click, the 422 with its body, console.error, the TypeError and where', async () => {
    const d = await get<Digest>('/api/v1/sessions/dg_short_1/digest');
    expect(d.problems.length).toBe(1);
    expect(d.problems[0]!.kind).toBe('error');
    expect(d.problems[0]!.chain).toBe(
      "clicked 'Pay' ([data-testid=pay]) → POST /api/checkout 422 {error: card_expired, field: card_expiry} → console.error 'card_expiry invalid format' → uncaught TypeError: Cannot read properties of undefined (reading 'total') at checkout.js:42:13",
    );
    expect(d.text.indexOf('Problems (1)')).toBeLessThan(d.text.indexOf('Timeline'));
    expect(d.text).toContain(d.problems[0]!.chain);
    expect(d.dropped).toEqual([]);
  });

  it('keeps masked input masked and never says more than the stored events', async () => {
    const d = await get<Digest>('/api/v1/sessions/dg_short_1/digest');
    expect(d.text).toContain("typed into 'Card number' ([data-testid=card-number]) (masked)");
    expect(d.text).not.toContain('****');
    // Request headers are stored but are no part of the digest.
    expect(d.text).not.toContain(SECRET_HEADER);
    // An unmasked value is shown as stored.
    expect(d.text).toContain(`typed "shopper@example.com" into 'Email'`);
  });

  it('fits a 60-minute session into the default budget with the chain kept and says what it left out', async () => {
    const d = await get<Digest>('/api/v1/sessions/dg_long_01/digest');
    expect(d.budgetTokens).toBe(2000);
    expect(d.tokens).toBeLessThanOrEqual(2000);
    expect(d.text.length).toBeLessThanOrEqual(2000 * 4);
    expect(d.text).toContain('POST /api/checkout 422');
    expect(d.text).toContain('uncaught TypeError');
    expect(d.dropped.join(' ')).toMatch(/successful requests/);
    expect(d.text).toMatch(/Left out \(budget 2,000 tokens\): .*successful requests/);
    expect(d.text).toContain('console log/info/debug');
  });

  it('honours a small budget: only the problem chain and a note of the rest', async () => {
    const d = await get<Digest>('/api/v1/sessions/dg_long_01/digest?budget=250');
    expect(d.tokens).toBeLessThanOrEqual(250);
    expect(d.problems.length).toBe(1);
    expect(d.text).toContain('uncaught TypeError');
    expect(d.dropped.length).toBeGreaterThan(0);
    const big = await get<Digest>('/api/v1/sessions/dg_long_01/digest?budget=50000');
    expect(big.dropped.filter((x) => !x.includes('never included'))).toEqual([]);
    expect(big.timeline.length).toBeGreaterThan(d.timeline.length);
  });

  it('counts one bug met again with other ids as one problem, with its times', async () => {
    const t1 = T0 + 10 * 60_000;
    const events: ReplayEvent[] = [{ t: t1, kind: 'nav', data: { url: 'https://shop.example/', type: 'load' } }];
    for (const [i, id] of [481, 77, 9130].entries()) {
      const t = t1 + 1000 + i * 30_000;
      events.push({
        t,
        kind: 'click',
        data: { selector: `#add-${id}`, text: 'Add to cart', tag: 'button', interactive: true, x: 10, y: 10 },
      });
      events.push({
        t: t + 100,
        kind: 'network',
        data: {
          id: `r${i}`,
          initiator: 'fetch',
          method: 'POST',
          url: `https://shop.example/api/cart/${id}`,
          status: 500,
          startedAt: t + 20,
          durationMs: 80,
          requestHeaders: {},
          responseHeaders: {},
          requestBody: null,
          responseBody: null,
        },
      });
      events.push({ t: t + 120, kind: 'error', data: { name: 'TypeError', message: `Item ${id} has no price`, origin: 'error' } });
    }
    // A different status on the same route is another problem.
    events.push({
      t: t1 + 200_000,
      kind: 'network',
      data: {
        id: 'r9',
        initiator: 'fetch',
        method: 'POST',
        url: 'https://shop.example/api/cart/5',
        status: 409,
        startedAt: t1 + 199_990,
        durationMs: 10,
        requestHeaders: {},
        responseHeaders: {},
        requestBody: null,
        responseBody: null,
      },
    });
    await store('dg_repeat_1', events);
    const d = await get<Digest>('/api/v1/sessions/dg_repeat_1/digest');
    expect(d.problems.map((p) => [p.kind, p.count])).toEqual([
      ['error', 3],
      ['request', 1],
    ]);
    expect(d.problems[0]!.at).toEqual([t1 + 1000, t1 + 31_000, t1 + 61_000]);
    expect(d.problems[0]!.chain).toBe("clicked 'Add to cart' → POST /api/cart/481 500 → uncaught TypeError: Item 481 has no price");
    expect(d.text).toContain('(×3; again at 00:31, 01:01)');
  });

  it('says "logged" for an error the app logged with console.error (origin console), not "uncaught"', async () => {
    const events = checkoutEvents(T0).map((e) => (e.kind === 'error' ? { ...e, data: { ...(e.data as object), origin: 'console' } } : e));
    await store('dg_logged_1', events);
    const d = await get<Digest>('/api/v1/sessions/dg_logged_1/digest');
    expect(d.problems[0]!.chain).toMatch(
      / → logged TypeError: Cannot read properties of undefined \(reading 'total'\) at checkout\.js:42:13$/,
    );
  });

  it('refuses a bad budget and answers 404 for an unknown session', async () => {
    await get('/api/v1/sessions/dg_short_1/digest?budget=12', 400);
    await get('/api/v1/sessions/dg_short_1/digest?budget=abc', 400);
    await get('/api/v1/sessions/nope/digest', 404);
    await get('/api/v1/sessions/nope/steps', 404);
  });
});

describe('reproduction steps', () => {
  it('numbers the steps and names targets by test id and accessible name', async () => {
    const list = await get<StepList & { markdown: string }>('/api/v1/sessions/dg_short_1/steps');
    const texts = list.steps.map((x) => x.text);
    expect(texts).toEqual([
      'Open /checkout',
      "Type a value into 'Card number' ([data-testid=card-number]) (masked)",
      `Type "shopper@example.com" into 'Email'`,
      "Click 'Pay' ([data-testid=pay]): the server answers 422 and the page throws a TypeError",
    ]);
    const pay = list.steps[3]!;
    expect(pay.kind).toBe('click');
    expect(pay.target).toEqual({ testId: 'pay', role: 'button', name: 'Pay', selector: '[data-testid="pay"]' });
    expect(pay.outcomes.map((o) => o.kind)).toEqual(['request', 'console', 'error']);
    const card = list.steps[1]!;
    expect(card).toMatchObject({
      kind: 'input',
      masked: true,
      value: null,
      target: { testId: 'card-number', role: 'textbox', name: 'Card number', selector: '#card-number' },
    });
    expect(list.steps.map((x) => x.n)).toEqual([1, 2, 3, 4]);
    expect(list.firstProblemAt).toBe(pay.outcomes.find((o) => o.kind === 'error')!.t);
    // Markdown for a ticket, with a deep link to the moment of the error (seconds from the start).
    const at = Math.round((list.firstProblemAt! - list.startedAt) / 100) / 10;
    expect(list.markdown).toContain("4. Click 'Pay' ([data-testid=pay]): the server answers 422");
    expect(list.markdown).toContain(`/sessions/dg_short_1?t=${at})`);
  });

  it('puts the field a click committed before the click, though an earlier commit came within 50 ms of it', async () => {
    // Email commits when Message takes the focus; Message commits at the press on Send, recorded
    // in the click's own millisecond (a fast fill, then the click).
    const t = T0 + 20 * 60_000;
    const input = (at: number, id: number): ReplayEvent => ({
      t: at,
      kind: 'dom',
      data: { type: 3, timestamp: at, data: { source: 5, id, text: 'x', isChecked: false } },
    });
    await store('dg_press_01', [
      { t, kind: 'nav', data: { url: 'https://shop.example/help/contact', type: 'load' } },
      input(t + 100, 10),
      { t: t + 140, kind: 'dom', data: { type: 3, timestamp: t + 140, data: { source: 2, type: 1, id: 30, x: 5, y: 5 } } },
      input(t + 140, 20),
      { t: t + 140, kind: 'click', data: { selector: '#send', text: 'Send', tag: 'button', interactive: true, x: 5, y: 5, nodeId: 30 } },
    ]);
    const list = await get<StepList>('/api/v1/sessions/dg_press_01/steps');
    expect(list.steps.map((x) => x.kind)).toEqual(['open', 'input', 'input', 'click']);
  });
});

describe('rewrite by a configured model', () => {
  let model: Server;
  const seen: { auth: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    model = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body });
        res.writeHead(req.url === '/v1/chat/completions' ? 200 : 404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'The shopper paid and the server refused the card.' } }] }),
        );
      });
    });
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
  });
  afterAll(() => new Promise<void>((r) => model.close(() => r())));

  it('is off by default', async () => {
    expect(await get('/api/v1/digest/rewrite')).toEqual({ enabled: false, model: null });
    const res = await s.app.inject({ method: 'POST', url: '/api/v1/sessions/dg_short_1/digest/rewrite', headers: { cookie: s.cookie } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toBe('llm_not_configured');
  });

  it('sends the digest and nothing else, and returns the prose', async () => {
    const port = (model.address() as AddressInfo).port;
    const withModel = await startTestServer({
      REPRISE_LLM_URL: `http://127.0.0.1:${port}/v1`,
      REPRISE_LLM_MODEL: 'test-model',
      REPRISE_LLM_KEY: 'sk-test-key',
    });
    try {
      const sid = 'dg_rewrite_1';
      const events = checkoutEvents(T0);
      const res0 = await postBatch(withModel, makeBatch(sid, 0, events, 'https://shop.example/checkout'));
      expect(res0.statusCode, res0.body).toBe(200);
      const inject = (method: 'GET' | 'POST', url: string) => withModel.app.inject({ method, url, headers: { cookie: withModel.cookie } });
      expect((await inject('GET', '/api/v1/digest/rewrite')).json()).toEqual({ enabled: true, model: 'test-model' });
      const res = await inject('POST', `/api/v1/sessions/${sid}/digest/rewrite`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().prose).toBe('The shopper paid and the server refused the card.');
      const digest = (await inject('GET', `/api/v1/sessions/${sid}/digest`)).json() as Digest;

      expect(seen.length).toBe(1);
      expect(seen[0]!.auth).toBe('Bearer sk-test-key');
      const body = JSON.parse(seen[0]!.body) as Record<string, unknown>;
      expect(body).toEqual({
        model: 'test-model',
        temperature: 0.2,
        messages: [
          { role: 'system', content: REWRITE_INSTRUCTION },
          { role: 'user', content: digest.text },
        ],
      });
      expect(res.json().sent).toBe(digest.text);
      expect(seen[0]!.body).not.toContain(SECRET_HEADER);
    } finally {
      await withModel.close();
    }
  });
});
