import type { Batch } from '@reprise/protocol';
import { extractIndexRows } from '../../packages/server/src/ingest/extract.js';
import type { IndexRows } from '../../packages/server/src/store/index-rows.js';
import type { SessionFacts } from '../../packages/server/src/store/types.js';
import { createRng } from '../../test-support/rng.js';
import { syntheticSession, type SyntheticSession } from './synthetic-sessions.js';

/** What decides the seeded data: the generator's seed, the session count and the clock it is anchored to. */
export interface SeedSpec {
  sessions: number;
  seed: number;
  now: number;
}

/** One session as ingest receives it: a single batch, its facts, and what the real extraction makes of it. */
export interface SeedBatch {
  session: SyntheticSession;
  batch: Batch;
  facts: SessionFacts;
  index: IndexRows;
  /** The batch arrives as the session ends. */
  receivedAt: number;
}

/** A session's single batch, reduced to what appendBatch stores of it (the events stay behind). */
export interface SeedRecord {
  sessionId: string;
  seq: number;
  eventCount: number;
  /** Earliest and latest event time; null for a batch without events. */
  tMin: number | null;
  tMax: number | null;
  url: string | null;
  facts: SessionFacts;
  index: IndexRows;
  receivedAt: number;
}

export function factsOf(s: SyntheticSession): SessionFacts {
  return { userAgent: null, browser: s.browser, browserVersion: null, os: s.os, osVersion: null, device: s.device };
}

export function batchOf(s: SyntheticSession): Batch {
  const nav = s.events.find((e) => e.kind === 'nav');
  return { v: 1, sessionId: s.id, seq: 0, events: s.events, meta: { url: (nav?.data as { url?: string } | undefined)?.url } };
}

/** The spec's sessions in order, each through the real extraction; both seeders store exactly these. */
export function* seedBatches(spec: SeedSpec): Generator<SeedBatch> {
  const rng = createRng(spec.seed);
  for (let i = 0; i < spec.sessions; i++) {
    const session = syntheticSession(rng, i, spec.now);
    const batch = batchOf(session);
    yield {
      session,
      batch,
      facts: factsOf(session),
      index: extractIndexRows(batch.events, batch.meta),
      receivedAt: session.events[session.events.length - 1]!.t,
    };
  }
}

export function toSeedRecord(b: SeedBatch): SeedRecord {
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const e of b.batch.events) {
    if (e.t < tMin) tMin = e.t;
    if (e.t > tMax) tMax = e.t;
  }
  const hasTime = b.batch.events.length > 0;
  return {
    sessionId: b.batch.sessionId,
    seq: b.batch.seq,
    eventCount: b.batch.events.length,
    tMin: hasTime ? tMin : null,
    tMax: hasTime ? tMax : null,
    url: b.batch.meta?.url ?? null,
    facts: b.facts,
    index: b.index,
    receivedAt: b.receivedAt,
  };
}
