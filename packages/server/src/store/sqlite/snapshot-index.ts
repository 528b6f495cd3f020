import type Database from 'better-sqlite3';
import type { SnapshotRow } from '../index-rows.js';

/**
 * Writes a batch's full-snapshot rows (the replay index, ingest/snapshots.ts). Called by
 * SignalIndexWriter inside appendBatch's transaction, so the rows commit with their batch.
 */
export class SnapshotIndexWriter {
  private readonly insert: Database.Statement;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO full_snapshots (session_id, seq, t, start_t) VALUES (?, ?, ?, ?)');
  }

  write(sessionId: string, seq: number, rows: readonly SnapshotRow[]): void {
    for (const r of rows) this.insert.run(sessionId, seq, Math.round(r.t), Math.round(r.startT));
  }
}
