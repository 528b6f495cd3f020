import { LIMITS } from '@reprise/protocol';
import type { KeyValueStore } from './storage.js';
import { toJson } from './json.js';

export const SESSION_KEY = 'reprise:session';
/**
 * The session a live page of this tab records (set while it is shown, removed at pagehide).
 * A browser copies sessionStorage into a tab opened from this one (`window.open`) or duplicated
 * from it: a page that finds its stored session named here is such a copy, with another page
 * still recording that session, and starts its own (two pages sending one session's seqs would
 * overwrite each other's batches and mix two pages in one replay). A reload or a navigation of
 * the same tab comes after the old page's pagehide, so it continues the session.
 */
export const LIVE_KEY = 'reprise:live';
/** A session ends after this long without user activity. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
// Writing lastActivity on every mousemove would hammer storage; a second of slack is harmless.
const ACTIVITY_WRITE_INTERVAL_MS = 1000;

export interface SessionRecord {
  id: string;
  /** Next batch seq to use. */
  seq: number;
  lastActivity: number;
  /** Sampling decision, made once per session. */
  sampled: boolean;
  /** When the session started (epoch ms), for viewer deep links. */
  startedAt?: number;
  /** Support-link token the session records under, if any. */
  link?: string;
  /**
   * The session key (128 random bits, base64url), sent with every batch of the session: the server
   * binds the session to it at the first batch, so knowing the id alone does not let anyone append.
   * Absent for sessions started by an older recorder (they continue unbound).
   */
  key?: string;
  /** Why the server will take no more of this session (e.g. `session_full`): nothing more is uploaded. */
  closed?: string;
}

const ID_RE = /^[A-Za-z0-9_-]+$/;
const KEY_RE = /^[A-Za-z0-9_-]{22,128}$/;

/** 16 random bytes as base64url: 22 URL-safe chars, within the protocol's 8..64. */
export function newSessionId(): string {
  const bytes = new Uint8Array(16);
  const c: Crypto | undefined = typeof crypto !== 'undefined' ? crypto : undefined;
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function parse(raw: string | null): SessionRecord | null {
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as Partial<SessionRecord> | null;
    if (
      r &&
      typeof r.id === 'string' &&
      r.id.length >= 8 &&
      r.id.length <= LIMITS.maxSessionIdLength &&
      ID_RE.test(r.id) &&
      typeof r.seq === 'number' &&
      Number.isInteger(r.seq) &&
      r.seq >= 0 &&
      typeof r.lastActivity === 'number' &&
      typeof r.sampled === 'boolean'
    ) {
      const rec: SessionRecord = { id: r.id, seq: r.seq, lastActivity: r.lastActivity, sampled: r.sampled };
      if (typeof r.startedAt === 'number') rec.startedAt = r.startedAt;
      if (typeof r.link === 'string') rec.link = r.link;
      if (typeof r.key === 'string' && KEY_RE.test(r.key)) rec.key = r.key;
      if (typeof r.closed === 'string') rec.closed = r.closed;
      return rec;
    }
  } catch {
    /* corrupt entry: start over */
  }
  return null;
}

/**
 * Tab-scoped session: id, next seq and last activity live in sessionStorage so
 * reloads and same-tab navigations continue the session. Every write re-reads
 * storage first so a seq handed out by an earlier page is never reused.
 */
export class SessionManager {
  private rec: SessionRecord;
  private lastWrite = 0;
  // Activity seen since the last write; otherwise stored lastActivity is authoritative.
  private unsavedActivity = false;
  /** True when this page load started a new session rather than continuing one. */
  readonly startedNew: boolean;

  constructor(
    private readonly store: KeyValueStore,
    private readonly sampleRate: number,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
    /** Support-link token: a session recorded under another link (or none) is not continued. */
    private readonly link: string | null = null,
  ) {
    const t = this.now();
    const stored = parse(store.get(SESSION_KEY));
    const copied = stored !== null && store.get(LIVE_KEY) === stored.id;
    if (stored && !copied && t - stored.lastActivity <= SESSION_IDLE_MS && (stored.link ?? null) === link) {
      // A page load counts as activity: navigating is something the user did.
      this.rec = { ...stored, lastActivity: t, startedAt: stored.startedAt ?? stored.lastActivity };
      this.startedNew = false;
    } else {
      this.rec = this.fresh(t);
      this.startedNew = true;
    }
    this.write();
    this.markLive();
  }

  /** This page records the session (again: shown from the back/forward cache). */
  markLive(): void {
    this.store.set(LIVE_KEY, this.rec.id);
  }

  /** This page is going away (pagehide): the tab's next page continues the session. */
  unmarkLive(): void {
    if (this.store.get(LIVE_KEY) === this.rec.id) this.store.remove(LIVE_KEY);
  }

  get id(): string {
    return this.rec.id;
  }

  get sampled(): boolean {
    return this.rec.sampled;
  }

  /** The session key (null for a session an older recorder started). */
  get key(): string | null {
    return this.rec.key ?? null;
  }

  /** Why the server refuses this session for good, or null while it takes it. */
  get closed(): string | null {
    return this.latest().closed ?? null;
  }

  /** The server will take nothing more of this session: remembered for the tab's later pages. */
  close(reason: string): void {
    this.rec = { ...this.latest(), closed: reason };
    this.write();
  }

  /** Session start (epoch ms); sessions stored before this field existed fall back to now. */
  get startedAt(): number {
    return this.rec.startedAt ?? this.now();
  }

  /** Forgets the session (support link stopped): the next page starts from nothing. */
  clear(): void {
    this.store.remove(SESSION_KEY);
  }

  /** True when the user has been idle long enough that the next activity starts a new session. */
  isExpired(): boolean {
    return this.now() - this.latest().lastActivity > SESSION_IDLE_MS;
  }

  /** Records user activity (throttled writes). Call `isExpired()` first to detect a session end. */
  touch(): void {
    const t = this.now();
    this.rec.lastActivity = t;
    this.unsavedActivity = true;
    if (t - this.lastWrite >= ACTIVITY_WRITE_INTERVAL_MS) this.write();
  }

  /** Persists throttled activity now (page is being hidden). */
  save(): void {
    if (this.unsavedActivity) this.write();
  }

  /** Ends the current session and starts a new one (new id, seq 0, new sampling decision). */
  rotate(): void {
    this.rec = this.fresh(this.now());
    this.write();
    this.markLive();
  }

  /** Hands out the next batch seq, persisted before the caller sends anything with it. */
  nextSeq(): number {
    const r = this.latest();
    const seq = r.seq;
    this.rec = { ...r, seq: seq + 1 };
    this.write();
    return seq;
  }

  private fresh(t: number): SessionRecord {
    const rec: SessionRecord = {
      id: newSessionId(),
      seq: 0,
      lastActivity: t,
      sampled: this.random() < this.sampleRate,
      startedAt: t,
      // Same generator as the id: 16 bytes from crypto.getRandomValues.
      key: newSessionId(),
    };
    if (this.link !== null) rec.link = this.link;
    return rec;
  }

  /** Merges what is stored for our id (another page of this tab may have advanced seq/activity). */
  private latest(): SessionRecord {
    const stored = parse(this.store.get(SESSION_KEY));
    if (stored && stored.id === this.rec.id) {
      this.rec = {
        ...this.rec,
        seq: Math.max(this.rec.seq, stored.seq),
        ...(stored.closed !== undefined ? { closed: stored.closed } : {}),
        lastActivity: this.unsavedActivity ? Math.max(this.rec.lastActivity, stored.lastActivity) : stored.lastActivity,
      };
    }
    return this.rec;
  }

  private write(): void {
    this.lastWrite = this.now();
    this.unsavedActivity = false;
    this.store.set(SESSION_KEY, toJson(this.rec));
  }
}
