/**
 * The compression Worker's main-thread side: starts it from a Blob URL of its source, posts
 * jobs and matches the replies. It only runs once the codec is loaded (the codec brings the
 * Worker's source), so it comes with the codec (codec.ts): in the script-tag build, in the codec
 * chunk. On any failure (CSP, a script error in the worker, no answer) it gives up for good and
 * hands its outstanding jobs to `fallback` (compress.ts: gzip on the main thread).
 */
import { staticDictionaryBytes } from '@reprise/protocol';
import type { Compressed } from './codec.js';
import type { CompressJob, CompressReply } from './compress-worker.js';
import type { DictionarySource } from './dictionary-book.js';
import { workerScriptUrl } from './trusted-url.js';

// A worker that doesn't answer within this time is considered broken. The worker takes jobs one
// at a time, so each answer restarts the clock of those still waiting: two large batches posted
// together on a busy machine are slow, not broken. One clock for all jobs (not a timer each).
const WORKER_TIMEOUT_MS = 30_000;

interface Job {
  resolve(out: Compressed | null): void;
  text: string;
}

export interface WorkerCompressorHooks {
  onError(err: unknown): void;
  /** The worker failed for good (called once); compression goes on without it. */
  onBroken(): void;
  /** Compresses a job the worker can no longer do. */
  fallback(text: string): Promise<Compressed | null>;
}

export class WorkerCompressor {
  private worker: Worker | null = null;
  private workerUrl: string | null = null;
  private broken = false;
  private nextId = 1;
  private jobs = new Map<number, Job>();
  /** Runs while jobs wait: since the oldest was posted or the last answer came. */
  private clock: ReturnType<typeof setTimeout> | null = null;
  /** Static dictionaries the worker holds: each is copied to it once. */
  private readonly staticsSent = new Set<string>();

  constructor(
    private readonly source: string,
    private readonly hooks: WorkerCompressorHooks,
    /** How long the worker may go without answering while jobs wait (tests shorten it). */
    private readonly timeoutMs = WORKER_TIMEOUT_MS,
  ) {}

  /** See Compressor.compress; null when the worker can't be had (the caller compresses otherwise). */
  compress(text: string, dict: DictionarySource | null, wantRef: boolean, delta: boolean): Promise<Compressed | null> | null {
    const worker = this.getWorker();
    if (!worker) return null;
    return new Promise<Compressed | null>((resolve) => {
      const id = this.nextId++;
      this.jobs.set(id, { resolve, text });
      this.clock ??= this.startClock();
      try {
        // The string is posted as is and UTF-8 encoded in the worker: structured-cloning a string
        // costs the main thread several times less than TextEncoder (measured by the recorder
        // benchmark on a 3 MB snapshot). The worker builds and keeps each dictionary from its
        // reference text (a few milliseconds of main-thread work per page saved, measured by the
        // recorder benchmark's profile); the static vocabulary is copied to it once.
        const job: CompressJob = { id, text };
        if (dict) {
          job.dict = { key: dict.key, staticId: dict.staticId, reference: dict.reference };
          if (!this.staticsSent.has(dict.staticId)) job.dict.staticBytes = staticDictionaryBytes(dict.staticId);
          if (delta) job.delta = true;
        }
        if (wantRef) job.ref = true;
        worker.postMessage(job);
        if (dict) this.staticsSent.add(dict.staticId);
      } catch (err) {
        this.failed(err);
      }
    });
  }

  /** Outstanding jobs resolve null; the worker is terminated. */
  dispose(): void {
    this.stopClock();
    for (const [, job] of this.jobs) job.resolve(null);
    this.jobs.clear();
    this.kill();
  }

  private startClock(): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      this.clock = null;
      this.failed(new Error('compression worker timed out'));
    }, this.timeoutMs);
  }

  private stopClock(): void {
    if (this.clock !== null) clearTimeout(this.clock);
    this.clock = null;
  }

  private getWorker(): Worker | null {
    if (this.worker) return this.worker;
    if (this.broken) return null;
    try {
      this.workerUrl = URL.createObjectURL(new Blob([this.source], { type: 'text/javascript' }));
      const w = new Worker(workerScriptUrl(this.workerUrl));
      w.onmessage = (e: MessageEvent<CompressReply>) => {
        try {
          this.onReply(e.data);
        } catch (err) {
          this.hooks.onError(err);
        }
      };
      // CSP violations and script errors in the worker surface here, asynchronously.
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.failed(new Error('compression worker error: ' + (e.message || 'unknown')));
      };
      this.worker = w;
      return w;
    } catch (err) {
      // e.g. CSP `worker-src` without blob:, thrown synchronously in some browsers.
      this.broken = true;
      this.hooks.onBroken();
      this.hooks.onError(err);
      this.kill();
      return null;
    }
  }

  private onReply(reply: CompressReply): void {
    const job = this.jobs.get(reply.id);
    if (!job) return;
    if (!reply.buf) {
      this.failed(new Error('worker compression failed: ' + String(reply.error)));
      return;
    }
    this.jobs.delete(reply.id);
    this.stopClock();
    if (this.jobs.size > 0) this.clock = this.startClock();
    const out: Compressed = { bytes: new Uint8Array(reply.buf), deflate: reply.deflate === true };
    if (reply.delta === true) out.delta = true;
    if (reply.delta === true && reply.twice === true) out.twice = true;
    if (typeof reply.ref === 'string') out.ref = reply.ref;
    job.resolve(out);
  }

  /** Gives up on the worker for good and redoes its outstanding jobs with the fallback. */
  private failed(err: unknown): void {
    this.hooks.onError(err);
    if (!this.broken) {
      this.broken = true;
      this.hooks.onBroken();
    }
    this.kill();
    this.stopClock();
    const pending = [...this.jobs.values()];
    this.jobs.clear();
    for (const job of pending) void this.hooks.fallback(job.text).then(job.resolve);
  }

  private kill(): void {
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
