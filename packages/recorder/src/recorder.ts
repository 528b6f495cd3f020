import type { CustomData, LinkError, ReplayEvent } from '@reprise/protocol';
import { watchActivity } from './activity.js';
import { loadBufferMode, loadedBufferMode, type BufferModeClass } from './buffer-loader.js';
import type { BufferMode } from './buffer-mode.js';
import { clearStoredLink } from './link.js';
import type { UiHost } from './ui/host.js';
import { loadUi, type Ui } from './ui/ui-loader.js';
import { startCaptures, type Captures } from './capture/index.js';
import { createRedactor, REDACTED, scrubDeep, type Redactor } from './capture/privacy.js';
import { startDomCapture, type DomCapture, type InitialSnapshot } from './dom/rrweb-adapter.js';
import { hostFrames, isFramed, type FrameHost } from './dom/frames.js';
import { POPOVER_TAG, watchPopovers, type PopoverWatch } from './dom/popovers.js';
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
  /** Batches dropped after `maxRetries` answers of 5xx/408/425/429. */
  batchesGivenUp: number;
  /** Batches refused or not sent because the server closed their session (session_full, session_key_mismatch, its link ended). */
  batchesSessionClosed: number;
  /** Why the server takes nothing more of the current session (e.g. `session_full`), or null. */
  uploadStopped: string | null;
  /** Errors inside the recorder, swallowed so the page never sees them. */
  internalErrors: number;
  /** Unsent bytes in memory (pending batch + queue); stays under maxQueueBytes. */
  queuedBytes: number;
  /** Buffer mode: serialised events held in memory (stays under maxBufferBytes); 0 otherwise. */
  bufferedBytes: number;
  /** How this page's first DOM snapshot was taken (tasks, retaken); null until it is complete. */
  initialSnapshot: InitialSnapshot | null;
  compression: CompressionMode;
}

/** Wires session, DOM capture, transport and page lifecycle together for one page. */
/** Events held while buffer mode's code loads (it normally arrives within a few ms of start). */
const MAX_BUFFER_QUEUE = 10_000;

export class Recorder {
  private readonly guard: Guard;
  private readonly session: SessionManager;
  private readonly transport: Transport;
  /** The page's own URL and referrer get the same redaction as network URLs. */
  private readonly redactor: Redactor;
  private dom: DomCapture | null = null;
  /** Cross-origin frames whose recorder reports to this page (top page only). */
  private frames: FrameHost | null = null;
  private popovers: PopoverWatch | null = null;
  /** Console, network, errors, nav, env, perf and click capture; runs alongside DOM capture. */
  private captures: Captures | null = null;
  private capturing = false;
  private stopped = false;
  private readonly cleanups: Array<() => void> = [];
  /** Buffer mode: recent events in memory, uploaded on a trigger; null in the other modes (and until it loads). */
  private bufferMode: BufferMode | null = null;
  /**
   * Buffer mode while its code loads (script-tag build: the chunk `buffer`): events in order,
   * handed to it when it arrives. null once it has arrived, or if it can't be had.
   */
  private bufferQueue: ReplayEvent[] | null = null;
  /** What was asked of buffer mode before it loaded: a snapshot (the queue overflowed), an upload (flush()). */
  private bufferAsked = { snapshot: false, upload: false };
  private badge: UiHost | null = null;
  private feedbackUi: UiHost | null = null;
  private uiPending: (() => void) | null = null;
  /** Why the recorder ended on its own (link error, Stop button), if it did. */
  endReason: string | null = null;

  constructor(
    private readonly opts: ResolvedOptions,
    /** Called once when the recorder ends itself (support link stopped or refused). */
    private readonly onEnd: () => void = () => {},
  ) {
    this.guard = new Guard(opts.debug);
    this.redactor = createRedactor(opts.redactKeys, opts.redactHeaders);
    const store = sessionStore();
    this.session = new SessionManager(store, opts.sampleRate, Date.now, Math.random, opts.link);
    this.transport = new Transport(
      {
        endpoint: opts.endpoint,
        projectKey: opts.projectKey,
        flushIntervalMs: opts.flushIntervalMs,
        maxBatchBytes: opts.maxBatchBytes,
        maxQueueBytes: opts.maxQueueBytes,
        maxRetryDelayMs: opts.maxRetryDelayMs,
        maxRetries: opts.maxRetries,
        meta: () => batchMeta(this.redactUrl, opts.release),
        link: opts.link,
        onLinkError: (code) => this.onLinkError(code),
        onSessionClosed: (id, reason) => this.onSessionClosed(id, reason),
      },
      this.session,
      store,
      this.guard,
    );
    this.cleanups.push(registerOwnEndpoint(opts.endpoint));
    if (opts.mode === 'buffer') {
      const make = (C: BufferModeClass): BufferMode =>
        new C(
          opts,
          this.transport,
          () => this.dom,
          this.guard,
          (...args) => this.log(...args),
        );
      const C = loadedBufferMode();
      if (C) this.bufferMode = make(C);
      else {
        this.bufferQueue = [];
        void loadBufferMode().then((C) => this.guard.run(() => this.bufferLoaded(C && make(C))));
      }
    }
    // Even a sampled-out page delivers what an earlier page of this tab left behind.
    this.transport.start();
    this.transport.restorePersisted();
    this.cleanups.push(
      watchLifecycle(this.guard, {
        onHide: () => {
          // DOM events held back after a snapshot, and pending vitals, leave with this flush.
          this.dom?.flushPending();
          if (this.captures) this.guard.run(() => this.captures?.onHide());
          this.session.save();
          this.transport.flushOnHide();
        },
        onShow: () => this.transport.restorePersisted(),
        // Not when merely hidden: a hidden tab still records its session (and can be duplicated).
        onLeave: () => this.session.unmarkLive(),
        onBack: () => this.session.markLive(),
      }),
      () => this.session.unmarkLive(),
    );
    // Watched even when sampled out, so an idle timeout can start a new (maybe sampled) session.
    this.cleanups.push(watchActivity(this.guard, () => this.onActivity()));
    if (this.session.closed !== null) this.log('the server takes no more of this session:', this.session.closed);
    else if (this.session.sampled) this.startCapture();
    else this.log('session sampled out; not recording', this.session.id);
  }

  get sessionId(): string | null {
    return this.capturing ? this.session.id : null;
  }

  /** Viewer deep link to this session at `atTime` (default now), or null when not recording. */
  sessionUrl(atTime?: Date | number): string | null {
    if (!this.capturing) return null;
    const at = atTime instanceof Date ? atTime.getTime() : typeof atTime === 'number' && Number.isFinite(atTime) ? atTime : Date.now();
    const secs = Math.max(0, Math.floor((at - this.session.startedAt) / 1000));
    return `${this.opts.endpoint}/sessions/${encodeURIComponent(this.session.id)}?t=${secs}`;
  }

  /** Puts an SDK call (identify, tag, event, feedback…) on the timeline. False when not recording. */
  custom(data: CustomData): boolean {
    if (!this.capturing) return false;
    this.emit({ t: Date.now(), kind: 'custom', data: this.redactCustom(data) });
    return true;
  }

  /**
   * The body key rules apply to `event()` data (often a form or a response handed on as is) and
   * to a tag named like a secret; `identify()` traits are identity on purpose and stay as given.
   */
  private redactCustom(data: CustomData): CustomData {
    const r = this.redactor;
    switch (data.type) {
      case 'event':
        return data.data === undefined ? data : { ...data, data: r.json(data.data) };
      case 'tag':
        return r.isSensitiveKey(data.key) ? { ...data, value: REDACTED } : data;
      default:
        return data;
    }
  }

  /**
   * Ends recording for good on this tab (Stop button, or the app under a link): a final
   * `stop` event is uploaded, nothing after it; the link token and the session are forgotten.
   */
  endByUser(by: 'user' | 'app'): void {
    if (this.stopped) return;
    const wasCapturing = this.capturing;
    this.stopCapture();
    if (wasCapturing) this.transport.push({ t: Date.now(), kind: 'custom', data: { type: 'stop', by } satisfies CustomData });
    const transport = this.transport;
    const flushed = transport.flush();
    this.end(`stopped by ${by}`);
    // The final batch (with the stop event) may still be compressing or on the wire when the
    // user navigates: until it is acknowledged, a pagehide hands it to a keepalive send.
    const unwatch = watchLifecycle(this.guard, { onHide: () => transport.flushOnHide(), onShow: () => {} });
    this.guard.swallow(
      flushed.finally(() => {
        unwatch();
        transport.dispose();
      }),
    );
  }
  stats(): RecorderStats {
    return {
      recording: this.capturing,
      ...this.transport.counters,
      internalErrors: this.guard.errors,
      queuedBytes: this.transport.queuedBytes,
      uploadStopped: this.session.closed,
      bufferedBytes: this.bufferMode?.size ?? 0,
      initialSnapshot: this.dom?.initialSnapshot() ?? null,
      compression: this.transport.compression,
    };
  }

  flush(): Promise<void> {
    this.dom?.flushPending();
    if (this.captures) this.guard.run(() => this.captures?.onFlush());
    // In buffer mode an explicit flush uploads the buffer (and records normally for a while).
    if (this.bufferMode && this.capturing) this.bufferMode.upload();
    else if (this.bufferQueue && this.capturing) this.bufferAsked.upload = true;
    return this.transport.flush().catch((err: unknown) => this.guard.report(err));
  }

  stop(): void {
    if (this.stopped) return;
    // Under a link, the app stopping the recorder ends the support recording too.
    if (this.opts.link !== null) return this.endByUser('app');
    this.stopped = true;
    this.stopCapture();
    for (const c of this.cleanups.splice(0)) this.guard.run(c);
    this.guard.swallow(this.transport.shutdown());
  }

  /**
   * The server takes nothing more of this session (full, bound to another key, its link ended):
   * capture stops until the session ends; the next session (after the idle timeout) records again.
   */
  private onSessionClosed(sessionId: string, reason: string): void {
    if (this.stopped || sessionId !== this.session.id) return;
    this.log('upload stopped for session', sessionId, reason);
    this.stopCapture();
  }

  /** The server refused the link: stop at once, forget it, record nothing more. */
  private onLinkError(code: LinkError): void {
    if (this.stopped) return;
    this.log('support link refused:', code);
    this.stopCapture();
    this.transport.dispose();
    this.end(code);
  }

  private end(reason: string): void {
    this.stopped = true;
    this.endReason = reason;
    for (const c of this.cleanups.splice(0)) this.guard.run(c);
    // After the cleanups, so no lifecycle handler writes the session back.
    clearStoredLink();
    this.guard.run(() => this.session.clear());
    this.guard.run(() => this.onEnd());
  }

  /** Every captured event goes through here: into buffer mode, or to the transport. */
  private emit(event: ReplayEvent): void {
    // Bearer-looking values in any string the capture modules and the host app hand us (DOM
    // events are rrweb's own: its Meta URL is redacted in the adapter, page text by masking).
    const e = event.kind === 'dom' ? event : scrubDeep(event);
    if (this.bufferMode) this.bufferMode.emit(e);
    else if (this.opts.mode !== 'buffer') this.transport.push(e);
    else if (this.bufferQueue) {
      // Bounded: past the cap the queue restarts, from a full snapshot once buffer mode is here.
      if (this.bufferQueue.length >= MAX_BUFFER_QUEUE) {
        this.bufferQueue = [];
        this.bufferAsked.snapshot = true;
      }
      this.bufferQueue.push(e);
    }
    // Buffer mode that can't be had uploads nothing (capture stopped in bufferLoaded).
  }

  /** Buffer mode's code arrived (or not): the queued events go into it, in order. */
  private bufferLoaded(mode: BufferMode | null): void {
    const queued = this.bufferQueue ?? [];
    const asked = this.bufferAsked;
    this.bufferQueue = null;
    this.bufferAsked = { snapshot: false, upload: false };
    if (this.stopped) return;
    if (!mode) {
      // Without it nothing may be uploaded: record nothing (a new session tries no more).
      this.log('buffer mode could not be loaded; not recording');
      this.stopCapture();
      return;
    }
    this.bufferMode = mode;
    if (!this.capturing) return;
    for (const e of queued) mode.emit(e);
    mode.start();
    if (asked.snapshot) this.dom?.takeFullSnapshot();
    if (asked.upload) mode.upload();
  }

  private showUi(): void {
    if (this.opts.link === null && !this.opts.feedback) return;
    // The UI is a lazy chunk of the script-tag build: it shows once loaded, if still wanted then.
    const show = (): void => {
      this.uiPending = null;
      if (!this.capturing) return;
      let cancelled = false;
      this.uiPending = () => (cancelled = true);
      this.guard.swallow(
        loadUi().then((ui) => {
          if (cancelled) return;
          this.uiPending = null;
          if (ui && this.capturing) this.guard.run(() => this.showLoadedUi(ui));
        }),
      );
    };
    if (document.body) show();
    else if (!this.uiPending) {
      const onReady = this.guard.wrap(() => show());
      document.addEventListener('DOMContentLoaded', onReady, { once: true });
      this.uiPending = () => document.removeEventListener('DOMContentLoaded', onReady);
    }
  }

  private showLoadedUi({ showBadge, showFeedback }: Ui): void {
    if (this.opts.link !== null && !this.badge)
      this.badge = this.guard.run(() => showBadge(this.guard.wrap(() => this.endByUser('user')))) ?? null;
    if (this.opts.feedback && !this.feedbackUi) {
      this.feedbackUi =
        this.guard.run(() =>
          showFeedback(
            this.guard.wrap((f) => {
              this.custom({ type: 'feedback', message: f.message, ...(f.email ? { email: f.email } : {}) });
              this.guard.swallow(this.flush());
            }),
          ),
        ) ?? null;
    }
  }

  private hideUi(): void {
    this.uiPending?.();
    this.uiPending = null;
    this.badge?.remove();
    this.feedbackUi?.remove();
    this.badge = this.feedbackUi = null;
  }

  /** Emits the page meta event and starts rrweb (which begins with a full snapshot). */
  private startCapture(): void {
    // Buffer mode that could not be loaded records nothing.
    if (this.opts.mode === 'buffer' && !this.bufferMode && !this.bufferQueue) return;
    this.emit(pageMetaEvent(this.redactUrl));
    this.dom = startDomCapture({
      maskAllInputs: this.opts.maskAllInputs,
      blockSelector: this.opts.blockSelector,
      maskTextSelector: this.opts.maskTextSelector,
      checkoutEveryNms: this.opts.checkoutEveryNms,
      redactUrl: this.redactUrl,
      canvas: this.opts.canvas,
      // A recorder in a frame runs only when no parent page records it (index.ts): it records
      // on its own, as a top page would, but cannot take in frames of its own by postMessage.
      crossOrigin: isFramed() ? 'off' : 'accept',
      mutationLimit: this.opts.mutationLimit,
      // Degraded, never stopped: the session says the burst became a fresh snapshot.
      onBurst: (records) => {
        this.log('mutation burst of', records, 'records: taking a full snapshot instead');
        this.emit({
          t: Date.now(),
          kind: 'custom',
          data: { type: 'notice', code: 'mutation-burst', records, limit: this.opts.mutationLimit } satisfies CustomData,
        });
      },
      onSnapshot: () => {
        this.popovers?.snapshotTaken();
        this.frames?.snapshotTaken();
      },
      onEvent: (e) => this.emit(e),
      onError: (err) => this.guard.report(err),
    });
    if (!this.dom) {
      // rrweb could not start (old browser, odd document): record nothing, quietly.
      this.log('DOM capture failed to start; recorder stopped');
      this.stop();
      return;
    }
    this.capturing = true;
    this.popovers = watchPopovers(
      (node) => this.dom?.nodeId(node),
      (state) => this.dom?.addCustom(POPOVER_TAG, state),
      (err) => this.guard.report(err),
    );
    // The initial snapshot may be complete already (a small page, in one task).
    if (this.dom.initialSnapshot()) this.popovers.snapshotTaken();
    if (!isFramed()) {
      this.frames = hostFrames(
        (node) => this.dom?.nodeId(node),
        (err) => this.guard.report(err),
      );
    }
    // After the transport exists (it bound the native fetch when constructed), so the
    // recorder's uploads never go through the network wrappers.
    this.captures =
      this.guard.run(() =>
        startCaptures({
          guard: this.guard,
          // Events from late callbacks (a response arriving after stop) are dropped.
          sink: { push: (e) => (this.capturing ? this.emit(e) : undefined) },
          opts: this.opts,
          nodeId: (node) => this.dom?.nodeId(node),
        }),
      ) ?? null;
    this.bufferMode?.start();
    this.showUi();
    this.log('recording session', this.session.id);
  }

  private stopCapture(): void {
    // What rrweb already emitted belongs to this recording.
    this.dom?.flushPending();
    this.capturing = false;
    this.hideUi();
    this.bufferMode?.stop();
    if (this.bufferQueue) this.bufferQueue = [];
    this.bufferAsked = { snapshot: false, upload: false };
    const captures = this.captures;
    this.captures = null;
    if (captures) this.guard.run(() => captures.stop());
    this.frames?.stop();
    this.popovers?.stop();
    this.frames = this.popovers = null;
    this.dom?.stop();
    this.dom = null;
  }

  private onActivity(): void {
    if (this.session.isExpired()) {
      // Idle too long: close the old session's batch, then start a new, self-contained one.
      this.dom?.flushPending();
      this.transport.cutAndSend();
      // Buffered events belong to the old session: never upload them under the new id.
      this.bufferMode?.clear();
      if (this.bufferQueue) this.bufferQueue = [];
      this.session.rotate();
      this.log('idle timeout; new session', this.session.id);
      if (!this.session.sampled) this.stopCapture();
      else if (!this.dom) this.startCapture();
      else {
        this.emit(pageMetaEvent(this.redactUrl));
        this.dom.takeFullSnapshot();
        this.captures?.onNewSession();
      }
    }
    this.session.touch();
  }

  private readonly redactUrl = (u: string): string => this.redactor.url(u);

  private log(...args: unknown[]): void {
    if (this.opts.debug) debugLog(...args);
  }
}
