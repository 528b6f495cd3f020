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
 * Backend traces (OTLP, docs/otlp.md): the trace id each recorded request carried, the spans and
 * log records kept for them (a redacted BackendSpan/BackendLog JSON in `data`, sealed when the index
 * is encrypted), and what arrived before its trace id was recorded (`otlp_pending`, shared by every
 * instance: the batch naming the trace may reach another server). Spans and logs go with their
 * session (cascade); pending rows expire by age (ingest/otlp/pending.ts).
 */
export const otlpDdl = (d: DdlTypes): string => `
  ALTER TABLE sessions ADD COLUMN backend_errors INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE trace_requests (
    session_id ${d.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    project_id ${d.id} NOT NULL,
    trace_id ${d.id} NOT NULL,
    request_id TEXT NOT NULL,
    t ${d.bigint} NOT NULL,
    PRIMARY KEY (session_id, trace_id, request_id)
  );
  CREATE INDEX trace_requests_by_trace ON trace_requests${d.on}(project_id, trace_id);
  CREATE TABLE backend_spans (
    session_id ${d.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    trace_id ${d.id} NOT NULL,
    span_id ${d.id} NOT NULL,
    service TEXT NOT NULL,
    name TEXT NOT NULL,
    start_ms ${d.bigint} NOT NULL,
    error ${d.flag} NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (session_id, trace_id, span_id)
  );
  CREATE TABLE backend_logs (
    session_id ${d.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    trace_id ${d.id} NOT NULL,
    -- A digest of the record: an exporter's retry of the same record is stored once.
    log_key ${d.id} NOT NULL,
    service TEXT NOT NULL,
    time_ms ${d.bigint} NOT NULL,
    error ${d.flag} NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (session_id, trace_id, log_key)
  );
  CREATE TABLE otlp_pending (
    project_id ${d.id} NOT NULL,
    trace_id ${d.id} NOT NULL,
    kind TEXT NOT NULL,
    item_key ${d.id} NOT NULL,
    received_at ${d.bigint} NOT NULL,
    bytes INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (project_id, trace_id, kind, item_key)
  );
  CREATE INDEX otlp_pending_by_age ON otlp_pending${d.on}(received_at);
  CREATE INDEX otlp_pending_by_project ON otlp_pending${d.on}(project_id, received_at);
  `;

/**
 * Share links (shares/) and outgoing webhooks (webhooks/). A share link's token is never stored,
 * only its SHA-256; its opens are logged one row each. A webhook's secret is stored as given: the
 * server needs it to sign. Deliveries are the queue and its log at once: pending rows are claimed
 * by a lease (`locked_until`), so with several instances each is sent by one.
 */
export const sharesWebhooksDdl = (d: DdlTypes): string => `
  CREATE TABLE share_links (
    id ${d.id} PRIMARY KEY,
    project_id ${d.id} NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    session_id ${d.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    -- 'full': every panel; 'strict': no network bodies, no console arguments (stripped by the server).
    view TEXT NOT NULL,
    range_from ${d.bigint},
    range_to ${d.bigint},
    created_by TEXT,
    created_at ${d.bigint} NOT NULL,
    expires_at ${d.bigint} NOT NULL,
    revoked_at ${d.bigint},
    last_opened_at ${d.bigint},
    open_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX share_links_by_session ON share_links${d.on}(session_id, created_at);
  CREATE TABLE share_opens (
    share_id ${d.id} NOT NULL REFERENCES share_links(id) ON DELETE CASCADE,
    opened_at ${d.bigint} NOT NULL
  );
  CREATE INDEX share_opens_by_share ON share_opens${d.on}(share_id, opened_at);
  CREATE TABLE webhooks (
    id ${d.id} PRIMARY KEY,
    project_id ${d.id} NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    -- 'json' or 'slack'
    format TEXT NOT NULL,
    -- JSON array of 'feedback', 'link_session', 'alert'
    events ${d.json} NOT NULL,
    created_by TEXT,
    created_at ${d.bigint} NOT NULL
  );
  CREATE INDEX webhooks_by_project ON webhooks${d.on}(project_id);
  -- A saved search as an alert: at most one delivery per min_interval_ms; sessions started after
  -- checked_at are the new ones.
  CREATE TABLE search_alerts (
    saved_search_id ${d.id} PRIMARY KEY REFERENCES saved_searches(id) ON DELETE CASCADE,
    project_id ${d.id} NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    min_interval_ms ${d.bigint} NOT NULL,
    checked_at ${d.bigint} NOT NULL,
    last_fired_at ${d.bigint}
  );
  CREATE TABLE webhook_deliveries (
    id ${d.id} PRIMARY KEY,
    webhook_id ${d.id} NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    project_id ${d.id} NOT NULL,
    session_id ${d.id} REFERENCES sessions(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    -- One delivery per (webhook, what happened), whichever instance noticed it first.
    dedupe_key TEXT NOT NULL,
    body TEXT NOT NULL,
    -- 'pending', 'delivered' or 'failed' (attempts used up)
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at ${d.bigint} NOT NULL,
    locked_until ${d.bigint},
    last_status INTEGER,
    last_error TEXT,
    created_at ${d.bigint} NOT NULL,
    finished_at ${d.bigint},
    UNIQUE (webhook_id, dedupe_key)
  );
  CREATE INDEX webhook_deliveries_due ON webhook_deliveries${d.on}(status, next_attempt_at);
  CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries${d.on}(webhook_id, created_at);
  `;

/**
 * Comments pinned to a moment of a session (store/core/comments.ts): removed with their session
 * (retention, erasure, delete) by the foreign key; an author's account removed leaves the comment.
 * `shapes` and `element` are JSON text in both dialects (only ever read whole).
 */
export const commentsDdl = (d: DdlTypes): string => `
  CREATE TABLE comments (
    id ${d.id} PRIMARY KEY,
    session_id ${d.id} NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    offset_ms ${d.bigint} NOT NULL,
    text TEXT NOT NULL,
    shapes TEXT NOT NULL,
    element TEXT,
    author_id ${d.id} REFERENCES users(id) ON DELETE SET NULL,
    created_at ${d.bigint} NOT NULL,
    updated_at ${d.bigint} NOT NULL
  );
  CREATE INDEX comments_by_session ON comments${d.on}(session_id, offset_ms);
  `;

/**
 * Errors grouped into issues (issues/, docs/issues.md; SQLite v18 = PostgreSQL 11):
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

/**
 * Deleted sessions (SQLite v20, PostgreSQL 13): the id of each session deleted in the last
 * week (deleted-sessions.ts), so a tab still recording it cannot bring it back: ingest refuses its
 * later batches with 410 session_deleted. Only the random id is kept; retention prunes old rows.
 */
export const deletedSessionsDdl = (d: DdlTypes): string => `
  CREATE TABLE deleted_sessions (
    id ${d.id} PRIMARY KEY,
    deleted_at ${d.bigint} NOT NULL
  );
  CREATE INDEX deleted_sessions_by_time ON deleted_sessions${d.on}(deleted_at);
  `;
