import Database from 'better-sqlite3';
import { MAX_TAGS } from '../../packages/server/src/store/index-rows.js';
import { issueWrites, runIssueWritesSync } from '../../packages/server/src/store/issue-rows.js';
import { SignalIndexWriter } from '../../packages/server/src/store/sqlite/signal-index.js';
import { sqliteSyncExec } from '../../packages/server/src/store/sqlite/sql.js';
import type { SeedRecord } from './search-seed-data.js';

/**
 * The writing worker's half of seeding, on the store's database: session rows as appendBatch
 * leaves a new session after its first batch (store/sqlite/batch-append.ts, folded into one
 * INSERT where appendBatch inserts the row and then updates it), and the store's own
 * SignalIndexWriter for clicks, signals, pages, search text and snapshots, and its issue
 * statements for the errors grouped into issues.
 */
export class SeedWriter {
  private readonly db: Database.Database;
  private readonly signals: SignalIndexWriter;
  private readonly insertSession: Database.Statement;
  private readonly exec: ReturnType<typeof sqliteSyncExec>;

  constructor(
    file: string,
    private readonly projectId: string,
  ) {
    this.db = new Database(file);
    // A throwaway bulk load: nothing needs to survive a crash, and the rows are valid by construction.
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('cache_size = -262144');
    this.signals = new SignalIndexWriter(this.db);
    this.exec = sqliteSyncExec(this.db);
    this.insertSession = this.db.prepare(
      `INSERT INTO sessions (id, project_id, started_at, ended_at, first_url, first_url_seq, user_agent,
         browser, browser_version, os, os_version, device, created_at, updated_at, link_id, ip,
         event_count, batch_count, last_seq, errors, console_errors, console_warnings, network_4xx, network_5xx,
         network_failed, feedback_count, user_id, last_batch_at, tags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** One transaction for the whole chunk. */
  write(records: readonly SeedRecord[]): void {
    this.db.transaction(() => {
      for (const r of records) this.writeOne(r);
    })();
  }

  close(): void {
    this.db.close();
  }

  private writeOne(r: SeedRecord): void {
    const { sessionId: id, seq, index } = r;
    const c = index.counts;
    const f = r.facts;
    this.insertSession.run(
      id,
      this.projectId,
      r.tMin === null ? r.receivedAt : Math.round(r.tMin),
      r.tMax === null ? r.receivedAt : Math.round(r.tMax),
      r.url,
      r.url ? seq : null,
      f.userAgent,
      f.browser,
      f.browserVersion,
      f.os,
      f.osVersion,
      f.device,
      r.receivedAt,
      r.receivedAt,
      f.ip ?? null,
      r.eventCount,
      seq,
      c.errors,
      c.consoleErrors,
      c.consoleWarnings,
      c.network4xx,
      c.network5xx,
      c.networkFailed,
      c.feedback,
      index.userId,
      Math.max(0, r.receivedAt),
      tagsJson(index.tags),
    );
    this.signals.write(id, seq, index);
    runIssueWritesSync(issueWrites(this.projectId, id, index.errors, r.receivedAt), this.exec);
  }
}

/** A new session's tags after its first batch: '{}' merged with the batch's, capped as appendBatch caps them. */
function tagsJson(tags: Record<string, string>): string {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (Object.keys(out).length < MAX_TAGS)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return JSON.stringify(out);
}
