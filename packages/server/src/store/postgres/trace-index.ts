import type pg from 'pg';
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
import { withTransaction, type Queryable } from './pool.js';

const IDS: TraceIdList = { condition: '= ANY($2::text[])', param: (ids) => ids };

/**
 * Backend traces in PostgreSQL (store/trace-rows.ts). Instances share the pending area, so an
 * export and a batch naming the same trace may run at once on two servers: both take a
 * transaction-scoped advisory lock per (project, trace id), in sorted order and before any row
 * lock (the batch before locking its session), so the export either sees the batch's
 * `trace_requests` row or parks its spans before the batch looks for them.
 */
export async function lockTraces(c: Queryable, projectId: string, traceIds: string[]): Promise<void> {
  if (traceIds.length === 0) return;
  await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || id, 0)) FROM unnest($2::text[]) AS id ORDER BY id`, [
    projectId,
    distinctTraceIds(traceIds),
  ]);
}

/** In a batch's transaction (traces locked first): its requests' trace ids, and what was pending for them. */
export async function writeBatchTraces(
  c: Queryable,
  sessionId: string,
  projectId: string,
  rows: TraceRow[] | undefined,
  sealer: IndexSealer | null,
): Promise<void> {
  if (!rows || rows.length === 0) return;
  for (const r of rows) await c.query(TRACE_SQL.insertRequest, [sessionId, projectId, r.traceId, r.requestId, Math.round(r.t)]);
  const ids = IDS.param(distinctTraceIds(rows.map((r) => r.traceId)));
  const pending = (await c.query<PendingRow>(pendingOf(IDS), [projectId, ids])).rows;
  if (pending.length === 0) return;
  let errors = 0;
  for (const row of pending) {
    const item = pendingItem(row, sealer);
    if (item && (await storeItem(c, sessionId, item, sealer))) errors++;
  }
  await c.query(deletePendingOf(IDS), [projectId, ids]);
  if (errors > 0) await c.query(TRACE_SQL.addErrors, [errors, sessionId]);
}

/** One OTLP export in one transaction. */
export async function appendOtlp(pool: pg.Pool, input: AppendOtlpInput, sealer: IndexSealer | null): Promise<AppendOtlpResult> {
  const items = exportItems(input);
  const result: AppendOtlpResult = { stored: 0, pending: 0, dropped: 0 };
  if (items.length === 0) return result;
  const traceIds = distinctTraceIds(items.map((i) => i.value.traceId));
  return withTransaction(pool, async (c) => {
    await lockTraces(c, input.projectId, traceIds);
    const sessions = new Map<string, string[]>();
    const owners = await c.query<{ session_id: string; trace_id: string }>(sessionsOf(IDS), [input.projectId, IDS.param(traceIds)]);
    for (const r of owners.rows) sessions.set(r.trace_id, [...(sessions.get(r.trace_id) ?? []), r.session_id]);
    const errors = new Map<string, number>();
    let pendingBytes = -1;
    for (const item of items) {
      const sids = sessions.get(item.value.traceId);
      if (sids) {
        for (const sid of sids) if (await storeItem(c, sid, item, sealer)) errors.set(sid, (errors.get(sid) ?? 0) + 1);
        result.stored++;
        continue;
      }
      if (pendingBytes < 0) pendingBytes = Number((await c.query<{ n: string }>(TRACE_SQL.pendingBytes, [input.projectId])).rows[0]!.n);
      const values = pendingValues(input.projectId, item, input.receivedAt, sealer);
      const size = values[5] as number;
      if (pendingBytes + size > input.pendingMaxBytes) {
        result.dropped++;
        continue;
      }
      pendingBytes += ((await c.query(TRACE_SQL.insertPending, values)).rowCount ?? 0) > 0 ? size : 0;
      result.pending++;
    }
    // Session rows last and in id order: batches lock their session after their traces, too.
    for (const sid of [...errors.keys()].sort()) await c.query(TRACE_SQL.addErrors, [errors.get(sid), sid]);
    return result;
  });
}

async function storeItem(c: Queryable, sessionId: string, item: TraceItem, sealer: IndexSealer | null): Promise<boolean> {
  const { sql, values } = itemInsert(sessionId, item, sealer);
  return ((await c.query(sql, values)).rowCount ?? 0) > 0 && itemIsError(item);
}
