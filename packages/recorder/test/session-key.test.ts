import { describe, expect, it } from 'vitest';
import { SESSION_IDLE_MS, SESSION_KEY, SessionManager } from '../src/session.js';
import { createMemoryStore } from '../src/storage.js';
import { persistItems, takePersisted, type OutboxItem } from '../src/transport/outbox.js';
import { retryAfterMs } from '../src/transport/send.js';

describe('session key and closed sessions (unit)', () => {
  it('gives every new session its own 128-bit key, kept across reloads and replaced on rotation', () => {
    const store = createMemoryStore();
    let now = 1_000_000;
    const a = new SessionManager(store, 1, () => now);
    expect(a.key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.key).not.toBe(a.id);
    a.unmarkLive(); // pagehide, then the reload
    const b = new SessionManager(store, 1, () => now + 1000);
    expect([b.id, b.key]).toEqual([a.id, a.key]);
    now += SESSION_IDLE_MS + 1;
    b.rotate();
    expect(b.key).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(b.key).not.toBe(a.key);
  });

  it('continues a session stored by an older recorder without a key', () => {
    const store = createMemoryStore();
    store.set(SESSION_KEY, JSON.stringify({ id: 'legacy_session_1', seq: 4, lastActivity: 1_000_000, sampled: true }));
    const s = new SessionManager(store, 1, () => 1_000_500);
    expect([s.id, s.key, s.nextSeq()]).toEqual(['legacy_session_1', null, 4]);
  });

  it('remembers a closed session for the next page, and forgets it with the next session', () => {
    const store = createMemoryStore();
    let now = 1_000_000;
    const a = new SessionManager(store, 1, () => now);
    a.nextSeq();
    a.close('session_full');
    a.unmarkLive();
    const b = new SessionManager(store, 1, () => now + 1000);
    expect(b.closed).toBe('session_full');
    expect(b.nextSeq()).toBe(1);
    now += SESSION_IDLE_MS + 2000;
    b.rotate();
    expect(b.closed).toBeNull();
  });

  it('parks batches with their session key, so a later page sends them with it', () => {
    const store = createMemoryStore();
    const item = (seq: number, key: string | null): OutboxItem => ({
      state: 'queued',
      sessionId: 'sess_parked_01',
      seq,
      key,
      tries: 3,
      json: `{"seq":${seq}}`,
      body: null,
      dict: null,
      ready: true,
    });
    expect(persistItems(store, [item(0, 'k'.repeat(22)), item(1, null)])).toBe(0);
    const back = takePersisted(store);
    expect(back.map((i) => [i.seq, i.key, i.tries])).toEqual([
      [0, 'k'.repeat(22), 0],
      [1, null, 0],
    ]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
  });
});
