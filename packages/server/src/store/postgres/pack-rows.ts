import type pg from 'pg';
import { deviceValues, mergeTags } from '../rows.js';
import { assertSessionKey } from '../session-access.js';
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
  type SignalRow,
} from '../signals.js';
import { SessionDeleted, SessionProjectConflict, type AppendBatchInput } from '../types.js';
import { CLICK_COLUMNS, insertRows } from './index-writer.js';
import { deletedAmong } from './lifecycle.js';

/**
 * The rows of a whole pack in a few multi-row statements (one per table and round) instead of
 * ~10 statements per batch: the same rows, summaries and signals as batch-append.ts's insertRows
 * run once per batch in (session, seq) order. A round holds at most one batch per session (the
 * k-th of each session in the pack), so every cross-batch read of a session (its signal context,
 * tags, last activity) sees the batches before it, exactly as one batch after the other would.
 */

/** One batch of the pack as the rows see it (batch-append.ts builds it). */
export interface BulkPart {
  input: AppendBatchInput;
  key: string;
  offset: number;
  storedBytes: number;
  format: string;
  eventCount: number;
  rawBytes: number;
  tMin: number | null;
  tMax: number | null;
  start: number;
  end: number;
}

export type BulkOutcome = { duplicate: boolean } | Error;

/**
 * Whether `parts` (sorted by session, then seq) can take the bulk path: no link (its room check
 * runs per new session), no trace rows (trace-index.ts locks and seals per batch), and issue
 * writes only when no session has two batches in the pack (issues are shared by the project's
 * sessions: the first batch to see a fingerprint creates it, so their order must stay the same).
 */
export function bulkEligible(parts: BulkPart[]): boolean {
  if (parts.some((p) => p.input.linkId || (p.input.index.traces?.length ?? 0) > 0)) return false;
  const hasIssues = parts.some((p) => p.input.index.errors.some((e) => e.issue));
  return !hasIssues || rounds(parts).length === 1;
}

/** Splits `parts` (sorted by session, then seq) into rounds: round k = the k-th batch of every session. */
function rounds(parts: BulkPart[]): number[][] {
  const out: number[][] = [];
  let k = 0;
  parts.forEach((p, i) => {
    k = i > 0 && parts[i - 1]!.input.batch.sessionId === p.input.batch.sessionId ? k + 1 : 0;
    (out[k] ??= []).push(i);
  });
  return out;
}

/** Inside the pack's transaction (trace locks, if any, already taken): every part's outcome. */
export async function writePackRows(c: pg.PoolClient, parts: BulkPart[]): Promise<BulkOutcome[]> {
  const outcomes: BulkOutcome[] = new Array(parts.length);
  for (const round of rounds(parts)) await writeRound(c, round, parts, outcomes);
  return outcomes;
}

interface LockedSession {
  id: string;
  project_id: string;
  tags: unknown;
  key_hash: string | null;
  last_activity_at: number | null;
}

async function writeRound(c: pg.PoolClient, round: number[], parts: BulkPart[], outcomes: BulkOutcome[]): Promise<void> {
  const ps = round.map((i) => parts[i]!);
  const sids = ps.map((p) => p.input.batch.sessionId);
  // Each session is created or locked in turn, in id order (a round's rows are sorted), as one
  // batch after the other would: `DO UPDATE … WHERE false` updates nothing but locks the existing
  // row (FOR UPDATE strength, the key is named) when the statement reaches it, so packs
  // committing at once on several instances take their locks in one order and cannot deadlock.
  const facts = ps.map((p) => [...deviceValues(p.input.facts), p.input.facts.ip ?? null]);
  const created = await c.query<{ id: string }>(
    `INSERT INTO sessions (id, project_id, started_at, ended_at, first_url, first_url_seq, user_agent,
       browser, browser_version, os, os_version, device, ip, created_at, updated_at, link_id, key_hash)
     SELECT id, project_id, s, e, NULL, NULL, ua, br, brv, os, osv, dev, ip, at, at, NULL, kh
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[], $10::text[], $11::text[], $12::bigint[], $13::text[]) AS v(id, project_id, s, e, ua, br, brv, os, osv, dev, ip, at, kh)
     ON CONFLICT (id) DO UPDATE SET id = excluded.id WHERE false
     RETURNING id`,
    [
      sids,
      ps.map((p) => p.input.projectId),
      ps.map((p) => p.start),
      ps.map((p) => p.end),
      ...[0, 1, 2, 3, 4, 5, 6].map((k) => facts.map((f) => f[k])),
      ps.map((p) => p.input.receivedAt),
      ps.map((p) => p.input.sessionKeyHash ?? null),
    ],
  );
  const locked = new Map(
    (
      await c.query<LockedSession>(
        'SELECT id, project_id, tags, key_hash, last_activity_at FROM sessions WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
        [sids],
      )
    ).rows.map((r) => [r.id, r]),
  );
  // Sessions created here whose id a deletion committed meanwhile left behind (deleted-sessions.ts):
  // their batches are refused and the rows removed again, in this transaction.
  const honoring = new Set(ps.filter((p) => p.input.honorDeletion).map((p) => p.input.batch.sessionId));
  const createdIds = created.rows.map((r) => r.id).filter((id) => honoring.has(id));
  const deleted = await deletedAmong(c, createdIds);
  if (deleted.size > 0) await c.query('DELETE FROM sessions WHERE id = ANY($1::text[])', [[...deleted]]);
  const accepted: number[] = [];
  for (const i of round) {
    const { input } = parts[i]!;
    const sid = input.batch.sessionId;
    const session = locked.get(sid)!;
    try {
      if (deleted.has(sid)) throw new SessionDeleted(sid);
      if (session.project_id !== input.projectId) throw new SessionProjectConflict(sid);
      assertSessionKey(sid, session, input.sessionKeyHash);
      accepted.push(i);
    } catch (err) {
      outcomes[i] = err instanceof Error ? err : new Error(String(err));
    }
  }
  if (accepted.length === 0) return;
  const as = accepted.map((i) => parts[i]!);
  // One batch per session in a round: the sessions RETURNING names are the batches inserted.
  const insertedSessions = new Set(
    (
      await c.query<{ session_id: string; seq: number }>(
        `INSERT INTO batches (session_id, seq, chunk_key, chunk_offset, chunk_length, chunk_format, event_count, bytes, t_min, t_max, received_at)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::int[], $8::int[],
           $9::bigint[], $10::bigint[], $11::bigint[])
         ON CONFLICT DO NOTHING RETURNING session_id, seq`,
        [
          as.map((p) => p.input.batch.sessionId),
          as.map((p) => p.input.batch.seq),
          as.map((p) => p.key),
          as.map((p) => p.offset),
          as.map((p) => p.storedBytes),
          as.map((p) => p.format),
          as.map((p) => p.eventCount),
          as.map((p) => p.storedBytes),
          as.map((p) => p.tMin),
          as.map((p) => p.tMax),
          as.map((p) => p.input.receivedAt),
        ],
      )
    ).rows.map((r) => r.session_id),
  );
  const ins: BulkPart[] = [];
  for (const i of accepted) {
    const p = parts[i]!;
    const inserted = insertedSessions.has(p.input.batch.sessionId);
    outcomes[i] = { duplicate: !inserted };
    if (inserted) ins.push(p);
  }
  if (ins.length === 0) return;
  await writeIndexRows(c, ins);
  for (const p of ins) {
    const { projectId, batch, index, receivedAt } = p.input;
    await runIssueWrites(
      issueWrites(projectId, batch.sessionId, index.errors, receivedAt, ' FOR UPDATE'),
      async (s) => (await c.query(s.sql, s.args)).rows,
    );
  }
  const plans = await writeSignals(c, ins);
  await updateSessions(c, ins, locked, plans);
}

/** The per-event index rows of every inserted batch, one statement per table. */
async function writeIndexRows(c: pg.PoolClient, ps: BulkPart[]): Promise<void> {
  const rows = <T>(pick: (p: BulkPart) => T[], map: (r: T, p: BulkPart) => unknown[]) => ps.flatMap((p) => pick(p).map((r) => map(r, p)));
  const sid = (p: BulkPart) => p.input.batch.sessionId;
  const seq = (p: BulkPart) => p.input.batch.seq;
  await insertRows(
    c,
    'network_requests',
    ['session_id', 'seq', 't', 'method', 'url', 'status', 'duration_ms', 'failed', 'route'],
    rows(
      (p) => p.input.index.network,
      (r, p) => [sid(p), seq(p), Math.round(r.t), r.method, r.url, r.status, r.durationMs, r.failed ? 1 : 0, r.route],
    ),
  );
  await insertRows(
    c,
    'console_messages',
    ['session_id', 'seq', 't', 'level', 'text'],
    rows(
      (p) => p.input.index.console,
      (r, p) => [sid(p), seq(p), Math.round(r.t), r.level, r.text],
    ),
  );
  await insertRows(
    c,
    'errors',
    ['session_id', 'seq', 't', 'name', 'message', 'stack', 'message_key', 'release'],
    rows(
      (p) => p.input.index.errors,
      (r, p) => [sid(p), seq(p), Math.round(r.t), r.name, r.message, r.stack, r.messageKey, p.input.index.release ?? null],
    ),
  );
  await insertRows(
    c,
    'pages',
    ['session_id', 'seq', 't', 'url'],
    rows(
      (p) => p.input.index.pages,
      (r, p) => [sid(p), seq(p), Math.round(r.t), r.url],
    ),
  );
  await insertRows(
    c,
    'search_text',
    ['session_id', 'field', 'text'],
    rows(
      (p) => p.input.index.search,
      (r, p) => [sid(p), r.field, r.text],
    ),
  );
  await insertRows(
    c,
    'full_snapshots',
    ['session_id', 'seq', 't', 'start_t'],
    rows(
      (p) => p.input.index.snapshots,
      (r, p) => [sid(p), seq(p), Math.round(r.t), Math.round(r.startT)],
    ),
  );
}

/** Reads every session's signal context in one statement, plans each batch, writes clicks and signals. */
async function writeSignals(c: pg.PoolClient, ps: BulkPart[]): Promise<SignalPlan[]> {
  const ctxs = await readSignalContexts(c, ps);
  const plans = ps.map((p, i) => planSignals(p.input.index.clicks, p.input.index.timeline, ctxs[i]!));
  await insertRows(
    c,
    'clicks',
    [...CLICK_INSERT_COLUMNS],
    ps.flatMap((p, i) =>
      p.input.index.clicks.map((k, j) => clickValues(p.input.batch.sessionId, p.input.batch.seq, k, plans[i]!.clicks[j]!)),
    ),
  );
  await updateStoredClicks(c, ps, ctxs, plans);
  await upsertSignals(c, ps, plans);
  return plans;
}

type ContextKind = 'before' | 'pending' | 'dead' | 'beforeErrors';

/** The reads of index-writer.ts's readSignalContext for every batch of a round, as one UNION ALL. */
async function readSignalContexts(c: pg.PoolClient, ps: BulkPart[]): Promise<SignalContext[]> {
  const params: unknown[] = [];
  const arr = (v: unknown[], type: string) => (params.push(v), `$${params.length}::${type}[]`);
  const branches: string[] = [];
  const sids = ps.map((p) => p.input.batch.sessionId);
  const ranges = ps.map((p) => contextRanges(p.input.index.clicks, p.input.index.timeline));
  const where = <T>(pick: (i: number) => T | null) => ps.map((_, i) => i).filter((i) => pick(i) !== null);
  const cols = CLICK_COLUMNS.split(', ')
    .map((k) => `c.${k}`)
    .join(', ');
  const before = where((i) => ranges[i]!.firstClick);
  if (before.length > 0) {
    branches.push(
      `SELECT v.i, 'before' AS kind, ${cols} FROM unnest(${arr(before, 'int')}, ${arr(
        before.map((i) => sids[i]),
        'text',
      )}, ${arr(
        before.map((i) => Math.round(ranges[i]!.firstClick!)),
        'bigint',
      )}) AS v(i, sid, t0) CROSS JOIN LATERAL (SELECT ${CLICK_COLUMNS} FROM clicks WHERE session_id = v.sid AND t <= v.t0 ORDER BY t DESC, id DESC LIMIT 2) c`,
    );
  }
  const pending = where((i) => ps[i]!.input.index.timeline.maxT);
  if (pending.length > 0) {
    branches.push(
      `SELECT v.i, 'pending' AS kind, ${cols} FROM unnest(${arr(pending, 'int')}, ${arr(
        pending.map((i) => sids[i]),
        'text',
      )}) AS v(i, sid) JOIN clicks c ON c.session_id = v.sid AND c.dead = 2`,
    );
  }
  const range = (kind: ContextKind, pick: (i: number) => [number, number] | null, extra: string) => {
    const idx = where(pick);
    if (idx.length === 0) return;
    branches.push(
      `SELECT v.i, '${kind}' AS kind, ${cols} FROM unnest(${arr(idx, 'int')}, ${arr(
        idx.map((i) => sids[i]),
        'text',
      )}, ${arr(
        idx.map((i) => Math.round(pick(i)![0])),
        'bigint',
      )}, ${arr(
        idx.map((i) => Math.round(pick(i)![1])),
        'bigint',
      )}) AS v(i, sid, lo, hi) JOIN clicks c ON c.session_id = v.sid AND c.t BETWEEN v.lo AND v.hi${extra}`,
    );
  };
  range('dead', (i) => ranges[i]!.deadRecheck, ' AND c.dead = 1');
  range('beforeErrors', (i) => ranges[i]!.errorLookback, '');
  const found = ps.map(() => ({
    before: [] as ClickDbRow[],
    pending: [] as ClickDbRow[],
    dead: [] as ClickDbRow[],
    beforeErrors: [] as ClickDbRow[],
  }));
  if (branches.length > 0) {
    const r = await c.query<ClickDbRow & { i: number; kind: ContextKind }>(branches.join(' UNION ALL '), params);
    for (const row of r.rows) found[row.i]![row.kind].push(row);
  }
  // UNION ALL keeps no order: the two latest clicks before the first one, newest first.
  for (const f of found) f.before.sort((a, b) => b.t - a.t || b.id - a.id);
  // The rage burst the latest of them belongs to (rare: only after a rage click).
  const burstOf = where((i) => (found[i]!.before[0]?.rage === 1 ? true : null));
  const bursts = new Map<number, { t: number; click_count: number }>();
  if (burstOf.length > 0) {
    const r = await c.query<{ i: number; t: number; click_count: number }>(
      `SELECT v.i, s.t, s.click_count FROM unnest($1::int[], $2::text[], $3::bigint[]) AS v(i, sid, t0)
       CROSS JOIN LATERAL (SELECT t, click_count FROM signals WHERE session_id = v.sid AND type = '${SIGNAL_TYPES.rage}' AND t <= v.t0 ORDER BY t DESC LIMIT 1) s`,
      [burstOf, burstOf.map((i) => sids[i]), burstOf.map((i) => found[i]!.before[0]!.t)],
    );
    for (const row of r.rows) bursts.set(row.i, { t: row.t, click_count: row.click_count });
  }
  return found.map((f, i) => toSignalContext({ ...f, burst: bursts.get(i) }));
}

/** The plans' flag changes to clicks stored by earlier batches, in one UPDATE. */
async function updateStoredClicks(c: pg.PoolClient, ps: BulkPart[], ctxs: SignalContext[], plans: SignalPlan[]): Promise<void> {
  const rows: { sid: string; id: number; t: number | null; rage: boolean; err: boolean; dead: number | null }[] = [];
  ps.forEach((p, i) => {
    const ctx = ctxs[i]!;
    const storedT = new Map<number, number>();
    for (const k of [...ctx.before, ...ctx.pending, ...ctx.dead, ...ctx.beforeErrors]) storedT.set(k.id, k.t);
    for (const u of plans[i]!.updates) {
      if (!u.rage && !u.errorClick && u.dead === undefined) continue;
      rows.push({
        sid: p.input.batch.sessionId,
        id: u.id,
        t: storedT.get(u.id) ?? null,
        rage: u.rage === true,
        err: u.errorClick === true,
        dead: u.dead === undefined ? null : Number(u.dead),
      });
    }
  });
  if (rows.length === 0) return;
  // One change per click and batch; a click changed twice in one round would need both applied in turn.
  if (new Set(rows.map((r) => `${r.sid}\0${r.id}`)).size !== rows.length) throw new Error('a stored click changes twice in one round');
  await c.query(
    `UPDATE clicks c SET rage = CASE WHEN v.rage THEN 1 ELSE c.rage END,
       error_click = CASE WHEN v.err THEN 1 ELSE c.error_click END, dead = coalesce(v.dead, c.dead)
     FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bool[], $5::bool[], $6::smallint[]) AS v(sid, id, t, rage, err, dead)
     WHERE c.session_id = v.sid AND c.id = v.id AND (v.t IS NULL OR c.t = v.t)`,
    [
      rows.map((r) => r.sid),
      rows.map((r) => r.id),
      rows.map((r) => r.t),
      rows.map((r) => r.rage),
      rows.map((r) => r.err),
      rows.map((r) => r.dead),
    ],
  );
}

/** Rage bursts, dead and error-click signals, and dead clicks taken back: index-writer.ts's writeSignalRows for every batch. */
async function upsertSignals(c: pg.PoolClient, ps: BulkPart[], plans: SignalPlan[]): Promise<void> {
  const tagged = (pick: (p: SignalPlan) => SignalRow[]) =>
    ps.flatMap((p, i) => pick(plans[i]!).map((s) => ({ sid: p.input.batch.sessionId, s })));
  await upsertSignalRows(
    c,
    tagged((p) => p.rage),
    'excluded.click_count',
  );
  await upsertSignalRows(
    c,
    tagged((p) => p.added),
    'signals.click_count + excluded.click_count',
  );
  // Each take-back is "minus one, then gone at zero": n of them on one row = minus n, then gone at zero.
  const removed = new Map<string, { sid: string; t: number; n: number }>();
  ps.forEach((p, i) => {
    for (const r of plans[i]!.removedDead) {
      const t = Math.round(r.t);
      const k = `${p.input.batch.sessionId}\0${t}`;
      const e = removed.get(k) ?? { sid: p.input.batch.sessionId, t, n: 0 };
      e.n++;
      removed.set(k, e);
    }
  });
  if (removed.size === 0) return;
  const r = [...removed.values()];
  const args = [r.map((x) => x.sid), r.map((x) => x.t), r.map((x) => x.n)];
  await c.query(
    `UPDATE signals s SET click_count = s.click_count - v.n FROM unnest($1::text[], $2::bigint[], $3::int[]) AS v(sid, t, n)
     WHERE s.session_id = v.sid AND s.type = '${SIGNAL_TYPES.dead}' AND s.t = v.t`,
    args,
  );
  await c.query(
    `DELETE FROM signals s USING unnest($1::text[], $2::bigint[]) AS v(sid, t)
     WHERE s.session_id = v.sid AND s.type = '${SIGNAL_TYPES.dead}' AND s.t = v.t AND s.click_count <= 0`,
    args.slice(0, 2),
  );
}

/** One upsert for many signal rows; rows sharing a key go one statement each, in order (a statement may not touch a row twice). */
async function upsertSignalRows(c: pg.PoolClient, rows: { sid: string; s: SignalRow }[], onConflict: string): Promise<void> {
  if (rows.length === 0) return;
  const sql = (from: string) =>
    `INSERT INTO signals (session_id, t, type, selector, text, click_count) ${from}
     ON CONFLICT (session_id, type, t) DO UPDATE SET click_count = ${onConflict}`;
  const keys = new Set(rows.map((r) => `${r.sid}\0${r.s.type}\0${Math.round(r.s.t)}`));
  if (keys.size !== rows.length) {
    for (const { sid, s } of rows) {
      await c.query(sql('VALUES ($1, $2, $3, $4, $5, $6)'), [sid, Math.round(s.t), s.type, s.selector, s.text, s.clickCount]);
    }
    return;
  }
  await c.query(sql('SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[])'), [
    rows.map((r) => r.sid),
    rows.map((r) => Math.round(r.s.t)),
    rows.map((r) => r.s.type),
    rows.map((r) => r.s.selector),
    rows.map((r) => r.s.text),
    rows.map((r) => r.s.clickCount),
  ]);
}

/**
 * Every session's summary in one UPDATE: batch-append.ts's time range, first URL, counts and
 * tags, and index-writer.ts's counters and activity, which in a round each apply once per session.
 */
async function updateSessions(c: pg.PoolClient, ps: BulkPart[], locked: Map<string, LockedSession>, plans: SignalPlan[]): Promise<void> {
  const v = ps.map((p, i) => {
    const { batch, index, receivedAt } = p.input;
    const session = locked.get(batch.sessionId)!;
    const k = index.counts;
    const d = plans[i]!.deltas;
    const active =
      index.timeline.activity.length > 0 ? activeTime(index.timeline.activity, session.last_activity_at) : { addMs: 0, last: null };
    const tags = Object.keys(index.tags).length > 0 ? JSON.stringify(mergeTags(session.tags, index.tags)) : null;
    return [
      batch.sessionId,
      p.start,
      p.end,
      batch.meta?.url ?? null,
      batch.seq,
      p.eventCount,
      receivedAt,
      p.rawBytes,
      tags,
      k.errors,
      k.consoleErrors,
      k.consoleWarnings,
      k.network4xx,
      k.network5xx,
      k.networkFailed,
      k.feedback,
      index.userId,
      index.release ?? null,
      k.clicks,
      k.keyPresses,
      d.rageClicks,
      d.deadClicks,
      d.errorClicks,
      Math.round(active.addMs),
      index.pageCount,
      active.last === null ? null : Math.round(active.last),
    ];
  });
  const types = [
    'text',
    'bigint',
    'bigint',
    'text',
    'int',
    'bigint',
    'bigint',
    'bigint',
    'text',
    ...Array<string>(7).fill('int'),
    'text',
    'text',
    ...Array<string>(5).fill('int'),
    'bigint',
    'int',
    'bigint',
  ];
  const names = [
    'id',
    's',
    'e',
    'url',
    'seq',
    'events',
    'at',
    'raw',
    'tags',
    'errors',
    'cerr',
    'cwarn',
    'n4',
    'n5',
    'nf',
    'fb',
    'uid',
    'rel',
    'clicks',
    'keys',
    'rage',
    'dead',
    'errclicks',
    'active',
    'pages',
    'last_act',
  ];
  await c.query(
    `UPDATE sessions x SET
       started_at = least(x.started_at, v.s), ended_at = greatest(x.ended_at, v.e),
       first_url = CASE WHEN v.url IS NOT NULL AND (x.first_url_seq IS NULL OR v.seq < x.first_url_seq) THEN v.url ELSE x.first_url END,
       first_url_seq = CASE WHEN v.url IS NOT NULL AND (x.first_url_seq IS NULL OR v.seq < x.first_url_seq) THEN v.seq ELSE x.first_url_seq END,
       event_count = x.event_count + v.events, batch_count = x.batch_count + 1, last_seq = greatest(x.last_seq, v.seq), updated_at = v.at,
       stored_bytes = x.stored_bytes + v.raw, tags = coalesce(v.tags::jsonb, x.tags),
       errors = x.errors + v.errors, console_errors = x.console_errors + v.cerr, console_warnings = x.console_warnings + v.cwarn,
       network_4xx = x.network_4xx + v.n4, network_5xx = x.network_5xx + v.n5, network_failed = x.network_failed + v.nf,
       feedback_count = x.feedback_count + v.fb, user_id = coalesce(v.uid, x.user_id), release = coalesce(x.release, v.rel),
       last_batch_at = greatest(coalesce(x.last_batch_at, 0), v.at),
       click_count = x.click_count + v.clicks, key_count = x.key_count + v.keys, rage_clicks = x.rage_clicks + v.rage,
       dead_clicks = greatest(0, x.dead_clicks + v.dead), error_clicks = x.error_clicks + v.errclicks, active_ms = x.active_ms + v.active,
       page_count = x.page_count + v.pages, last_activity_at = coalesce(v.last_act, x.last_activity_at)
     FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS v(${names.join(', ')})
     WHERE x.id = v.id`,
    types.map((_, k) => v.map((row) => row[k])),
  );
}
