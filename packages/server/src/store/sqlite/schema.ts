import type Database from 'better-sqlite3';

/**
 * Ordered migrations; `PRAGMA user_version` records how many ran. A database
 * newer than this code refuses to open rather than being silently misread.
 */
const MIGRATIONS: string[] = [
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
    first_url TEXT,
    first_url_seq INTEGER,
    user_agent TEXT,
    browser TEXT,
    browser_version TEXT,
    os TEXT,
    os_version TEXT,
    device TEXT,
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
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this Reprise (${MIGRATIONS.length}); upgrade Reprise`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
