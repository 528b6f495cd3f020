import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, type SessionDetail } from '@reprise/protocol';
import { DEFAULT_MAX_SESSION_BYTES, loadConfig } from '../src/config.js';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

/** Issue 12: a per-session cap on stored bytes; past it the session is marked truncated and ingest answers 413 session_full. */
const CAP = 20_000;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ REPRISE_MAX_SESSION_BYTES: String(CAP) });
});
afterAll(async () => s.close());

const get = (url: string) => s.app.inject({ url, headers: { cookie: s.cookie } });
/** A batch of about 6 KB of JSON. */
const batch = (sid: string, seq: number) =>
  makeBatch(sid, seq, [domEvent(1000 + seq), { t: 1000 + seq, kind: 'custom', data: { type: 'pad', pad: 'p'.repeat(6000) } }]);

describe('per-session byte cap', () => {
  const SID = 'sess_cap_full_01';

  it('refuses the batch that would pass the cap with 413 session_full and marks the session', async () => {
    for (let seq = 0; seq < 3; seq++) expect((await postBatch(s, batch(SID, seq))).statusCode).toBe(200);
    expect(((await get(`/api/v1/sessions/${SID}`)).json() as SessionDetail).truncated).toBe(false);
    const r = await postBatch(s, batch(SID, 3));
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ error: 'session_full' });
    expect((r.json() as { message: string }).message).toMatch(/20000/);
    const session = (await get(`/api/v1/sessions/${SID}`)).json() as SessionDetail;
    expect(session).toMatchObject({ truncated: true, batchCount: 3 });
    // The summary in the list says so too.
    const list = (await get('/api/v1/sessions')).json() as { sessions: { id: string; truncated: boolean }[] };
    expect(list.sessions.find((x) => x.id === SID)?.truncated).toBe(true);
  });

  it('keeps refusing later batches, even small ones, while a resent stored batch is still acknowledged', async () => {
    const small = await postBatch(s, makeBatch(SID, 4, [domEvent(2000)]));
    expect(small.statusCode).toBe(413);
    expect(small.json()).toMatchObject({ error: 'session_full' });
    const again = await postBatch(s, batch(SID, 1));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true });
  });

  it('what was stored stays readable, and other sessions are not affected', async () => {
    const ev = await get(`/api/v1/sessions/${SID}/events`);
    expect(ev.statusCode).toBe(200);
    expect(parseNdjson(ev.body)).toHaveLength(6);
    expect((await postBatch(s, batch('sess_cap_other_1', 0))).statusCode).toBe(200);
    expect(((await get('/api/v1/sessions/sess_cap_other_1')).json() as SessionDetail).truncated).toBe(false);
  });

  it('a first batch larger than the cap is refused without creating a session', async () => {
    const r = await postBatch(s, makeBatch('sess_cap_huge_1', 0, [{ t: 1, kind: 'custom', data: { pad: 'x'.repeat(CAP) } }]));
    expect(r.statusCode).toBe(413);
    expect((await get('/api/v1/sessions/sess_cap_huge_1')).statusCode).toBe(404);
  });
});

describe('configuration', () => {
  it('has a default cap and validates REPRISE_MAX_SESSION_BYTES', () => {
    expect(loadConfig({}).maxSessionBytes).toBe(DEFAULT_MAX_SESSION_BYTES);
    expect(loadConfig({ REPRISE_MAX_SESSION_BYTES: '1048576' }).maxSessionBytes).toBe(1048576);
    expect(() => loadConfig({ REPRISE_MAX_SESSION_BYTES: '-1' })).toThrow(/REPRISE_MAX_SESSION_BYTES/);
    expect(() => loadConfig({ REPRISE_MAX_SESSION_BYTES: 'lots' })).toThrow(/REPRISE_MAX_SESSION_BYTES/);
  });
});
