import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/types.js';

/** What the receiver did since the process started (logged when something is dropped). */
export class OtlpStats {
  received = 0;
  stored = 0;
  pending = 0;
  /** Dropped because the project's pending area was full. */
  droppedFull = 0;
  /** Dropped because no batch named their trace id in time. */
  droppedExpired = 0;
  /** Left out as unusable (no trace id, over the per-request caps). */
  rejected = 0;
}

/**
 * Expires pending spans and logs (store/trace-rows.ts) older than `ttlMs`, every quarter of it (at
 * most every 30 s): they belong to no recorded request. Any instance may run it; the DELETE is
 * idempotent. Never overlapping; stopped and awaited on close.
 */
export function startPendingExpiry(opts: { store: Store; ttlMs: number; stats: OtlpStats; log: FastifyBaseLogger }): {
  stop(): Promise<void>;
} {
  const { store, ttlMs, stats, log } = opts;
  let running: Promise<void> | null = null;
  const run = async () => {
    try {
      const dropped = await store.expireOtlpPending(Date.now() - ttlMs);
      if (dropped > 0) {
        stats.droppedExpired += dropped;
        log.warn(
          { dropped, droppedExpired: stats.droppedExpired, droppedFull: stats.droppedFull },
          'otlp: spans and logs dropped: no recorded request named their trace id in time',
        );
      }
    } catch (err) {
      log.warn({ err }, 'otlp: expiring pending spans failed');
    }
  };
  const timer = setInterval(
    () => {
      if (!running) running = run().finally(() => (running = null));
    },
    Math.min(30_000, Math.max(1_000, Math.floor(ttlMs / 4))),
  );
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
