import { FORMAT_VERSION, LIMITS, type BatchMeta, type LinkError, type ReplayEvent } from '@reprise/protocol';
import type { Guard } from '../guard.js';
import type { EventSink } from '../sink.js';
import type { KeyValueStore } from '../storage.js';
import { Compressor, compressNow, type CompressionMode } from './compress.js';
import { DictionaryBook, pathOf, type PresetDictionary } from './dictionary-book.js';
import { Outbox, itemJson, persistItems, takePersisted, type OutboxItem } from './outbox.js';
import { ingestUrl } from './own-request.js';
import { isLinkError, isSessionRefusal, postBatch, type FetchFn, type SendOutcome, type SendResult } from './send.js';

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
  /** The server takes nothing more of this session (`session_full`, `session_key_mismatch`, its link ended). */
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
    eventsCaptured: 0, eventsDropped: 0, batchesSent: 0, batchesFailed: 0, batchesDropped: 0, retries: 0,
    batchesGivenUp: 0, batchesSessionClosed: 0,
  };
}

// Browsers refuse keepalive requests once 64 KiB of keepalive bodies are in flight.
const KEEPALIVE_BUDGET = 60 * 1024;
const BASE_RETRY_MS = 1000;
// A Retry-After is honoured up to this long (a tab rarely lives longer; the queue stays bounded meanwhile).
const MAX_RETRY_AFTER_MS = 10 * 60 * 1000;
// Room for the batch envelope around a single huge event, under the server's decompressed limit.
const MAX_EVENT_CHARS = LIMITS.maxBatchBytes - 64 * 1024;
// An rrweb full snapshot (type 2) as the transport serializes it: its batch starts a page.
const FULL_SNAPSHOT = /^\{"t":[-0-9.e+]+,"kind":"dom","data":\{"type":2,/;

interface Waiter {
  items: Set<OutboxItem>;
  resolve(): void;
}

/**
 * Events in, compressed batches out. Events are serialised once on arrival; a batch
 * is cut on the flush timer or when it reaches maxBatchBytes, gets its seq
 * (persisted by the session before any send), is deflated off the main thread
 * against a preset dictionary (dictionary-book.ts; gzip as the fallback) and
 * queued. One request at a time, in seq order. A final 4xx drops the batch (counted)
 * and the next one goes; 5xx/408/425/429 are retried with capped exponential backoff (or the
 * server's Retry-After), at most maxRetries times per batch; offline is retried until the
 * queue, kept under maxQueueBytes by dropping the oldest batches, overflows. A session the
 * server closes (session_full, session_key_mismatch, its link ended) uploads nothing more.
 */
export class Transport implements EventSink {
  readonly counters: TransportCounters = zeroCounters();

  private pending: string[] = [];
  private pendingBytes = 0;
  /** The pending batch holds a full snapshot: it becomes a dictionary reference. */
  private pendingStartsPage = false;
  private readonly book: DictionaryBook;
  private readonly outbox = new Outbox();
  private readonly compressor: Compressor;
  private readonly url: string;
  private readonly fetchFn: FetchFn;
  private inFlight: OutboxItem | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private keepaliveBytes = 0;
  private waiters: Waiter[] = [];
  /** Sessions the server refuses for good (this page's and older ones still queued). */
  private readonly closedSessions = new Set<string>();
  private disposed = false;
  private readonly onOnline: () => void;

  constructor(
    private readonly opts: TransportOptions,
    private readonly session: SeqSource,
    private readonly store: KeyValueStore,
    private readonly guard: Guard,
  ) {
    this.compressor = new Compressor((err) => guard.report(err));
    this.book = new DictionaryBook(store);
    this.url = ingestUrl(opts.endpoint, opts.projectKey) + (opts.link ? `&link=${encodeURIComponent(opts.link)}` : '');
    // Bound now: later network capture (or the host app) may wrap window.fetch.
    const nativeFetch = typeof fetch === 'function' ? fetch.bind(globalThis) : null;
    this.fetchFn = opts.fetch ?? ((input, init) => (nativeFetch ? nativeFetch(input, init) : Promise.reject(new Error('no fetch'))));
    this.onOnline = guard.wrap(() => this.retryNow());
  }

  start(): void {
    this.flushTimer = setInterval(
      this.guard.wrap(() => this.cutAndSend()),
      this.opts.flushIntervalMs,
    );
    if (typeof window !== 'undefined') window.addEventListener('online', this.onOnline);
  }

  get compression(): CompressionMode {
    return this.compressor.mode;
  }

  /** Unsent data held in memory: the pending batch plus queued batches. */
  get queuedBytes(): number {
    return this.outbox.bytes + this.pendingBytes;
  }

  get pendingEventBytes(): number {
    return this.pendingBytes;
  }

  push(event: ReplayEvent): void {
    if (this.disposed) return;
    const json = this.serialize(event);
    if (json === null) return;
    this.counters.eventsCaptured++;
    this.pushJson(json);
  }

  /** JSON of an event, or null (counted as dropped) when it can't be sent. */
  serialize(event: ReplayEvent): string | null {
    let json: string;
    try {
      json = JSON.stringify(event);
    } catch (err) {
      // Circular or exotic data from a capture module: drop the event, not the page.
      this.counters.eventsDropped++;
      this.guard.report(err);
      return null;
    }
    if (typeof json !== 'string' || json.length > MAX_EVENT_CHARS) {
      this.counters.eventsDropped++;
      return null;
    }
    return json;
  }

  /** Queues an event already serialised by `serialize` (buffer mode replays its memory this way). */
  pushJson(json: string): void {
    if (this.disposed) return;
    const size = json.length + 1;
    if (
      this.pending.length > 0 &&
      (this.pendingBytes + size > this.opts.maxBatchBytes || this.pending.length >= LIMITS.maxEventsPerBatch)
    ) {
      this.cutAndSend();
    }
    this.pending.push(json);
    this.pendingBytes += size;
    if (!this.pendingStartsPage && FULL_SNAPSHOT.test(json)) this.pendingStartsPage = true;
    if (this.pendingBytes >= this.opts.maxBatchBytes) this.cutAndSend();
    else this.enforceBound();
  }

  /** Cuts the pending batch now (e.g. before a session ends) and starts sending it. */
  cutAndSend(): void {
    this.cut(true);
    this.pump();
  }

  /**
   * Cuts and sends everything now, ignoring backoff. Resolves when what was queued
   * has been delivered or rejected, or when an attempt fails; never rejects.
   */
  flush(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.cut(true);
    const items = new Set(this.outbox.items);
    if (items.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ items, resolve });
      this.retryNow();
    });
  }

  /** Skips the current backoff wait (explicit flush, browser back online). */
  retryNow(): void {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.pump();
  }

  /**
   * The page is going away (pagehide) or may be killed while hidden. Async
   * compression can't be trusted to finish, so the pending batch and any batch
   * still compressing are compressed synchronously; whatever fits the keepalive
   * budget is sent with keepalive fetch, the rest is parked in sessionStorage
   * for the next page of this tab. No answer can be acted on after unload, so
   * these bodies only use dictionaries the server has already decoded with.
   */
  flushOnHide(): void {
    if (this.disposed) return;
    const path = pathOf(this.opts.meta().url);
    const cut = this.cut(false, true);
    for (const item of this.outbox.items) {
      if (item.json && item.state !== 'in-flight') {
        this.encodeNow(item, item.json, cut?.item === item ? cut.dict : this.book.choose(item.sessionId, path, true));
      } else if (item.dict && !this.book.safeAtPagehide(item.sessionId, item.dict)) {
        const json = itemJson(item);
        if (json !== null) this.encodeNow(item, json, this.book.choose(item.sessionId, path, true));
      }
    }
    let budget = KEEPALIVE_BUDGET - this.keepaliveBytes;
    const leftovers: OutboxItem[] = [];
    for (const item of this.outbox.items.slice()) {
      const size = wireBytes(item, budget);
      if (size <= budget) {
        budget -= size;
        this.outbox.remove(item, 'sent-at-pagehide');
        this.sendKeepalive(item, size);
      } else {
        leftovers.push(item);
      }
    }
    for (const item of leftovers) this.outbox.remove(item, 'parked');
    this.counters.batchesDropped += persistItems(this.store, leftovers);
    this.book.save();
    this.settleWaiters(false);
  }

  /** Compresses an item synchronously against `dict` (null: gzip); plain JSON if that fails. */
  private encodeNow(item: OutboxItem, json: string, dict: PresetDictionary | null): void {
    const c = compressNow(json, dict?.bytes ?? null);
    if (c) this.outbox.compressed(item, c, dict);
    else {
      this.outbox.uncompressed(item, json);
      item.ready = true;
    }
  }

  /** Takes back batches parked in sessionStorage (by a previous page, or by us when hidden). */
  restorePersisted(): void {
    if (this.disposed) return;
    const items = takePersisted(this.store);
    if (items.length === 0) return;
    // JSON parked at unload can be compressed now that there is time.
    for (const item of items) if (item.json) item.ready = false;
    this.outbox.unshift(items);
    this.enforceBound();
    this.book.open(this.session.id);
    const path = pathOf(this.opts.meta().url);
    for (const item of items) {
      if (item.json && this.outbox.has(item)) this.compress(item, item.json, this.book.choose(item.sessionId, path, false));
    }
    this.pump();
  }

  /** Flushes, parks whatever could not be delivered, and stops all timers and listeners. */
  async shutdown(): Promise<void> {
    if (this.disposed) return;
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flushTimer = null;
    await this.flush();
    if (this.disposed) return;
    const rest = this.outbox.items.filter((i) => i.state !== 'in-flight');
    for (const item of rest) this.outbox.remove(item, 'parked');
    this.counters.batchesDropped += persistItems(this.store, rest);
    this.book.save();
    this.dispose();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.flushTimer = this.retryTimer = null;
    if (typeof window !== 'undefined') window.removeEventListener('online', this.onOnline);
    this.compressor.dispose();
    this.settleWaiters(true);
  }

  /**
   * Cuts the pending events into a batch and queues it, compressing it in the background
   * unless `compress` is false (flushOnHide compresses at once, against the dictionary
   * returned here, chosen for a pagehide send when `atPagehide`).
   */
  private cut(compress: boolean, atPagehide = false): { item: OutboxItem; dict: PresetDictionary | null } | null {
    if (this.pending.length === 0) return null;
    const sessionId = this.session.id;
    if (this.isClosed(sessionId)) {
      this.dropPending();
      this.counters.batchesSessionClosed++;
      return null;
    }
    const seq = this.session.nextSeq();
    const meta = this.opts.meta();
    const path = pathOf(meta.url);
    this.book.open(sessionId);
    // Chosen before this batch joins the book: a batch never references itself.
    const dict = this.book.choose(sessionId, path, atPagehide);
    const startsPage = this.pendingStartsPage;
    if (startsPage) this.book.addPageStart(sessionId, seq, path, this.pending);
    // Events are already JSON: splice them into the envelope instead of re-serialising.
    const json =
      `{"v":${FORMAT_VERSION},"sessionId":${JSON.stringify(sessionId)},"seq":${seq},` +
      `"meta":${JSON.stringify(meta)},"events":[${this.pending.join(',')}]}`;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingStartsPage = false;
    const item: OutboxItem = { state: 'queued', sessionId, seq, key: this.session.key, tries: 0, json, body: null, dict: null, ready: !compress };
    this.outbox.push(item);
    this.enforceBound();
    if (compress && this.outbox.has(item)) this.compress(item, json, dict, startsPage);
    return { item, dict };
  }

  /** Compresses in the background; for a page-start batch the worker also canonicalizes its reference text. */
  private compress(item: OutboxItem, json: string, dict: PresetDictionary | null, startsPage = false): void {
    this.guard.swallow(
      this.compressor.compress(json, dict?.bytes ?? null, startsPage).then((c) => {
        if (c?.ref !== undefined) this.book.canonicalized(item.sessionId, item.seq, c.ref);
        // Gone already: evicted, or sent/parked uncompressed by flushOnHide.
        if (!this.outbox.has(item)) return;
        if (c && c.bytes.byteLength > LIMITS.maxCompressedBatchBytes) {
          // The server would answer 413; don't spend the user's bandwidth on it.
          this.outbox.remove(item, 'dropped');
          this.counters.batchesDropped++;
        } else {
          this.outbox.compressed(item, c, dict);
        }
        this.pump();
      }),
    );
  }

  /**
   * The server could not use the body's dictionary (or deflate): the same batch goes again,
   * gzip and self-contained, ahead of later seqs. Nothing is lost unless its JSON is gone.
   */
  private resendSelfContained(item: OutboxItem, unsupported: boolean): void {
    if (item.dict) this.book.refused(item.sessionId, item.dict, unsupported);
    const json = itemJson(item);
    if (json === null) {
      this.outbox.remove(item, 'dropped');
      this.counters.batchesFailed++;
    } else {
      this.outbox.uncompressed(item, json);
      this.compress(item, json, null);
    }
    this.pump();
  }

  /** Keeps unsent data under maxQueueBytes by dropping the oldest batches (not the one on the wire). */
  private enforceBound(): void {
    while (this.outbox.bytes + this.pendingBytes > this.opts.maxQueueBytes) {
      const victim = this.outbox.items.find((i) => i.state !== 'in-flight');
      if (!victim) break;
      this.outbox.remove(victim, 'dropped');
      this.counters.batchesDropped++;
    }
    this.settleWaiters(false);
  }

  private pump(): void {
    this.settleWaiters(false);
    if (this.disposed || this.inFlight || this.retryTimer) return;
    let item = this.outbox.head();
    // Left from before the server closed its session (e.g. parked by an earlier page).
    while (item && this.isClosed(item.sessionId)) {
      this.outbox.remove(item, 'dropped');
      this.counters.batchesSessionClosed++;
      item = this.outbox.head();
    }
    // Strict seq order: a head still compressing holds the line.
    if (!item || !item.ready) return;
    this.inFlight = item;
    item.state = 'in-flight';
    this.guard.swallow(postBatch(this.fetchFn, this.url, item, false).then((r) => this.onResult(item, r)));
  }

  private onResult(item: OutboxItem, { result, retryAfterMs }: SendOutcome): void {
    this.inFlight = null;
    // Still in flight means still ours; otherwise flushOnHide took it (re-sent with keepalive,
    // which does the counting, or parked it) or it was dropped meanwhile.
    const mine = item.state === 'in-flight';
    if (mine) item.state = 'queued';
    if (this.disposed) return;
    if (isLinkError(result) && this.opts.link) {
      this.outbox.remove(item, 'dropped');
      this.counters.batchesFailed++;
      this.linkRefused(result);
      return;
    }
    if (isLinkError(result) || isSessionRefusal(result)) {
      if (this.outbox.remove(item, 'dropped')) this.counters.batchesSessionClosed++;
      this.closeSession(item.sessionId, result);
      this.attempt = 0;
      this.pump();
      return;
    }
    if (result === 'dictionary-unavailable' || result === 'deflate-unsupported') {
      this.attempt = 0;
      if (mine) this.resendSelfContained(item, result === 'deflate-unsupported');
      else this.pump();
      return;
    }
    if (result === 'retry' || result === 'offline') {
      if (mine && result === 'retry' && ++item.tries > this.opts.maxRetries) {
        // The server kept saying "not now": stop holding up the batches behind this one.
        this.outbox.remove(item, 'dropped');
        this.counters.batchesGivenUp++;
        this.attempt = 0;
      } else if (mine) {
        this.counters.retries++;
        const backoff = Math.min(this.opts.maxRetryDelayMs, BASE_RETRY_MS * 2 ** this.attempt);
        this.attempt++;
        // Jitter so many tabs coming back online don't stampede the server; never sooner than it asked.
        const delay = Math.max(backoff * (0.5 + Math.random() * 0.5), Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
        this.retryTimer = setTimeout(
          this.guard.wrap(() => {
            this.retryTimer = null;
            this.pump();
          }),
          delay,
        );
        this.settleWaiters(true);
        return;
      }
    } else {
      this.attempt = 0;
      if (result === 'ok') this.book.acked(item.sessionId, item.seq, item.dict);
      if (mine) {
        this.outbox.remove(item, result === 'ok' ? 'acked' : 'dropped');
        if (result === 'ok') this.counters.batchesSent++;
        else this.counters.batchesFailed++;
      }
    }
    this.pump();
  }

  private sendKeepalive(item: OutboxItem, size: number): void {
    this.keepaliveBytes += size;
    this.guard.swallow(
      postBatch(this.fetchFn, this.url, item, true).then(({ result }) => {
        this.keepaliveBytes -= size;
        if (isSessionRefusal(result) || (isLinkError(result) && !this.opts.link)) {
          this.counters.batchesSessionClosed++;
          if (!this.disposed) this.closeSession(item.sessionId, result);
        } else if (result === 'ok') {
          item.state = 'acked';
          this.counters.batchesSent++;
          this.book.acked(item.sessionId, item.seq, item.dict);
        } else if (result === 'reject') this.counters.batchesFailed++;
        else if ((result === 'dictionary-unavailable' || result === 'deflate-unsupported') && !this.disposed) {
          // Still alive after all (hidden, or bfcache): send it again self-contained.
          this.requeue(item);
          this.enforceBound();
          if (this.outbox.has(item)) this.resendSelfContained(item, result === 'deflate-unsupported');
        } else if (isLinkError(result)) {
          this.counters.batchesFailed++;
          this.linkRefused(result);
        } else if (!this.disposed) {
          // Still alive (tab was only hidden, or bfcache): back into the normal queue.
          this.requeue(item);
          this.enforceBound();
          this.pump();
        }
      }),
    );
  }

  /** A batch sent at pagehide comes back to the queue; if its normal send is still on the wire, it is in flight again. */
  private requeue(item: OutboxItem): void {
    this.outbox.unshift([item]);
    if (item === this.inFlight) item.state = 'in-flight';
  }

  private isClosed(sessionId: string): boolean {
    if (this.closedSessions.has(sessionId)) return true;
    // Closed by an earlier page of this tab.
    if (sessionId === this.session.id && this.session.closed !== null) this.closedSessions.add(sessionId);
    return this.closedSessions.has(sessionId);
  }

  private dropPending(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingStartsPage = false;
  }

  /**
   * The server takes nothing more of a session: its queued batches are dropped (counted), nothing
   * more is cut for it, and it stays closed for the tab's later pages. Other sessions' batches go on.
   */
  private closeSession(sessionId: string, reason: string): void {
    const first = !this.closedSessions.has(sessionId);
    this.closedSessions.add(sessionId);
    if (sessionId === this.session.id) {
      if (this.session.closed === null) this.session.close(reason);
      if (this.pending.length > 0) this.counters.batchesSessionClosed++;
      this.dropPending();
    }
    for (const i of this.outbox.items.slice()) {
      if (i.sessionId === sessionId && i.state !== 'in-flight' && this.outbox.remove(i, 'dropped')) this.counters.batchesSessionClosed++;
    }
    this.settleWaiters(false);
    const cb = this.opts.onSessionClosed;
    if (first && cb) this.guard.run(() => cb(sessionId, reason));
  }

  /** The link can't record: drop everything (nothing may be sent any more) and tell the recorder once. */
  private linkRefused(code: LinkError): void {
    if (this.disposed) return;
    this.dropPending();
    for (const i of this.outbox.items.slice()) this.outbox.remove(i, 'dropped');
    this.dispose();
    const cb = this.opts.onLinkError;
    if (cb) this.guard.run(() => cb(code));
  }

  private settleWaiters(failed: boolean): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (failed || [...w.items].every((i) => !this.outbox.has(i))) {
        w.resolve();
        return false;
      }
      return true;
    });
  }
}

/** Exact body size in bytes, or budget+1 as soon as it clearly exceeds `budget`. */
function wireBytes(item: OutboxItem, budget: number): number {
  if (item.body) return item.body.byteLength;
  const json = item.json ?? '';
  // UTF-8 is never shorter than the UTF-16 length, so long strings are out without encoding them.
  if (json.length > budget) return budget + 1;
  return new TextEncoder().encode(json).byteLength;
}
