import type { CompactResult, GcResult } from './batch-chunks.js';

/**
 * What a metadata store offers for chunk upkeep (SqliteStore; the PostgreSQL store implements
 * the same on top of BatchChunks.compact / BatchChunks.gc). Optional on Store, hence the guard.
 */
export interface ChunkMaintenance {
  /** Sessions with unpacked batches whose last batch arrived before `idleBefore` (epoch ms). */
  listCompactableSessions(idleBefore: number, limit: number): Promise<string[]>;
  compactSession(sessionId: string, opts?: { maxPackBytes?: number }): Promise<CompactResult>;
  /** Deletes unreferenced chunk objects older than `olderThanMs` (default 1 h). */
  gcChunks(opts?: { olderThanMs?: number; now?: number; dryRun?: boolean }): Promise<GcResult>;
}

export function hasChunkMaintenance(store: object): store is ChunkMaintenance & object {
  const s = store as Partial<ChunkMaintenance>;
  return typeof s.listCompactableSessions === 'function' && typeof s.compactSession === 'function' && typeof s.gcChunks === 'function';
}

export interface CompactRun {
  sessions: number;
  packs: number;
  packedBatches: number;
  failed: number;
}

/** Compacts up to `limit` sessions idle for `idleMs`; a failing session is logged and skipped. */
export async function compactIdleSessions(
  store: ChunkMaintenance,
  opts: { idleMs: number; now?: number; limit?: number; onError?: (sessionId: string, err: unknown) => void },
): Promise<CompactRun> {
  const ids = await store.listCompactableSessions((opts.now ?? Date.now()) - opts.idleMs, opts.limit ?? 200);
  const run: CompactRun = { sessions: 0, packs: 0, packedBatches: 0, failed: 0 };
  for (const id of ids) {
    try {
      const r = await store.compactSession(id);
      run.sessions++;
      run.packs += r.packs.length;
      run.packedBatches += r.packedBatches;
    } catch (err) {
      run.failed++;
      opts.onError?.(id, err);
    }
  }
  return run;
}

interface Log {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ChunkMaintenanceJob {
  /** Stops the timer and waits for a run in progress, so the store can be closed after it. */
  stop(): Promise<void>;
}

/**
 * Background upkeep: every `tickMs` (default 1 min) packs sessions idle for
 * `compactAfterMinutes`; every `gcEveryMs` (default 1 h, first run one interval after start)
 * removes orphan objects older than an hour. Runs never overlap and the timer never keeps the
 * process alive.
 */
export function startChunkMaintenance(opts: {
  store: ChunkMaintenance;
  compactAfterMinutes: number;
  log: Log;
  tickMs?: number;
  gcEveryMs?: number;
}): ChunkMaintenanceJob {
  const { store, log } = opts;
  const tickMs = opts.tickMs ?? 60_000;
  const gcEveryMs = opts.gcEveryMs ?? 60 * 60_000;
  let lastGc = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const once = async () => {
    // Drain the backlog (e.g. after an upgrade) a batch of sessions per call.
    for (let i = 0; i < 50 && !stopped; i++) {
      const r = await compactIdleSessions(store, {
        idleMs: opts.compactAfterMinutes * 60_000,
        onError: (sessionId, err) => log.error({ err, sessionId }, 'chunk compaction failed'),
      });
      if (r.packs > 0) log.info({ sessions: r.sessions, packs: r.packs, batches: r.packedBatches }, 'chunks: packed idle sessions');
      if (r.sessions + r.failed < 200 || r.failed > 0) break;
    }
    if (!stopped && Date.now() - lastGc >= gcEveryMs) {
      lastGc = Date.now();
      const g = await store.gcChunks();
      if (g.deleted.length > 0) log.info({ scanned: g.scanned, deleted: g.deleted.length }, 'chunks: removed orphan objects');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(tick, tickMs);
    timer.unref();
  };
  const tick = () => {
    timer = null;
    running = once()
      .catch((err: unknown) => log.error({ err }, 'chunk maintenance failed'))
      .finally(() => {
        running = null;
        schedule();
      });
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
