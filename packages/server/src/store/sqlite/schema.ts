import type Database from 'better-sqlite3';
import {
  accessControlDdl,
  assetsDdl,
  commentsDdl,
  fullSnapshotsDdl,
  issuesDdl,
  otlpDdl,
  SESSION_FACT_COLUMNS,
  sessionCapDdl,
  sharesWebhooksDdl,
  sourcemapsDdl,
  deletedSessionsDdl,
  SQLITE_TYPES,
} from '../schema-ddl.js';

/**
 * Ordered migrations; `PRAGMA user_version` records how many ran. A database
 * newer than this code refuses to open rather than being silently misread.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    allowed_origins TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE login_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    ${SESSION_FACT_COLUMNS}
    event_count INTEGER NOT NULL DEFAULT 0,
    batch_count INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT -1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_by_start ON sessions(started_at DESC, id DESC);
  CREATE INDEX sessions_by_project_start ON sessions(project_id, started_at DESC);
  CREATE TABLE batches (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    chunk_path TEXT NOT NULL,
    chunk_format TEXT NOT NULL,
    event_count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    t_min INTEGER,
    t_max INTEGER,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
  );
  `,
  // v2: per-session counts and index tables for network, console and errors, filled at ingest.
  `
  ALTER TABLE sessions ADD COLUMN errors INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN console_errors INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN console_warnings INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN network_4xx INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN network_5xx INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN network_failed INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE network_requests (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t INTEGER NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    failed INTEGER NOT NULL
  );
  CREATE INDEX network_by_session ON network_requests(session_id, t);
  CREATE INDEX network_by_status ON network_requests(status, session_id);
  CREATE TABLE console_messages (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t INTEGER NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL
  );
  CREATE INDEX console_by_session ON console_messages(session_id, t);
  CREATE TABLE errors (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t INTEGER NOT NULL,
    name TEXT,
    message TEXT NOT NULL,
    stack TEXT
  );
  CREATE INDEX errors_by_session ON errors(session_id, t);
  `,
  // v3: magic links (token stored only as its SHA-256), session tagging from custom events, liveness.
  `
  CREATE TABLE links (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    label TEXT NOT NULL,
    target_url TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at INTEGER NOT NULL,
    max_sessions INTEGER,
    revoked_at INTEGER,
    opened_at INTEGER,
    created_at INTEGER NOT NULL,
    created_by TEXT
  );
  CREATE INDEX links_by_created ON links(created_at DESC);
  ALTER TABLE sessions ADD COLUMN link_id TEXT REFERENCES links(id);
  ALTER TABLE sessions ADD COLUMN user_id TEXT;
  ALTER TABLE sessions ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE sessions ADD COLUMN feedback_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN last_batch_at INTEGER;
  CREATE INDEX sessions_by_link ON sessions(link_id);
  `,
  // v4: search and frustration signals (issue: search). Everything here is filled at ingest,
  // so search reads summary columns and index tables, never event chunks.
  `
  ALTER TABLE sessions ADD COLUMN click_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN key_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN rage_clicks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN dead_clicks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN error_clicks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN active_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN page_count INTEGER NOT NULL DEFAULT 0;
  -- Time of the last user-activity event, so active time continues across batches.
  ALTER TABLE sessions ADD COLUMN last_activity_at INTEGER;
  -- Normalized grouping keys for top problems (route with ids as :id, message with numbers as <n>).
  ALTER TABLE network_requests ADD COLUMN route TEXT;
  ALTER TABLE errors ADD COLUMN message_key TEXT;
  CREATE INDEX network_problems ON network_requests(route, method) WHERE status >= 400 OR failed = 1;
  CREATE INDEX errors_by_key ON errors(message_key);
  CREATE TABLE pages (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t INTEGER NOT NULL,
    url TEXT NOT NULL
  );
  CREATE INDEX pages_by_session ON pages(session_id, t);
  CREATE TABLE clicks (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t INTEGER NOT NULL,
    selector TEXT NOT NULL,
    text TEXT,
    test_id TEXT,
    tag TEXT NOT NULL,
    x REAL NOT NULL,
    y REAL NOT NULL,
    node_id INTEGER,
    interactive INTEGER NOT NULL,
    rage INTEGER NOT NULL DEFAULT 0,
    error_click INTEGER NOT NULL DEFAULT 0,
    -- Dead-click state: 0 answered, 1 dead, 2 still waiting for the next batch to decide.
    dead INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX clicks_by_session ON clicks(session_id, t);
  CREATE INDEX clicks_pending ON clicks(session_id) WHERE dead = 2;
  -- One row per signal: a rage burst (at its first click, with the burst size), a dead click, an error click.
  CREATE TABLE signals (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t INTEGER NOT NULL,
    type TEXT NOT NULL,
    selector TEXT NOT NULL,
    text TEXT,
    click_count INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (session_id, type, t)
  );
  CREATE INDEX signals_by_type ON signals(type, selector);
  -- Substring search (free text and text fields) through a trigram index: LIKE '%x%' uses it.
  -- One row per batch and field; session_id is carried, not indexed.
  CREATE VIRTUAL TABLE search_text USING fts5(session_id UNINDEXED, field UNINDEXED, text, tokenize = 'trigram');
  CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_by TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX saved_searches_by_project ON saved_searches(project_id, name);
  `,
  // v5: one index per session sort (search/sort.ts), each ending in (started_at, id) like the
  // keyset cursor, so every page of every sort is one index range. Duration is a virtual
  // generated column: SQLite cannot use an expression index for a row-value range.
  `
  ALTER TABLE sessions ADD COLUMN duration_ms INTEGER GENERATED ALWAYS AS (ended_at - started_at) VIRTUAL;
  CREATE INDEX sessions_by_duration ON sessions(duration_ms, started_at, id);
  CREATE INDEX sessions_by_errors ON sessions(errors, started_at, id);
  CREATE INDEX sessions_by_rage ON sessions(rage_clicks, started_at, id);
  CREATE INDEX sessions_by_active ON sessions(active_ms, started_at, id);
  -- user: is an exact lookup.
  CREATE INDEX sessions_by_user ON sessions(user_id);
  -- A session's problem requests, for "status:>=400 OR status:failed"-style row checks
  -- (search/compile.ts repeats this WHERE literally so the planner can use the index).
  CREATE INDEX network_problems_by_session ON network_requests(session_id, t) WHERE status >= 400 OR failed = 1;
  `,
  // v6: data lifecycle and privacy. Per-project retention, the (anonymized) client IP of a
  // session, an index for the retention job (a session ends at its last batch by the server's
  // clock; ended_at, the tab's clock, only for rows without one), and FTS5 secure-delete so a
  // deleted row's text leaves the trigram index at once (with PRAGMA secure_delete, set on open).
  `
  ALTER TABLE projects ADD COLUMN retention_days INTEGER;
  ALTER TABLE sessions ADD COLUMN ip TEXT;
  CREATE INDEX sessions_by_project_end ON sessions(project_id, coalesce(last_batch_at, ended_at));
  INSERT INTO search_text(search_text, rank) VALUES ('secure-delete', 1);
  `,
  // v7: chunk stores and packing (store/chunks). chunk_path is the chunk-store key; after a
  // session is compacted its batches point into one pack object at [chunk_offset,
  // chunk_offset + chunk_length). Both null = the whole object.
  `
  ALTER TABLE batches ADD COLUMN chunk_offset INTEGER;
  ALTER TABLE batches ADD COLUMN chunk_length INTEGER;
  CREATE INDEX batches_by_chunk ON batches(chunk_path);
  -- Compaction candidates: only unpacked batches are in it, so it stays small.
  CREATE INDEX batches_unpacked ON batches(session_id) WHERE chunk_offset IS NULL;
  `,
  // v8: the replay index (ingest/snapshots.ts): one row per rrweb full snapshot, written with its
  // batch, so the viewer plans range loading from GET /api/v1/sessions/:id/timeline and reads only
  // the chunks around the playhead. Sessions stored before v8 have no rows (the viewer then loads
  // everything, as before).
  fullSnapshotsDdl(SQLITE_TYPES),
  // v9: the per-session byte cap (ingest/session-cap.ts): the uncompressed JSON bytes of the
  // session's batches (counted from this version on), and whether a batch was refused for it.
  sessionCapDdl(SQLITE_TYPES),
  // v10: session binding (store/session-access.ts): the SHA-256 of the session key its first batch
  // carried; later batches must carry the same key. Null for sessions without one (older recorders).
  `
  ALTER TABLE sessions ADD COLUMN key_hash TEXT;
  `,
  // v11: access control (auth/access.ts, docs/access.md). Per-project membership of users, and API
  // tokens with a scope, a project list, an expiry and a revocation time. Upgrades keep working:
  // every existing user becomes a `member` of every existing project (admins stay admins), and
  // existing tokens keep what they could do (write, every project, no expiry).
  accessControlDdl(SQLITE_TYPES, '\n  -- JSON array of project ids; NULL = every project the owner may access.'),
  // v12: captured assets (assets/): a project's asset mode; per project, each asset URL once with
  // what fetching it gave (the bytes are an object `assets/<projectId>/<sha256>` in the chunk
  // store, shared by every URL with the same content); which sessions reference which URLs, so
  // retention removes assets no session references any more.
  assetsDdl(SQLITE_TYPES),
  // v13: the batch's chunk-store key is `chunk_key`, as in PostgreSQL, so both backends (and the
  // store core, store/core/) name it alike. The batches_by_chunk index follows the rename.
  `
  ALTER TABLE batches RENAME COLUMN chunk_path TO chunk_key;
  `,
  // v14: backend traces (OTLP, docs/otlp.md): the trace id of each recorded request, the spans and
  // logs kept for them, the spans and logs waiting for their trace id, and the session's backend errors.
  otlpDdl(SQLITE_TYPES),
  // v15: share links (shares/) with their open log, and per-project webhooks (webhooks/) with
  // saved-search alerts and the delivery queue and log.
  sharesWebhooksDdl(SQLITE_TYPES),
  // v16 (PostgreSQL 9): comments pinned to a moment of a session, with a sketch in page
  // coordinates (store/core/comments.ts, docs/comments.md).
  commentsDdl(SQLITE_TYPES),
  // v17 (PostgreSQL 10): releases and source maps (sourcemaps/, docs/sourcemaps.md).
  // The session's and each error's release, uploaded maps by project, release and minified URL
  // (bytes in the chunk store), and the origins a project lets the server fetch public maps from.
  sourcemapsDdl(SQLITE_TYPES),
  // v18 (PostgreSQL 11): errors grouped into issues (issues/, docs/issues.md): issues, the error→issue links
  // (removed with their session) and when each release was first seen.
  issuesDdl(SQLITE_TYPES),
  // v19 (PostgreSQL 12): ingest packing (sqlite/ingest-packs.ts): the batches of one group commit
  // share one object `<projectId>/~packs/…`, each row naming its segment. Compaction copies those
  // segments out (core/session-chunks.ts), so its candidates are whole objects and shared-pack
  // segments; the predicate is the literal the query uses.
  `
  CREATE INDEX batches_compactable ON batches(session_id) WHERE chunk_offset IS NULL OR chunk_key LIKE '%/~packs/%';
  DROP INDEX batches_unpacked;
  `,
  // v20 (PostgreSQL 13): deleted sessions' ids for a week, so ingest refuses a deleted session's
  // later batches instead of storing them as a new session (store/deleted-sessions.ts).
  deletedSessionsDdl(SQLITE_TYPES),
];

/** Brings the database to `target` (default: the latest; tests stop earlier to check an upgrade). */
export function migrate(db: Database.Database, target = MIGRATIONS.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this Reprise (${MIGRATIONS.length}); upgrade Reprise`);
  }
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
