import { LIMITS, type ReplayEvent } from '@reprise/protocol';
import type { Guard } from '../guard.js';
import type { KeyValueStore } from '../storage.js';
import { Compressor, compressNow, type CompressionMode } from './compress.js';
import { DictionaryBook, pathOf, type PresetDictionary } from './dictionary-book.js';
import { Outbox, type OutboxItem } from './outbox.js';
import { PendingBatch, fitsABatch } from './pending.js';
import { zeroCounters, type SeqSource, type TransportCounters, type TransportOptions } from './types.js';
import { toJson } from '../json.js';

/**
 * The transport's first half: events in, batches queued. Events are serialised once on
 * arrival; a batch is cut on the flush timer or when it reaches maxBatchBytes, gets its seq
 * (persisted by the session before any send), is deflated off the main thread against a
 * preset dictionary (dictionary-book.ts; gzip as the fallback) and queued in the outbox, kept
 * under maxQueueBytes by dropping the oldest batches. Sending is the Transport's (transport.ts).
 */
export abstract class Batcher {
  readonly counters: TransportCounters = zeroCounters();

  /** The batch being filled. */
  protected readonly pending = new PendingBatch();
  protected readonly book: DictionaryBook;
  protected readonly outbox = new Outbox();
  protected readonly compressor: Compressor;
  /** Sessions the server refuses for good (this page's and older ones still queued). */
  protected readonly closedSessions = new Set<string>();
  protected disposed = false;

  constructor(
    protected readonly opts: TransportOptions,
    protected readonly session: SeqSource,
    protected readonly store: KeyValueStore,
    protected readonly guard: Guard,
  ) {
    this.compressor = new Compressor((err) => guard.report(err));
    this.book = new DictionaryBook(store);
  }

  /** Cuts the pending batch now (e.g. before a session ends) and starts sending it. */
  abstract cutAndSend(): void;

  /** Sends the head of the outbox when it is ready and nothing is on the wire. */
  protected abstract pump(): void;

  get compression(): CompressionMode {
    return this.compressor.mode;
  }

  /** Unsent data held in memory: the pending batch plus queued batches. */
  get queuedBytes(): number {
    return this.outbox.bytes + this.pending.bytes;
  }

  get pendingEventBytes(): number {
    return this.pending.bytes;
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
      json = toJson(event);
    } catch (err) {
      // Circular or exotic data from a capture module: drop the event, not the page.
      this.counters.eventsDropped++;
      this.guard.report(err);
      return null;
    }
    if (!fitsABatch(json)) {
      this.counters.eventsDropped++;
      return null;
    }
    return json;
  }

  /** Queues an event already serialised by `serialize` (buffer mode replays its memory this way). */
  pushJson(json: string): void {
    if (this.disposed) return;
    void this.compressor.prepare();
    const size = json.length + 1;
    if (this.pending.wouldOverflow(size, this.opts.maxBatchBytes)) this.cutAndSend();
    this.pending.add(json, size);
    if (this.pending.bytes >= this.opts.maxBatchBytes) this.cutAndSend();
    else this.enforceBound();
  }

  /**
   * Compresses an item synchronously against `dict` (null: gzip), at pagehide: in the delta form
   * when the server has taken it in this session; plain JSON if that fails.
   */
  protected encodeNow(item: OutboxItem, json: string, dict: PresetDictionary | null): void {
    const c = compressNow(json, dict, dict ? this.book.pagehideDelta(item.sessionId) : null);
    if (c) this.outbox.compressed(item, c, dict);
    else {
      this.outbox.uncompressed(item, json);
      item.ready = true;
    }
  }

  /**
   * Cuts the pending events into a batch and queues it, compressing it in the background
   * unless `compress` is false (flushOnHide compresses at once, against the dictionary
   * returned here, chosen for a pagehide send when `atPagehide`).
   */
  protected cut(compress: boolean, atPagehide = false): { item: OutboxItem; dict: PresetDictionary | null } | null {
    if (this.pending.events.length === 0) return null;
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
    const startsPage = this.pending.startsPage;
    if (startsPage) this.book.addPageStart(sessionId, seq, path, this.pending.events);
    const json = this.pending.toJson(sessionId, seq, meta);
    this.pending.clear();
    const item: OutboxItem = {
      state: 'queued',
      sessionId,
      seq,
      key: this.session.key,
      tries: 0,
      json,
      body: null,
      dict: null,
      ready: !compress,
    };
    this.outbox.push(item);
    this.enforceBound();
    if (compress && this.outbox.has(item)) this.compress(item, json, dict, startsPage);
    return { item, dict };
  }

  /** Compresses in the background; for a page-start batch the worker also canonicalizes its reference text. */
  protected compress(item: OutboxItem, json: string, dict: PresetDictionary | null, startsPage = false): void {
    // The delta form too, unless the server refused it: the worker uses it when it round-trips.
    const useDelta = dict !== null && this.book.deltaAllowed(item.sessionId);
    this.guard.swallow(
      this.compressor.compress(json, dict, startsPage, useDelta).then((c) => {
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

  /** Keeps unsent data under maxQueueBytes by dropping the oldest batches (not the one on the wire). */
  protected enforceBound(): void {
    while (this.outbox.bytes + this.pending.bytes > this.opts.maxQueueBytes) {
      const victim = this.outbox.items.find((i) => i.state !== 'in-flight');
      if (!victim) break;
      this.outbox.remove(victim, 'dropped');
      this.counters.batchesDropped++;
    }
    this.outbox.settleWaiters(false);
  }

  protected isClosed(sessionId: string): boolean {
    if (this.closedSessions.has(sessionId)) return true;
    // Closed by an earlier page of this tab.
    if (sessionId === this.session.id && this.session.closed !== null) this.closedSessions.add(sessionId);
    return this.closedSessions.has(sessionId);
  }

  protected dropPending(): void {
    this.pending.clear();
  }
}
