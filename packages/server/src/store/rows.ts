import type { SessionSummary } from '@reprise/protocol';
import { MAX_TAGS } from './index-rows.js';
import type { Link, LinkWithSessions, Project, SessionFacts, User } from './types.js';

/**
 * Row shapes shared by the SQLite and PostgreSQL schemas, and their mapping to API objects.
 * The two differ only in JSON columns: SQLite hands them over as text, PostgreSQL (JSONB, and
 * TEXT[] for origins) as values; BIGINT and count(*) arrive as numbers on both (see postgres/pool.ts).
 */
export interface ProjectRow {
  id: string;
  name: string;
  key: string;
  allowed_origins: string[] | string;
  created_at: number;
  retention_days: number | null;
}
export interface UserRow {
  id: string;
  email: string;
  role: string;
  created_at: number;
  password_hash: string;
}
export interface SessionRow {
  id: string;
  project_id: string;
  started_at: number;
  ended_at: number;
  first_url: string | null;
  first_url_seq: number | null;
  user_agent: string | null;
  browser: string | null;
  browser_version: string | null;
  os: string | null;
  os_version: string | null;
  device: string | null;
  event_count: number;
  batch_count: number;
  last_seq: number;
  errors: number;
  console_errors: number;
  console_warnings: number;
  network_4xx: number;
  network_5xx: number;
  network_failed: number;
  link_id: string | null;
  link_label?: string | null;
  user_id: string | null;
  /** Null before the release migration's rows and for sessions without one. */
  release?: string | null;
  tags: unknown;
  feedback_count: number;
  last_batch_at: number | null;
  click_count: number;
  key_count: number;
  rage_clicks: number;
  dead_clicks: number;
  error_clicks: number;
  active_ms: number;
  page_count: number;
  ip: string | null;
  /** 1 once a batch was refused for the per-session byte cap (ingest/session-cap.ts). */
  truncated?: number | boolean;
}
export interface LinkRow {
  id: string;
  project_id: string;
  label: string;
  target_url: string;
  token_hash: string;
  expires_at: number;
  max_sessions: number | null;
  revoked_at: number | null;
  opened_at: number | null;
  created_at: number;
  created_by: string | null;
  session_count: number;
}

/** A session counts as live while its last batch is at most this old. */
export const LIVE_WINDOW_MS = 10_000;
export const SESSION_COLUMNS = 's.*, l.label AS link_label';
export const SESSION_FROM = 'sessions s LEFT JOIN links l ON l.id = s.link_id';
export const LINK_SELECT = 'SELECT l.*, (SELECT count(*) FROM sessions s WHERE s.link_id = l.id) AS session_count FROM links l';

/** A new session's device facts as the values of `user_agent, browser, browser_version, os, os_version, device`. */
export function deviceValues(f: SessionFacts): (string | null)[] {
  return [f.userAgent, f.browser, f.browserVersion, f.os, f.osVersion, f.device];
}

export function toProject(r: ProjectRow): Project {
  return {
    id: r.id,
    name: r.name,
    key: r.key,
    allowedOrigins: toOrigins(r.allowed_origins),
    createdAt: r.created_at,
    retentionDays: r.retention_days,
  };
}

export function toUser(r: UserRow): User {
  return { id: r.id, email: r.email, role: r.role === 'admin' ? 'admin' : 'member', createdAt: r.created_at };
}

export function toSummary(r: SessionRow): SessionSummary {
  return {
    id: r.id,
    projectId: r.project_id,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    durationMs: Math.max(0, r.ended_at - r.started_at),
    firstUrl: r.first_url,
    browser: r.browser,
    os: r.os,
    device: r.device,
    counts: {
      errors: r.errors,
      consoleErrors: r.console_errors,
      consoleWarnings: r.console_warnings,
      network4xx: r.network_4xx,
      network5xx: r.network_5xx,
      networkFailed: r.network_failed,
      feedback: r.feedback_count,
      clicks: r.click_count,
      keyPresses: r.key_count,
      rageClicks: r.rage_clicks,
      deadClicks: r.dead_clicks,
      errorClicks: r.error_clicks,
    },
    linkId: r.link_id,
    linkLabel: r.link_id ? (r.link_label ?? null) : null,
    userId: r.user_id,
    release: r.release ?? null,
    tags: toTags(r.tags),
    live: r.last_batch_at !== null && Date.now() - r.last_batch_at <= LIVE_WINDOW_MS,
    activeMs: r.active_ms,
    pageCount: r.page_count,
    truncated: !!r.truncated,
  };
}

export function toLink(r: LinkRow): Link {
  return {
    id: r.id,
    projectId: r.project_id,
    label: r.label,
    targetUrl: r.target_url,
    expiresAt: r.expires_at,
    maxSessions: r.max_sessions,
    revokedAt: r.revoked_at,
    openedAt: r.opened_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    sessionCount: r.session_count,
  };
}

function toOrigins(v: string[] | string): string[] {
  const list = typeof v === 'string' ? parseJson(v) : v;
  return Array.isArray(list) ? list.map(String) : [];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Links with their sessions (newest first, as `sessions` is ordered) and the latest batch time of any of them. */
export function withLinkSessions(
  rows: LinkRow[],
  sessions: { id: string; link_id: string; last_batch_at: number | null }[],
): LinkWithSessions[] {
  const byLink = new Map<string, { ids: string[]; last: number | null }>();
  for (const s of sessions) {
    const e = byLink.get(s.link_id) ?? { ids: [], last: null };
    e.ids.push(s.id);
    if (s.last_batch_at !== null && (e.last === null || s.last_batch_at > e.last)) e.last = s.last_batch_at;
    byLink.set(s.link_id, e);
  }
  return rows.map((r) => {
    const e = byLink.get(r.id);
    return { ...toLink(r), sessions: e?.ids ?? [], lastBatchAt: e?.last ?? null };
  });
}

/** Tags (a JSONB value, or JSON text from SQLite) as a plain record of strings; anything else is dropped. */
export function toTags(raw: unknown): Record<string, string> {
  const v = typeof raw === 'string' ? parseJson(raw) : raw;
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return { ...out };
}

/**
 * A session's stored tags (as toTags reads them) with a batch's tags merged in: the last value
 * wins, and new keys stop at MAX_TAGS. Keys are defined, not assigned, so `__proto__` is a tag.
 */
export function mergeTags(stored: unknown, added: Record<string, string>): Record<string, string> {
  const tags = toTags(stored);
  for (const [k, v] of Object.entries(added)) {
    if (Object.hasOwn(tags, k) || Object.keys(tags).length < MAX_TAGS) {
      Object.defineProperty(tags, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return tags;
}

/** seq numbers below the highest one received that never arrived (at most 1000). */
export function missingSeqs(sorted: number[]): number[] {
  const out: number[] = [];
  let expect = 0;
  for (const s of sorted) {
    for (; expect < s && out.length < 1000; expect++) out.push(expect);
    expect = s + 1;
  }
  return out;
}
