import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReplayEvent } from '@reprise/protocol';
import { domEvent, gz, makeBatch, postBatch, startTestServer, CHROME_UA, type TestServer } from './helpers.js';

let s: TestServer;
beforeEach(async () => (s = await startTestServer()));
afterEach(async () => s.close());

const KEY = 'k'.repeat(10) + 'Session_Key-1234';
const OTHER = 'x'.repeat(10) + 'Session_Key-9999';

function withKey(key: string): Record<string, string> {
  return { 'x-reprise-session-key': key };
}

async function storedEvents(id: string): Promise<ReplayEvent[]> {
  const res = await s.app.inject({ url: `/api/v1/sessions/${id}/events`, headers: { cookie: s.cookie } });
  expect(res.statusCode).toBe(200);
  return res.body
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReplayEvent);
}

/** Every row of the metadata database as text (SQLite: its files). */
async function metadataText(): Promise<string> {
  if (s.backend === 'postgres') {
    const tables = await s.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    return JSON.stringify(await Promise.all(tables.map((t) => s.query(`SELECT * FROM ${t.tablename}`))));
  }
  return Buffer.concat(
    readdirSync(s.dataDir)
      .filter((f) => f.startsWith('reprise.db'))
      .map((f) => readFileSync(path.join(s.dataDir, f))),
  ).toString('latin1');
}

describe('session binding (session key)', () => {
  it('binds a session to the key of its first batch: a stranger who knows only the id cannot append', async () => {
    const id = 'sess_bound_00001';
    expect((await postBatch(s, makeBatch(id, 0, [domEvent(1000)]), withKey(KEY))).statusCode).toBe(200);

    // Without the key, with another key, at a new seq or at a taken one: refused, nothing stored.
    for (const [seq, headers] of [
      [1, {}],
      [1, withKey(OTHER)],
      [0, withKey(OTHER)],
      [0, {}],
    ] as const) {
      const res = await postBatch(s, makeBatch(id, seq, [domEvent(2000, 3, { source: 5, text: 'injected' })]), headers);
      expect(res.statusCode, `seq ${seq} ${JSON.stringify(headers)}`).toBe(403);
      expect(res.json()).toMatchObject({ error: 'session_key_mismatch' });
    }
    // The recorder (with its key) continues, and a retry of its first batch is a duplicate.
    expect((await postBatch(s, makeBatch(id, 1, [domEvent(3000)]), withKey(KEY))).json()).toMatchObject({ ok: true, duplicate: false });
    expect((await postBatch(s, makeBatch(id, 0, [domEvent(1000)]), withKey(KEY))).json()).toMatchObject({ ok: true, duplicate: true });

    const events = await storedEvents(id);
    expect(events.map((e) => e.t)).toEqual([1000, 3000]);
    expect(JSON.stringify(events)).not.toContain('injected');
    // Only the key's hash is kept.
    const text = await metadataText();
    expect(text).not.toContain(KEY);
    const [row] = await s.query<{ key_hash: string | null }>('SELECT key_hash FROM sessions WHERE id = ?', id);
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets exactly one of two racing first batches with different keys own the session', async () => {
    const id = 'sess_race_000001';
    const [a, b] = await Promise.all([
      postBatch(s, makeBatch(id, 0, [domEvent(1000, 3, { source: 5, text: 'A' })]), withKey(KEY)),
      postBatch(s, makeBatch(id, 1, [domEvent(2000, 3, { source: 5, text: 'B' })]), withKey(OTHER)),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 403]);
    const winner = a.statusCode === 200 ? 'A' : 'B';
    const events = await storedEvents(id);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).toContain(`"text":"${winner}"`);
  });

  it('keeps sessions without a key (older recorders, sessions stored before) open, and never binds them later', async () => {
    const id = 'sess_legacy_0001';
    expect((await postBatch(s, makeBatch(id, 0, [domEvent(1000)]))).statusCode).toBe(200);
    expect((await postBatch(s, makeBatch(id, 1, [domEvent(2000)]), withKey(KEY))).statusCode).toBe(200);
    expect((await postBatch(s, makeBatch(id, 2, [domEvent(3000)]))).statusCode).toBe(200);
    expect((await storedEvents(id)).map((e) => e.t)).toEqual([1000, 2000, 3000]);
  });

  it('answers a malformed key with 400, and lets browsers send the header and read Retry-After (CORS)', async () => {
    for (const bad of ['short', 'has spaces in it but is long enough', 'é'.repeat(30)]) {
      const res = await postBatch(s, makeBatch('sess_badkey_0001', 0, [domEvent(1)]), withKey(bad));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_session_key' });
    }
    expect(await s.query('SELECT id FROM sessions')).toEqual([]);

    await s.app.inject({
      method: 'PATCH',
      url: '/api/v1/projects/' + (await s.query<{ id: string }>('SELECT id FROM projects'))[0]!.id,
      headers: { cookie: s.cookie },
      payload: { allowedOrigins: ['https://shop.example'] },
    });
    const pre = await s.app.inject({
      method: 'OPTIONS',
      url: `/ingest/v1/batch?key=${s.projectKey}`,
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,content-encoding,x-reprise-session-key',
      },
    });
    expect(pre.statusCode).toBe(204);
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toContain('x-reprise-session-key');
    const post = await postBatch(s, makeBatch('sess_cors_000001', 0, [domEvent(1)]), { origin: 'https://shop.example', ...withKey(KEY) });
    expect(post.statusCode).toBe(200);
    expect(String(post.headers['access-control-expose-headers'])).toContain('Retry-After');
  });
});

describe('sessions of expired or revoked links', () => {
  async function createLink(): Promise<{ id: string; token: string }> {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: { cookie: s.cookie },
      payload: { targetUrl: 'https://shop.example/', label: 'T-1', expiresInSeconds: 3600 },
    });
    expect(res.statusCode).toBe(201);
    const link = res.json() as { id: string; url: string };
    return { id: link.id, token: link.url.split('/l/')[1]! };
  }

  function postWithLink(batch: unknown, token: string) {
    return s.app.inject({
      method: 'POST',
      url: `/ingest/v1/batch?key=${s.projectKey}&link=${encodeURIComponent(token)}`,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'user-agent': CHROME_UA },
      payload: gz(batch),
    });
  }

  it('refuses further batches of a session whose link was revoked, with or without link=', async () => {
    const { id: linkId, token } = await createLink();
    const sid = 'sess_linkrev_001';
    expect((await postWithLink(makeBatch(sid, 0, [domEvent(1000)]), token)).statusCode).toBe(200);
    // While the link is valid the session may continue without `link=`.
    expect((await postBatch(s, makeBatch(sid, 1, [domEvent(2000)]))).statusCode).toBe(200);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/v1/links/${linkId}`, headers: { cookie: s.cookie } })).statusCode).toBe(204);

    const dropped = await postBatch(s, makeBatch(sid, 2, [domEvent(3000)]));
    expect(dropped.statusCode).toBe(403);
    expect(dropped.json()).toMatchObject({ error: 'link_revoked' });
    const withLink = await postWithLink(makeBatch(sid, 3, [domEvent(4000)]), token);
    expect(withLink.statusCode).toBe(403);
    expect(withLink.json()).toMatchObject({ error: 'link_revoked' });
    expect((await storedEvents(sid)).map((e) => e.t)).toEqual([1000, 2000]);
  });

  it('refuses further batches of a session whose link has expired', async () => {
    const { id: linkId, token } = await createLink();
    const sid = 'sess_linkexp_001';
    expect((await postWithLink(makeBatch(sid, 0, [domEvent(1000)]), token)).statusCode).toBe(200);
    expect(await s.exec('UPDATE links SET expires_at = ? WHERE id = ?', Date.now() - 1000, linkId)).toBe(1);

    const res = await postBatch(s, makeBatch(sid, 1, [domEvent(2000)]));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'link_expired' });
    // A retry of a batch stored before the link ended is still acknowledged (it is durable).
    expect((await postBatch(s, makeBatch(sid, 0, [domEvent(1000)]))).json()).toMatchObject({ ok: true, duplicate: true });
    expect((await storedEvents(sid)).map((e) => e.t)).toEqual([1000]);
  });
});
