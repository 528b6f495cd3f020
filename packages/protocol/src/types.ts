/**
 * Reprise wire format, version 1.
 *
 * The recorder POSTs batches to `/ingest/v1/batch`. A batch carries events of
 * every kind on one clock (epoch milliseconds). `dom` events wrap rrweb events
 * unchanged, so a session can always be exported to plain rrweb JSON.
 */

/** Bumped when the wire or stored shape changes incompatibly. */
import type { SessionCounts } from './capture-types.js';

export const FORMAT_VERSION = 1 as const;

/** Limits shared by the recorder (so it never builds a batch the server refuses) and the server. */
export const LIMITS = {
  /** Largest accepted request body as sent (compressed), in bytes. */
  maxCompressedBatchBytes: 1024 * 1024,
  /** Largest accepted body after decompression, in bytes (zip-bomb guard). */
  maxBatchBytes: 16 * 1024 * 1024,
  /** Most events in one batch. */
  maxEventsPerBatch: 20_000,
  /** Session ids are opaque, URL-safe and short. */
  maxSessionIdLength: 64,
} as const;

export const EVENT_KINDS = ['dom', 'console', 'network', 'error', 'nav', 'env', 'vital', 'custom', 'meta'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** One captured event. `t` is epoch milliseconds on the recording tab's clock. */
export interface ReplayEvent<K extends EventKind = EventKind, D = unknown> {
  t: number;
  kind: K;
  data: D;
}

/** An rrweb `eventWithTime`, kept opaque here so the protocol does not depend on rrweb. */
export interface RrwebEvent {
  type: number;
  timestamp: number;
  data: unknown;
  delay?: number;
}

export type DomEvent = ReplayEvent<'dom', RrwebEvent>;

/** Page context sent with a batch; the server keeps the first one it sees per session. */
export interface BatchMeta {
  /** URL of the page that produced the batch. */
  url?: string;
  /** Referrer of that page. */
  referrer?: string;
  /** Recorder version, for support. */
  sdk?: string;
}

/** The unit of upload. `seq` is per session, starts at 0 and increases by one per batch. */
export interface Batch {
  v: typeof FORMAT_VERSION;
  sessionId: string;
  seq: number;
  events: ReplayEvent[];
  meta?: BatchMeta;
}

/** What ingest answers with 200/202: the batch is durable when this is returned. */
export interface IngestAck {
  ok: true;
  sessionId: string;
  seq: number;
  /** True when this (session, seq) had been stored before and the body was ignored. */
  duplicate: boolean;
}

/** Every 4xx/5xx body from the server. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** A session as the REST API returns it. */
export interface SessionSummary {
  id: string;
  projectId: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  firstUrl: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  counts: SessionCounts;
  /** The magic link the session was recorded through, if any. */
  linkId: string | null;
  linkLabel: string | null;
  /** Last `identify` userId seen in the session. */
  userId: string | null;
  /** `tag(key, value)` calls, last value wins. */
  tags: Record<string, string>;
  /** True when a batch arrived within the last 10 s. */
  live: boolean;
}

/** `GET /api/v1/sessions/:id` adds these details. */
export interface SessionDetail extends SessionSummary {
  browserVersion: string | null;
  osVersion: string | null;
  userAgent: string | null;
  eventCount: number;
  batchCount: number;
  lastSeq: number;
  /** seq numbers below lastSeq that never arrived (gaps the recorder did not fill). */
  missingSeqs: number[];
}

export interface SessionList {
  sessions: SessionSummary[];
  nextCursor: string | null;
}

export type LinkStatus = 'created' | 'opened' | 'recording' | 'ended';

/** `POST /api/v1/links` answer. `url` holds the token: shown once, never retrievable again. */
export interface CreatedLink {
  id: string;
  url: string;
  expiresAt: number;
  label: string;
  targetUrl: string;
  maxSessions: number | null;
}

/** One row of `GET /api/v1/links`. */
export interface LinkInfo {
  id: string;
  label: string;
  targetUrl: string;
  createdAt: number;
  expiresAt: number;
  maxSessions: number | null;
  revokedAt: number | null;
  openedAt: number | null;
  sessionCount: number;
  sessions: string[];
  status: LinkStatus;
}
