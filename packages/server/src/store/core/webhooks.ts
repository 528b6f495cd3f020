import { randomId } from '../../ids.js';
import {
  WEBHOOK_EVENTS,
  type ClaimedDelivery,
  type CreateWebhookInput,
  type Delivery,
  type DeliveryOutcome,
  type NewDelivery,
  type SearchAlert,
  type Webhook,
  type WebhookEvent,
} from '../types.js';
import type { Sql } from './sql.js';

/** Webhooks, saved-search alerts and the delivery queue (webhooks/), on either backend. */

interface WebhookRow {
  id: string;
  project_id: string;
  url: string;
  secret: string;
  format: string;
  events: string | string[];
  created_by: string | null;
  created_at: number;
}

interface AlertRow {
  saved_search_id: string;
  project_id: string;
  min_interval_ms: number;
  checked_at: number;
  last_fired_at: number | null;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  project_id: string;
  session_id: string | null;
  event: string;
  body?: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  finished_at: number | null;
}

const isEvent = (e: unknown): e is WebhookEvent => (WEBHOOK_EVENTS as readonly unknown[]).includes(e);

function toWebhook(r: WebhookRow): Webhook {
  // SQLite keeps the JSON as text; PostgreSQL's JSONB arrives parsed.
  const events = (typeof r.events === 'string' ? (JSON.parse(r.events) as unknown) : r.events) as unknown[];
  return {
    id: r.id,
    projectId: r.project_id,
    url: r.url,
    secret: r.secret,
    format: r.format === 'slack' ? 'slack' : 'json',
    events: Array.isArray(events) ? events.filter(isEvent) : [],
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  };
}

function toAlert(r: AlertRow): SearchAlert {
  return {
    savedSearchId: r.saved_search_id,
    projectId: r.project_id,
    minIntervalMs: Number(r.min_interval_ms),
    checkedAt: Number(r.checked_at),
    lastFiredAt: r.last_fired_at === null ? null : Number(r.last_fired_at),
  };
}

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    projectId: r.project_id,
    sessionId: r.session_id,
    event: isEvent(r.event) ? r.event : 'feedback',
    status: r.status === 'delivered' ? 'delivered' : r.status === 'failed' ? 'failed' : 'pending',
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastStatus: num(r.last_status),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    finishedAt: num(r.finished_at),
  };
}

export async function create(db: Sql, input: CreateWebhookInput): Promise<Webhook> {
  const w: Webhook = { ...input, id: randomId('whk_'), createdAt: Date.now() };
  await db.run(
    'INSERT INTO webhooks (id, project_id, url, secret, format, events, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [w.id, w.projectId, w.url, w.secret, w.format, JSON.stringify(w.events), w.createdBy, w.createdAt],
  );
  return w;
}

export async function get(db: Sql, id: string): Promise<Webhook | null> {
  const row = (await db.all<WebhookRow>('SELECT * FROM webhooks WHERE id = $1', [id]))[0];
  return row ? toWebhook(row) : null;
}

export async function list(db: Sql, projectIds?: string[]): Promise<Webhook[]> {
  const rows = await db.all<WebhookRow>('SELECT * FROM webhooks ORDER BY created_at, id');
  return rows.map(toWebhook).filter((w) => !projectIds || projectIds.includes(w.projectId));
}

export async function remove(db: Sql, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM webhooks WHERE id = $1', [id])) > 0;
}

export async function setAlert(
  db: Sql,
  input: { savedSearchId: string; projectId: string; minIntervalMs: number; now: number },
): Promise<SearchAlert> {
  await db.run(
    `INSERT INTO search_alerts (saved_search_id, project_id, min_interval_ms, checked_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (saved_search_id) DO UPDATE SET min_interval_ms = excluded.min_interval_ms`,
    [input.savedSearchId, input.projectId, input.minIntervalMs, input.now],
  );
  return toAlert((await db.all<AlertRow>('SELECT * FROM search_alerts WHERE saved_search_id = $1', [input.savedSearchId]))[0]!);
}

export async function removeAlert(db: Sql, savedSearchId: string): Promise<boolean> {
  return (await db.run('DELETE FROM search_alerts WHERE saved_search_id = $1', [savedSearchId])) > 0;
}

export async function listAlerts(db: Sql, projectIds?: string[]): Promise<SearchAlert[]> {
  const rows = await db.all<AlertRow>('SELECT * FROM search_alerts ORDER BY saved_search_id');
  return rows.map(toAlert).filter((a) => !projectIds || projectIds.includes(a.projectId));
}

export async function claimAlert(
  db: Sql,
  savedSearchId: string,
  prevCheckedAt: number,
  checkedAt: number,
  firedAt: number | null,
): Promise<boolean> {
  const changed = await db.run(
    'UPDATE search_alerts SET checked_at = $1, last_fired_at = coalesce($2, last_fired_at) WHERE saved_search_id = $3 AND checked_at = $4',
    [checkedAt, firedAt, savedSearchId, prevCheckedAt],
  );
  return changed > 0;
}

export async function enqueue(db: Sql, deliveries: NewDelivery[]): Promise<number> {
  let added = 0;
  for (const d of deliveries) {
    added += await db.run(
      `INSERT INTO webhook_deliveries (id, webhook_id, project_id, session_id, event, dedupe_key, body, status, attempts, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)
       ON CONFLICT (webhook_id, dedupe_key) DO NOTHING`,
      [randomId('dlv_'), d.webhookId, d.projectId, d.sessionId, d.event, d.dedupeKey, d.body, d.createdAt],
    );
  }
  return added;
}

/**
 * `skipLocked` is PostgreSQL's ` FOR UPDATE SKIP LOCKED`: a row another instance is claiming is
 * skipped rather than claimed twice (SQLite has one writer: empty).
 */
export async function claim(db: Sql, skipLocked: string, now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const rows = await db.all<DeliveryRow & { body: string }>(
    `UPDATE webhook_deliveries SET locked_until = CAST($1 AS BIGINT) + CAST($3 AS BIGINT), attempts = attempts + 1
     WHERE id IN (
       SELECT id FROM webhook_deliveries
       WHERE status = 'pending' AND next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
       ORDER BY next_attempt_at, id LIMIT $2${skipLocked}
     )
     RETURNING *`,
    [now, limit, leaseMs],
  );
  return rows.map((r) => ({ ...toDelivery(r), body: r.body }));
}

export async function finish(db: Sql, id: string, o: DeliveryOutcome): Promise<void> {
  if (o.status === 'delivered') {
    await db.run(
      `UPDATE webhook_deliveries SET status = 'delivered', last_status = $1, last_error = NULL, finished_at = $2, locked_until = NULL WHERE id = $3`,
      [o.httpStatus, o.at, id],
    );
  } else if (o.status === 'pending') {
    await db.run(
      `UPDATE webhook_deliveries SET last_status = $1, last_error = $2, next_attempt_at = $3, locked_until = NULL WHERE id = $4`,
      [o.httpStatus, o.error, o.nextAttemptAt, id],
    );
  } else {
    await db.run(
      `UPDATE webhook_deliveries SET status = 'failed', last_status = $1, last_error = $2, finished_at = $3, locked_until = NULL WHERE id = $4`,
      [o.httpStatus, o.error, o.at, id],
    );
  }
}

export async function listDeliveries(db: Sql, webhookId: string, limit: number): Promise<Delivery[]> {
  const rows = await db.all<DeliveryRow>(
    `SELECT id, webhook_id, project_id, session_id, event, status, attempts, next_attempt_at, last_status, last_error, created_at, finished_at
     FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
    [webhookId, limit],
  );
  return rows.map(toDelivery);
}

export async function createdBetween(db: Sql, projectId: string, since: number, until: number, limit: number): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    'SELECT id FROM sessions WHERE project_id = $1 AND created_at > $2 AND created_at <= $3 ORDER BY created_at DESC, id DESC LIMIT $4',
    [projectId, since, until, limit],
  );
  return rows.map((r) => r.id);
}

export async function prune(db: Sql, before: number): Promise<number> {
  return db.run(`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1`, [before]);
}
