/**
 * gzip for batch bodies. Preferred: a Worker built from a Blob URL running
 * CompressionStream, so a large full snapshot doesn't stall the page. If the
 * page's CSP forbids blob: workers (or the worker misbehaves) we fall back to
 * CompressionStream on the main thread, and without it to plain JSON.
 */
import { gzipSync, strToU8 } from 'fflate';

export type CompressionMode = 'worker' | 'main-thread' | 'none';

const WORKER_SOURCE = `self.onmessage=function(e){var d=e.data;
new Response(new Blob([d.buf]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
.then(function(out){self.postMessage({id:d.id,buf:out},[out]);},
function(err){self.postMessage({id:d.id,error:String(err)});});};`;

// A worker that doesn't answer within this time is considered broken.
const WORKER_TIMEOUT_MS = 10_000;

interface Job {
  resolve(out: Uint8Array<ArrayBuffer> | null): void;
  text: string;
  timer: ReturnType<typeof setTimeout>;
}

interface WorkerReply {
  id: number;
  buf?: ArrayBuffer;
  error?: string;
}

function hasCompressionStream(): boolean {
  return typeof CompressionStream === 'function' && typeof Response === 'function' && typeof Blob === 'function';
}

async function gzipOnMainThread(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export class Compressor {
  private worker: Worker | null = null;
  private workerUrl: string | null = null;
  private workerBroken = false;
  private nextId = 1;
  private jobs = new Map<number, Job>();

  constructor(private readonly onError: (err: unknown) => void) {}

  /** What the next compress() will use; reported in stats. */
  get mode(): CompressionMode {
    if (!hasCompressionStream()) return 'none';
    return this.workerBroken || typeof Worker !== 'function' ? 'main-thread' : 'worker';
  }

  /** gzip bytes of `text`, or null when it must be sent uncompressed. Never rejects. */
  compress(text: string): Promise<Uint8Array<ArrayBuffer> | null> {
    if (!hasCompressionStream()) return Promise.resolve(null);
    const worker = this.getWorker();
    if (!worker) return this.mainThread(text);
    return new Promise<Uint8Array<ArrayBuffer> | null>((resolve) => {
      const id = this.nextId++;
      const timer = setTimeout(() => this.workerFailed(new Error('compression worker timed out')), WORKER_TIMEOUT_MS);
      this.jobs.set(id, { resolve, text, timer });
      try {
        // Encode here and transfer the buffer: no string copy into the worker.
        const buf = new TextEncoder().encode(text).buffer;
        worker.postMessage({ id, buf }, [buf]);
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

  private mainThread(text: string): Promise<Uint8Array<ArrayBuffer> | null> {
    return gzipOnMainThread(text).catch((err: unknown) => {
      this.onError(err);
      return null;
    });
  }

  private getWorker(): Worker | null {
    if (this.worker) return this.worker;
    if (this.workerBroken || typeof Worker !== 'function' || typeof URL.createObjectURL !== 'function') return null;
    try {
      this.workerUrl = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      const w = new Worker(this.workerUrl);
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
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

  private onReply(reply: WorkerReply): void {
    const job = this.jobs.get(reply.id);
    if (!job) return;
    if (!reply.buf) {
      // CompressionStream missing or failing inside the worker: main thread from now on.
      this.workerFailed(new Error('worker compression failed: ' + String(reply.error)));
      return;
    }
    this.jobs.delete(reply.id);
    clearTimeout(job.timer);
    job.resolve(new Uint8Array(reply.buf));
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
 * Synchronous gzip (fflate) for the moment the page is leaving: async compression
 * may never finish, and a compressed body fits far more into keepalive's 64 KiB.
 * Returns null if it fails, so the caller falls back to plain JSON.
 */
export function gzipNow(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return gzipSync(strToU8(text), { level: 6 }) as Uint8Array<ArrayBuffer>;
  } catch {
    return null;
  }
}
