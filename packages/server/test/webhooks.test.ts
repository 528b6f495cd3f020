import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import type { Delivery } from '../src/store/types.js';
import { verifySignature } from '../src/webhooks/signature.js';
import type { WebhookPayload } from '../src/webhooks/payload.js';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/**
 * Webhooks against real local receivers: one that answers, one that fails with 500 before it
 * answers, one that never answers (slow), and a closed port (unreachable). No timing asserts:
 * attempts, order and what was received.
 */

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver whose answer to the n-th request (1-based) is up to `answer`; `hold` keeps the request open. */
async function receiver(
  answer: (n: number, res: ServerResponse) => 'hold' | number,
): Promise<{ url: string; got: Received[]; held: ServerResponse[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const a = answer(got.length, res);
      if (a === 'hold') held.push(res);
      else res.writeHead(a, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    held,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}/hook`;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let s: TestServer;
let projectId: string;
let n = 0;
const MAX_ATTEMPTS = 3;
/** Long enough that a loaded machine answers in time, short enough for the slow receiver's test. */
const TIMEOUT_MS = 1500;

beforeAll(async () => {
  s = await startTestServer({
    REPRISE_PUBLIC_URL: 'https://reprise.example',
    REPRISE_WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    REPRISE_WEBHOOK_BACKOFF_MS: '20',
    REPRISE_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    REPRISE_WEBHOOK_POLL_MS: '50',
    REPRISE_ALERT_POLL_MS: '50',
    REPRISE_ALERT_LAG_MS: '3000',
  });
  projectId = (await s.store.listProjects())[0]!.id;
});
afterAll(async () => s.close());

async function hook(url: string, events: string[], format = 'json'): Promise<{ id: string; secret: string }> {
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: { cookie: s.cookie },
    payload: { projectId, url, events, format },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; secret: string };
}

async function unhook(id: string): Promise<void> {
  expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/webhooks/${id}`, headers: { cookie: s.cookie } })).statusCode).toBe(204);
}

async function deliveries(id: string): Promise<Delivery[]> {
  const res = await s.app.inject({ method: 'GET', url: `/api/v1/webhooks/${id}/deliveries`, headers: { cookie: s.cookie } });
  expect(res.statusCode).toBe(200);
  return (res.json() as { deliveries: Delivery[] }).deliveries;
}

function feedbackBatch(sessionId: string, seq: number, message: string) {
  const t = Date.now();
  const events: ReplayEvent[] = [
    domEvent(t),
    { t: t + 1, kind: 'error', data: { message: 'TypeError: total is undefined', origin: 'error' } },
    { t: t + 2, kind: 'custom', data: { type: 'feedback', message } },
  ];
  return makeBatch(sessionId, seq, events);
}

async function ingestFeedback(message: string): Promise<string> {
  const id = `sess_hook_${++n}_abcdefgh`;
  const res = await postBatch(s, feedbackBatch(id, 0, message));
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

describe('webhooks', () => {
  it('delivers a signed JSON payload on a new feedback report, and a Slack body to a Slack-format hook', async () => {
    const r = await receiver(() => 200);
    const slack = await receiver(() => 200);
    const json = await hook(r.url, ['feedback']);
    const sl = await hook(slack.url, ['feedback'], 'slack');
    try {
      const sessionId = await ingestFeedback('The pay button does nothing');
      await until('both deliveries', async () => r.got.length >= 1 && slack.got.length >= 1);

      const got = r.got[0]!;
      const header = String(got.headers['x-reprise-signature']);
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(json.secret, header, got.body, Math.floor(Date.now() / 1000))).toBe(true);
      // A changed body or another secret does not verify.
      expect(verifySignature(json.secret, header, got.body.replace('pay', 'pax'), Math.floor(Date.now() / 1000))).toBe(false);
      expect(verifySignature(sl.secret, header, got.body, Math.floor(Date.now() / 1000))).toBe(false);

      const p = JSON.parse(got.body) as WebhookPayload;
      expect(p.event).toBe('feedback');
      expect(p.session!.url).toBe(`https://reprise.example/sessions/${sessionId}`);
      expect(p.feedback!.message).toBe('The pay button does nothing');
      expect(p.summary).toContain('TypeError: total is undefined');
      expect(p.counts).toMatchObject({ errors: 1, feedback: 1 });

      const sb = JSON.parse(slack.got[0]!.body) as { text: string; blocks: { type: string }[] };
      expect(sb.text).toContain('New feedback report');
      expect(sb.text).toContain(`https://reprise.example/sessions/${sessionId}`);
      expect(sb.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
      expect(
        verifySignature(sl.secret, String(slack.got[0]!.headers['x-reprise-signature']), slack.got[0]!.body, Math.floor(Date.now() / 1000)),
      ).toBe(true);

      const log = await until('delivered', async () => (await deliveries(json.id)).find((d) => d.status === 'delivered'));
      expect(log).toMatchObject({ lastStatus: 200, lastError: null, sessionId, event: 'feedback' });
      // One attempt per request the receiver saw (a loaded machine may time out a first one).
      expect(log.attempts).toBe(r.got.length);
    } finally {
      await unhook(json.id);
      await unhook(sl.id);
      await r.close();
      await slack.close();
    }
  });

  it('retries a failing (500) receiver with backoff until it answers, and logs each attempt', async () => {
    const r = await receiver((i) => (i < 3 ? 500 : 204));
    const h = await hook(r.url, ['feedback']);
    try {
      await ingestFeedback('retry me');
      const d = await until('delivered after retries', async () => (await deliveries(h.id)).find((x) => x.status === 'delivered'));
      expect(d.attempts).toBeGreaterThanOrEqual(3);
      expect(d.lastStatus).toBe(204);
      // The same body each time, one request per attempt.
      expect(r.got).toHaveLength(d.attempts);
      expect(new Set(r.got.map((g) => g.body)).size).toBe(1);
      expect(new Set(r.got.map((g) => g.headers['x-reprise-delivery'])).size).toBe(1);
    } finally {
      await unhook(h.id);
      await r.close();
    }
  });

  it('gives up on an unreachable receiver after the bounded attempts, with the last error logged', async () => {
    const h = await hook(await closedPort(), ['feedback']);
    try {
      await ingestFeedback('nobody listens');
      const d = await until('failed', async () => (await deliveries(h.id)).find((x) => x.status === 'failed'));
      expect(d.attempts).toBe(MAX_ATTEMPTS);
      expect(d.lastStatus).toBeNull();
      expect(d.lastError).toMatch(/ECONNREFUSED/);
      expect(d.finishedAt).not.toBeNull();
    } finally {
      await unhook(h.id);
    }
  });

  it('a slow receiver: attempts that get no answer in time are retried, logged, then marked failed; ingest goes on', async () => {
    const r = await receiver(() => 'hold');
    const h = await hook(r.url, ['feedback']);
    try {
      const first = await ingestFeedback('slow one');
      await until('the receiver holding a delivery', async () => r.held.length >= 1);
      // The receiver has answered nothing; ingest still acknowledges every batch.
      for (let seq = 1; seq <= 5; seq++) {
        const res = await postBatch(s, feedbackBatch(first, seq, `more ${seq}`));
        expect(res.statusCode).toBe(200);
      }
      expect(r.held.every((res) => !res.writableEnded)).toBe(true);
      // Unanswered attempts time out and are retried, then marked failed.
      const d = await until('a timed-out delivery marked failed', async () =>
        (await deliveries(h.id)).find((x) => x.status === 'failed' && x.sessionId === first),
      );
      expect(d.attempts).toBe(MAX_ATTEMPTS);
      expect(d.lastError).toBe(`no answer within ${TIMEOUT_MS} ms`);
      // One delivery per batch with feedback: six in all.
      await until('six deliveries', async () => (await deliveries(h.id)).length === 6);
    } finally {
      await unhook(h.id);
      await r.close();
    }
  });

  it('never blocks ingest: with a receiver that would hold a request for minutes, every batch is acknowledged first', async () => {
    // Its own server, whose attempts wait up to two minutes: ingest that waited on a delivery would hang here.
    const slow = await startTestServer({ REPRISE_WEBHOOK_TIMEOUT_MS: '120000', REPRISE_WEBHOOK_POLL_MS: '50' });
    const r = await receiver(() => 'hold');
    try {
      const pid = (await slow.store.listProjects())[0]!.id;
      const res = await slow.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: { cookie: slow.cookie },
        payload: { projectId: pid, url: r.url, events: ['feedback'] },
      });
      expect(res.statusCode).toBe(201);
      const hookId = (res.json() as { id: string }).id;
      const id = `sess_hook_block_${++n}_abcdefgh`;
      expect((await postBatch(slow, feedbackBatch(id, 0, 'first'))).statusCode).toBe(200);
      await until('the receiver holding the first delivery', async () => r.held.length >= 1);
      const acks = await Promise.all([1, 2, 3, 4].map((seq) => postBatch(slow, feedbackBatch(id, seq, `next ${seq}`))));
      expect(acks.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
      // Every ack came while the receiver had answered nothing.
      expect(r.held.every((h) => !h.writableEnded)).toBe(true);
      // Once it answers, the held deliveries complete in one attempt each.
      const answerAll = () => {
        for (const h of r.held.splice(0)) h.writeHead(200).end();
      };
      const list = async () =>
        (
          (
            await slow.app.inject({ method: 'GET', url: `/api/v1/webhooks/${hookId}/deliveries`, headers: { cookie: slow.cookie } })
          ).json() as { deliveries: Delivery[] }
        ).deliveries;
      const done = await until('five delivered', async () => {
        answerAll();
        const all = await list();
        return all.filter((d) => d.status === 'delivered').length === 5 ? all : null;
      });
      expect(done.every((d) => d.attempts === 1)).toBe(true);
    } finally {
      await r.close();
      await slow.close();
    }
  });

  it('fires when a support-link session starts, once per session', async () => {
    const r = await receiver(() => 200);
    const h = await hook(r.url, ['link_session']);
    try {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers: { cookie: s.cookie },
        payload: { targetUrl: 'https://shop.example/', label: 'TICKET-9', expiresInSeconds: 600 },
      });
      expect(res.statusCode, res.body).toBe(201);
      const token = (res.json() as { url: string }).url.split('/l/')[1]!;
      const id = `sess_hook_link_${++n}_abcdefgh`;
      for (let seq = 0; seq < 3; seq++) {
        const b = await s.app.inject({
          method: 'POST',
          url: `/ingest/v1/batch?key=${s.projectKey}&link=${encodeURIComponent(token)}`,
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(makeBatch(id, seq, [domEvent(Date.now())])),
        });
        expect(b.statusCode, b.body).toBe(200);
      }
      await until('the link-session delivery', async () => (await deliveries(h.id)).find((x) => x.status === 'delivered'));
      const p = JSON.parse(r.got[0]!.body) as WebhookPayload;
      expect(p.event).toBe('link_session');
      expect(p.link!.label).toBe('TICKET-9');
      expect(p.session!.id).toBe(id);
      expect(await deliveries(h.id)).toHaveLength(1);
    } finally {
      await unhook(h.id);
      await r.close();
    }
  });

  it('turns a saved search into an alert: new matching sessions are delivered with their count', async () => {
    const r = await receiver(() => 200);
    const h = await hook(r.url, ['alert']);
    try {
      const saved = await s.app.inject({
        method: 'POST',
        url: '/api/v1/saved-searches',
        headers: { cookie: s.cookie },
        payload: { name: 'Feedback', query: 'has:feedback', projectId },
      });
      expect(saved.statusCode, saved.body).toBe(201);
      const savedId = (saved.json() as { id: string }).id;
      const put = await s.app.inject({
        method: 'PUT',
        url: `/api/v1/saved-searches/${savedId}/alert`,
        headers: { cookie: s.cookie },
        payload: { minIntervalSeconds: 3600 },
      });
      expect(put.statusCode, put.body).toBe(200);
      const bad = await s.app.inject({
        method: 'PUT',
        url: `/api/v1/saved-searches/${savedId}/alert`,
        headers: { cookie: s.cookie },
        payload: { minIntervalSeconds: 1 },
      });
      expect(bad.statusCode).toBe(400);
      // Sessions that arrive after the alert was set are the new ones.
      const a = await ingestFeedback('alert one');
      const b = await ingestFeedback('alert two');
      const d = await until('the alert delivery', async () => (await deliveries(h.id)).find((x) => x.status === 'delivered'));
      const p = JSON.parse(r.got[0]!.body) as WebhookPayload;
      expect(p.event).toBe('alert');
      expect(p.alert).toMatchObject({ savedSearchId: savedId, name: 'Feedback', query: 'has:feedback' });
      expect(p.alert!.matches).toBeGreaterThanOrEqual(1);
      expect([a, b]).toContain(p.session!.id);
      expect(d.event).toBe('alert');
    } finally {
      await unhook(h.id);
      await r.close();
    }
  });

  it('refuses webhooks to anything but http(s), and members may not add them', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://x.example/', 'not a url', 'http://user:pw@x.example/']) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks',
        headers: { cookie: s.cookie },
        payload: { projectId, url, events: ['feedback'] },
      });
      expect(res.statusCode, url).toBe(400);
    }
    const noEvents = await s.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { cookie: s.cookie },
      payload: { projectId, url: 'https://x.example/', events: ['nope'] },
    });
    expect(noEvents.statusCode).toBe(400);
    expect((await s.store.listWebhooks()).filter((w) => w.url.includes('x.example'))).toHaveLength(0);
  });

  it('claims each due delivery once, even with claims racing (FOR UPDATE SKIP LOCKED on PostgreSQL)', async () => {
    const w = await s.store.createWebhook({
      projectId,
      url: 'http://127.0.0.1:9/never',
      secret: 'k',
      format: 'json',
      events: ['alert'],
      createdBy: null,
    });
    // Far in the future for the server's own loop: only the claims below (with a later `now`) see them.
    const at = Date.now() + 3600_000;
    const added = await s.store.enqueueDeliveries(
      Array.from({ length: 30 }, (_, i) => ({
        webhookId: w.id,
        projectId,
        sessionId: null,
        event: 'alert' as const,
        dedupeKey: `k${i}`,
        body: '{}',
        createdAt: at,
      })),
    );
    expect(added).toBe(30);
    // The same keys again add nothing.
    expect(
      await s.store.enqueueDeliveries([
        { webhookId: w.id, projectId, sessionId: null, event: 'alert', dedupeKey: 'k0', body: '{}', createdAt: at },
      ]),
    ).toBe(0);
    const claims = await Promise.all(Array.from({ length: 6 }, () => s.store.claimDeliveries(at + 1, 7, 60_000)));
    const ids = claims.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Whatever was not claimed yet is claimed by the next round, never what was.
    const rest = (await s.store.claimDeliveries(at + 2, 100, 60_000)).map((d) => d.id);
    expect(rest.filter((id) => ids.includes(id))).toEqual([]);
    expect(ids.length + rest.length).toBe(30);
    // Pruning the log removes finished deliveries only, never the queue.
    const [done, failed] = [...ids, ...rest];
    await s.store.finishDelivery(done!, { status: 'delivered', httpStatus: 200, at: at + 3 });
    await s.store.finishDelivery(failed!, { status: 'failed', httpStatus: null, error: 'x', at: at + 3 });
    expect(await s.store.pruneDeliveries(at + 1)).toBeGreaterThanOrEqual(2);
    expect(await s.store.listDeliveries(w.id, 100)).toHaveLength(28);
    await s.store.deleteWebhook(w.id);
  });
});
