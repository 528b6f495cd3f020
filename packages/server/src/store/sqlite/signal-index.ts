import type Database from 'better-sqlite3';
import type { IndexRows } from '../index-rows.js';
import { activeTime, clickValues, contextRanges, planSignals, SIGNAL_TYPES, toSignalContext, type ClickDbRow } from '../signals.js';
import { SnapshotIndexWriter } from './snapshot-index.js';

const CLICK_COLUMNS = 'rowid AS id, t, selector, text, node_id, x, y, rage, error_click, dead';

/**
 * Writes a batch's clicks, pages, search text, signals and activity. Runs inside appendBatch's
 * transaction (after the batch row is inserted, so a duplicate never gets here): the rows and
 * the session counters commit with the batch or not at all. A handful of indexed reads per
 * batch give the signal detection its context (store/signals.ts); statements are prepared once.
 */
export class SignalIndexWriter {
  private readonly q;
  private readonly snapshots: SnapshotIndexWriter;

  constructor(db: Database.Database) {
    this.snapshots = new SnapshotIndexWriter(db);
    this.q = {
      before: db.prepare(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE session_id = ? AND t <= ? ORDER BY t DESC, rowid DESC LIMIT 2`),
      burst: db.prepare(
        `SELECT t, click_count FROM signals WHERE session_id = ? AND type = '${SIGNAL_TYPES.rage}' AND t <= ? ORDER BY t DESC LIMIT 1`,
      ),
      pending: db.prepare(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE session_id = ? AND dead = 2`),
      dead: db.prepare(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE session_id = ? AND t BETWEEN ? AND ? AND dead = 1`),
      range: db.prepare(`SELECT ${CLICK_COLUMNS} FROM clicks WHERE session_id = ? AND t BETWEEN ? AND ?`),
      lastActivity: db.prepare('SELECT last_activity_at FROM sessions WHERE id = ?'),
      insertClick: db.prepare(
        `INSERT INTO clicks (session_id, seq, t, selector, text, test_id, tag, x, y, node_id, interactive, rage, error_click, dead)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      setRage: db.prepare('UPDATE clicks SET rage = 1 WHERE rowid = ?'),
      setErrorClick: db.prepare('UPDATE clicks SET error_click = 1 WHERE rowid = ?'),
      setDead: db.prepare('UPDATE clicks SET dead = ? WHERE rowid = ?'),
      upsertRage: db.prepare(
        `INSERT INTO signals (session_id, t, type, selector, text, click_count) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, type, t) DO UPDATE SET click_count = excluded.click_count`,
      ),
      // Two dead (or error) clicks in the same millisecond share a row, counted in click_count.
      addSignal: db.prepare(
        `INSERT INTO signals (session_id, t, type, selector, text, click_count) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, type, t) DO UPDATE SET click_count = click_count + excluded.click_count`,
      ),
      takeBackDead: db.prepare(
        `UPDATE signals SET click_count = click_count - 1 WHERE session_id = ? AND type = '${SIGNAL_TYPES.dead}' AND t = ?`,
      ),
      dropEmptyDead: db.prepare(
        `DELETE FROM signals WHERE session_id = ? AND type = '${SIGNAL_TYPES.dead}' AND t = ? AND click_count <= 0`,
      ),
      insertPage: db.prepare('INSERT INTO pages (session_id, seq, t, url) VALUES (?, ?, ?, ?)'),
      insertText: db.prepare('INSERT INTO search_text (session_id, field, text) VALUES (?, ?, ?)'),
      counters: db.prepare(
        `UPDATE sessions SET click_count = click_count + ?, key_count = key_count + ?, rage_clicks = rage_clicks + ?,
           dead_clicks = max(0, dead_clicks + ?), error_clicks = error_clicks + ?, active_ms = active_ms + ?,
           page_count = page_count + ?, last_activity_at = coalesce(?, last_activity_at) WHERE id = ?`,
      ),
    };
  }

  write(sessionId: string, seq: number, index: IndexRows): void {
    const q = this.q;
    const { clicks, timeline } = index;
    const ranges = contextRanges(clicks, timeline);
    const clickRows = (rows: unknown[]) => rows as ClickDbRow[];

    const before = ranges.firstClick === null ? [] : clickRows(q.before.all(sessionId, Math.round(ranges.firstClick)));
    const ctx = toSignalContext({
      before,
      burst: before[0]?.rage === 1 ? (q.burst.get(sessionId, before[0].t) as { t: number; click_count: number } | undefined) : undefined,
      pending: timeline.maxT === null ? [] : clickRows(q.pending.all(sessionId)),
      dead: ranges.deadRecheck ? clickRows(q.dead.all(sessionId, ...ranges.deadRecheck.map(Math.round))) : [],
      beforeErrors: ranges.errorLookback ? clickRows(q.range.all(sessionId, ...ranges.errorLookback.map(Math.round))) : [],
    });
    const plan = planSignals(clicks, timeline, ctx);

    clicks.forEach((c, i) => q.insertClick.run(...clickValues(sessionId, seq, c, plan.clicks[i]!)));
    for (const u of plan.updates) {
      if (u.rage) q.setRage.run(u.id);
      if (u.errorClick) q.setErrorClick.run(u.id);
      if (u.dead !== undefined) q.setDead.run(u.dead, u.id);
    }
    for (const s of plan.rage) q.upsertRage.run(sessionId, Math.round(s.t), s.type, s.selector, s.text, s.clickCount);
    for (const s of plan.added) q.addSignal.run(sessionId, Math.round(s.t), s.type, s.selector, s.text, s.clickCount);
    for (const r of plan.removedDead) {
      q.takeBackDead.run(sessionId, Math.round(r.t));
      q.dropEmptyDead.run(sessionId, Math.round(r.t));
    }
    for (const p of index.pages) q.insertPage.run(sessionId, seq, Math.round(p.t), p.url);
    for (const s of index.search) q.insertText.run(sessionId, s.field, s.text);
    this.snapshots.write(sessionId, seq, index.snapshots);

    let active = { addMs: 0, last: null as number | null };
    if (timeline.activity.length > 0) {
      const row = q.lastActivity.get(sessionId) as { last_activity_at: number | null } | undefined;
      active = activeTime(timeline.activity, row?.last_activity_at ?? null);
    }
    const d = plan.deltas;
    q.counters.run(
      index.counts.clicks,
      index.counts.keyPresses,
      d.rageClicks,
      d.deadClicks,
      d.errorClicks,
      active.addMs,
      index.pageCount,
      active.last === null ? null : Math.round(active.last),
      sessionId,
    );
  }
}
