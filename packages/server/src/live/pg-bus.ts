import type pg from 'pg';
import { randomId } from '../ids.js';
import { createClient } from '../store/postgres/pool.js';
import type { PgStore } from '../store/postgres/pg-store.js';
import { InProcessLiveBus, type LiveBus, type LiveMessage } from './bus.js';

/** The NOTIFY channel shared by every instance on one database. */
export const LIVE_CHANNEL = 'reprise_live';

interface Notice {
  sessionId: string;
  seq: number;
  /** The publishing instance, which has already delivered the batch to its own viewers. */
  from: string;
}

/**
 * Live fan-out across instances with PostgreSQL LISTEN/NOTIFY. `publish` delivers to this
 * instance's viewers at once and NOTIFYs `{sessionId, seq, from}` (a few dozen bytes: payloads
 * are limited to 8000, so events never travel in them). Every instance LISTENs on one dedicated
 * connection; for a session it has viewers of, it re-reads the batch with `store.readBatch` and
 * delivers it, in notification order per session. The connection reconnects with backoff;
 * batches stored while it was down reach no viewer on this instance (the viewer catches up
 * when it reloads the session).
 */
export class PgLiveBus implements LiveBus {
  private readonly local = new InProcessLiveBus();
  private readonly id = randomId();
  private readonly viewers = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 0;
  private retry: NodeJS.Timeout | null = null;
  /** Resolves once the first LISTEN is in place (tests wait for it). */
  readonly ready: Promise<void>;

  constructor(
    private readonly store: PgStore,
    private readonly opts: { onError?: (err: unknown) => void } = {},
  ) {
    this.ready = this.connect();
  }

  publish(msg: LiveMessage): void {
    this.local.publish(msg);
    if (msg.seq === undefined) return;
    const notice: Notice = { sessionId: msg.sessionId, seq: msg.seq, from: this.id };
    this.store.pool
      .query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, JSON.stringify(notice)])
      .catch((err: unknown) => this.opts.onError?.(err));
  }

  subscribe(sessionId: string, fn: (msg: LiveMessage) => void): () => void {
    this.viewers.set(sessionId, (this.viewers.get(sessionId) ?? 0) + 1);
    const off = this.local.subscribe(sessionId, fn);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      off();
      const n = (this.viewers.get(sessionId) ?? 1) - 1;
      if (n > 0) this.viewers.set(sessionId, n);
      else this.viewers.delete(sessionId);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => undefined);
    await this.local.close();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = createClient(this.store.url, 'reprise-live');
    client.on('notification', (n) => {
      if (n.channel === LIVE_CHANNEL && n.payload) this.onNotice(n.payload);
    });
    const lost = (err?: unknown) => {
      if (this.client !== client) return;
      this.client = null;
      if (err) this.opts.onError?.(err);
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${LIVE_CHANNEL}`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
      this.retryMs = 0;
    } catch (err) {
      this.opts.onError?.(err);
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retryMs = Math.min(10_000, this.retryMs ? this.retryMs * 2 : 250);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, this.retryMs);
    this.retry.unref();
  }

  private onNotice(payload: string): void {
    let n: Notice;
    try {
      n = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    if (n.from === this.id || typeof n.sessionId !== 'string' || !Number.isInteger(n.seq) || !this.viewers.has(n.sessionId)) return;
    // One chain per session keeps its batches in notification order while reads overlap across sessions.
    const prev = this.queues.get(n.sessionId) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        const events = await this.store.readBatch(n.sessionId, n.seq);
        if (events && !this.closed) this.local.publish({ sessionId: n.sessionId, seq: n.seq, events });
      })
      .catch((err: unknown) => this.opts.onError?.(err));
    this.queues.set(n.sessionId, next);
    void next.then(() => {
      if (this.queues.get(n.sessionId) === next) this.queues.delete(n.sessionId);
    });
  }
}
