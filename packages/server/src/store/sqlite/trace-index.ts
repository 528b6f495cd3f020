import type Database from 'better-sqlite3';
import type { IndexSealer } from '../index-seal.js';
import {
  deletePendingOf,
  distinctTraceIds,
  exportItems,
  itemInsert,
  itemIsError,
  pendingItem,
  pendingOf,
  pendingValues,
  sessionsOf,
  TRACE_SQL,
  type AppendOtlpInput,
  type AppendOtlpResult,
  type PendingRow,
  type TraceIdList,
  type TraceItem,
  type TraceRow,
} from '../trace-rows.js';
import { syncSql, type SyncSql } from './sql.js';

const IDS: TraceIdList = { condition: 'IN (SELECT value FROM json_each($2))', param: (ids) => JSON.stringify(ids) };

/**
 * Backend traces in SQLite (store/trace-rows.ts). Everything runs synchronously inside one
 * transaction, so an export and a batch naming the same trace never interleave: a span is either
 * matched by the export or parked and then taken over by the batch.
 */
export class SqliteTraceIndex {
  private readonly q: SyncSql;
  private readonly appendTx: (input: AppendOtlpInput) => AppendOtlpResult;

  constructor(
    db: Database.Database,
    private readonly sealer: () => IndexSealer | null,
  ) {
    this.q = syncSql(db);
    this.appendTx = db.transaction((input: AppendOtlpInput) => this.appendRows(input));
  }

  /** In a batch's transaction: its requests' trace ids, and what was pending for them. */
  writeBatch(sessionId: string, projectId: string, rows: TraceRow[] | undefined): void {
    if (!rows || rows.length === 0) return;
    for (const r of rows) this.q.run(TRACE_SQL.insertRequest, [sessionId, projectId, r.traceId, r.requestId, Math.round(r.t)]);
    const ids = IDS.param(distinctTraceIds(rows.map((r) => r.traceId)));
    const pending = this.q.all<PendingRow>(pendingOf(IDS), [projectId, ids]);
    if (pending.length === 0) return;
    let errors = 0;
    for (const row of pending) {
      const item = pendingItem(row, this.sealer());
      if (item && this.storeItem(sessionId, item)) errors++;
    }
    this.q.run(deletePendingOf(IDS), [projectId, ids]);
    if (errors > 0) this.q.run(TRACE_SQL.addErrors, [errors, sessionId]);
  }

  append(input: AppendOtlpInput): AppendOtlpResult {
    return this.appendTx(input);
  }

  private appendRows(input: AppendOtlpInput): AppendOtlpResult {
    const items = exportItems(input);
    const result: AppendOtlpResult = { stored: 0, pending: 0, dropped: 0 };
    if (items.length === 0) return result;
    const ids = IDS.param(distinctTraceIds(items.map((i) => i.value.traceId)));
    const sessions = new Map<string, string[]>();
    for (const r of this.q.all<{ session_id: string; trace_id: string }>(sessionsOf(IDS), [input.projectId, ids])) {
      sessions.set(r.trace_id, [...(sessions.get(r.trace_id) ?? []), r.session_id]);
    }
    const errors = new Map<string, number>();
    let pendingBytes = -1;
    for (const item of items) {
      const owners = sessions.get(item.value.traceId);
      if (owners) {
        for (const sid of owners) if (this.storeItem(sid, item)) errors.set(sid, (errors.get(sid) ?? 0) + 1);
        result.stored++;
        continue;
      }
      if (pendingBytes < 0) pendingBytes = this.q.all<{ n: number }>(TRACE_SQL.pendingBytes, [input.projectId])[0]!.n;
      const values = pendingValues(input.projectId, item, input.receivedAt, this.sealer());
      const size = values[5] as number;
      if (pendingBytes + size > input.pendingMaxBytes) {
        result.dropped++;
        continue;
      }
      pendingBytes += this.q.run(TRACE_SQL.insertPending, values) > 0 ? size : 0;
      result.pending++;
    }
    for (const [sid, n] of errors) this.q.run(TRACE_SQL.addErrors, [n, sid]);
    return result;
  }

  /** Stores one item for a session; true when it is new and an error (to count). */
  private storeItem(sessionId: string, item: TraceItem): boolean {
    const { sql, values } = itemInsert(sessionId, item, this.sealer());
    return this.q.run(sql, values) > 0 && itemIsError(item);
  }
}
