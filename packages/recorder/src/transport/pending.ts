/** The batch being filled: events as JSON, spliced into the batch envelope when it is cut. */
import { FORMAT_VERSION, LIMITS, type BatchMeta } from '@reprise/protocol';
import { toJson } from '../json.js';

// Room for the batch envelope around a single huge event, under the server's decompressed limit.
const MAX_EVENT_CHARS = LIMITS.maxBatchBytes - 64 * 1024;
// An rrweb full snapshot (type 2) as the transport serializes it: its batch starts a page.
const FULL_SNAPSHOT = /^\{"t":[-0-9.e+]+,"kind":"dom","data":\{"type":2,/;

/** False for an event's JSON that no batch could carry (or that is not a string at all). */
export function fitsABatch(json: unknown): json is string {
  return typeof json === 'string' && json.length <= MAX_EVENT_CHARS;
}

export class PendingBatch {
  /** Serialised events, oldest first. A new array after each cut (the dictionary book may keep the old one). */
  events: string[] = [];
  bytes = 0;
  /** The batch holds a full snapshot: it becomes a dictionary reference. */
  startsPage = false;

  /** Whether adding `size` more bytes must first cut the batch (byte cap or event cap). */
  wouldOverflow(size: number, maxBatchBytes: number): boolean {
    return this.events.length > 0 && (this.bytes + size > maxBatchBytes || this.events.length >= LIMITS.maxEventsPerBatch);
  }

  add(json: string, size: number): void {
    this.events.push(json);
    this.bytes += size;
    if (!this.startsPage && FULL_SNAPSHOT.test(json)) this.startsPage = true;
  }

  /**
   * The batch JSON: events are already JSON, spliced into the envelope instead of re-serialised.
   * Concatenated rather than joined: V8 keeps `+` as a rope, copied once where it is read (the
   * hand-off to the compression worker), where join would first copy every event (a full
   * snapshot: megabytes) into a new string.
   */
  toJson(sessionId: string, seq: number, meta: BatchMeta): string {
    let json = `{"v":${FORMAT_VERSION},"sessionId":${toJson(sessionId)},"seq":${seq},"meta":${toJson(meta)},"events":[`;
    const events = this.events;
    for (let i = 0; i < events.length; i++) json += i === 0 ? events[i] : ',' + events[i];
    return json + ']}';
  }

  clear(): void {
    this.events = [];
    this.bytes = 0;
    this.startsPage = false;
  }
}
