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
  /** Highest `seq` (a 32-bit signed integer: a batch every second for 68 years). */
  maxSeq: 2 ** 31 - 1,
  /** Latest event time `t`, epoch ms: the last instant a JavaScript Date can hold (year 275760). */
  maxEventTime: 8.64e15,
  /**
   * Deepest JSON nesting of one event (`{t, kind, data}` is level 1). rrweb nests two levels
   * per DOM level, so this passes a full snapshot ~590 elements deep (the HTML parser itself
   * stops nesting at 512), and stays far below what JSON.stringify can walk on the server.
   */
  maxEventDepth: 1200,
  /** Largest single event, as its JSON text (strings and keys counted by length). */
  maxEventBytes: 8 * 1024 * 1024,
  /** Longest release name (recorder `release` option, source map uploads). */
  maxReleaseLength: 200,
} as const;

export const EVENT_KINDS = ['dom', 'console', 'network', 'error', 'nav', 'env', 'vital', 'custom', 'meta', 'click'] as const;
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
  /** The app's release (recorder `release` option): picks the source maps its errors resolve with. */
  release?: string;
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
  /** The app's release the session was recorded with (recorder `release`), null when none. */
  release?: string | null;
  /** `tag(key, value)` calls, last value wins. */
  tags: Record<string, string>;
  /** True when a batch arrived within the last 10 s. */
  live: boolean;
  /** Time with user activity, idle gaps over 5 s excluded (computed at ingest). */
  activeMs: number;
  /** Pages visited: full loads plus pushState/popstate navigations. */
  pageCount: number;
  /** True when the session reached the server's per-session byte cap: later batches were refused. */
  truncated: boolean;
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
  /** Client IP from the session's first batch, as REPRISE_IP stored it (anonymized by default); null when not stored. */
  ip: string | null;
}

/**
 * `GET /api/v1/sessions/:id/timeline`: what a player needs to plan range loading before it reads
 * any event. Times are epoch ms on the tab's clock, like `ReplayEvent.t`.
 */
export interface SessionTimeline {
  sessionId: string;
  /** First and last event time of any kind, from the stored batches. */
  startedAt: number;
  endedAt: number;
  /** A batch arrived within the last 10 s (same as `SessionSummary.live`). */
  live: boolean;
  /** rrweb full snapshots (the first page, every checkout, every page load), in time order. */
  snapshots: TimelineSnapshot[];
  /** Stored batches that hold events, in seq order: what `?from=&to=` reads would touch. */
  batches: TimelineBatch[];
}

/** One rrweb full snapshot (type 2): a replay can start here without any earlier event. */
export interface TimelineSnapshot {
  /** Time of the full snapshot event. */
  t: number;
  /**
   * Where loading must start to replay from this snapshot: the rrweb Meta (type 4, plus any
   * DomContentLoaded/Load) recorded just before it, which rrweb needs to begin there; `t` when the
   * batch holds none.
   */
  startT: number;
}

export interface TimelineBatch {
  seq: number;
  /** Earliest and latest event time in the batch. */
  tMin: number;
  tMax: number;
  eventCount: number;
  /** Stored (compressed) size in bytes. */
  bytes: number;
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

/** One saved search of a project (`/api/v1/saved-searches`). */
export interface SavedSearch {
  id: string;
  projectId: string;
  name: string;
  query: string;
  createdAt: number;
  createdBy: string | null;
}

/** Every top-problems row carries the query that lists its sessions. */
interface ProblemRowBase {
  /** Occurrences in the window. */
  count: number;
  /** Distinct sessions affected. */
  sessions: number;
  /** Epoch ms of the newest occurrence. */
  lastSeen: number;
  /** A search query (the language of docs/search.md) matching the affected sessions. */
  query: string;
}

/** `GET /api/v1/problems/endpoints`: requests with status >= 400 or failed, by method + normalized route. */
export interface FailingEndpoint extends ProblemRowBase {
  method: string;
  /** Path with ids normalized: `/api/orders/123` becomes `/api/orders/:id`. */
  route: string;
  /** Status codes seen for the route (0 = failed without a response), most frequent first. */
  statuses: number[];
}

/** `GET /api/v1/problems/errors`: JS errors grouped by message with numbers and ids normalized. */
export interface ErrorGroup extends ProblemRowBase {
  name: string | null;
  /** The normalized message (the grouping key). */
  message: string;
  /** One raw message of the group, as it was captured. */
  example: string;
  /**
   * Where the newest error of the group happened, its top frame resolved through its release's
   * source maps (`retryPayment (src/checkout.ts:105:39)`); null without a resolved frame.
   */
  top?: string | null;
}

/** `GET /api/v1/problems/clicks?type=rage|dead`: rage or dead clicks grouped by selector. */
export interface ClickProblem extends ProblemRowBase {
  type: 'rage' | 'dead';
  selector: string;
  /** The visible text or label of the element, from the newest occurrence. */
  text: string | null;
}

export interface ProblemList<T> {
  rows: T[];
  /** The window the rows cover, epoch ms. */
  since: number;
}
