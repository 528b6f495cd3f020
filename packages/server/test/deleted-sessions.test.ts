import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_DELETED } from '@reprise/protocol';
import { extractIndexRows } from '../src/ingest/extract.js';
import { domEvent, makeBatch, postBatch, startTestServer, type TestServer } from './helpers.js';

// A tab keeps its session id while it is used, so a session deleted while it is still being
// recorded came back with the tab's next batch, as a "new" session holding the rest of it (and
// whatever the deletion was meant to remove from view). Deleted stays deleted: ingest refuses
// the id for a week with 410 session_deleted, which the recorder takes as final. Both stores.

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.close());

const api = (method: 'GET' | 'DELETE', url: string) => s.app.inject({ method, url, headers: { cookie: s.cookie } });
const batch = (sid: string, seq: number, extra: Parameters<typeof makeBatch>[2] = []) =>
  makeBatch(sid, seq, [domEvent(1_000 + seq), ...extra]);

async function expectRefused(sid: string, seq: number): Promise<void> {
  const r = await postBatch(s, batch(sid, seq));
  expect(r.statusCode).toBe(410);
  expect(r.json()).toMatchObject({ error: SESSION_DELETED, message: expect.stringContaining(sid) });
  expect((await api('GET', `/api/v1/sessions/${sid}`)).statusCode).toBe(404);
}

describe('a deleted session stays deleted', () => {
  it("a session deleted while it is recorded refuses the tab's later batches, and a resent stored one; other sessions go on", async () => {
    const sid = 'sess_deleted_live_1';
    for (const seq of [0, 1]) expect((await postBatch(s, batch(sid, seq))).statusCode).toBe(200);
    expect((await api('DELETE', `/api/v1/sessions/${sid}`)).statusCode).toBeLessThan(300);
    await expectRefused(sid, 2);
    await expectRefused(sid, 0);
    const [row] = await s.query<{ n: number }>('SELECT count(*) AS n FROM batches WHERE session_id = ?', sid);
    expect(Number(row!.n)).toBe(0);
    expect((await postBatch(s, batch('sess_deleted_other', 0))).statusCode).toBe(200);
  });

  it("erasing a user's data refuses the batches that session's tab sends next", async () => {
    const sid = 'sess_deleted_user_1';
    const identify = { t: 1_001, kind: 'custom' as const, data: { type: 'identify', userId: 'user-erased' } };
    expect((await postBatch(s, batch(sid, 0, [identify]))).statusCode).toBe(200);
    expect((await api('DELETE', '/api/v1/users/user-erased/data')).json()).toEqual({ deleted: 1 });
    await expectRefused(sid, 1);
  });

  it('retention forgets the ids after a week; an import (not ingest) may restore a deleted session', async () => {
    const sid = 'sess_deleted_old_1';
    expect((await postBatch(s, batch(sid, 0))).statusCode).toBe(200);
    expect((await api('DELETE', `/api/v1/sessions/${sid}`)).statusCode).toBeLessThan(300);
    const [project] = await s.store.listProjects();
    const restore = makeBatch(sid, 0, [domEvent(1_000)]);
    await s.store.appendBatch({
      projectId: project!.id,
      batch: restore,
      receivedAt: Date.now(),
      index: extractIndexRows(restore.events, restore.meta),
      facts: { userAgent: null, browser: null, browserVersion: null, os: null, osVersion: null, device: null, ip: null },
    });
    expect((await api('GET', `/api/v1/sessions/${sid}`)).statusCode).toBe(200);
    expect((await api('DELETE', `/api/v1/sessions/${sid}`)).statusCode).toBeLessThan(300);
    await expectRefused(sid, 1);
    // Eight days later a retention run (the server's, or `reprise retention run`) forgets the id.
    await s.exec('UPDATE deleted_sessions SET deleted_at = ? WHERE id = ?', Date.now() - 8 * 86_400_000, sid);
    await expectRefused(sid, 1);
    await s.store.deleteExpiredSessions(Date.now());
    expect((await postBatch(s, batch(sid, 1))).statusCode).toBe(200);
    const [row] = await s.query<{ n: number }>('SELECT count(*) AS n FROM deleted_sessions WHERE id = ?', sid);
    expect(Number(row!.n)).toBe(0);
  });
});
