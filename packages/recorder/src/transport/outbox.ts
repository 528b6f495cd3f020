import type { KeyValueStore } from '../storage.js';
import { inflateToText, type Compressed } from './compress.js';
import type { PresetDictionary } from './dictionary-book.js';
import { toJson } from '../json.js';

/**
 * Where a batch is. Only `queued` and `in-flight` batches are in the outbox; the others left it.
 * - queued: waiting its turn (compressing while `ready` is false).
 * - in-flight: on the wire (the transport's one normal send at a time).
 * - sent-at-pagehide: handed to a keepalive send at pagehide; that send's answer counts it,
 *   not the answer of a normal send still on the wire.
 * - parked: written to sessionStorage for the next page of the tab (or read back from it).
 * - acked: the server took it.
 * - dropped: refused, given up, evicted to bound memory, or its session closed.
 */
export type BatchState = 'queued' | 'in-flight' | 'sent-at-pagehide' | 'parked' | 'acked' | 'dropped';

/** One built batch waiting to be delivered. */
export interface OutboxItem {
  state: BatchState;
  sessionId: string;
  seq: number;
  /** The session's key (X-Reprise-Session-Key), null for a session started without one. */
  key: string | null;
  /** Answers that said "not now" (5xx, 408, 425, 429) so far: bounded, then the batch is dropped. */
  tries: number;
  /** Batch JSON until compression finishes (or for good, when compression is unavailable). */
  json: string | null;
  /** The compressed body: zlib against `dict` (Content-Encoding: deflate), or gzip when `dict` is null. */
  body: Uint8Array<ArrayBuffer> | null;
  dict: PresetDictionary | null;
  /** The deflated body is the batch's delta form (Content-Encoding: reprise-delta, deflate), against `dict.deltaBytes`. */
  delta?: boolean;
  /** With `delta`: the body was deflated once more, without a dictionary (`reprise-delta, deflate, deflate`). */
  twice?: boolean;
  /** False while compressing; the sender waits for the head item to be ready. */
  ready: boolean;
}

export function itemBytes(item: OutboxItem): number {
  // String length stands in for bytes: cheap, and exact for the ASCII bulk of rrweb JSON.
  return item.body ? item.body.byteLength : item.json ? item.json.length : 0;
}

/** The batch JSON of an item, inflating a deflate body if need be; null if it can't be had. */
export function itemJson(item: OutboxItem): string | null {
  if (item.json !== null) return item.json;
  if (item.body && item.dict)
    return inflateToText(item.body, item.delta ? item.dict.deltaBytes : item.dict.bytes, item.delta === true, item.twice === true);
  return null;
}

interface Waiter {
  items: Set<OutboxItem>;
  resolve(): void;
}

/** FIFO of batches in seq order; the memory bound is enforced by the transport. */
export class Outbox {
  readonly items: OutboxItem[] = [];
  private total = 0;
  private waiters: Waiter[] = [];

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.items.length;
  }

  head(): OutboxItem | undefined {
    return this.items[0];
  }

  push(item: OutboxItem): void {
    item.state = 'queued';
    this.items.push(item);
    this.total += itemBytes(item);
  }

  /** Older batches (restored from storage or handed back after a failed keepalive) go first. */
  unshift(items: OutboxItem[]): void {
    for (const i of items) i.state = 'queued';
    this.items.unshift(...items);
    for (const i of items) this.total += itemBytes(i);
  }

  has(item: OutboxItem): boolean {
    return item.state === 'queued' || item.state === 'in-flight';
  }

  /** Takes an item out of the outbox into the state it leaves for; false (unchanged) when it is not in. */
  remove(item: OutboxItem, to: Exclude<BatchState, 'queued' | 'in-flight'>): boolean {
    if (!this.has(item)) return false;
    const i = this.items.indexOf(item);
    if (i === -1) return false;
    item.state = to;
    this.items.splice(i, 1);
    this.total -= itemBytes(item);
    return true;
  }

  /** Swaps an item's JSON for its compressed body (null: stays JSON), keeping the byte count right. */
  compressed(item: OutboxItem, c: Compressed | null, dict: PresetDictionary | null): void {
    this.resize(item, () => {
      if (c) {
        item.body = c.bytes;
        item.dict = c.deflate ? dict : null;
        item.delta = c.deflate && c.delta === true;
        item.twice = item.delta && c.twice === true;
        item.json = null;
      }
      item.ready = true;
    });
  }

  /** Swaps a body deflated twice for its inner stream (`reprise-delta, deflate`), keeping the byte count right. */
  deflatedOnce(item: OutboxItem, inner: Uint8Array<ArrayBuffer>): void {
    this.resize(item, () => {
      item.body = inner;
      item.twice = false;
    });
  }

  /** Puts an item back to JSON to be compressed again (e.g. self-contained after a dictionary miss). */
  uncompressed(item: OutboxItem, json: string): void {
    this.resize(item, () => {
      item.json = json;
      item.body = null;
      item.dict = null;
      item.delta = false;
      item.twice = false;
      item.ready = false;
    });
  }

  /** Calls `resolve` once every one of `items` has left the outbox (see settleWaiters). */
  wait(items: Set<OutboxItem>, resolve: () => void): void {
    this.waiters.push({ items, resolve });
  }

  /** Resolves the waits whose batches have all left the outbox, or every wait when an attempt `failed`. */
  settleWaiters(failed: boolean): void {
    if (this.waiters.length === 0) return;
    this.waiters = this.waiters.filter((w) => {
      if (failed || [...w.items].every((i) => !this.has(i))) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  private resize(item: OutboxItem, change: () => void): void {
    const present = this.has(item);
    if (present) this.total -= itemBytes(item);
    change();
    if (present) this.total += itemBytes(item);
  }
}

// --- Persisting undelivered batches across a page unload (same tab, sessionStorage) ---

export const OUTBOX_KEY = 'reprise:outbox';
/** sessionStorage is shared with the host app (~5 MB per origin): stay well below. */
export const MAX_PERSISTED_CHARS = 1024 * 1024;

interface PersistedItem {
  s: string;
  q: number;
  /** The session key, when the session has one. */
  k?: string;
  /** 'g' = base64 gzip, 'j' = JSON text */
  e: 'g' | 'j';
  b: string;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    bin += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + CHUNK)));
  }
  return btoa(bin);
}

function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function readPersisted(store: KeyValueStore): PersistedItem[] {
  const raw = store.get(OUTBOX_KEY);
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (p): p is PersistedItem =>
        !!p &&
        typeof (p as PersistedItem).s === 'string' &&
        typeof (p as PersistedItem).q === 'number' &&
        ((p as PersistedItem).e === 'g' || (p as PersistedItem).e === 'j') &&
        typeof (p as PersistedItem).b === 'string' &&
        ((p as PersistedItem).k === undefined || typeof (p as PersistedItem).k === 'string'),
    );
  } catch {
    return [];
  }
}

function parked(item: OutboxItem): PersistedItem | null {
  const key = item.key !== null ? { k: item.key } : {};
  if (item.body && !item.dict) return { s: item.sessionId, q: item.seq, ...key, e: 'g', b: toBase64(item.body) };
  // A deflate body needs its dictionary, which the next page may not have: park the JSON.
  const json = itemJson(item);
  return json === null ? null : { s: item.sessionId, q: item.seq, ...key, e: 'j', b: json };
}

/**
 * Appends items to the persisted outbox, oldest first, within MAX_PERSISTED_CHARS.
 * Returns how many did not fit (the caller counts them as dropped).
 */
export function persistItems(store: KeyValueStore, items: OutboxItem[]): number {
  if (items.length === 0) return 0;
  const list = readPersisted(store);
  let used = list.reduce((n, p) => n + p.b.length + 64, 0);
  let dropped = 0;
  for (const item of items) {
    const p = parked(item);
    if (!p || used + p.b.length + 64 > MAX_PERSISTED_CHARS) {
      dropped++;
      continue;
    }
    used += p.b.length + 64;
    list.push(p);
  }
  if (list.length && !store.set(OUTBOX_KEY, toJson(list))) return items.length;
  return dropped;
}

/** Takes (and clears) batches a previous page of this tab could not deliver. */
export function takePersisted(store: KeyValueStore): OutboxItem[] {
  const list = readPersisted(store);
  store.remove(OUTBOX_KEY);
  const out: OutboxItem[] = [];
  for (const p of list) {
    try {
      const head = { state: 'parked' as const, sessionId: p.s, seq: p.q, key: p.k ?? null, tries: 0 };
      out.push(
        p.e === 'g'
          ? { ...head, json: null, body: fromBase64(p.b), dict: null, ready: true }
          : { ...head, json: p.b, body: null, dict: null, ready: true },
      );
    } catch {
      /* corrupt entry: skip */
    }
  }
  return out;
}
