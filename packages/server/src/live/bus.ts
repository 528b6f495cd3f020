import type { ReplayEvent } from '@reprise/protocol';

/** A batch that was just stored (never a duplicate), fanned out to live viewers. */
export interface LiveMessage {
  sessionId: string;
  /** The batch's seq: a bus spanning instances sends only (sessionId, seq) and re-reads the batch. */
  seq?: number;
  events: ReplayEvent[];
}

/**
 * Fan-out of freshly stored batches to open live streams. The in-process bus below serves a
 * single server; with the PostgreSQL store, PgLiveBus (live/pg-bus.ts) spans instances with
 * LISTEN/NOTIFY (publish = NOTIFY of {sessionId, seq}, other instances re-read the batch).
 */
export interface LiveBus {
  publish(msg: LiveMessage): void;
  /** Calls `fn` for every message of `sessionId` until the returned function is called. */
  subscribe(sessionId: string, fn: (msg: LiveMessage) => void): () => void;
  close(): Promise<void>;
}

export class InProcessLiveBus implements LiveBus {
  private readonly subs = new Map<string, Set<(msg: LiveMessage) => void>>();

  publish(msg: LiveMessage): void {
    const set = this.subs.get(msg.sessionId);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(msg);
      } catch {
        // A broken subscriber must not affect ingest or the other viewers.
      }
    }
  }

  subscribe(sessionId: string, fn: (msg: LiveMessage) => void): () => void {
    let set = this.subs.get(sessionId);
    if (!set) this.subs.set(sessionId, (set = new Set()));
    set.add(fn);
    return () => {
      const s = this.subs.get(sessionId);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.subs.delete(sessionId);
    };
  }

  /** Number of open subscriptions (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const s of this.subs.values()) n += s.size;
    return n;
  }

  async close(): Promise<void> {
    this.subs.clear();
  }
}
