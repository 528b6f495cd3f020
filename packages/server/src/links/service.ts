import type { CreatedLink, LinkError, LinkStatus } from '@reprise/protocol';
import { randomSecret, sha256 } from '../ids.js';
import { originAllowed } from '../ingest/origins.js';
import type { Link, LinkWithSessions, Store } from '../store/types.js';

/** A link with a session whose last batch is at most this old is `recording`. */
export const RECORDING_WINDOW_MS = 30_000;
/** Longest a link may live: 90 days. */
export const MAX_LINK_TTL_SECONDS = 90 * 24 * 3600;

export type { CreatedLink, LinkStatus } from '@reprise/protocol';

/** Throws a plain Error with a user-facing message when an input is invalid. */
export function validateTargetUrl(v: unknown): string {
  if (typeof v !== 'string' || v.length > 2048) throw new Error('targetUrl must be an http(s) URL');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error('targetUrl must be an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('targetUrl must be an http(s) URL');
  if (u.username || u.password) throw new Error('targetUrl must not contain credentials');
  return u.href;
}

/**
 * Creates a link and returns its URL. The token (256 random bits) appears only in that URL,
 * once; the store keeps its SHA-256.
 */
export async function createLink(
  store: Store,
  input: {
    projectId: string;
    allowedOrigins: string[];
    targetUrl: unknown;
    label: unknown;
    expiresInSeconds: unknown;
    maxSessions?: unknown;
    createdBy: string | null;
    publicBase: string;
  },
): Promise<CreatedLink> {
  const targetUrl = validateTargetUrl(input.targetUrl);
  // A link sends a customer to a page that records them: only to the project's own sites.
  if (!originAllowed(input.allowedOrigins, new URL(targetUrl).origin)) {
    throw new Error(`targetUrl must be on one of the project's allowed origins (${input.allowedOrigins.join(', ')})`);
  }
  const label = typeof input.label === 'string' ? input.label.trim().slice(0, 200) : '';
  if (input.label !== undefined && typeof input.label !== 'string') throw new Error('label must be a string');
  const ttl = input.expiresInSeconds;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LINK_TTL_SECONDS) {
    throw new Error(`expiresInSeconds must be an integer from 1 to ${MAX_LINK_TTL_SECONDS}`);
  }
  let maxSessions: number | null = null;
  if (input.maxSessions !== undefined && input.maxSessions !== null) {
    const m = input.maxSessions;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 1 || m > 10_000) throw new Error('maxSessions must be a positive integer');
    maxSessions = m;
  }
  const token = randomSecret();
  const link = await store.createLink({
    projectId: input.projectId,
    label,
    targetUrl,
    tokenHash: sha256(token),
    expiresAt: Date.now() + ttl * 1000,
    maxSessions,
    createdBy: input.createdBy,
  });
  return {
    id: link.id,
    url: `${input.publicBase.replace(/\/+$/, '')}/l/${token}`,
    expiresAt: link.expiresAt,
    label: link.label,
    targetUrl: link.targetUrl,
    maxSessions: link.maxSessions,
  };
}

/** Why a link can no longer start a new recording, or null when it can. */
export function linkRefusal(link: Link | null, now: number, opts: { newSession: boolean }): LinkError | null {
  if (!link) return 'link_invalid';
  if (link.revokedAt !== null) return 'link_revoked';
  if (link.expiresAt <= now) return 'link_expired';
  if (opts.newSession && link.maxSessions !== null && link.sessionCount >= link.maxSessions) return 'link_used_up';
  return null;
}

export function linkStatus(link: LinkWithSessions, now: number): LinkStatus {
  if (link.revokedAt !== null || link.expiresAt <= now) return 'ended';
  if (link.lastBatchAt !== null && now - link.lastBatchAt <= RECORDING_WINDOW_MS) return 'recording';
  if (link.sessions.length > 0) return 'ended';
  if (link.maxSessions !== null && link.sessionCount >= link.maxSessions) return 'ended';
  return link.openedAt !== null ? 'opened' : 'created';
}

/** `30m`, `24h`, `7d`, `90s` or plain seconds → seconds; null when not understood. */
export function parseDuration(s: string): number | null {
  const m = /^\s*(\d+)\s*([smhd]?)\s*$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const mult = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!.toLowerCase() as '' | 's' | 'm' | 'h' | 'd'];
  const v = n * mult;
  return Number.isSafeInteger(v) && v > 0 ? v : null;
}
