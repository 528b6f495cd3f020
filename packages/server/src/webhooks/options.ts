/** Webhook delivery settings (REPRISE_WEBHOOK_*, config.ts). */
export interface WebhookOptions {
  /** Attempts per delivery before it is marked failed. */
  maxAttempts: number;
  /** First retry after this; each next one waits twice as long (jittered, at most an hour). */
  backoffMs: number;
  /** One attempt may take this long (a slow receiver is a failed attempt). */
  timeoutMs: number;
  /** How often each instance looks for due deliveries (new ones are also sent at once). */
  pollMs: number;
  /** How often saved-search alerts are checked. */
  alertPollMs: number;
  /** Alerts count sessions that arrived at least this long ago (their first batch has surely committed). */
  alertLagMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  maxAttempts: 8,
  backoffMs: 5_000,
  timeoutMs: 10_000,
  pollMs: 2_000,
  alertPollMs: 30_000,
  alertLagMs: 30_000,
};
