import { timingSafeEqual } from 'node:crypto';
import { LinkRefused } from './types.js';

/**
 * Who may append to an existing session, checked by both stores with the row they already read
 * for the append (no extra round trip): before writing anything, and again inside the
 * transaction that creates or locks the session row, so two racing first batches cannot both
 * own it.
 */

/** A batch for a session bound to another key (or sent without the key a bound session requires): 403. */
export class SessionKeyMismatch extends Error {
  readonly code = 'session_key_mismatch';
  constructor(sessionId: string) {
    super(`session ${sessionId} is bound to another session key`);
  }
}

/** What the stores select about an existing session (SESSION_ACCESS_COLUMNS). */
export interface SessionAccessRow {
  key_hash: string | null;
  /** The session's link (null without one, or when the link row is gone). */
  link_revoked_at: number | null;
  link_expires_at: number | null;
}

/** Columns of `sessions s LEFT JOIN links l ON l.id = s.link_id` giving a SessionAccessRow. */
export const SESSION_ACCESS_COLUMNS = 's.key_hash, l.revoked_at AS link_revoked_at, l.expires_at AS link_expires_at';

/**
 * The session key: a session created with one (its first batch carried a key) takes only
 * batches with the same key. A session created without one (recorders older than session
 * keys, and every session stored before) stays open to any batch of its project, as before;
 * its key is never set later, so a stranger cannot claim it and lock its recorder out.
 */
export function assertSessionKey(sessionId: string, row: Pick<SessionAccessRow, 'key_hash'>, keyHash: string | null | undefined): void {
  if (row.key_hash === null) return;
  if (!keyHash || !sameHash(row.key_hash, keyHash)) throw new SessionKeyMismatch(sessionId);
}

/**
 * A session recorded under a support link ends with its link: once the link is revoked or has
 * expired, no batch is taken for the session, whether or not the request still carries `link=`.
 */
export function assertSessionLinkOpen(row: Omit<SessionAccessRow, 'key_hash'>, now: number): void {
  if (row.link_revoked_at !== null) throw new LinkRefused('link_revoked');
  if (row.link_expires_at !== null && row.link_expires_at <= now) throw new LinkRefused('link_expired');
}

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
