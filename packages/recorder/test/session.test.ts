import { describe, expect, it } from 'vitest';
import { LIVE_KEY, SESSION_IDLE_MS, SESSION_KEY, SessionManager, newSessionId } from '../src/session.js';
import { createMemoryStore } from '../src/storage.js';

describe('SessionManager (unit)', () => {
  it('makes URL-safe ids of 8..64 chars', () => {
    for (let i = 0; i < 50; i++) expect(newSessionId()).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });

  it('continues a stored session and never hands out a seq twice across page loads', () => {
    const store = createMemoryStore();
    let now = 1_000_000;
    const a = new SessionManager(store, 1, () => now);
    expect(a.startedNew).toBe(true);
    expect([a.nextSeq(), a.nextSeq()]).toEqual([0, 1]);
    now += 60_000;
    a.unmarkLive(); // the old page's pagehide
    const b = new SessionManager(store, 1, () => now); // reload
    expect(b.startedNew).toBe(false);
    expect(b.id).toBe(a.id);
    expect(b.nextSeq()).toBe(2);
    // The old page object (bfcache) sees what the new page stored.
    expect(a.nextSeq()).toBe(3);
  });

  it('starts a new session after 30 idle minutes, on load or on the next activity', () => {
    const store = createMemoryStore();
    let now = 5_000_000;
    const a = new SessionManager(store, 1, () => now);
    a.nextSeq();
    now += SESSION_IDLE_MS + 1;
    expect(a.isExpired()).toBe(true);
    const b = new SessionManager(store, 1, () => now);
    expect(b.id).not.toBe(a.id);
    expect(b.nextSeq()).toBe(0);
    now += SESSION_IDLE_MS + 1;
    b.rotate();
    expect(b.nextSeq()).toBe(0);
    expect(JSON.parse(store.get(SESSION_KEY)!)).toMatchObject({ id: b.id, seq: 1 });
  });

  it('remembers the sampling decision for the whole session', () => {
    const store = createMemoryStore();
    const out = new SessionManager(store, 0.5, Date.now, () => 0.9);
    expect(out.sampled).toBe(false);
    out.unmarkLive();
    const again = new SessionManager(store, 0.5, Date.now, () => 0.1); // would sample in, but the decision stands
    expect(again.sampled).toBe(false);
  });

  it("a copy of a live page's storage (window.open, a duplicated tab) starts its own session; after pagehide the next page continues", () => {
    const store = createMemoryStore();
    const a = new SessionManager(store, 1);
    a.nextSeq();
    // The copy is taken while page a records: it finds a's session marked live.
    const copy = createMemoryStore();
    for (const key of [SESSION_KEY, LIVE_KEY]) copy.set(key, store.get(key)!);
    const b = new SessionManager(copy, 1);
    expect(b.startedNew).toBe(true);
    expect(b.id).not.toBe(a.id);
    expect(b.nextSeq()).toBe(0);
    expect(copy.get(LIVE_KEY)).toBe(b.id);
    // a's own tab: navigating (pagehide, then the next page) keeps a's session.
    a.unmarkLive();
    expect(store.get(LIVE_KEY)).toBeNull();
    const a2 = new SessionManager(store, 1);
    expect(a2.id).toBe(a.id);
    expect(a2.nextSeq()).toBe(1);
    // A pagehide removes its own session's mark only.
    copy.set(LIVE_KEY, 'another-session-id');
    b.unmarkLive();
    expect(copy.get(LIVE_KEY)).toBe('another-session-id');
    copy.set(LIVE_KEY, b.id);
    b.unmarkLive();
    expect(copy.get(LIVE_KEY)).toBeNull();
  });

  it('treats a corrupt stored entry as no session', () => {
    const store = createMemoryStore();
    store.set(SESSION_KEY, '{"id":"../../x","seq":-1}');
    const s = new SessionManager(store, 1);
    expect(s.startedNew).toBe(true);
    expect(s.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  });
});
