import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/types.js';
import { sweepAssets } from '../assets/retention.js';
import { hasAssetStore } from '../assets/types.js';

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
    running = runRetention(store, Date.now())
      .then(
        ({ sessions: n, assets }) => {
          if (n > 0) log.info({ deleted: n }, 'retention: deleted expired sessions');
          if (assets.rows + assets.objects > 0) log.info(assets, 'retention: deleted unreferenced assets');
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

/** One retention run: expired sessions, then the captured assets only they referenced (assets/retention.ts). */
export async function runRetention(store: Store, now: number): Promise<{ sessions: number; assets: { rows: number; objects: number } }> {
  const sessions = await store.deleteExpiredSessions(now);
  const assets = hasAssetStore(store) ? await sweepAssets(store, now) : { rows: 0, objects: 0 };
  return { sessions, assets };
}
