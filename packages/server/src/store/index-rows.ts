import type { SessionCounts } from '@reprise/protocol';
import type { TraceRow } from './trace-rows.js';

/**
 * The rows a batch adds to the index tables, as ingest hands them to the store
 * (ingest/extract.ts fills them; Store.appendBatch writes them). The store owns their shape
 * and the limits it enforces, so ingest depends on the store, not the other way round.
 */

/** Rows for the small index tables, taken from a batch as it arrives so search never re-reads chunks. */
export interface IndexRows {
  network: { t: number; method: string; url: string; route: string; status: number; durationMs: number; failed: boolean }[];
  console: { t: number; level: string; text: string }[];
  errors: ErrorRow[];
  /** `click` events, sorted by time. */
  clicks: ClickRow[];
  /** One row per `nav` event. */
  pages: { t: number; url: string }[];
  /** Pages counted for `pageCount`: nav events of type load, pushState and popstate. */
  pageCount: number;
  /** `search_text` rows of the batch: one per field, distinct non-empty values joined by newlines. */
  search: { field: SearchField; text: string }[];
  /** Times the signal detection needs (see store/signals.ts). */
  timeline: SignalTimeline;
  /** What this batch adds to the session's counts. */
  counts: SessionCounts;
  /** Last `identify` userId in the batch, if any (replaces the session's). */
  userId: string | null;
  /** The batch's release (`meta.release`): the session keeps the first one, its errors carry it. */
  release?: string | null;
  /** `tag` calls in the batch, merged into the session's tags (last value wins). */
  tags: Record<string, string>;
  /** rrweb full snapshots of the batch, in batch order: the replay index (ingest/snapshots.ts). */
  snapshots: SnapshotRow[];
  /** Stylesheets, images, fonts and media the batch's rrweb events load (assets/capture.ts). */
  assetUrls?: string[];
  /** The trace context of the batch's requests (network events with a traceId): store/trace-rows.ts. */
  traces?: TraceRow[];
}

export interface ErrorRow {
  t: number;
  name: string | null;
  message: string;
  messageKey: string;
  stack: string | null;
  /** The release the error was recorded in; null without one. */
  release: string | null;
  /** Its issue's grouping (issues/fingerprint.ts); null for failed resource loads, which are not code errors. */
  issue: { fingerprint: string; type: string; message: string } | null;
}

export type SearchField = 'url' | 'request' | 'console' | 'error' | 'click';

export interface ClickRow {
  t: number;
  selector: string;
  text: string | null;
  testId: string | null;
  tag: string;
  x: number;
  y: number;
  nodeId: number | null;
  interactive: boolean;
  /** Interactive and not a text-entry field: a click nothing answers is a dead click. */
  deadCandidate: boolean;
}

export interface SignalTimeline {
  /**
   * What answers a click, sorted: DOM mutations that change something, navigations, request
   * starts (`startedAt`), and user-triggered rrweb input events (a checkbox or radio toggling
   * is recorded as an input event, not a mutation).
   */
  responses: number[];
  /** Request starts alone, sorted (a late one can answer a click an earlier batch called dead). */
  requests: number[];
  /** JS errors (uncaught and unhandled rejections; failed resource loads are not), sorted. */
  errors: number[];
  /** User activity: rrweb mouse moves, mouse interactions, scrolls, inputs, touch moves, clicks; sorted. */
  activity: number[];
  /** Latest event time of the batch (any kind); null for an empty batch. */
  maxT: number | null;
}

/** One full snapshot of a batch. */
export interface SnapshotRow {
  /** Time of the full snapshot event. */
  t: number;
  /** Time of the first event of the Meta/DomContentLoaded/Load run just before it; `t` when the batch has none. */
  startT: number;
}

/** At most this many tags per session: later new keys are dropped, existing keys still update. */
export const MAX_TAGS = 50;
