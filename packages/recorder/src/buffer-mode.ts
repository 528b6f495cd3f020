/**
 * Buffer mode: events stay in memory (the last bufferMs, from a full snapshot) and are uploaded
 * only when a trigger fires (an error, console.error, an explicit flush); the recorder then
 * uploads normally for afterErrorMs and goes back to buffering.
 */
import type { ReplayEvent } from '@reprise/protocol';
import { ReplayBuffer } from './buffer.js';
import type { DomCapture } from './dom/rrweb-adapter.js';
import type { Guard } from './guard.js';
import type { ResolvedOptions } from './options.js';
import type { Transport } from './transport/transport.js';

type BufferModeOptions = Pick<ResolvedOptions, 'bufferMs' | 'maxBufferBytes' | 'afterErrorMs' | 'triggers'>;

export class BufferMode {
  private readonly buffer: ReplayBuffer;
  /** Uploading normally for afterErrorMs after a trigger. */
  private live = false;
  private liveTimer: ReturnType<typeof setTimeout> | null = null;
  private checkoutTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly opts: BufferModeOptions,
    private readonly transport: Transport,
    /** The page's DOM capture, while it runs. */
    private readonly dom: () => DomCapture | null,
    private readonly guard: Guard,
    private readonly log: (...args: unknown[]) => void,
  ) {
    this.buffer = new ReplayBuffer({
      bufferMs: opts.bufferMs,
      maxBytes: opts.maxBufferBytes,
      requestSnapshot: () => this.dom()?.takeFullSnapshot(),
    });
  }

  /** Serialised events held in memory. */
  get size(): number {
    return this.buffer.size;
  }

  /** Into the buffer, or to the transport while live; a trigger uploads the buffer (or stays live longer). */
  emit(e: ReplayEvent): void {
    const trigger = this.isTrigger(e);
    if (!this.live) {
      const json = this.transport.serialize(e);
      if (json === null) return;
      this.transport.counters.eventsCaptured++;
      this.buffer.add(e, json);
      if (trigger) this.upload();
    } else {
      this.transport.push(e);
      if (trigger) this.goLive();
    }
  }

  /** Sends what the buffer holds as normal batches, then records normally for afterErrorMs. */
  upload(): void {
    this.dom()?.flushPending();
    const kept = this.buffer.drain();
    this.log('buffer trigger: uploading', kept.length, 'events');
    for (const json of kept) this.transport.pushJson(json);
    this.goLive();
    this.transport.cutAndSend();
  }

  /** Capture started: keeps the buffer starting from recent full snapshots. */
  start(): void {
    if (this.checkoutTimer) return;
    const buffer = this.buffer;
    const every = this.opts.bufferMs;
    // Checkouts slightly more often than bufferMs/2 so timer slack never widens the kept range.
    this.checkoutTimer = setInterval(
      this.guard.wrap(() => {
        const dom = this.dom();
        if (this.live || !dom) return;
        const newest = buffer.newestSegmentStart;
        if (newest === null || Date.now() - newest >= every * 0.4) dom.takeFullSnapshot();
        buffer.prune();
      }),
      Math.max(100, every * 0.05),
    );
  }

  /** Capture stopped: timers off, back to buffering, memory freed. */
  stop(): void {
    if (this.checkoutTimer) clearInterval(this.checkoutTimer);
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.checkoutTimer = this.liveTimer = null;
    this.live = false;
    this.buffer.clear();
  }

  /** Forgets buffered events (they belong to a session that just ended). */
  clear(): void {
    this.buffer.clear();
  }

  private isTrigger(e: ReplayEvent): boolean {
    const d = e.data as { origin?: string; level?: string } | null;
    if (!d) return false;
    const t = this.opts.triggers;
    if (e.kind === 'error')
      return (d.origin === 'error' && t.includes('error')) || (d.origin === 'unhandledrejection' && t.includes('unhandledrejection'));
    return e.kind === 'console' && d.level === 'error' && t.includes('console.error');
  }

  private goLive(): void {
    this.live = true;
    if (this.liveTimer) clearTimeout(this.liveTimer);
    this.liveTimer = setTimeout(
      this.guard.wrap(() => {
        this.liveTimer = null;
        this.live = false;
        this.transport.cutAndSend();
        // The buffer must start with a full snapshot again.
        this.dom()?.takeFullSnapshot();
      }),
      this.opts.afterErrorMs,
    );
  }
}
