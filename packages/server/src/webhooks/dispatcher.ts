import { parseQuery } from '@reprise/protocol/query';
import type { SessionSummary } from '@reprise/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { buildDigest } from '../digest/index.js';
import type { ClaimedDelivery, NewDelivery, SearchAlert, Store, Webhook, WebhookEvent } from '../store/types.js';
import { countsOf, renderBody, type WebhookPayload } from './payload.js';
import type { WebhookOptions } from './options.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** What ingest tells the dispatcher: a batch with feedback, or the first batch of a support-link session. */
export type Notice =
  /** `message` reads the batch's events only when a webhook wants them (off the ingest path). */
  | { event: 'feedback'; projectId: string; sessionId: string; seq: number; message: () => string }
  | { event: 'link_session'; projectId: string; sessionId: string; linkId: string };

/** Notices waiting to become deliveries; past this the oldest are dropped (and logged), so ingest never waits or grows memory. */
const MAX_NOTICES = 1000;
/** Support-link sessions already noticed by this instance (the store's dedupe key makes it once across instances). */
const MAX_SEEN = 10_000;
const CLAIM_BATCH = 10;
const MAX_BACKOFF_MS = 3600_000;
/** Finished deliveries stay in the log this long. */
export const DELIVERY_LOG_MS = 30 * 24 * 3600_000;
/** New sessions an alert looks at per check. */
const ALERT_SCAN = 500;

/**
 * Outgoing webhooks (docs/webhooks.md). Ingest only calls `notice()`, which queues in memory and
 * returns: building the payload (session, digest) and sending happen later, on this loop. Every
 * delivery is first a row (webhook_deliveries): the queue, which survives restarts and is shared
 * by instances (claimed with a lease, FOR UPDATE SKIP LOCKED on PostgreSQL), and the delivery log.
 */
export class WebhookDispatcher {
  private readonly notices: Notice[] = [];
  private readonly seenLinkSessions = new Set<string>();
  private draining: Promise<void> | null = null;
  private sending: Promise<void> | null = null;
  private resend = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private closed = false;
  private alertCheck: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly opts: WebhookOptions & { publicUrl: string; log: FastifyBaseLogger },
  ) {
    this.timers.push(setInterval(() => this.kick(), opts.pollMs).unref());
    this.timers.push(setInterval(() => void this.checkAlerts(), opts.alertPollMs).unref());
  }

  /** Called by ingest after a batch is stored; never throws, never waits. */
  notice(n: Notice): void {
    if (this.closed) return;
    if (n.event === 'link_session') {
      if (this.seenLinkSessions.has(n.sessionId)) return;
      if (this.seenLinkSessions.size >= MAX_SEEN) this.seenLinkSessions.clear();
      this.seenLinkSessions.add(n.sessionId);
    }
    if (this.notices.length >= MAX_NOTICES) {
      this.notices.shift();
      this.opts.log.warn('webhook notices piled up: the oldest was dropped');
    }
    this.notices.push(n);
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.draining || this.closed) return;
    this.draining = new Promise<void>((r) => setImmediate(r))
      .then(() => this.drain())
      .catch((err: unknown) => this.opts.log.warn({ err }, 'webhook notices'))
      .finally(() => {
        this.draining = null;
        if (this.notices.length > 0) this.scheduleDrain();
      });
  }

  /** Turns queued notices into delivery rows, then sends. */
  private async drain(): Promise<void> {
    for (let n = this.notices.shift(); n; n = this.notices.shift()) {
      try {
        const hooks = (await this.store.listWebhooks([n.projectId])).filter((h) => h.events.includes(n.event));
        if (hooks.length === 0) continue;
        const payload = await this.payload(n.event, n.projectId, n.sessionId, Date.now());
        if (!payload) continue;
        if (n.event === 'feedback') payload.feedback = { message: n.message() };
        else {
          const link = await this.store.getLink(n.linkId);
          payload.link = { id: n.linkId, label: link?.label ?? '' };
        }
        const key = n.event === 'feedback' ? `feedback:${n.sessionId}:${n.seq}` : `link_session:${n.sessionId}`;
        await this.enqueue(hooks, payload, n.sessionId, key);
      } catch (err) {
        this.opts.log.warn({ err, event: n.event, sessionId: n.sessionId }, 'webhook notice not queued');
      }
    }
  }

  private async enqueue(hooks: Webhook[], payload: WebhookPayload, sessionId: string | null, key: string): Promise<void> {
    const rows: NewDelivery[] = hooks.map((h) => ({
      webhookId: h.id,
      projectId: h.projectId,
      sessionId,
      event: payload.event,
      dedupeKey: key,
      body: renderBody(payload, h.format),
      createdAt: payload.at,
    }));
    if ((await this.store.enqueueDeliveries(rows)) > 0) this.kick();
  }

  /** The payload about a session: its link, the digest's line of what went wrong, and counts. Null when the session is gone. */
  private async payload(event: WebhookEvent, projectId: string, sessionId: string, at: number): Promise<WebhookPayload | null> {
    const [project, session, digest] = await Promise.all([
      this.store.listProjects().then((ps) => ps.find((p) => p.id === projectId)),
      this.store.getSession(sessionId),
      buildDigest(this.store, sessionId, { budgetTokens: 200 }),
    ]);
    if (!project || !session) return null;
    return {
      event,
      at,
      project: { id: project.id, name: project.name },
      session: {
        id: session.id,
        url: `${this.opts.publicUrl}/sessions/${encodeURIComponent(session.id)}`,
        startedAt: session.startedAt,
        firstUrl: session.firstUrl,
        userId: session.userId,
      },
      summary: digest?.problems[0]?.chain ?? 'Nothing went wrong in the recording so far.',
      counts: countsOf(session),
    };
  }

  /** Sends due deliveries now (and again if more arrive meanwhile). */
  kick(): void {
    if (this.closed) return;
    if (this.sending) {
      this.resend = true;
      return;
    }
    this.sending = this.sendDue()
      .catch((err: unknown) => this.opts.log.warn({ err }, 'webhook deliveries'))
      .finally(() => {
        this.sending = null;
        if (this.resend) {
          this.resend = false;
          this.kick();
        }
      });
  }

  private async sendDue(): Promise<void> {
    // The lease outlasts one attempt: a crashed instance's claims become due again after it.
    const lease = this.opts.timeoutMs * 2 + 5_000;
    for (;;) {
      if (this.closed) return;
      const claimed = await this.store.claimDeliveries(Date.now(), CLAIM_BATCH, lease);
      if (claimed.length === 0) return;
      await Promise.all(claimed.map((d) => this.attempt(d)));
    }
  }

  private async attempt(d: ClaimedDelivery): Promise<void> {
    const hook = await this.store.getWebhook(d.webhookId);
    if (!hook) return;
    let httpStatus: number | null = null;
    let error: string;
    try {
      const ts = Math.floor(Date.now() / 1000);
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Reprise-Webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(hook.secret, ts, d.body),
          'x-reprise-event': d.event,
          'x-reprise-delivery': d.id,
        },
        body: d.body,
        // A redirect could lead anywhere (another host, an internal address): it counts as a failure.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      httpStatus = res.status;
      // Read (and bound) the answer so the connection is released; its content does not matter.
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        await this.store.finishDelivery(d.id, { status: 'delivered', httpStatus: res.status, at: Date.now() });
        return;
      }
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = describe(err, this.opts.timeoutMs);
    }
    const now = Date.now();
    if (d.attempts >= this.opts.maxAttempts) {
      await this.store.finishDelivery(d.id, { status: 'failed', httpStatus, error, at: now });
    } else {
      await this.store.finishDelivery(d.id, {
        status: 'pending',
        httpStatus,
        error,
        nextAttemptAt: now + backoff(this.opts.backoffMs, d.attempts),
      });
    }
  }

  /**
   * Saved-search alerts: new sessions (whose first batch arrived since the last check) that match the search, at
   * most one delivery per minimum interval, with their count and the newest one. The check is
   * claimed by compare-and-set on `checked_at`, so with several instances one of them sends it.
   */
  checkAlerts(): Promise<void> {
    this.alertCheck ??= this.runAlerts()
      .catch((err: unknown) => this.opts.log.warn({ err }, 'search alerts'))
      .finally(() => (this.alertCheck = null));
    return this.alertCheck;
  }

  private async runAlerts(): Promise<void> {
    // The delivery log is bounded in time: finished deliveries older than a month go (the queue itself never).
    await this.store.pruneDeliveries(Date.now() - DELIVERY_LOG_MS);
    const alerts = await this.store.listSearchAlerts();
    for (const a of alerts) {
      if (this.closed) return;
      await this.checkAlert(a);
    }
  }

  private async checkAlert(a: SearchAlert): Promise<void> {
    const now = Date.now();
    if (a.lastFiredAt !== null && now - a.lastFiredAt < a.minIntervalMs) return;
    // A session's arrival time is taken before its first batch commits: look only at arrivals older
    // than the lag, so none commits behind the watermark.
    const until = now - this.opts.alertLagMs;
    if (until <= a.checkedAt) return;
    const hooks = (await this.store.listWebhooks([a.projectId])).filter((h) => h.events.includes('alert'));
    const saved = await this.store.getSavedSearch(a.savedSearchId);
    if (!saved || hooks.length === 0) return;
    const parsed = parseQuery(saved.query);
    if (!parsed.ok) return;
    // New = first batch arrived in (checkedAt, until] (server clock); of those, the ones the search matches now.
    const created = new Set(await this.store.sessionsCreatedBetween(a.projectId, a.checkedAt, until, ALERT_SCAN));
    let fresh: SessionSummary[] = [];
    if (created.size > 0) {
      const found = await this.store.searchSessions({
        projectId: a.projectId,
        ast: parsed.ast,
        sort: 'newest',
        limit: ALERT_SCAN,
        cursor: null,
        now,
      });
      fresh = found.sessions.filter((s) => created.has(s.id));
    }
    if (!(await this.store.claimSearchAlert(a.savedSearchId, a.checkedAt, until, fresh.length > 0 ? now : null)) || fresh.length === 0)
      return;
    const payload = await this.payload('alert', a.projectId, fresh[0]!.id, now);
    if (!payload) return;
    payload.alert = { savedSearchId: saved.id, name: saved.name, query: saved.query, matches: fresh.length };
    await this.enqueue(hooks, payload, fresh[0]!.id, `alert:${saved.id}:${now}`);
  }

  /** Stops the loops and waits for what is in flight (attempts end by their timeout at the latest). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([this.draining, this.sending, this.alertCheck]);
  }
}

/** base · 2^(attempt−1), ±20 % so receivers coming back up are not hit by every sender at once; at most an hour. */
export function backoff(baseMs: number, attempt: number): number {
  const ms = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`.slice(0, 300);
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}
