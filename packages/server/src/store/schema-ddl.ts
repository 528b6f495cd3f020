/**
 * DDL both backends' migration histories repeat (SQLite v8–v12 = PostgreSQL 2–6), written once
 * for a dialect's column types. Each backend keeps its own ordered list of migrations
 * (sqlite/schema.ts, postgres/migrations.ts); an entry here yields exactly the statements that
 * migration has always run, so databases migrated before and after it are alike.
 */
export interface DdlTypes {
  /** A text id that other tables reference (PostgreSQL: byte order, like SQLite). */
  id: string;
  /** Epoch ms, counts of bytes. */
  bigint: string;
  /** A 0/1 flag. */
  flag: string;
  /** A JSON value. */
  json: string;
  /** Before an index's column list (PostgreSQL's migrations put a space there). */
  on: string;
}

export const SQLITE_TYPES: DdlTypes = { id: 'TEXT', bigint: 'INTEGER', flag: 'INTEGER', json: 'TEXT', on: '' };
export const PG_TYPES: DdlTypes = { id: 'TEXT COLLATE "C"', bigint: 'BIGINT', flag: 'SMALLINT', json: 'JSONB', on: ' ' };

/** A session's page and client facts (sessions table, the same in both dialects' first migration). */
export const SESSION_FACT_COLUMNS = `first_url TEXT,
    first_url_seq INTEGER,
    user_agent TEXT,
    browser TEXT,
    browser_version TEXT,
    os TEXT,
    os_version TEXT,
    device TEXT,`;

/** The replay index (ingest/snapshots.ts): one row per rrweb full snapshot, written with its batch. */
export const fullSnapshotsDdl = (d: DdlTypes): string => `
  CREATE TABLE full_snapshots (
    session_id ${d.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t ${d.bigint} NOT NULL,
    -- Where loading must start to replay from here: the rrweb Meta just before the snapshot.
    start_t ${d.bigint} NOT NULL
  );
  CREATE INDEX full_snapshots_by_session ON full_snapshots${d.on}(session_id, t);
  `;

/** The per-session byte cap (ingest/session-cap.ts). */
export const sessionCapDdl = (d: DdlTypes): string => `
  ALTER TABLE sessions ADD COLUMN stored_bytes ${d.bigint} NOT NULL DEFAULT 0;
  ALTER TABLE sessions ADD COLUMN truncated ${d.flag} NOT NULL DEFAULT 0;
  `;

/** Access control: per-project membership (every existing user a `member`), scoped API tokens. */
export const accessControlDdl = (d: DdlTypes, projectIdsComment = ''): string => `
  CREATE TABLE project_members (
    project_id ${d.id} NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id ${d.id} NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
  );
  CREATE INDEX project_members_by_user ON project_members${d.on}(user_id);
  INSERT INTO project_members (project_id, user_id, role) SELECT p.id, u.id, 'member' FROM projects p CROSS JOIN users u;
  ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'write';${projectIdsComment}
  ALTER TABLE api_tokens ADD COLUMN project_ids ${d.json};
  ALTER TABLE api_tokens ADD COLUMN expires_at ${d.bigint};
  ALTER TABLE api_tokens ADD COLUMN revoked_at ${d.bigint};
  CREATE INDEX api_tokens_by_user ON api_tokens${d.on}(user_id, created_at);
  `;

/** Captured assets (assets/): a project's mode, each asset URL once, the sessions referencing them. */
export const assetsDdl = (d: DdlTypes): string => `
  CREATE TABLE asset_settings (
    project_id ${d.id} PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
    mode TEXT NOT NULL
  );
  CREATE TABLE assets (
    project_id ${d.id} NOT NULL,
    url ${d.id} NOT NULL,
    status TEXT NOT NULL,
    hash TEXT,
    content_type TEXT,
    bytes ${d.bigint},
    error TEXT,
    updated_at ${d.bigint} NOT NULL,
    PRIMARY KEY (project_id, url)
  );
  CREATE INDEX assets_by_hash ON assets${d.on}(project_id, hash);
  CREATE TABLE session_assets (
    session_id ${d.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    project_id ${d.id} NOT NULL,
    url ${d.id} NOT NULL,
    PRIMARY KEY (session_id, url)
  );
  CREATE INDEX session_assets_by_url ON session_assets${d.on}(project_id, url);
  `;

/**
 * Errors grouped into issues (issues/, docs/issues.md; SQLite v16 = PostgreSQL 9):
 * - issues: one per (project, fingerprint), with its type, normalised message (no ids, so erasing
 *   a session leaves nothing of it here) and its status. Counts, sessions, users, first and last
 *   seen and releases are derived from the links, so retention and erasure keep them right;
 * - issue_errors: one row per error occurrence linked to its issue, removed with its session;
 * - issue_releases: when the project first saw each release (the regression rule's order for
 *   releases that are not semantic versions). Release names only: nothing personal.
 */
export function issuesDdl(t: DdlTypes): string {
  return `
  CREATE TABLE issues (
    id ${t.id} PRIMARY KEY,
    project_id ${t.id} NOT NULL REFERENCES projects(id),
    fingerprint TEXT NOT NULL,
    type TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at ${t.bigint} NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    resolved_in TEXT,
    resolved_at ${t.bigint},
    status_changed_at ${t.bigint},
    UNIQUE (project_id, fingerprint)
  );
  CREATE TABLE issue_errors (
    issue_id ${t.id} NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    session_id ${t.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t ${t.bigint} NOT NULL,
    release TEXT
  );
  CREATE INDEX issue_errors_by_issue ON issue_errors${t.on}(issue_id, t);
  CREATE INDEX issue_errors_by_session ON issue_errors${t.on}(session_id, issue_id);
  CREATE TABLE issue_releases (
    project_id ${t.id} NOT NULL REFERENCES projects(id),
    release TEXT NOT NULL,
    first_seen ${t.bigint} NOT NULL,
    PRIMARY KEY (project_id, release)
  );
  `;
}

/**
 * Releases and source maps (sourcemaps/): the release of a session (its first batch's) and of
 * each error; per project, release and minified-file URL one uploaded map, its bytes an object
 * `sourcemaps/<projectId>/<sha256>` in the chunk store; which origins the server may fetch
 * public maps from (a JSON array; NULL = fetching off, the default).
 */
export const sourcemapsDdl = (d: DdlTypes): string => `
  ALTER TABLE sessions ADD COLUMN release TEXT;
  CREATE INDEX sessions_by_release ON sessions${d.on}(project_id, release);
  ALTER TABLE errors ADD COLUMN release TEXT;
  ALTER TABLE projects ADD COLUMN sourcemap_fetch_origins ${d.json};
  CREATE TABLE sourcemaps (
    project_id ${d.id} NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    release ${d.id} NOT NULL,
    url ${d.id} NOT NULL,
    debug_id TEXT,
    hash TEXT NOT NULL,
    bytes ${d.bigint} NOT NULL,
    created_at ${d.bigint} NOT NULL,
    PRIMARY KEY (project_id, release, url)
  );
  CREATE INDEX sourcemaps_by_url ON sourcemaps${d.on}(project_id, url);
  CREATE INDEX sourcemaps_by_debug_id ON sourcemaps${d.on}(project_id, debug_id);
  `;
