import type { BodyCapture, ConsoleData, NetworkData, ReplayEvent, SessionTimeline } from '@reprise/protocol';
import { randomSecret, sha256 } from '../ids.js';
import type { Share, ShareView, Store } from '../store/types.js';

/** Longest a share link may live: 90 days, like recording links. */
export const MAX_SHARE_TTL_SECONDS = 90 * 24 * 3600;

export type ShareRefusal = 'share_invalid' | 'share_expired' | 'share_revoked';

export type ShareStatus = 'active' | 'expired' | 'revoked';

export function shareStatus(s: Share, now: number): ShareStatus {
  if (s.revokedAt !== null) return 'revoked';
  return s.expiresAt <= now ? 'expired' : 'active';
}

/** Why a share link gives nothing, or null when it may be opened. */
export function shareRefusal(s: Share | null, now: number): ShareRefusal | null {
  if (!s) return 'share_invalid';
  const status = shareStatus(s, now);
  return status === 'revoked' ? 'share_revoked' : status === 'expired' ? 'share_expired' : null;
}

/** Only well-formed tokens reach the database; the lookup is by hash, never by the token. */
export async function shareByToken(store: Store, token: string): Promise<Share | null> {
  return /^[A-Za-z0-9_-]{22,128}$/.test(token) ? store.getShareByTokenHash(sha256(token)) : null;
}

export interface ShareRequest {
  view: ShareView;
  expiresInSeconds: number;
  from: number | null;
  to: number | null;
}

/** The body of `POST /sessions/:id/shares`; throws a plain Error with a user-facing message. */
export function parseShareRequest(body: unknown): ShareRequest {
  const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const view = b.view ?? 'strict';
  if (view !== 'full' && view !== 'strict') throw new Error('view must be "full" or "strict"');
  const ttl = b.expiresInSeconds;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_SHARE_TTL_SECONDS) {
    throw new Error(`expiresInSeconds must be an integer from 1 to ${MAX_SHARE_TTL_SECONDS}`);
  }
  const ms = (v: unknown, name: string): number | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new Error(`${name} must be an epoch-millisecond integer`);
    return v;
  };
  const from = ms(b.from, 'from');
  const to = ms(b.to, 'to');
  if (from !== null && to !== null && to < from) throw new Error('to must not be before from');
  return { view, expiresInSeconds: ttl, from, to };
}

/**
 * Creates a share link and returns it with its URL. The token (256 random bits from
 * crypto.randomBytes) appears only in that URL, once; the store keeps its SHA-256.
 */
export async function createShare(
  store: Store,
  input: { projectId: string; sessionId: string; request: ShareRequest; createdBy: string | null; publicBase: string },
): Promise<{ share: Share; url: string }> {
  const token = randomSecret();
  const share = await store.createShare({
    projectId: input.projectId,
    sessionId: input.sessionId,
    tokenHash: sha256(token),
    view: input.request.view,
    rangeFrom: input.request.from,
    rangeTo: input.request.to,
    expiresAt: Date.now() + input.request.expiresInSeconds * 1000,
    createdBy: input.createdBy,
  });
  return { share, url: `${input.publicBase.replace(/\/+$/, '')}/s/${token}` };
}

/**
 * What of the session a share serves: rrweb events from the Meta of the last full snapshot at or
 * before the range's start (the replay cannot be rebuilt without it), every other kind only inside
 * the range itself.
 */
export interface ShareWindow {
  /** Earliest event served (rrweb events from here). */
  domFrom: number;
  from: number;
  to: number;
}

export function shareWindow(share: Share, timeline: SessionTimeline): ShareWindow {
  const from = share.rangeFrom ?? -Infinity;
  const to = share.rangeTo ?? Infinity;
  const before = timeline.snapshots.filter((s) => s.t <= Math.max(from, timeline.startedAt)).pop() ?? timeline.snapshots[0];
  const domFrom = share.rangeFrom === null ? -Infinity : Math.min(from, before?.startT ?? from);
  return { domFrom, from, to };
}

/** The replay index cut to the window; never live (a shared view has no live stream). */
export function sharedTimeline(t: SessionTimeline, w: ShareWindow): SessionTimeline {
  return {
    ...t,
    live: false,
    startedAt: Math.max(t.startedAt, w.domFrom),
    endedAt: Math.min(t.endedAt, w.to),
    snapshots: t.snapshots.filter((s) => s.startT >= w.domFrom && s.t <= w.to),
    batches: t.batches.filter((b) => b.tMax >= w.domFrom && b.tMin <= w.to),
  };
}

const HIDDEN: BodyCapture = { kind: 'omitted', reason: 'hidden in this shared view' };

/**
 * One event as the share serves it, or null when it falls outside the window. The strict view
 * keeps requests and console calls but not what they carried: bodies and arguments are removed
 * here, on the server, so they never reach the person the link was given to.
 */
export function sharedEvent(e: ReplayEvent, w: ShareWindow, view: ShareView): ReplayEvent | null {
  if (e.t > w.to || e.t < (e.kind === 'dom' || e.kind === 'meta' ? w.domFrom : w.from)) return null;
  if (view === 'full') return e;
  if (e.kind === 'network' && e.data && typeof e.data === 'object') {
    const d = e.data as NetworkData;
    return { ...e, data: { ...d, requestBody: d.requestBody ? HIDDEN : null, responseBody: d.responseBody ? HIDDEN : null } };
  }
  if (e.kind === 'console' && e.data && typeof e.data === 'object') {
    return { ...e, data: { ...(e.data as ConsoleData), args: [] } };
  }
  return e;
}

/** Store.streamEvents filtered and stripped for a share. */
export async function* sharedEvents(groups: AsyncIterable<ReplayEvent[]>, w: ShareWindow, view: ShareView): AsyncGenerator<ReplayEvent[]> {
  for await (const group of groups) {
    const out: ReplayEvent[] = [];
    for (const e of group) {
      const s = sharedEvent(e, w, view);
      if (s) out.push(s);
    }
    if (out.length > 0) yield out;
  }
}
