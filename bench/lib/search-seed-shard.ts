import Database from 'better-sqlite3';
import { CHUNK_FORMAT } from '../../packages/server/src/store/chunk-codec.js';
import type { SeedRecord } from './search-seed-data.js';

/**
 * Tables the generating worker fills in a database of its own (the shard) while the writer
 * fills the store's; seedStore then copies them in whole. Nothing at ingest reads them back, so
 * they fill without indexes, which are built once at the end, in the shard.
 */
export const SHARD_TABLES = ['batches', 'network_requests', 'console_messages', 'errors'];

/** The shared chunk every seeded batch row points at (search never reads chunks). */
export interface SharedChunk {
  key: string;
  bytes: number;
}

/**
 * appendBatch's rows of SHARD_TABLES for a new session's first batch (store/sqlite/batch-append.ts,
 * insertRows and insertIndexRows), in session order, so rowids come out as a server's would.
 */
export class ShardWriter {
  private readonly db: Database.Database;
  private readonly q;

  /** `tableSql`: the store's own CREATE TABLE statements of SHARD_TABLES, so the copy is exact. */
  constructor(
    file: string,
    tableSql: readonly string[],
    private readonly chunk: SharedChunk,
  ) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('locking_mode = EXCLUSIVE');
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma('cache_size = -131072');
    for (const sql of tableSql) this.db.exec(sql);
    this.q = {
      batch: this.db.prepare(
        `INSERT INTO batches (session_id, seq, chunk_key, chunk_format, event_count, bytes, t_min, t_max, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      net: this.db.prepare(
        'INSERT INTO network_requests (session_id, seq, t, method, url, status, duration_ms, failed, route) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      con: this.db.prepare('INSERT INTO console_messages (session_id, seq, t, level, text) VALUES (?, ?, ?, ?, ?)'),
      err: this.db.prepare('INSERT INTO errors (session_id, seq, t, name, message, stack, message_key) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    };
  }

  /** One transaction for the whole chunk. */
  write(records: readonly SeedRecord[]): void {
    const { q, chunk } = this;
    this.db.transaction(() => {
      for (const r of records) {
        const { sessionId: id, seq, index } = r;
        q.batch.run(
          id,
          seq,
          chunk.key,
          CHUNK_FORMAT,
          r.eventCount,
          chunk.bytes,
          r.tMin === null ? null : Math.round(r.tMin),
          r.tMax === null ? null : Math.round(r.tMax),
          r.receivedAt,
        );
        for (const n of index.network)
          q.net.run(id, seq, Math.round(n.t), n.method, n.url, n.status, n.durationMs, n.failed ? 1 : 0, n.route);
        for (const m of index.console) q.con.run(id, seq, Math.round(m.t), m.level, m.text);
        for (const e of index.errors) q.err.run(id, seq, Math.round(e.t), e.name, e.message, e.stack, e.messageKey);
      }
    })();
  }

  /** Builds the store's indexes of SHARD_TABLES (`indexSql`: its CREATE INDEX statements) and closes. */
  finish(indexSql: readonly string[]): void {
    this.db.pragma('threads = 2');
    for (const sql of indexSql) this.db.exec(sql);
    this.db.close();
  }
}
