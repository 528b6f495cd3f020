import { watchActivity } from './activity.js';
import { startCaptures, type Captures } from './capture/index.js';
import { startDomCapture, type DomCapture } from './dom/rrweb-adapter.js';
import { Guard, debugLog } from './guard.js';
import { watchLifecycle } from './lifecycle.js';
import type { ResolvedOptions } from './options.js';
import { batchMeta, pageMetaEvent } from './page-meta.js';
import { SessionManager } from './session.js';
import { sessionStore } from './storage.js';
import type { CompressionMode } from './transport/compress.js';
import { registerOwnEndpoint } from './transport/own-request.js';
import { Transport } from './transport/transport.js';

export interface RecorderStats {
  /** Whether this page is currently capturing (false when sampled out, stopped or rrweb failed). */
  recording: boolean;
  eventsCaptured: number;
  /** Events refused (unserialisable or too large for any batch). */
  eventsDropped: number;
  batchesSent: number;
  /** Batches the server permanently rejected (4xx other than 408/429). */
  batchesFailed: number;
  /** Batches thrown away to keep memory bounded, or too large to send. */
  batchesDropped: number;
  /** Upload attempts that failed and were scheduled again. */
  retries: number;
  /** Errors inside the recorder, swallowed so the page never sees them. */
  internalErrors: number;
  /** Unsent bytes in memory (pending batch + queue); stays under maxQueueBytes. */
  queuedBytes: number;
  compression: CompressionMode;
}

/** Wires session, DOM capture, transport and page lifecycle together for one page. */
export class Recorder {
  private readonly guard: Guard;
  private readonly session: SessionManager;
  private readonly transport: Transport;
  private dom: DomCapture | null = null;
  /** Console, network, errors, nav, env and perf capture; runs alongside DOM capture. */
  private captures: Captures | null = null;
  private capturing = false;
  private stopped = false;
  private readonly cleanups: Array<() => void> = [];

  constructor(private readonly opts: ResolvedOptions) {
    this.guard = new Guard(opts.debug);
    const store = sessionStore();
    this.session = new SessionManager(store, opts.sampleRate);
    this.transport = new Transport(
      {
        endpoint: opts.endpoint,
        projectKey: opts.projectKey,
        flushIntervalMs: opts.flushIntervalMs,
        maxBatchBytes: opts.maxBatchBytes,
        maxQueueBytes: opts.maxQueueBytes,
        maxRetryDelayMs: opts.maxRetryDelayMs,
        meta: batchMeta,
      },
      this.session,
      store,
      this.guard,
    );
    this.cleanups.push(registerOwnEndpoint(opts.endpoint));
    // Even a sampled-out page delivers what an earlier page of this tab left behind.
    this.transport.start();
    this.transport.restorePersisted();
    this.cleanups.push(
      watchLifecycle(this.guard, {
        onHide: () => {
          // Pending vitals first, so they leave with this flush rather than in a batch of their own.
          if (this.captures) this.guard.run(() => this.captures?.onHide());
          this.session.save();
          this.transport.flushOnHide();
        },
        onShow: () => this.transport.restorePersisted(),
      }),
    );
    // Watched even when sampled out, so an idle timeout can start a new (maybe sampled) session.
    this.cleanups.push(watchActivity(this.guard, () => this.onActivity()));
    if (this.session.sampled) this.startCapture();
    else this.log('session sampled out; not recording', this.session.id);
  }

  get sessionId(): string | null {
    return this.capturing ? this.session.id : null;
  }

  stats(): RecorderStats {
    return {
      recording: this.capturing,
      ...this.transport.counters,
      internalErrors: this.guard.errors,
      queuedBytes: this.transport.queuedBytes,
      compression: this.transport.compression,
    };
  }

  flush(): Promise<void> {
    return this.transport.flush().catch((err: unknown) => this.guard.report(err));
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopCapture();
    for (const c of this.cleanups.splice(0)) this.guard.run(c);
    this.guard.swallow(this.transport.shutdown());
  }

  /** Emits the page meta event and starts rrweb (which begins with a full snapshot). */
  private startCapture(): void {
    this.transport.push(pageMetaEvent());
    this.dom = startDomCapture({
      maskAllInputs: this.opts.maskAllInputs,
      blockSelector: this.opts.blockSelector,
      maskTextSelector: this.opts.maskTextSelector,
      checkoutEveryNms: this.opts.checkoutEveryNms,
      onEvent: (e) => this.transport.push(e),
      onError: (err) => this.guard.report(err),
    });
    if (!this.dom) {
      // rrweb could not start (old browser, odd document): record nothing, quietly.
      this.log('DOM capture failed to start; recorder stopped');
      this.stop();
      return;
    }
    this.capturing = true;
    // After the transport exists (it bound the native fetch when constructed), so the
    // recorder's uploads never go through the network wrappers.
    this.captures =
      this.guard.run(() =>
        startCaptures({
          guard: this.guard,
          // Events from late callbacks (a response arriving after stop) are dropped.
          sink: { push: (e) => (this.capturing ? this.transport.push(e) : undefined) },
          opts: this.opts,
        }),
      ) ?? null;
    this.log('recording session', this.session.id);
  }

  private stopCapture(): void {
    this.capturing = false;
    const captures = this.captures;
    this.captures = null;
    if (captures) this.guard.run(() => captures.stop());
    this.dom?.stop();
    this.dom = null;
  }

  private onActivity(): void {
    if (this.session.isExpired()) {
      // Idle too long: close the old session's batch, then start a new, self-contained one.
      this.transport.cutAndSend();
      this.session.rotate();
      this.log('idle timeout; new session', this.session.id);
      if (!this.session.sampled) this.stopCapture();
      else if (!this.dom) this.startCapture();
      else {
        this.transport.push(pageMetaEvent());
        this.dom.takeFullSnapshot();
        this.captures?.onNewSession();
      }
    }
    this.session.touch();
  }

  private log(...args: unknown[]): void {
    if (this.opts.debug) debugLog(...args);
  }
}
