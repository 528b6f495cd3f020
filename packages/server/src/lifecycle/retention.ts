import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/types.js';

export interface RetentionJob {
  /** Stops the timer and waits for a run in progress, so the store can be closed after it. */
  stop(): Promise<void>;
}

/**
 * Deletes sessions past their project's retention (`Store.deleteExpiredSessions`) every
 * `intervalMs`, starting after at most a minute. Runs never overlap, the timer never keeps the
 * process alive, and a failed run is logged and retried at the next tick.
 */
export function startRetentionJob(opts: { store: Store; intervalMs: number; log: FastifyBaseLogger }): RetentionJob {
  const { store, intervalMs, log } = opts;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  const tick = () => {
    timer = null;
    running = store
      .deleteExpiredSessions(Date.now())
      .then(
        (n) => {
          if (n > 0) log.info({ deleted: n }, 'retention: deleted expired sessions');
        },
        (err: unknown) => log.error({ err }, 'retention run failed'),
      )
      .finally(() => {
        running = null;
        schedule(intervalMs);
      });
  };
  schedule(Math.min(intervalMs, 60_000));

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
