/**
 * Batch body compression. Preferred: a Worker built from a Blob URL running fflate
 * (compress-worker.ts, whose source comes with the codec: codec.ts), deflating against the batch's
 * preset dictionary so a large full snapshot neither stalls the page nor costs its full size. If
 * the codec can't be loaded, or the page's CSP forbids blob: workers (or the worker misbehaves),
 * we fall back to CompressionStream gzip on the main thread (no dictionary: it has none), and
 * without it to plain JSON.
 */
import type { CompressJob, CompressReply } from './compress-worker.js';
import type { Compressed } from './codec.js';
import { loadCodec, loadedCodec } from './codec-loader.js';

export type { Compressed } from './codec.js';

export type CompressionMode = 'worker' | 'main-thread' | 'none';

// A worker that doesn't answer within this time is considered broken. The worker takes jobs one
// at a time, so each answer restarts the clock of those still waiting: two large batches posted
// together on a busy machine are slow, not broken.
const WORKER_TIMEOUT_MS = 30_000;

interface Job {
  resolve(out: Compressed | null): void;
  text: string;
  timer: ReturnType<typeof setTimeout>;
}

function hasCompressionStream(): boolean {
  return typeof CompressionStream === 'function' && typeof Response === 'function' && typeof Blob === 'function';
}

async function gzipOnMainThread(text: string): Promise<Compressed> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return { bytes: new Uint8Array(await new Response(stream).arrayBuffer()), deflate: false };
}

export class Compressor {
  private worker: Worker | null = null;
  private workerUrl: string | null = null;
  private workerBroken = false;
  /** Set once loadCodec() settled; false: it can't be had (so no Worker source and no dictionary). */
  private codecLoaded: boolean | null = null;
  private preparing: Promise<void> | null = null;
  private nextId = 1;
  private jobs = new Map<number, Job>();

  constructor(private readonly onError: (err: unknown) => void) {}

  /** What the next compress() will use; reported in stats. */
  get mode(): CompressionMode {
    if (this.workerUsable()) return 'worker';
    return hasCompressionStream() ? 'main-thread' : 'none';
  }

  /** Starts loading the codec (a chunk of its own in the script-tag build), so it is there by the first batch or pagehide. */
  prepare(): Promise<void> {
    this.preparing ??= loadCodec().then((c) => {
      this.codecLoaded = c !== null;
    });
    return this.preparing;
  }

  /**
   * Compressed `text`: deflate against `dict` in the worker, else gzip (the result says which);
   * null when it must be sent uncompressed. With `wantRef`, the worker also returns the batch's
   * canonical reference text (JSON.parse + JSON.stringify there, off the main thread). With
   * `delta`, the worker deflates the batch's delta form against `dict.deltaBytes` when it can (the
   * result says so). Waits for the codec; `dict`'s bytes are read only then (the static dictionary
   * comes with it). Never rejects.
   */
  compress(
    text: string,
    dict: { readonly bytes: Uint8Array; readonly deltaBytes: Uint8Array } | null,
    wantRef = false,
    delta = false,
  ): Promise<Compressed | null> {
    return this.prepare().then(() => {
      const use = this.codecLoaded ? dict : null;
      return this.compressLoaded(text, use?.bytes ?? null, wantRef, use && delta ? use.deltaBytes : null);
    });
  }

  private compressLoaded(
    text: string,
    dict: Uint8Array | null,
    wantRef: boolean,
    deltaDict: Uint8Array | null,
  ): Promise<Compressed | null> {
    const worker = this.getWorker();
    if (!worker) return this.mainThread(text);
    return new Promise<Compressed | null>((resolve) => {
      const id = this.nextId++;
      this.jobs.set(id, { resolve, text, timer: this.timeout() });
      try {
        // The string is posted as is and UTF-8 encoded in the worker: structured-cloning a string
        // costs the main thread several times less than TextEncoder (measured by the recorder
        // benchmark on a 3 MB snapshot). The dictionary is shared by many batches, so it is copied.
        const job: CompressJob = { id, text };
        if (dict) job.dict = dict;
        if (dict && deltaDict) job.deltaDict = deltaDict;
        if (wantRef) job.ref = true;
        worker.postMessage(job);
      } catch (err) {
        this.workerFailed(err);
      }
    });
  }

  dispose(): void {
    for (const [, job] of this.jobs) {
      clearTimeout(job.timer);
      job.resolve(null);
    }
    this.jobs.clear();
    this.killWorker();
  }

  private timeout(): ReturnType<typeof setTimeout> {
    return setTimeout(() => this.workerFailed(new Error('compression worker timed out')), WORKER_TIMEOUT_MS);
  }

  private workerUsable(): boolean {
    if (this.workerBroken || this.codecLoaded === false) return false;
    // Not loaded yet: whether it will have a Worker source is not known; the browser's support is.
    const source = this.codecLoaded ? loadedCodec()?.workerSource : true;
    return !!source && typeof Worker === 'function' && typeof URL.createObjectURL === 'function';
  }

  private mainThread(text: string): Promise<Compressed | null> {
    if (!hasCompressionStream()) return Promise.resolve(null);
    return gzipOnMainThread(text).catch((err: unknown) => {
      this.onError(err);
      return null;
    });
  }

  private getWorker(): Worker | null {
    if (this.worker) return this.worker;
    const source = loadedCodec()?.workerSource;
    if (!this.workerUsable() || !source) return null;
    try {
      this.workerUrl = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const w = new Worker(this.workerUrl);
      w.onmessage = (e: MessageEvent<CompressReply>) => {
        try {
          this.onReply(e.data);
        } catch (err) {
          this.onError(err);
        }
      };
      // CSP violations and script errors in the worker surface here, asynchronously.
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.workerFailed(new Error('compression worker error: ' + (e.message || 'unknown')));
      };
      this.worker = w;
      return w;
    } catch (err) {
      // e.g. CSP `worker-src` without blob:, thrown synchronously in some browsers.
      this.workerBroken = true;
      this.onError(err);
      this.killWorker();
      return null;
    }
  }

  private onReply(reply: CompressReply): void {
    const job = this.jobs.get(reply.id);
    if (!job) return;
    if (!reply.buf) {
      this.workerFailed(new Error('worker compression failed: ' + String(reply.error)));
      return;
    }
    this.jobs.delete(reply.id);
    clearTimeout(job.timer);
    for (const waiting of this.jobs.values()) {
      clearTimeout(waiting.timer);
      waiting.timer = this.timeout();
    }
    const out: Compressed = { bytes: new Uint8Array(reply.buf), deflate: reply.deflate === true };
    if (reply.delta === true) out.delta = true;
    if (reply.delta === true && reply.twice === true) out.twice = true;
    if (typeof reply.ref === 'string') out.ref = reply.ref;
    job.resolve(out);
  }

  /** Gives up on the worker for good and redoes its outstanding jobs on the main thread. */
  private workerFailed(err: unknown): void {
    this.onError(err);
    this.workerBroken = true;
    this.killWorker();
    const pending = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of pending) {
      clearTimeout(job.timer);
      void this.mainThread(job.text).then(job.resolve);
    }
  }

  private killWorker(): void {
    try {
      this.worker?.terminate();
    } catch {
      /* already gone */
    }
    this.worker = null;
    if (this.workerUrl) {
      try {
        URL.revokeObjectURL(this.workerUrl);
      } catch {
        /* ignore */
      }
      this.workerUrl = null;
    }
  }
}

/**
 * Synchronous compression for the moment the page is leaving: async compression may never
 * finish, and a compressed body fits far more into keepalive's 64 KiB. zlib against `dict`
 * when given, else gzip. Null when it fails or the codec is not loaded yet (a pagehide send
 * cannot wait for it), so the caller sends plain JSON.
 */
export function compressNow(text: string, dict: { readonly bytes: Uint8Array } | null): Compressed | null {
  const c = loadedCodec();
  return c ? c.compressNow(text, dict ? dict.bytes : null) : null;
}

/** The JSON of a body deflated against `dict` (to resend it self-contained; `delta`: of its delta form; `twice`: deflated again), or null. */
export function inflateToText(body: Uint8Array, dict: Uint8Array, delta = false, twice = false): string | null {
  return loadedCodec()?.inflateToText(body, dict, delta, twice) ?? null;
}

/** The inner zlib stream (`reprise-delta, deflate`) of a body deflated twice, or null. */
export function innerStream(body: Uint8Array): Uint8Array<ArrayBuffer> | null {
  return loadedCodec()?.innerStream(body) ?? null;
}
