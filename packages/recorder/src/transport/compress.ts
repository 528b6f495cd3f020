/**
 * Batch body compression. Preferred: a Worker built from a Blob URL running fflate
 * (compress-worker.ts, whose source comes with the codec: codec.ts), deflating against the batch's
 * preset dictionary so a large full snapshot neither stalls the page nor costs its full size. If
 * the codec can't be loaded, or the page's CSP forbids blob: workers (or the worker misbehaves),
 * we fall back to CompressionStream gzip on the main thread (no dictionary: it has none), and
 * without it to plain JSON.
 */
import type { Compressed } from './codec.js';
import { loadCodec, loadedCodec } from './codec-loader.js';
import type { DictionarySource } from './dictionary-book.js';
import type { WorkerCompressor } from './worker-compressor.js';

export type { Compressed } from './codec.js';

export type CompressionMode = 'worker' | 'main-thread' | 'none';

function hasCompressionStream(): boolean {
  return typeof CompressionStream === 'function' && typeof Response === 'function' && typeof Blob === 'function';
}

async function gzipOnMainThread(text: string): Promise<Compressed> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return { bytes: new Uint8Array(await new Response(stream).arrayBuffer()), deflate: false };
}

export class Compressor {
  /** The worker's main-thread side, once the codec brought it (worker-compressor.ts). */
  private worker: WorkerCompressor | null = null;
  private workerBroken = false;
  /** Set once loadCodec() settled; false: it can't be had (so no Worker source and no dictionary). */
  private codecLoaded: boolean | null = null;
  private preparing: Promise<void> | null = null;

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
   * `delta`, the worker deflates the batch's delta form against the delta dictionary when it can
   * (the result says so). The worker builds `dict` from its source; its bytes are never read here.
   * Waits for the codec. Never rejects.
   */
  compress(text: string, dict: { readonly source: DictionarySource } | null, wantRef = false, delta = false): Promise<Compressed | null> {
    return this.prepare().then(() => {
      const source = this.codecLoaded && dict ? dict.source : null;
      return this.getWorker()?.compress(text, source, wantRef, source !== null && delta) ?? this.mainThread(text);
    });
  }

  dispose(): void {
    this.worker?.dispose();
    this.worker = null;
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

  private getWorker(): WorkerCompressor | null {
    if (this.worker) return this.worker;
    if (!this.workerUsable()) return null;
    this.worker =
      loadedCodec()?.workerCompressor({
        onError: (err) => this.onError(err),
        onBroken: () => {
          this.workerBroken = true;
        },
        fallback: (text) => this.mainThread(text),
      }) ?? null;
    return this.worker;
  }
}

/**
 * Synchronous compression for the moment the page is leaving: async compression may never
 * finish, and a compressed body fits far more into keepalive's 64 KiB. zlib against `dict`
 * when given, else gzip. Null when it fails or the codec is not loaded yet (a pagehide send
 * cannot wait for it), so the caller sends plain JSON. With `delta` (the server has taken the
 * delta form in this session), the batch's delta form when it has one, deflated twice only if
 * `delta.twice` (the server has taken that too: a refusal after unload is never read).
 */
export function compressNow(
  text: string,
  dict: { readonly bytes: Uint8Array; readonly deltaBytes: Uint8Array } | null,
  delta: { twice: boolean } | null = null,
): Compressed | null {
  const c = loadedCodec();
  if (!c) return null;
  return c.compressNow(text, dict ? dict.bytes : null, dict && delta ? { dict: dict.deltaBytes, twice: delta.twice } : null);
}

/** The JSON of a body deflated against `dict` (to resend it self-contained; `delta`: of its delta form; `twice`: deflated again), or null. */
export function inflateToText(body: Uint8Array, dict: Uint8Array, delta = false, twice = false): string | null {
  return loadedCodec()?.inflateToText(body, dict, delta, twice) ?? null;
}

/** The inner zlib stream (`reprise-delta, deflate`) of a body deflated twice, or null. */
export function innerStream(body: Uint8Array): Uint8Array<ArrayBuffer> | null {
  return loadedCodec()?.innerStream(body) ?? null;
}
