import type { ReplayEvent } from '@reprise/protocol';

/** One checkout interval: starts with rrweb's Meta (4) + FullSnapshot (2), unless it is the headless first one. */
interface Segment {
  start: number;
  /** True when the segment begins with a full snapshot, so it can be replayed on its own. */
  snapshot: boolean;
  events: string[];
  bytes: number;
}

export interface BufferOptions {
  bufferMs: number;
  maxBytes: number;
  /** Asks DOM capture for a fresh full snapshot (starts a new segment). */
  requestSnapshot(): void;
  now?: () => number;
}

/**
 * Buffer mode's memory: serialised events split into segments at each rrweb full
 * snapshot. Only the segments needed to cover the last bufferMs from a full snapshot
 * are kept, and never more than maxBytes.
 */
export class ReplayBuffer {
  private segments: Segment[] = [];
  private bytes = 0;
  private lastSnapshotRequest = -Infinity;
  private readonly now: () => number;

  constructor(private readonly opts: BufferOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.bytes;
  }

  add(event: ReplayEvent, json: string): void {
    const type = event.kind === 'dom' ? (event.data as { type?: number } | null)?.type : undefined;
    const last = this.segments[this.segments.length - 1];
    // rrweb emits Meta (4) right before each FullSnapshot (2): the segment starts at the Meta.
    const startsSegment = type === 4 || (type === 2 && !(last && last.snapshot && last.events.length === 1));
    if (!last || startsSegment) {
      this.segments.push({ start: event.t, snapshot: type === 4 || type === 2, events: [], bytes: 0 });
    }
    const seg = this.segments[this.segments.length - 1];
    seg.events.push(json);
    seg.bytes += json.length;
    this.bytes += json.length;
    this.prune();
  }

  /** Drops segments no longer needed: the next one already starts before the window, or memory is over the cap. */
  prune(): void {
    const from = this.now() - this.opts.bufferMs;
    while (this.segments.length > 1 && (this.segments[1].start <= from || !this.segments[0].snapshot)) this.dropFirst();
    while (this.segments.length > 1 && this.bytes > this.opts.maxBytes) this.dropFirst();
    if (this.bytes > this.opts.maxBytes) {
      // One segment alone is over the cap: start a fresh one from a new snapshot (at most once a second).
      const t = this.now();
      if (t - this.lastSnapshotRequest > 1000) {
        this.lastSnapshotRequest = t;
        this.opts.requestSnapshot();
      }
      if (this.segments.length > 1) this.prune();
      else if (this.bytes > 2 * this.opts.maxBytes) this.clear();
    }
  }

  /** Start of the newest segment (to decide when a fresh checkout is due). */
  get newestSegmentStart(): number | null {
    const last = this.segments[this.segments.length - 1];
    return last ? last.start : null;
  }

  /** Takes every replayable event, oldest first, and empties the buffer. */
  drain(): string[] {
    this.prune();
    const out: string[] = [];
    for (const s of this.segments) if (s.snapshot || out.length > 0) out.push(...s.events);
    this.clear();
    return out;
  }

  clear(): void {
    this.segments = [];
    this.bytes = 0;
  }

  private dropFirst(): void {
    const s = this.segments.shift();
    if (s) this.bytes -= s.bytes;
  }
}
