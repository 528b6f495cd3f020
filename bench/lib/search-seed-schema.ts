import type Database from 'better-sqlite3';
import { SHARD_TABLES } from './search-seed-shard.js';

/**
 * Tables the writer fills row by row whose secondary indexes nothing at ingest reads (the signal
 * writer reads clicks, signals and sessions by id): built once at the end, which costs a
 * fraction of row-by-row upkeep.
 */
const DEFERRED_INDEX_TABLES = ['sessions', 'pages'];

/** The store's own schema statements the bulk load needs, taken from the migrated database. */
export interface BulkLoadPlan {
  shardTableSql: string[];
  shardIndexSql: string[];
  deferredIndexSql: string[];
}

function schemaSql(db: Database.Database, type: 'table' | 'index', tables: readonly string[]): string[] {
  const marks = tables.map(() => '?').join(', ');
  return db
    .prepare(`SELECT sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL AND tbl_name IN (${marks}) ORDER BY rowid`)
    .pluck()
    .all(type, ...tables) as string[];
}

/** Reads what the shard needs and drops the deferred indexes (finishBulkLoad builds them again). */
export function prepareBulkLoad(db: Database.Database): BulkLoadPlan {
  const plan = {
    shardTableSql: schemaSql(db, 'table', SHARD_TABLES),
    shardIndexSql: schemaSql(db, 'index', SHARD_TABLES),
    deferredIndexSql: schemaSql(db, 'index', DEFERRED_INDEX_TABLES),
  };
  const names = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${DEFERRED_INDEX_TABLES.map(() => '?').join(', ')})`,
    )
    .pluck()
    .all(...DEFERRED_INDEX_TABLES) as string[];
  for (const n of names) db.exec(`DROP INDEX "${n}"`);
  return plan;
}

/**
 * Copies the shard's tables in (same definitions and indexes, empty targets: SQLite copies rows
 * and index entries as they are, in rowid order), builds the deferred indexes, and leaves the
 * database as a store opens it (WAL).
 */
export function finishBulkLoad(db: Database.Database, shardFile: string, plan: BulkLoadPlan): void {
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -262144');
  db.pragma('threads = 2');
  db.prepare('ATTACH DATABASE ? AS shard').run(shardFile);
  db.transaction(() => {
    for (const t of SHARD_TABLES) db.exec(`INSERT INTO main."${t}" SELECT * FROM shard."${t}"`);
  })();
  db.exec('DETACH DATABASE shard');
  for (const sql of plan.deferredIndexSql) db.exec(sql);
  db.pragma('journal_mode = WAL');
}
