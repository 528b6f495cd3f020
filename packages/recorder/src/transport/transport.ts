import type { LinkError } from '@reprise/protocol';
import type { Guard } from '../guard.js';
import type { EventSink } from '../sink.js';
import type { KeyValueStore } from '../storage.js';
import { Batcher } from './batcher.js';
import { pathOf } from './dictionary-book.js';
import { itemJson, persistItems, takePersisted, type OutboxItem } from './outbox.js';
import { innerStream } from './compress.js';
import { ingestUrl } from './own-request.js';
import {
  KEEPALIVE_BUDGET,
  isLinkError,
  isSessionRefusal,
  postBatch,
  retryDelayMs,
  wireBytes,
  type FetchFn,
  type SendOutcome,
} from './send.js';
import type { SeqSource, TransportOptions } from './types.js';
import { nativeFetch } from './native-fetch.js';

export { zeroCounters, type SeqSource, type TransportCounters, type TransportOptions } from './types.js';

/**
 * Events in, compressed batches out (batching and compression: batcher.ts). One request at a
 * time, in seq order. A final 4xx drops the batch (counted) and the next one goes;
 * 5xx/408/425/429 are retried with capped exponential backoff (or the server's Retry-After), at
 * most maxRetries times per batch; offline is retried until the queue, kept under maxQueueBytes
 * by dropping the oldest batches, overflows. A session the server closes (session_full,
 * session_key_mismatch, its link ended) uploads nothing more.
 */
export class Transport extends Batcher implements EventSink {
  private readonly url: string;
  private readonly fetchFn: FetchFn;
  private inFlight: OutboxItem | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private keepaliveBytes = 0;
  private readonly onOnline: () => void;

  constructor(opts: TransportOptions, session: SeqSource, store: KeyValueStore, guard: Guard) {
    super(opts, session, store, guard);
    this.url = ingestUrl(opts.endpoint, opts.projectKey) + (opts.link ? `&link=${encodeURIComponent(opts.link)}` : '');
    // Taken now: later network capture (or the host app) may wrap window.fetch.
    const ownFetch = opts.fetch ? null : nativeFetch();
    this.fetchFn = opts.fetch ?? ((input, init) => (ownFetch ? ownFetch(input, init) : Promise.reject(new Error('no fetch'))));
    this.onOnline = guard.wrap(() => this.retryNow());
  }

  start(): void {
    this.flushTimer = setInterval(
      this.guard.wrap(() => this.cutAndSend()),
      this.opts.flushIntervalMs,
    );
    if (typeof window !== 'undefined') window.addEventListener('online', this.onOnline);
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
      this.outbox.wait(items, resolve);
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
      } else if (item.dict && !this.book.safeAtPagehide(item.sessionId, item.dict, item.delta)) {
        const json = itemJson(item);
        if (json !== null) this.encodeNow(item, json, this.book.choose(item.sessionId, path, true));
      } else if (item.twice && item.body && !this.book.twiceSafeAtPagehide(item.sessionId)) {
        // Not proven: its inner stream is the same batch as `reprise-delta, deflate`, which is
        // (inflating the small outer stream costs far less than compressing the batch again).
        const inner = innerStream(item.body);
        if (inner) this.outbox.deflatedOnce(item, inner);
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
    this.outbox.settleWaiters(false);
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
    this.outbox.settleWaiters(true);
  }

  /**
   * The server could not use the body's dictionary (or deflate): the same batch goes again,
   * gzip and self-contained, ahead of later seqs. Nothing is lost unless its JSON is gone.
   */
  private resendSelfContained(item: OutboxItem, unsupported: boolean): void {
    if (item.dict) this.book.refused(item.sessionId, item.dict, unsupported, item.delta);
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

  protected pump(): void {
    this.outbox.settleWaiters(false);
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
        const delay = retryDelayMs(this.attempt++, this.opts.maxRetryDelayMs, retryAfterMs);
        this.retryTimer = setTimeout(
          this.guard.wrap(() => {
            this.retryTimer = null;
            this.pump();
          }),
          delay,
        );
        this.outbox.settleWaiters(true);
        return;
      }
    } else {
      this.attempt = 0;
      if (result === 'ok') this.book.acked(item.sessionId, item.seq, item.dict, item.delta, item.twice);
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
          this.book.acked(item.sessionId, item.seq, item.dict, item.delta, item.twice);
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

  /**
   * The server takes nothing more of a session: its queued batches are dropped (counted), nothing
   * more is cut for it, and it stays closed for the tab's later pages. Other sessions' batches go on.
   */
  private closeSession(sessionId: string, reason: string): void {
    const first = !this.closedSessions.has(sessionId);
    this.closedSessions.add(sessionId);
    if (sessionId === this.session.id) {
      if (this.session.closed === null) this.session.close(reason);
      if (this.pending.events.length > 0) this.counters.batchesSessionClosed++;
      this.dropPending();
    }
    for (const i of this.outbox.items.slice()) {
      if (i.sessionId === sessionId && i.state !== 'in-flight' && this.outbox.remove(i, 'dropped')) this.counters.batchesSessionClosed++;
    }
    this.outbox.settleWaiters(false);
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
}
