/** What the transport is given (options, the session's seqs) and what it counts. */
import type { BatchMeta, LinkError } from '@reprise/protocol';
import type { FetchFn } from './send.js';

export interface TransportOptions {
  endpoint: string;
  projectKey: string;
  flushIntervalMs: number;
  maxBatchBytes: number;
  maxQueueBytes: number;
  maxRetryDelayMs: number;
  /** "Not now" answers (5xx, 408, 425, 429) one batch may get before it is dropped (counted). */
  maxRetries: number;
  /** Page context for Batch.meta, read when a batch is cut. */
  meta(): BatchMeta;
  /** Defaults to the page's fetch as it was when the transport was created. */
  fetch?: FetchFn;
  /** Support-link token, sent as `&link=` with every batch. */
  link?: string | null;
  /** The server refused the link (403 with a LINK_ERRORS code): nothing more will be accepted. */
  onLinkError?(code: LinkError): void;
  /** The server takes nothing more of this session (`session_full`, `session_key_mismatch`, `session_deleted`, its link ended). */
  onSessionClosed?(sessionId: string, reason: string): void;
}

/** Where batch seqs come from (the session). */
export interface SeqSource {
  readonly id: string;
  /** Sent with each batch of the session (X-Reprise-Session-Key); null: none. */
  readonly key: string | null;
  /** Why the server refuses the session for good, or null. */
  readonly closed: string | null;
  nextSeq(): number;
  /** Remembers that the server refuses the session for good. */
  close(reason: string): void;
}

export interface TransportCounters {
  eventsCaptured: number;
  eventsDropped: number;
  batchesSent: number;
  batchesFailed: number;
  batchesDropped: number;
  retries: number;
  /** Batches dropped after maxRetries "not now" answers (5xx, 408, 425, 429). */
  batchesGivenUp: number;
  /** Batches refused or not sent because the server closed their session (session_full, key mismatch, link ended). */
  batchesSessionClosed: number;
}

export function zeroCounters(): TransportCounters {
  return {
    eventsCaptured: 0,
    eventsDropped: 0,
    batchesSent: 0,
    batchesFailed: 0,
    batchesDropped: 0,
    retries: 0,
    batchesGivenUp: 0,
    batchesSessionClosed: 0,
  };
}
