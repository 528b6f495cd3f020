import type { IndexRows } from '../index-rows.js';
import { issueWrites, runIssueWrites } from '../issue-rows.js';
import {
  activeTime,
  CLICK_INSERT_COLUMNS,
  clickValues,
  contextRanges,
  planSignals,
  SIGNAL_TYPES,
  toSignalContext,
  type ClickDbRow,
  type SignalContext,
  type SignalPlan,
} from '../signals.js';
import type { Queryable } from './pool.js';

export const CLICK_COLUMNS = 'id, t, selector, text, node_id, x, y, rage, error_click, dead';

/** Multi-row INSERT in slices (a statement takes at most 65535 parameters). */
export async function insertRows(c: Queryable, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const per = Math.max(1, Math.floor(60_000 / columns.length));
  for (let i = 0; i < rows.length; i += per) {
    const slice = rows.slice(i, i + per);
    const params: unknown[] = [];
    const values = slice.map((r) => `(${r.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
    await c.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values.join(', ')}`, params);
  }
}

/**
 * Writes a batch's index rows, clicks, pages, search text, full snapshots, signals and counters. Runs inside
 * appendBatch's transaction after the batch row is inserted and with the session row locked
 * (`SELECT … FOR UPDATE`), so two instances ingesting the same session read and update the
 * cross-batch signal state one after the other. The detection itself is store/signals.ts,
 * shared with the SQLite store; only the SQL differs.
 */
export async function writeIndexRows(
  c: Queryable,
  ids: { projectId: string; sessionId: string },
  seq: number,
  receivedAt: number,
  index: IndexRows,
): Promise<void> {
  const { sessionId } = ids;
  const k = index.counts;
  await c.query(
    `UPDATE sessions SET errors = errors + $1, console_errors = console_errors + $2, console_warnings = console_warnings + $3,
       network_4xx = network_4xx + $4, network_5xx = network_5xx + $5, network_failed = network_failed + $6,
       feedback_count = feedback_count + $7, user_id = coalesce($8, user_id), release = coalesce(release, $11),
       last_batch_at = greatest(coalesce(last_batch_at, 0), $9) WHERE id = $10`,
    [
      k.errors,
      k.consoleErrors,
      k.consoleWarnings,
      k.network4xx,
      k.network5xx,
      k.networkFailed,
      k.feedback,
      index.userId,
      receivedAt,
      sessionId,
      index.release ?? null,
    ],
  );
  await insertRows(
    c,
    'network_requests',
    ['session_id', 'seq', 't', 'method', 'url', 'status', 'duration_ms', 'failed', 'route'],
    index.network.map((r) => [sessionId, seq, Math.round(r.t), r.method, r.url, r.status, r.durationMs, r.failed ? 1 : 0, r.route]),
  );
  await insertRows(
    c,
    'console_messages',
    ['session_id', 'seq', 't', 'level', 'text'],
    index.console.map((r) => [sessionId, seq, Math.round(r.t), r.level, r.text]),
  );
  await insertRows(
    c,
    'errors',
    ['session_id', 'seq', 't', 'name', 'message', 'stack', 'message_key', 'release'],
    index.errors.map((r) => [sessionId, seq, Math.round(r.t), r.name, r.message, r.stack, r.messageKey, index.release ?? null]),
  );
  await runIssueWrites(
    issueWrites(ids.projectId, sessionId, index.errors, receivedAt, ' FOR UPDATE'),
    async (s) => (await c.query(s.sql, s.args)).rows,
  );
  await writeSignals(c, sessionId, seq, index);
}

async function writeSignals(c: Queryable, sessionId: string, seq: number, index: IndexRows): Promise<void> {
  const { clicks, timeline } = index;
  const ctx = await readSignalContext(c, sessionId, index);
  const plan = planSignals(clicks, timeline, ctx);
  await insertClicks(c, sessionId, seq, clicks, plan);
  await updateStoredClicks(c, sessionId, ctx, plan);
  await writeSignalRows(c, sessionId, plan);
  await insertPagesSearchSnapshots(c, sessionId, seq, index);
  await addSessionCounters(c, sessionId, index, plan);
}

/** Reads the stored clicks and the last rage burst that the cross-batch detection needs. */
async function readSignalContext(c: Queryable, sessionId: string, index: IndexRows): Promise<SignalContext> {
  const { clicks, timeline } = index;
  const ranges = contextRanges(clicks, timeline);
  const select = async (where: string, params: unknown[]): Promise<ClickDbRow[]> =>
    (await c.query<ClickDbRow>(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE session_id = $1 AND ${where}`, [sessionId, ...params])).rows;

  const before =
    ranges.firstClick === null ? [] : await select('t <= $2 ORDER BY t DESC, id DESC LIMIT 2', [Math.round(ranges.firstClick)]);
  return toSignalContext({
    before,
    burst:
      before[0]?.rage === 1
        ? (
            await c.query<{ t: number; click_count: number }>(
              `SELECT t, click_count FROM signals WHERE session_id = $1 AND type = '${SIGNAL_TYPES.rage}' AND t <= $2 ORDER BY t DESC LIMIT 1`,
              [sessionId, before[0].t],
            )
          ).rows[0]
        : undefined,
    pending: timeline.maxT === null ? [] : await select('dead = 2', []),
    dead: ranges.deadRecheck ? await select('t BETWEEN $2 AND $3 AND dead = 1', ranges.deadRecheck.map(Math.round)) : [],
    beforeErrors: ranges.errorLookback ? await select('t BETWEEN $2 AND $3', ranges.errorLookback.map(Math.round)) : [],
  });
}

async function insertClicks(c: Queryable, sessionId: string, seq: number, clicks: IndexRows['clicks'], plan: SignalPlan): Promise<void> {
  await insertRows(
    c,
    'clicks',
    [...CLICK_INSERT_COLUMNS],
    clicks.map((k, i) => clickValues(sessionId, seq, k, plan.clicks[i]!)),
  );
}

/** Applies the plan's flag changes to clicks stored by earlier batches. */
async function updateStoredClicks(c: Queryable, sessionId: string, ctx: SignalContext, plan: SignalPlan): Promise<void> {
  // Stored clicks are addressed by session and time too, so each update touches one partition through its index.
  const storedT = new Map<number, number>();
  for (const k of [...ctx.before, ...ctx.pending, ...ctx.dead, ...ctx.beforeErrors]) storedT.set(k.id, k.t);
  for (const u of plan.updates) {
    const sets: string[] = [];
    if (u.rage) sets.push('rage = 1');
    if (u.errorClick) sets.push('error_click = 1');
    if (u.dead !== undefined) sets.push(`dead = ${Number(u.dead)}`);
    if (sets.length === 0) continue;
    const t = storedT.get(u.id);
    await c.query(
      `UPDATE clicks SET ${sets.join(', ')} WHERE session_id = $1 AND id = $2${t === undefined ? '' : ' AND t = $3'}`,
      t === undefined ? [sessionId, u.id] : [sessionId, u.id, t],
    );
  }
}

/** Upserts rage bursts and dead/error signals, and takes back dead clicks that turned out live. */
async function writeSignalRows(c: Queryable, sessionId: string, plan: SignalPlan): Promise<void> {
  for (const s of plan.rage) {
    await c.query(
      `INSERT INTO signals (session_id, t, type, selector, text, click_count) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (session_id, type, t) DO UPDATE SET click_count = excluded.click_count`,
      [sessionId, Math.round(s.t), s.type, s.selector, s.text, s.clickCount],
    );
  }
  // Two dead (or error) clicks in the same millisecond share a row, counted in click_count.
  for (const s of plan.added) {
    await c.query(
      `INSERT INTO signals (session_id, t, type, selector, text, click_count) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (session_id, type, t) DO UPDATE SET click_count = signals.click_count + excluded.click_count`,
      [sessionId, Math.round(s.t), s.type, s.selector, s.text, s.clickCount],
    );
  }
  for (const r of plan.removedDead) {
    const t = Math.round(r.t);
    await c.query(`UPDATE signals SET click_count = click_count - 1 WHERE session_id = $1 AND type = '${SIGNAL_TYPES.dead}' AND t = $2`, [
      sessionId,
      t,
    ]);
    await c.query(`DELETE FROM signals WHERE session_id = $1 AND type = '${SIGNAL_TYPES.dead}' AND t = $2 AND click_count <= 0`, [
      sessionId,
      t,
    ]);
  }
}

async function insertPagesSearchSnapshots(c: Queryable, sessionId: string, seq: number, index: IndexRows): Promise<void> {
  await insertRows(
    c,
    'pages',
    ['session_id', 'seq', 't', 'url'],
    index.pages.map((p) => [sessionId, seq, Math.round(p.t), p.url]),
  );
  await insertRows(
    c,
    'search_text',
    ['session_id', 'field', 'text'],
    index.search.map((s) => [sessionId, s.field, s.text]),
  );
  await insertRows(
    c,
    'full_snapshots',
    ['session_id', 'seq', 't', 'start_t'],
    index.snapshots.map((r) => [sessionId, seq, Math.round(r.t), Math.round(r.startT)]),
  );
}

/** Adds the batch's click, signal, activity and page counts to the session row. */
async function addSessionCounters(c: Queryable, sessionId: string, index: IndexRows, plan: SignalPlan): Promise<void> {
  let active = { addMs: 0, last: null as number | null };
  if (index.timeline.activity.length > 0) {
    const row = (await c.query<{ last_activity_at: number | null }>('SELECT last_activity_at FROM sessions WHERE id = $1', [sessionId]))
      .rows[0];
    active = activeTime(index.timeline.activity, row?.last_activity_at ?? null);
  }
  const d = plan.deltas;
  await c.query(
    `UPDATE sessions SET click_count = click_count + $1, key_count = key_count + $2, rage_clicks = rage_clicks + $3,
       dead_clicks = greatest(0, dead_clicks + $4), error_clicks = error_clicks + $5, active_ms = active_ms + $6,
       page_count = page_count + $7, last_activity_at = coalesce($8, last_activity_at) WHERE id = $9`,
    [
      index.counts.clicks,
      index.counts.keyPresses,
      d.rageClicks,
      d.deadClicks,
      d.errorClicks,
      Math.round(active.addMs),
      index.pageCount,
      active.last === null ? null : Math.round(active.last),
      sessionId,
    ],
  );
}

/** Every time a batch's index rows carry (for on-demand partitions). */
export function indexTimes(index: IndexRows): number[] {
  const out: number[] = [];
  for (const rows of [index.network, index.console, index.errors, index.pages, index.clicks])
    for (const r of rows) out.push(Math.round(r.t));
  return out;
}
