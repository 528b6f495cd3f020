import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionDetail, SessionList } from '@reprise/protocol';
import { domEvent, gz, makeBatch, postBatch, startTestServer, CHROME_UA, type TestServer } from './helpers.js';
import { runCli } from '../../../test-support/cli.js';

let s: TestServer;
beforeEach(async () => (s = await startTestServer()));
afterEach(async () => s.close());

interface Created {
  id: string;
  url: string;
  expiresAt: number;
  label: string;
  targetUrl: string;
  maxSessions: number | null;
}
interface LinkInfo {
  id: string;
  status: string;
  sessions: string[];
  sessionCount: number;
  openedAt: number | null;
  revokedAt: number | null;
  label: string;
}

const TARGET = 'https://shop.example/checkout?step=2#old';

async function create(body: Record<string, unknown> = {}): Promise<{ link: Created; token: string }> {
  const res = await s.app.inject({
    method: 'POST',
    url: '/api/v1/links',
    headers: { cookie: s.cookie },
    payload: { targetUrl: TARGET, label: 'TICKET-123', expiresInSeconds: 3600, ...body },
  });
  expect(res.statusCode).toBe(201);
  const link = res.json() as Created;
  const token = link.url.split('/l/')[1]!;
  return { link, token };
}

function postWithLink(batch: unknown, token: string) {
  return s.app.inject({
    method: 'POST',
    url: `/ingest/v1/batch?key=${s.projectKey}&link=${encodeURIComponent(token)}`,
    // Sent cross-origin, as from a customer's site: refusals must stay readable (CORS) to the recorder.
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA, origin: 'https://shop.example' },
    payload: gz(batch),
  });
}

async function links(): Promise<LinkInfo[]> {
  const res = await s.app.inject({ url: '/api/v1/links', headers: { cookie: s.cookie } });
  expect(res.statusCode).toBe(200);
  return (res.json() as { links: LinkInfo[] }).links;
}

async function sessionIds(): Promise<string[]> {
  const l = (await s.app.inject({ url: '/api/v1/sessions', headers: { cookie: s.cookie } })).json() as SessionList;
  return l.sessions.map((x) => x.id);
}

/** Everything the metadata database holds: its files on SQLite, every row of every table on PostgreSQL. */
async function dbBytes(): Promise<Buffer> {
  if (s.backend === 'postgres') {
    const tables = await s.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    const rows = await Promise.all(tables.map((t) => s.query(`SELECT * FROM ${t.tablename}`)));
    return Buffer.from(JSON.stringify(rows));
  }
  return Buffer.concat(
    readdirSync(s.dataDir)
      .filter((f) => f.startsWith('reprise.db'))
      .map((f) => readFileSync(path.join(s.dataDir, f))),
  );
}

describe('magic links', () => {
  it('creates a link whose token is only stored hashed, and requires auth', async () => {
    const { link, token } = await create({ maxSessions: 2 });
    expect(link).toMatchObject({ label: 'TICKET-123', targetUrl: TARGET, maxSessions: 2 });
    expect(link.url).toMatch(/^http:\/\/localhost(:\d+)?\/l\/[A-Za-z0-9_-]+$/);
    expect(token.length).toBeGreaterThanOrEqual(22);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(link.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
    expect((await dbBytes()).includes(Buffer.from(token))).toBe(false);
    expect(JSON.stringify(await links())).not.toContain(token);

    expect(
      (await s.app.inject({ method: 'POST', url: '/api/v1/links', payload: { targetUrl: TARGET, expiresInSeconds: 60 } })).statusCode,
    ).toBe(401);
    const bad = await s.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: { cookie: s.cookie },
      payload: { targetUrl: 'javascript:alert(1)', expiresInSeconds: 60 },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('only targets the project’s allowed origins', async () => {
    const [project] = await s.store.listProjects();
    await s.store.updateProject(project!.id, { allowedOrigins: ['https://shop.example', 'http://localhost:3000'] });
    for (const targetUrl of [
      'https://evil.example/login',
      'https://shop.example.evil.example/',
      'http://shop.example/',
      'https://shop.example:8443/',
    ]) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers: { cookie: s.cookie },
        payload: { targetUrl, expiresInSeconds: 60 },
      });
      expect(res.statusCode, targetUrl).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request', message: expect.stringMatching(/allowed origins/) });
    }
    for (const targetUrl of ['https://shop.example/checkout?x=1', 'http://localhost:3000/app']) {
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers: { cookie: s.cookie },
        payload: { targetUrl, expiresInSeconds: 60 },
      });
      expect(res.statusCode, targetUrl).toBe(201);
    }
    expect((await links()).map((l) => l.label)).toHaveLength(2);
  });

  it('uses REPRISE_PUBLIC_URL as the link base when set', async () => {
    await s.close();
    s = await startTestServer({ REPRISE_PUBLIC_URL: 'https://replay.example.com/' });
    const { link } = await create();
    expect(link.url).toMatch(/^https:\/\/replay\.example\.com\/l\//);
  });

  it('serves a consent page, starts with a 303 to the target carrying the token in the fragment, and tags sessions', async () => {
    const { link, token } = await create();
    const page = await s.app.inject({ url: `/l/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("form-action 'self' https://shop.example");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.body).toContain(`<form method="post" action="/l/${token}/start">`);
    expect(page.body).toContain('data-testid="consent-start"');
    for (const text of [
      'clicks',
      'typing',
      'masked',
      'console',
      'network',
      'Errors',
      'Passwords',
      'Payment card',
      'Authorization headers and cookies',
      'Stop',
      '30 minutes',
    ]) {
      expect(page.body.toLowerCase()).toContain(text.toLowerCase());
    }
    expect(page.body).not.toContain('<script');

    // Exactly what the consent form sends: an empty urlencoded body.
    const start = await s.app.inject({
      method: 'POST',
      url: `/l/${token}/start`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(start.statusCode).toBe(303);
    expect(start.headers.location).toBe(`https://shop.example/checkout?step=2#reprise_token=${token}`);

    const sid = 'sess_link_tagged1';
    const ok = await postWithLink(makeBatch(sid, 0, [domEvent(1000)]), token);
    expect(ok.statusCode).toBe(200);
    // Later batches of the session keep the link even without the token.
    expect((await postBatch(s, makeBatch(sid, 1, [domEvent(2000)]))).statusCode).toBe(200);
    const list = (await s.app.inject({ url: '/api/v1/sessions', headers: { cookie: s.cookie } })).json() as SessionList;
    expect(list.sessions[0]).toMatchObject({ id: sid, linkId: link.id, linkLabel: 'TICKET-123', live: true });
    const detail = (await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } })).json() as SessionDetail;
    expect(detail).toMatchObject({ linkId: link.id, linkLabel: 'TICKET-123', userId: null, tags: {} });

    // Sessions without a link have nulls.
    await postBatch(s, makeBatch('sess_plain_000001', 0, [domEvent(5000)]));
    const plain = (
      await s.app.inject({ url: '/api/v1/sessions/sess_plain_000001', headers: { cookie: s.cookie } })
    ).json() as SessionDetail;
    expect(plain).toMatchObject({ linkId: null, linkLabel: null });
  });

  it('refuses tampered, expired, revoked and used-up links on the page and at ingest, storing nothing', async () => {
    // Tampered / unknown.
    const { token: good } = await create();
    const tampered = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
    for (const t of [tampered, 'short', 'x'.repeat(40)]) {
      const p = await s.app.inject({ url: `/l/${t}` });
      expect(p.statusCode).toBe(404);
      expect(p.body).toContain('data-testid="link-error"');
      expect(p.body).toContain('data-reason="invalid"');
      expect(p.headers.location).toBeUndefined();
      expect((await s.app.inject({ method: 'POST', url: `/l/${t}/start` })).statusCode).toBe(404);
    }
    const r1 = await postWithLink(makeBatch('sess_tampered_01', 0, [domEvent(1)]), tampered);
    expect(r1.statusCode).toBe(403);
    expect(r1.json()).toMatchObject({ error: 'link_invalid' });

    // Expired.
    const { token: exp } = await create({ expiresInSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const pe = await s.app.inject({ url: `/l/${exp}` });
    expect(pe.statusCode).toBe(410);
    expect(pe.body).toContain('data-reason="expired"');
    expect((await s.app.inject({ method: 'POST', url: `/l/${exp}/start` })).statusCode).toBe(410);
    const r2 = await postWithLink(makeBatch('sess_expired_001', 0, [domEvent(1)]), exp);
    expect(r2.statusCode).toBe(403);
    expect(r2.json()).toMatchObject({ error: 'link_expired' });

    // Revoked.
    const { link: rl, token: rev } = await create();
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/links/${rl.id}`, headers: { cookie: s.cookie } })).statusCode).toBe(204);
    const pr = await s.app.inject({ url: `/l/${rev}` });
    expect(pr.statusCode).toBe(410);
    expect(pr.body).toContain('data-reason="revoked"');
    const r3 = await postWithLink(makeBatch('sess_revoked_001', 0, [domEvent(1)]), rev);
    expect(r3.statusCode).toBe(403);
    expect(r3.json()).toMatchObject({ error: 'link_revoked' });
    // The recorder can only stop on this code if the browser lets it read the answer.
    expect(r3.headers['access-control-allow-origin']).toBe('https://shop.example');

    // Used up: one session allowed; it may go on, a second one is refused.
    const { token: one } = await create({ maxSessions: 1 });
    expect((await postWithLink(makeBatch('sess_first_00001', 0, [domEvent(1)]), one)).statusCode).toBe(200);
    expect((await postWithLink(makeBatch('sess_first_00001', 1, [domEvent(2)]), one)).statusCode).toBe(200);
    const r4 = await postWithLink(makeBatch('sess_second_0001', 0, [domEvent(3)]), one);
    expect(r4.statusCode).toBe(403);
    expect(r4.json()).toMatchObject({ error: 'link_used_up' });
    const pu = await s.app.inject({ url: `/l/${one}` });
    expect(pu.statusCode).toBe(410);
    expect(pu.body).toContain('data-reason="used_up"');

    expect(await sessionIds()).toEqual(['sess_first_00001']);
    const chunkDirs: string[] = [];
    for await (const o of s.store.chunks.list('')) chunkDirs.push(o.key);
    expect(chunkDirs.some((d) => /tampered|expired|revoked|second/.test(d))).toBe(false);
  });

  it('refuses a link of another project', async () => {
    const { token } = await create();
    const other = (
      await s.app.inject({ method: 'POST', url: '/api/v1/projects', headers: { cookie: s.cookie }, payload: { name: 'Other' } })
    ).json() as { key: string };
    const res = await s.app.inject({
      method: 'POST',
      url: `/ingest/v1/batch?key=${other.key}&link=${token}`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gz(makeBatch('sess_otherproj01', 0, [domEvent(1)])),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'link_invalid' });
    expect(await sessionIds()).toEqual([]);
  });

  it('moves through created → opened → recording → ended', async () => {
    const { link, token } = await create();
    const status = async () => (await links()).find((l) => l.id === link.id)!;
    expect((await status()).status).toBe('created');
    await s.app.inject({ url: `/l/${token}` });
    expect(await status()).toMatchObject({ status: 'opened', sessionCount: 0 });
    await postWithLink(makeBatch('sess_status_0001', 0, [domEvent(Date.now())]), token);
    expect(await status()).toMatchObject({ status: 'recording', sessionCount: 1, sessions: ['sess_status_0001'], label: 'TICKET-123' });
    await s.app.inject({ method: 'DELETE', url: `/api/v1/links/${link.id}`, headers: { cookie: s.cookie } });
    const ended = await status();
    expect(ended.status).toBe('ended');
    expect(ended.revokedAt).not.toBeNull();
    expect((await s.app.inject({ method: 'DELETE', url: '/api/v1/links/lnk_nope', headers: { cookie: s.cookie } })).statusCode).toBe(404);
    expect((await s.app.inject({ url: '/api/v1/links' })).statusCode).toBe(401);
  });

  it('reports a session that stopped sending as ended', async () => {
    const { link, token } = await create();
    await postWithLink(makeBatch('sess_old_0000001', 0, [domEvent(1000)]), token);
    await s.exec('UPDATE sessions SET last_batch_at = ? WHERE id = ?', Date.now() - 60_000, 'sess_old_0000001');
    expect((await links()).find((l) => l.id === link.id)!.status).toBe('ended');
    const d = (await s.app.inject({ url: '/api/v1/sessions/sess_old_0000001', headers: { cookie: s.cookie } })).json() as SessionDetail;
    expect(d.live).toBe(false);
  });
});

describe('custom events', () => {
  it('sets userId, tags and the feedback count from identify/tag/feedback', async () => {
    const sid = 'sess_custom_00001';
    const c = (t: number, data: unknown) => ({ t, kind: 'custom' as const, data });
    await postBatch(
      s,
      makeBatch(sid, 0, [
        domEvent(1000),
        c(1001, { type: 'identify', userId: 'user-1', traits: { plan: 'pro' } }),
        c(1002, { type: 'tag', key: 'plan', value: 'free' }),
        c(1003, { type: 'feedback', message: 'the button does nothing' }),
        c(1004, { type: 'event', name: 'checkout', data: { n: 1 } }),
        c(1005, { type: 'tag', key: '__proto__', value: 'x' }),
        c(1006, { type: 'tag', key: 7, value: 'bad' }),
      ]),
    );
    await postBatch(
      s,
      makeBatch(sid, 1, [
        c(2001, { type: 'identify', userId: 'user-2' }),
        c(2002, { type: 'tag', key: 'plan', value: 'pro' }),
        c(2003, { type: 'tag', key: 'ticket', value: 'T-9' }),
        c(2004, { type: 'feedback', message: 'again', email: 'a@b.c' }),
      ]),
    );
    const d = (await s.app.inject({ url: `/api/v1/sessions/${sid}`, headers: { cookie: s.cookie } })).json() as SessionDetail;
    expect(d.userId).toBe('user-2');
    expect(d.tags).toMatchObject({ plan: 'pro', ticket: 'T-9' });
    expect(Object.getPrototypeOf(d.tags)).toBe(Object.prototype);
    expect(d.counts.feedback).toBe(2);
    const list = (await s.app.inject({ url: '/api/v1/sessions', headers: { cookie: s.cookie } })).json() as SessionList;
    expect(list.sessions[0]).toMatchObject({ userId: 'user-2', counts: { feedback: 2 } });
  });
});

describe('live stream', () => {
  it('answers 401 without auth and 404 for an unknown session', async () => {
    expect((await s.app.inject({ url: '/api/v1/sessions/whatever/live' })).statusCode).toBe(401);
    expect((await s.app.inject({ url: '/api/v1/sessions/nope/live', headers: { cookie: s.cookie } })).statusCode).toBe(404);
  });

  it('delivers a batch posted after the stream opened', async () => {
    const sid = 'sess_live_000001';
    await postBatch(s, makeBatch(sid, 0, [domEvent(1000)]));
    const base = await s.app.listen({ host: '127.0.0.1', port: 0 });
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/v1/sessions/${sid}/live`, { headers: { cookie: s.cookie }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read(); // the opening comment: the subscription is in place
    expect(first.value).toContain(':');

    const post = await fetch(`${base}/ingest/v1/batch?key=${s.projectKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makeBatch(sid, 1, [domEvent(2000), { t: 2001, kind: 'console', data: { level: 'log', args: [] } }])),
    });
    expect(post.status).toBe(200);
    // A duplicate is not re-published.
    await fetch(`${base}/ingest/v1/batch?key=${s.projectKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makeBatch(sid, 1, [domEvent(9999)])),
    });

    let buf = '';
    const deadline = Date.now() + 5000;
    while (!buf.includes('\n\n', buf.indexOf('event: events')) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
    }
    ctrl.abort();
    const block = buf.slice(buf.indexOf('event: events')).split('\n\n')[0]!;
    const data = JSON.parse(
      block
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6),
    ) as { t: number; kind: string }[];
    expect(data.map((e) => [e.t, e.kind])).toEqual([
      [2000, 'dom'],
      [2001, 'console'],
    ]);
    expect(buf).not.toContain('9999');
  });
});

describe('cli', () => {
  it('link create prints a link URL based on REPRISE_PUBLIC_URL', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reprise-cli-'));
    try {
      const { stdout } = await runCli(
        ['link', 'create', '--url', 'https://shop.example/', '--label', 'TICKET-123', '--expires', '24h', '--max-sessions', '2'],
        {
          ...process.env,
          REPRISE_DATA_DIR: dir,
          REPRISE_PUBLIC_URL: 'https://replay.example.com',
          REPRISE_ADMIN_PASSWORD: 'x'.repeat(16),
        },
      );
      expect(stdout.trim()).toMatch(/^https:\/\/replay\.example\.com\/l\/[A-Za-z0-9_-]{22,}$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
