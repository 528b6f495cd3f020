import type pg from 'pg';
import {
  accessControlDdl,
  assetsDdl,
  commentsDdl,
  fullSnapshotsDdl,
  issuesDdl,
  otlpDdl,
  PG_TYPES,
  SESSION_FACT_COLUMNS,
  sessionCapDdl,
  sharesWebhooksDdl,
  sourcemapsDdl,
  deletedSessionsDdl,
} from '../schema-ddl.js';
import { createClient } from './pool.js';

/**
 * The time-partitioned tables (partitions.ts creates and drops their monthly partitions), in the
 * order an append writes them: partition DDL locks them in this order too.
 */
export const PARTITIONED_TABLES = ['network_requests', 'console_messages', 'errors', 'clicks', 'signals', 'pages'] as const;

/**
 * Ordered PostgreSQL migrations; `schema_migrations` records each applied version. Same tables
 * and columns as the SQLite schema (store/sqlite/schema.ts, v1–v13) with these differences:
 * - ids are `COLLATE "C"` so keyset order (started_at, id) is byte order, as in SQLite;
 * - the per-event index tables (network_requests, console_messages, errors, pages, clicks, signals)
 *   are partitioned by RANGE on `t` (epoch ms): monthly partitions (partitions.ts) plus a DEFAULT
 *   one for times outside them, so retention drops whole months;
 * - search_text is a plain table with a pg_trgm GIN index (ILIKE '%x%' uses it) instead of FTS5;
 * - clicks carry a BIGSERIAL `id` in place of SQLite's rowid.
 * A database newer than this code refuses to start. N instances starting together serialize
 * on an advisory lock: the first migrates, the others then find nothing to do.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE TABLE projects (
    id TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    allowed_origins JSONB NOT NULL,
    created_at BIGINT NOT NULL,
    retention_days INTEGER
  );
  CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX users_by_email ON users (lower(email));
  CREATE TABLE login_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
  );
  CREATE TABLE api_tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE links (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    label TEXT NOT NULL,
    target_url TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    max_sessions INTEGER,
    revoked_at BIGINT,
    opened_at BIGINT,
    created_at BIGINT NOT NULL,
    created_by TEXT
  );
  CREATE INDEX links_by_created ON links (created_at DESC, id DESC);
  CREATE TABLE sessions (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    duration_ms BIGINT GENERATED ALWAYS AS (ended_at - started_at) STORED,
    ${SESSION_FACT_COLUMNS}
    ip TEXT,
    event_count BIGINT NOT NULL DEFAULT 0,
    batch_count INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT -1,
    errors INTEGER NOT NULL DEFAULT 0,
    console_errors INTEGER NOT NULL DEFAULT 0,
    console_warnings INTEGER NOT NULL DEFAULT 0,
    network_4xx INTEGER NOT NULL DEFAULT 0,
    network_5xx INTEGER NOT NULL DEFAULT 0,
    network_failed INTEGER NOT NULL DEFAULT 0,
    link_id TEXT COLLATE "C" REFERENCES links(id),
    user_id TEXT,
    tags JSONB NOT NULL DEFAULT '{}',
    feedback_count INTEGER NOT NULL DEFAULT 0,
    last_batch_at BIGINT,
    click_count INTEGER NOT NULL DEFAULT 0,
    key_count INTEGER NOT NULL DEFAULT 0,
    rage_clicks INTEGER NOT NULL DEFAULT 0,
    dead_clicks INTEGER NOT NULL DEFAULT 0,
    error_clicks INTEGER NOT NULL DEFAULT 0,
    active_ms BIGINT NOT NULL DEFAULT 0,
    page_count INTEGER NOT NULL DEFAULT 0,
    last_activity_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX sessions_by_start ON sessions (started_at DESC, id DESC);
  CREATE INDEX sessions_by_project_start ON sessions (project_id, started_at DESC);
  CREATE INDEX sessions_by_link ON sessions (link_id);
  CREATE INDEX sessions_by_duration ON sessions (duration_ms, started_at, id);
  CREATE INDEX sessions_by_errors ON sessions (errors, started_at, id);
  CREATE INDEX sessions_by_rage ON sessions (rage_clicks, started_at, id);
  CREATE INDEX sessions_by_active ON sessions (active_ms, started_at, id);
  CREATE INDEX sessions_by_user ON sessions (user_id);
  CREATE INDEX sessions_by_project_end ON sessions (project_id, (coalesce(last_batch_at, ended_at)));
  CREATE TABLE batches (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    chunk_key TEXT NOT NULL,
    chunk_format TEXT NOT NULL,
    -- After compaction the batch is [chunk_offset, chunk_offset + chunk_length) of a pack object;
    -- both NULL = the whole object (store/chunks/batch-chunks.ts).
    chunk_offset BIGINT,
    chunk_length BIGINT,
    event_count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    t_min BIGINT,
    t_max BIGINT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, seq)
  );
  -- Orphan gc asks whether a key is referenced; compaction lists sessions with unpacked batches.
  CREATE INDEX batches_by_chunk ON batches (chunk_key);
  CREATE INDEX batches_unpacked ON batches (session_id) WHERE chunk_offset IS NULL;

  CREATE TABLE network_requests (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t BIGINT NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL,
    failed SMALLINT NOT NULL,
    route TEXT
  ) PARTITION BY RANGE (t);
  CREATE INDEX network_by_session ON network_requests (session_id, t);
  CREATE INDEX network_by_status ON network_requests (status, session_id);
  CREATE INDEX network_problems ON network_requests (route, method) WHERE status >= 400 OR failed = 1;
  CREATE INDEX network_problems_by_session ON network_requests (session_id, t) WHERE status >= 400 OR failed = 1;

  CREATE TABLE console_messages (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t BIGINT NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL
  ) PARTITION BY RANGE (t);
  CREATE INDEX console_by_session ON console_messages (session_id, t);

  CREATE TABLE errors (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t BIGINT NOT NULL,
    name TEXT,
    message TEXT NOT NULL,
    stack TEXT,
    message_key TEXT
  ) PARTITION BY RANGE (t);
  CREATE INDEX errors_by_session ON errors (session_id, t);
  CREATE INDEX errors_by_key ON errors (message_key);

  CREATE TABLE pages (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t BIGINT NOT NULL,
    url TEXT NOT NULL
  ) PARTITION BY RANGE (t);
  CREATE INDEX pages_by_session ON pages (session_id, t);

  CREATE TABLE clicks (
    id BIGSERIAL,
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t BIGINT NOT NULL,
    selector TEXT NOT NULL,
    text TEXT,
    test_id TEXT,
    tag TEXT NOT NULL,
    x DOUBLE PRECISION NOT NULL,
    y DOUBLE PRECISION NOT NULL,
    node_id BIGINT,
    interactive SMALLINT NOT NULL,
    rage SMALLINT NOT NULL DEFAULT 0,
    error_click SMALLINT NOT NULL DEFAULT 0,
    -- Dead-click state: 0 answered, 1 dead, 2 still waiting for the next batch to decide.
    dead SMALLINT NOT NULL DEFAULT 0
  ) PARTITION BY RANGE (t);
  CREATE INDEX clicks_by_session ON clicks (session_id, t);
  CREATE INDEX clicks_pending ON clicks (session_id) WHERE dead = 2;

  CREATE TABLE signals (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t BIGINT NOT NULL,
    type TEXT NOT NULL,
    selector TEXT NOT NULL,
    text TEXT,
    click_count INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (session_id, type, t)
  ) PARTITION BY RANGE (t);
  CREATE INDEX signals_by_type ON signals (type, selector);

  -- Substring search (free text and text fields): one row per batch and field, trigram GIN index.
  CREATE TABLE search_text (
    session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    text TEXT NOT NULL
  );
  CREATE INDEX search_text_by_session ON search_text (session_id);
  CREATE INDEX search_text_trgm ON search_text USING gin (text gin_trgm_ops);

  CREATE TABLE saved_searches (
    id TEXT COLLATE "C" PRIMARY KEY,
    project_id TEXT COLLATE "C" NOT NULL REFERENCES projects(id),
    name TEXT COLLATE "C" NOT NULL,
    query TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX saved_searches_by_project ON saved_searches (project_id, name);
  ${defaultPartitions()}
  `,
  // 2: the replay index (ingest/snapshots.ts, SQLite v8): one row per rrweb full snapshot, written
  // with its batch. Not partitioned: a handful of rows per session, removed with the session.
  fullSnapshotsDdl(PG_TYPES),
  // 3: the per-session byte cap (SQLite v9, ingest/session-cap.ts): uncompressed JSON bytes of the
  // session's batches (counted from this version on), and whether a batch was refused for it.
  sessionCapDdl(PG_TYPES),
  // 4: session binding (store/session-access.ts, SQLite v10): the SHA-256 of the session key its
  // first batch carried. Null for sessions without one (older recorders).
  `
  ALTER TABLE sessions ADD COLUMN key_hash TEXT;
  `,
  // 5: access control (SQLite v11): per-project membership and scoped, expiring, revocable API
  // tokens. Every existing user becomes a `member` of every existing project; existing tokens
  // keep what they could do (write, every project, no expiry).
  accessControlDdl(PG_TYPES),
  // 6: captured assets (assets/, SQLite v12): a project's asset mode, each asset URL of a project
  // once with its fetch result (bytes: `assets/<projectId>/<sha256>` in the chunk store), and the
  // sessions that reference each URL (retention removes what no session references).
  assetsDdl(PG_TYPES),
  // 7: backend traces (OTLP, SQLite v14): trace ids of recorded requests, kept spans and logs, the
  // pending area every instance shares (a batch naming a trace may reach another instance) and
  // the session's backend errors. Not partitioned: removed with their session, pending rows by age.
  otlpDdl(PG_TYPES),
  // 8: share links (shares/) with their open log, and per-project webhooks (webhooks/) with
  // saved-search alerts and the delivery queue and log (SQLite v15).
  sharesWebhooksDdl(PG_TYPES),
  // 9 (SQLite v16): comments pinned to a moment of a session, with a sketch in page coordinates
  // (store/core/comments.ts).
  commentsDdl(PG_TYPES),
  // 10 (SQLite v17): releases and source maps (sourcemaps/).
  sourcemapsDdl(PG_TYPES),
  // 11: errors grouped into issues (SQLite v18, issues/, docs/issues.md): issues, the error→issue
  // links (not partitioned: removed with their session) and when each release was first seen.
  issuesDdl(PG_TYPES),
  // 12: ingest packing (postgres/ingest-packer.ts): batches of many sessions share one object
  // `<projectId>/~packs/…`, each row naming its segment. Compaction copies those segments out
  // (core/session-chunks.ts), so its candidates are whole objects and shared-pack segments; the
  // predicate is the literal the query uses. SQLite v19 is the same.
  `
  CREATE INDEX batches_compactable ON batches (session_id) WHERE chunk_offset IS NULL OR chunk_key LIKE '%/~packs/%';
  DROP INDEX batches_unpacked;
  `,
  // 13 (SQLite v20): deleted sessions' ids for a week, so ingest refuses a deleted session's
  // later batches instead of storing them as a new session (store/deleted-sessions.ts).
  deletedSessionsDdl(PG_TYPES),
];

/** The safety net: rows whose time falls in no monthly partition (skewed tab clocks, far past or future). */
function defaultPartitions(): string {
  return PARTITIONED_TABLES.map((t) => `CREATE TABLE ${t}_default PARTITION OF ${t} DEFAULT;`).join('\n  ');
}

/** Arbitrary constant: the advisory lock every instance takes while checking or running migrations. */
const MIGRATION_LOCK = 727_274_001;

export interface SchemaState {
  current: number;
  latest: number;
}

export async function schemaVersion(db: Pick<pg.Client, 'query'>): Promise<number> {
  const exists = await db.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS ok`);
  if (!exists.rows[0].ok) return 0;
  const r = await db.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
  return Number(r.rows[0].v);
}

/**
 * Brings the database to the latest version (under an advisory lock, one transaction per
 * migration) and returns the versions before and after. Refuses a database newer than the code.
 */
export async function migrate(url: string, log: (msg: string) => void = () => undefined): Promise<SchemaState> {
  const client = createClient(url, 'reprise-migrate');
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
      const current = await schemaVersion(client);
      assertNotNewer(current);
      for (let v = current; v < MIGRATIONS.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[v]!);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${v + 1} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        log(`applied migration ${v + 1}`);
      }
      return { current, latest: MIGRATIONS.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await client.end();
  }
}

/** Without auto-migration: the database must be exactly at this code's version. */
export async function checkSchema(db: Pick<pg.Client, 'query'>): Promise<void> {
  const current = await schemaVersion(db);
  assertNotNewer(current);
  if (current < MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is older than this Reprise (${MIGRATIONS.length}); run \`reprise migrate\` ` +
        '(or start with REPRISE_AUTO_MIGRATE=1)',
    );
  }
}

function assertNotNewer(current: number): void {
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this Reprise (${MIGRATIONS.length}); upgrade Reprise`);
  }
}
