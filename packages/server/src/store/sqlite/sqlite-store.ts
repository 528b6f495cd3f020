import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { ReplayEvent, SessionDetail, SessionList, SessionSummary } from '@reprise/protocol';
import { randomId } from '../../ids.js';
import { CHUNK_FORMAT, decodeChunk, encodeChunk } from '../chunk-codec.js';
import { writeFileDurably } from '../durable-file.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { MAX_TAGS } from '../../ingest/extract.js';
import {
  LinkRefused,
  SessionProjectConflict,
  type CreateLinkInput,
  type Link,
  type LinkWithSessions,
  type ApiToken,
  type AppendBatchInput,
  type Project,
  type Store,
  type User,
  type UserRole,
} from '../types.js';
import { migrate } from './schema.js';

interface ProjectRow { id: string; name: string; key: string; allowed_origins: string; created_at: number }
interface UserRow { id: string; email: string; role: string; created_at: number; password_hash: string }
interface SessionRow {
  id: string; project_id: string; started_at: number; ended_at: number; first_url: string | null;
  first_url_seq: number | null; user_agent: string | null; browser: string | null; browser_version: string | null;
  os: string | null; os_version: string | null; device: string | null; event_count: number; batch_count: number;
  last_seq: number; errors: number; console_errors: number; console_warnings: number; network_4xx: number;
  network_5xx: number; network_failed: number; link_id: string | null; link_label?: string | null;
  user_id: string | null; tags: string; feedback_count: number; last_batch_at: number | null;
}
interface LinkRow {
  id: string; project_id: string; label: string; target_url: string; token_hash: string; expires_at: number;
  max_sessions: number | null; revoked_at: number | null; opened_at: number | null; created_at: number;
  created_by: string | null; session_count: number;
}

/** A session counts as live while its last batch is at most this old. */
export const LIVE_WINDOW_MS = 10_000;
const SESSION_COLUMNS = 's.*, l.label AS link_label';
const SESSION_FROM = 'sessions s LEFT JOIN links l ON l.id = s.link_id';
const LINK_SELECT = `SELECT l.*, (SELECT count(*) FROM sessions s WHERE s.link_id = l.id) AS session_count FROM links l`;

/**
 * Embedded store: metadata in SQLite (WAL, synchronous=FULL so a commit survives
 * power loss), event chunks as immutable gzip files under `<dataDir>/chunks`.
 * A batch's chunk file is fsynced before its row commits, so an acknowledged
 * batch is never lost; a crash in between leaves only an orphan file.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly chunkDir: string;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.chunkDir = path.join(dataDir, 'chunks');
    this.db = new Database(path.join(dataDir, 'reprise.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async createProject(input: { name: string; allowedOrigins: string[] }): Promise<Project> {
    const p: Project = {
      id: randomId('prj_'),
      name: input.name,
      key: randomId('pk_'),
      allowedOrigins: input.allowedOrigins,
      createdAt: Date.now(),
    };
    this.db
      .prepare('INSERT INTO projects (id, name, key, allowed_origins, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(p.id, p.name, p.key, JSON.stringify(p.allowedOrigins), p.createdAt);
    return p;
  }

  async listProjects(): Promise<Project[]> {
    const rows = this.db.prepare('SELECT * FROM projects ORDER BY created_at, id').all() as ProjectRow[];
    return rows.map(toProject);
  }

  async getProjectByKey(key: string): Promise<Project | null> {
    const row = this.db.prepare('SELECT * FROM projects WHERE key = ?').get(key) as ProjectRow | undefined;
    return row ? toProject(row) : null;
  }

  async updateProject(id: string, patch: { name?: string; allowedOrigins?: string[] }): Promise<Project | null> {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) return null;
    const next = { ...toProject(row), ...defined(patch) };
    this.db
      .prepare('UPDATE projects SET name = ?, allowed_origins = ? WHERE id = ?')
      .run(next.name, JSON.stringify(next.allowedOrigins), id);
    return next;
  }

  async countUsers(): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  async createUser(input: { email: string; passwordHash: string; role: UserRole }): Promise<User> {
    const u: User = { id: randomId('usr_'), email: input.email, role: input.role, createdAt: Date.now() };
    this.db
      .prepare('INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(u.id, u.email, input.passwordHash, u.role, u.createdAt);
    return u;
  }

  async getUserByEmail(email: string): Promise<(User & { passwordHash: string }) | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE email = ?').get(email) as UserRow | undefined;
    return row ? { ...toUser(row), passwordHash: row.password_hash } : null;
  }

  async getUser(id: string): Promise<User | null> {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async createLoginSession(input: { tokenHash: string; userId: string; expiresAt: number }): Promise<void> {
    this.db
      .prepare('INSERT INTO login_sessions (token_hash, user_id, expires_at) VALUES (?, ?, ?)')
      .run(input.tokenHash, input.userId, input.expiresAt);
  }

  async getLoginSessionUser(tokenHash: string, now: number): Promise<User | null> {
    const row = this.db
      .prepare(
        'SELECT u.* FROM login_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?',
      )
      .get(tokenHash, now) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async deleteLoginSession(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM login_sessions WHERE token_hash = ?').run(tokenHash);
  }

  async createApiToken(input: { tokenHash: string; userId: string; name: string }): Promise<ApiToken> {
    const t: ApiToken = { id: randomId('tok_'), userId: input.userId, name: input.name, createdAt: Date.now() };
    this.db
      .prepare('INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(t.id, input.tokenHash, t.userId, t.name, t.createdAt);
    return t;
  }

  async getApiTokenUser(tokenHash: string): Promise<User | null> {
    const row = this.db
      .prepare('SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?')
      .get(tokenHash) as UserRow | undefined;
    return row ? toUser(row) : null;
  }

  async appendBatch(input: AppendBatchInput): Promise<{ duplicate: boolean }> {
    const { batch, projectId, facts, receivedAt, index } = input;
    const linkId = input.linkId ?? null;
    const owner = this.db.prepare('SELECT project_id FROM sessions WHERE id = ?').get(batch.sessionId) as
      | { project_id: string }
      | undefined;
    if (owner && owner.project_id !== projectId) throw new SessionProjectConflict(batch.sessionId);
    if (this.db.prepare('SELECT 1 FROM batches WHERE session_id = ? AND seq = ?').get(batch.sessionId, batch.seq)) {
      return { duplicate: true };
    }
    // Refuse before writing anything; re-checked in the transaction below against races.
    if (linkId && !owner) this.assertLinkHasRoom(linkId, batch.sessionId);

    // A unique file name per attempt: concurrent duplicates never overwrite a stored chunk.
    const rel = path.join(projectId, batch.sessionId, `${String(batch.seq).padStart(10, '0')}-${randomId()}.ndjson.gz`);
    const bytes = encodeChunk(batch.events);
    await writeFileDurably(path.join(this.chunkDir, rel), bytes);

    let tMin = Infinity;
    let tMax = -Infinity;
    for (const e of batch.events) {
      if (e.t < tMin) tMin = e.t;
      if (e.t > tMax) tMax = e.t;
    }
    const hasTime = batch.events.length > 0;
    const start = hasTime ? Math.round(tMin) : receivedAt;
    const end = hasTime ? Math.round(tMax) : receivedAt;
    const url = batch.meta?.url ?? null;

    let inserted: boolean;
    try {
      inserted = this.db.transaction((): boolean => {
      // A new session is tagged with its link (first batch wins); the room check is atomic with the insert.
      const isNew = !this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(batch.sessionId);
      if (linkId && isNew) this.assertLinkHasRoom(linkId, batch.sessionId);
      const res = this.db
        .prepare(
          `INSERT INTO sessions (id, project_id, started_at, ended_at, first_url, first_url_seq, user_agent,
             browser, browser_version, os, os_version, device, created_at, updated_at, link_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO NOTHING`,
        )
        .run(
          batch.sessionId, projectId, start, end, url, url ? batch.seq : null, facts.userAgent,
          facts.browser, facts.browserVersion, facts.os, facts.osVersion, facts.device, receivedAt, receivedAt, linkId,
        );
      const b = this.db
        .prepare(
          `INSERT INTO batches (session_id, seq, chunk_path, chunk_format, event_count, bytes, t_min, t_max, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(batch.sessionId, batch.seq, rel, CHUNK_FORMAT, batch.events.length, bytes.length,
          hasTime ? Math.round(tMin) : null, hasTime ? Math.round(tMax) : null, receivedAt);
      if (b.changes === 0) return false;
      if (res.changes === 0) {
        // Existing session: widen the time range; the lowest seq that carried a URL names the first page.
        this.db
          .prepare(
            `UPDATE sessions SET
               started_at = min(started_at, ?), ended_at = max(ended_at, ?),
               first_url = CASE WHEN ? IS NOT NULL AND (first_url_seq IS NULL OR ? < first_url_seq) THEN ? ELSE first_url END,
               first_url_seq = CASE WHEN ? IS NOT NULL AND (first_url_seq IS NULL OR ? < first_url_seq) THEN ? ELSE first_url_seq END,
               event_count = event_count + ?, batch_count = batch_count + 1,
               last_seq = max(last_seq, ?), updated_at = ?
             WHERE id = ?`,
          )
          .run(start, end, url, batch.seq, url, url, batch.seq, batch.seq, batch.events.length, batch.seq,
            receivedAt, batch.sessionId);
      } else {
        this.db
          .prepare('UPDATE sessions SET event_count = ?, batch_count = 1, last_seq = ? WHERE id = ?')
          .run(batch.events.length, batch.seq, batch.sessionId);
      }
      this.insertIndexRows(batch.sessionId, batch.seq, input);
      return true;
      })();
    } catch (err) {
      await unlink(path.join(this.chunkDir, rel)).catch(() => undefined);
      throw err;
    }

    if (!inserted) {
      // Lost a race with an identical (session, seq): drop our copy of the chunk.
      await unlink(path.join(this.chunkDir, rel)).catch(() => undefined);
      return { duplicate: true };
    }
    return { duplicate: false };
  }

  /** Runs inside appendBatch's transaction: index rows and counts commit with the batch or not at all. */
  private insertIndexRows(sessionId: string, seq: number, input: AppendBatchInput): void {
    const { index } = input;
    const c = index.counts;
    this.db
      .prepare(
        `UPDATE sessions SET errors = errors + ?, console_errors = console_errors + ?, console_warnings = console_warnings + ?,
           network_4xx = network_4xx + ?, network_5xx = network_5xx + ?, network_failed = network_failed + ? WHERE id = ?`,
      )
      .run(c.errors, c.consoleErrors, c.consoleWarnings, c.network4xx, c.network5xx, c.networkFailed, sessionId);
    this.db
      .prepare(
        `UPDATE sessions SET feedback_count = feedback_count + ?, user_id = coalesce(?, user_id),
           last_batch_at = max(coalesce(last_batch_at, 0), ?) WHERE id = ?`,
      )
      .run(c.feedback, index.userId, input.receivedAt, sessionId);
    if (Object.keys(index.tags).length > 0) {
      const row = this.db.prepare('SELECT tags FROM sessions WHERE id = ?').get(sessionId) as { tags: string };
      const tags = parseTags(row.tags);
      for (const [k, v] of Object.entries(index.tags)) {
        if (Object.hasOwn(tags, k) || Object.keys(tags).length < MAX_TAGS) {
          Object.defineProperty(tags, k, { value: v, enumerable: true, writable: true, configurable: true });
        }
      }
      this.db.prepare('UPDATE sessions SET tags = ? WHERE id = ?').run(JSON.stringify(tags), sessionId);
    }
    const net = this.db.prepare(
      'INSERT INTO network_requests (session_id, seq, t, method, url, status, duration_ms, failed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const r of index.network) net.run(sessionId, seq, Math.round(r.t), r.method, r.url, r.status, r.durationMs, r.failed ? 1 : 0);
    const con = this.db.prepare('INSERT INTO console_messages (session_id, seq, t, level, text) VALUES (?, ?, ?, ?, ?)');
    for (const r of index.console) con.run(sessionId, seq, Math.round(r.t), r.level, r.text);
    const err = this.db.prepare('INSERT INTO errors (session_id, seq, t, name, message, stack) VALUES (?, ?, ?, ?, ?, ?)');
    for (const r of index.errors) err.run(sessionId, seq, Math.round(r.t), r.name, r.message, r.stack);
  }

  private assertLinkHasRoom(linkId: string, sessionId: string): void {
    const link = this.db.prepare(`${LINK_SELECT} WHERE l.id = ?`).get(linkId) as LinkRow | undefined;
    if (!link) throw new LinkRefused('link_invalid');
    const mine = this.db.prepare('SELECT 1 FROM sessions WHERE id = ? AND link_id = ?').get(sessionId, linkId);
    if (!mine && link.max_sessions !== null && link.session_count >= link.max_sessions) throw new LinkRefused('link_used_up');
  }

  async createLink(input: CreateLinkInput): Promise<Link> {
    const id = randomId('lnk_');
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO links (id, project_id, label, target_url, token_hash, expires_at, max_sessions, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.projectId, input.label, input.targetUrl, input.tokenHash, input.expiresAt, input.maxSessions, now, input.createdBy);
    return toLink(this.db.prepare(`${LINK_SELECT} WHERE l.id = ?`).get(id) as LinkRow);
  }

  async getLinkByTokenHash(tokenHash: string): Promise<Link | null> {
    const row = this.db.prepare(`${LINK_SELECT} WHERE l.token_hash = ?`).get(tokenHash) as LinkRow | undefined;
    return row ? toLink(row) : null;
  }

  async listLinks(): Promise<LinkWithSessions[]> {
    const rows = this.db.prepare(`${LINK_SELECT} ORDER BY l.created_at DESC, l.id DESC LIMIT 500`).all() as LinkRow[];
    const sessions = this.db
      .prepare(
        `SELECT id, link_id, last_batch_at FROM sessions WHERE link_id IN (SELECT id FROM links ORDER BY created_at DESC, id DESC LIMIT 500)
         ORDER BY started_at DESC, id DESC`,
      )
      .all() as { id: string; link_id: string; last_batch_at: number | null }[];
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

  async markLinkOpened(id: string, at: number): Promise<void> {
    this.db.prepare('UPDATE links SET opened_at = ? WHERE id = ? AND opened_at IS NULL').run(at, id);
  }

  async revokeLink(id: string, at: number): Promise<boolean> {
    const res = this.db.prepare('UPDATE links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(at, id);
    return res.changes > 0;
  }

  async listSessions(query: { limit: number; cursor: string | null }): Promise<SessionList> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const rows = (
      after
        ? this.db
            .prepare(
              `SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE (s.started_at < ?) OR (s.started_at = ? AND s.id < ?)
               ORDER BY s.started_at DESC, s.id DESC LIMIT ?`,
            )
            .all(after.startedAt, after.startedAt, after.id, query.limit + 1)
        : this.db
            .prepare(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} ORDER BY s.started_at DESC, s.id DESC LIMIT ?`)
            .all(query.limit + 1)
    ) as SessionRow[];
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      sessions: page.map(toSummary),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.started_at, last.id) : null,
    };
  }

  async getSession(id: string): Promise<SessionDetail | null> {
    const row = this.db.prepare(`SELECT ${SESSION_COLUMNS} FROM ${SESSION_FROM} WHERE s.id = ?`).get(id) as SessionRow | undefined;
    if (!row) return null;
    const seqs = this.db
      .prepare('SELECT seq FROM batches WHERE session_id = ? ORDER BY seq')
      .all(id) as { seq: number }[];
    return {
      ...toSummary(row),
      browserVersion: row.browser_version,
      osVersion: row.os_version,
      userAgent: row.user_agent,
      eventCount: row.event_count,
      batchCount: row.batch_count,
      lastSeq: row.last_seq,
      missingSeqs: missingSeqs(seqs.map((s) => s.seq)),
    };
  }

  async readEvents(sessionId: string): Promise<ReplayEvent[]> {
    const rows = this.db
      .prepare('SELECT chunk_path FROM batches WHERE session_id = ? ORDER BY seq')
      .all(sessionId) as { chunk_path: string }[];
    const events: ReplayEvent[] = [];
    for (const r of rows) {
      for (const e of decodeChunk(await readFile(path.join(this.chunkDir, r.chunk_path)))) events.push(e);
    }
    // Batches are in seq order and nearly sorted by time; a stable sort fixes cross-batch skew.
    return events.sort((a, b) => a.t - b.t);
  }
}

function toProject(r: ProjectRow): Project {
  return { id: r.id, name: r.name, key: r.key, allowedOrigins: JSON.parse(r.allowed_origins) as string[], createdAt: r.created_at };
}

function toUser(r: UserRow): User {
  return { id: r.id, email: r.email, role: r.role === 'admin' ? 'admin' : 'member', createdAt: r.created_at };
}

function toSummary(r: SessionRow): SessionSummary {
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
    },
    linkId: r.link_id,
    linkLabel: r.link_id ? (r.link_label ?? null) : null,
    userId: r.user_id,
    tags: parseTags(r.tags),
    live: r.last_batch_at !== null && Date.now() - r.last_batch_at <= LIVE_WINDOW_MS,
  };
}

function toLink(r: LinkRow): Link {
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

function parseTags(json: string | null): Record<string, string> {
  try {
    const v = JSON.parse(json ?? '{}') as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
    return { ...out };
  } catch {
    return {};
  }
}

/** seq numbers below the highest one received that never arrived. */
export function missingSeqs(sorted: number[]): number[] {
  const out: number[] = [];
  let expect = 0;
  for (const s of sorted) {
    for (; expect < s && out.length < 1000; expect++) out.push(expect);
    expect = s + 1;
  }
  return out;
}

function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
