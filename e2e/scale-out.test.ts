/**
 * Scale-out, end to end: the demo shop recorded in real Chromium through a round-robin load
 * balancer in front of two Reprise instances on one PostgreSQL database and one S3 bucket
 * (Swift). Batches alternate between A and B; the session must come out complete with
 * nothing duplicated, and a viewer on B must see a DOM change whose batch went to A.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { parseNdjson, type SessionDetail } from '@reprise/protocol';
import { buildApp } from '../packages/server/src/app.js';
import { bootstrap } from '../packages/server/src/bootstrap.js';
import { loadConfig } from '../packages/server/src/config.js';
import { PgLiveBus } from '../packages/server/src/live/pg-bus.js';
import { openChunkStore } from '../packages/server/src/store/open.js';
import { PgStore } from '../packages/server/src/store/postgres/pg-store.js';
import { createStorage, type TestStorage } from '../packages/server/test/backend.js';
import { launchChromium } from '../test-support/chromium.js';
import { sessionIdOf } from './support/shopper.js';

const ADMIN = { email: 'admin@scale.e2e', password: 'scale-out admin password' };

interface Instance {
  app: FastifyInstance;
  store: PgStore;
  bus: PgLiveBus;
  origin: string;
  projectKey: string;
}

let storage: TestStorage;
let a: Instance;
let b: Instance;
let lb: Server;
let lbBase = '';
let browser: Browser;
/** Which instance stored each ingest POST, and when its answer (the ack) came back, in order. */
const ingestedBy: string[] = [];
const acks: { by: string; at: number }[] = [];

async function startInstance(name: string): Promise<Instance> {
  const config = loadConfig({
    ...storage.env,
    REPRISE_ADMIN_EMAIL: ADMIN.email,
    REPRISE_ADMIN_PASSWORD: ADMIN.password,
    REPRISE_RETENTION_INTERVAL_MINUTES: '0',
  });
  const store = await PgStore.open({ url: config.databaseUrl!, chunks: openChunkStore(config), name: `reprise-e2e-${name}` });
  const boot = await bootstrap(store, config);
  const bus = new PgLiveBus(store);
  await bus.ready;
  const app = await buildApp({ store, config, bus, demoProjectKey: boot.projectKey });
  const origin = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, store, bus, origin, projectKey: boot.projectKey };
}

/** A plain round-robin reverse proxy: every request goes to the next instance, as a load balancer without stickiness would send it. */
function startBalancer(targets: Instance[]): Promise<Server> {
  let next = 0;
  const server = createServer((req, res) => {
    const i = next++ % targets.length;
    const target = new URL(targets[i]!.origin);
    const by = i === 0 ? 'A' : 'B';
    const ingest = req.url?.startsWith('/ingest/') ?? false;
    if (ingest) ingestedBy.push(by);
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        if (ingest) up.on('end', () => acks.push({ by, at: Date.now() }));
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  storage = await createStorage('postgres');
  [a, b] = await Promise.all([startInstance('a'), startInstance('b')]);
  lb = await startBalancer([a, b]);
  lbBase = `http://localhost:${(lb.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (lb ? lb.close(() => r()) : r()));
  for (const n of [a, b]) {
    if (!n) continue;
    await n.app.close();
    await n.bus.close();
    await n.store.close();
  }
  await storage?.cleanup();
});

async function loginCookie(origin: string): Promise<string> {
  const r = await fetch(`${origin}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(r.status).toBe(200);
  return r.headers.get('set-cookie')!.split(';')[0]!;
}

describe('two instances behind a load balancer', () => {
  it('stores a recorded demo-shop session complete and once, and a viewer on B sees live changes sent to A', async () => {
    const shop = await (await browser.newContext()).newPage();
    await shop.goto(`${lbBase}/demo/`);
    await expect.poll(() => sessionIdOf(shop)).toBeTruthy();
    const sessionId = await sessionIdOf(shop);

    // A viewer on B, following the session live (it exists once the first batch is stored).
    const cookie = await loginCookie(b.origin);
    await expect
      .poll(async () => (await fetch(`${b.origin}/api/v1/sessions/${sessionId}`, { headers: { cookie } })).status, { timeout: 15_000 })
      .toBe(200);
    const viewer = await (await browser.newContext()).newPage();
    await viewer.context().addCookies([{ name: cookie.split('=')[0]!, value: cookie.slice(cookie.indexOf('=') + 1), url: b.origin }]);
    await viewer.goto(`${b.origin}/sessions/${sessionId}`);
    await viewer.waitForSelector('[data-testid="player"][data-state="ready"]', { timeout: 30_000 });
    await viewer.waitForSelector('[data-testid="live-indicator"]');
    const frame = (await (await viewer.waitForSelector('[data-testid="player"] iframe')).contentFrame())!;

    // DOM changes until one of them travels in a batch stored by A and shows on B's viewer. How
    // fast (the 2 s goal) is a benchmark figure, not an assert here: under CI load a timing assert
    // fails for the load, not for the product.
    let seenFromA = false;
    for (let i = 0; i < 8 && !seenFromA; i++) {
      const started = Date.now();
      await shop.evaluate((n) => document.body.insertAdjacentHTML('afterbegin', `<h2 id="probe-${n}">probe ${n}</h2>`), i);
      await frame.waitForSelector(`#probe-${i}`, { timeout: 15_000 });
      seenFromA = acks.find((x) => x.at >= started)?.by === 'A';
    }
    expect(seenFromA).toBe(true);

    // Keep shopping so several batches go each way, then let the recorder flush.
    await shop.click('[data-testid="add-to-cart-mug"]');
    await shop.click('[data-testid="nav-cart"]');
    await shop.waitForURL(/\/demo\/cart/);
    await expect
      .poll(() => Math.min(...['A', 'B'].map((by) => ingestedBy.filter((x) => x === by).length)), { timeout: 30_000 })
      .toBeGreaterThan(1);
    await shop.close();
    await viewer.close();

    expect(ingestedBy.filter((x) => x === 'A').length).toBeGreaterThan(1);
    expect(ingestedBy.filter((x) => x === 'B').length).toBeGreaterThan(1);
    const read = async () =>
      (await (await fetch(`${a.origin}/api/v1/sessions/${sessionId}`, { headers: { cookie } })).json()) as SessionDetail;
    // Settled: the closing tab's last (keepalive) batch is in, and nothing arrives for 1.5 s.
    let settled = -1;
    await expect
      .poll(
        async () => {
          const x = await read();
          const complete = x.batchCount > 2 && x.batchCount === x.lastSeq + 1 && x.missingSeqs.length === 0;
          const stable = complete && x.eventCount === settled;
          settled = complete ? x.eventCount : -1;
          return stable;
        },
        { timeout: 20_000, interval: 1500 },
      )
      .toBe(true);
    const d = await read();

    // The same events from both instances, with no event stored twice.
    const fromA = parseNdjson(await (await fetch(`${a.origin}/api/v1/sessions/${sessionId}/events`, { headers: { cookie } })).text());
    const fromB = parseNdjson(await (await fetch(`${b.origin}/api/v1/sessions/${sessionId}/events`, { headers: { cookie } })).text());
    expect(fromB).toEqual(fromA);
    expect(fromA.length).toBe(d.eventCount);
    // Named, so a failure shows which event was stored twice. Vitals may repeat byte for byte
    // (two long tasks of one length during the page's load are both stamped when recording began).
    const keys = fromA.filter((e) => e.kind !== 'vital').map((e) => JSON.stringify(e));
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    // Both pages are in it: the shop's home and the cart after navigating.
    const navs = fromA.filter((e) => e.kind === 'nav').map((e) => (e.data as { url: string }).url);
    expect(navs.some((u) => u.endsWith('/demo/'))).toBe(true);
    expect(navs.some((u) => u.endsWith('/demo/cart'))).toBe(true);
    const rows = await storage.query<{ n: number }>('SELECT count(*)::int AS n FROM batches WHERE session_id = ?', sessionId);
    expect(rows[0]!.n).toBe(d.batchCount);
  });
});
