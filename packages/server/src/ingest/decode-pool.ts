import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Batch, ReplayEvent } from '@reprise/protocol';
import { decodeChunk, type EncodedChunk } from '../store/chunk-codec.js';
import { decodeBatch } from './decode.js';
import { fromWireError, toWireError, type FromWorker, type ToWorker } from './decode-worker.js';
import type { DictionarySource } from './dictionaries.js';
import type { IndexRows } from '../store/index-rows.js';
import { extractIndexRows } from './extract.js';
import { sanitizeForStorage } from './sanitize.js';

/** A decoded ingest request: the validated batch, its index rows and its chunk. */
export interface IngestBatch {
  batch: Batch;
  index: IndexRows;
  chunk: EncodedChunk;
}

/** Request body → IngestBatch, or a 4xx HttpError saying what was wrong (decode.ts). */
export interface BatchDecoder {
  decode(body: Buffer, contentEncoding: string | undefined, dictionaries: DictionarySource): Promise<IngestBatch>;
  close(): Promise<void>;
}

async function decodeHere(body: Buffer, contentEncoding: string | undefined, dictionaries: DictionarySource): Promise<IngestBatch> {
  const { batch, chunk } = await decodeBatch(body, contentEncoding, dictionaries);
  const index = extractIndexRows(batch.events, batch.meta);
  sanitizeForStorage(batch, index);
  return { batch, chunk, index };
}

/** Decoding on the calling thread. */
export const inProcessDecoder: BatchDecoder = { decode: decodeHere, close: async () => undefined };

type Done = Extract<FromWorker, { type: 'done' }>;

interface Slot {
  worker: Worker;
  pending: Map<number, { dictionaries: DictionarySource; resolve(r: Done): void; reject(err: unknown): void }>;
}

/**
 * Decodes batches on worker threads (decode-worker.ts): inflating, JSON.parse, validation and
 * re-compressing a deflate batch are most of its CPU, and the main thread is the one every
 * request shares. The batch's `events` are parsed again from the chunk on this thread only when
 * read (live viewers); the stores use the chunk's counts. A preset dictionary that needs the
 * store is loaded here when the worker asks for it.
 */
export class WorkerDecoder implements BatchDecoder {
  private readonly slots: (Slot | null)[];
  private nextId = 1;

  constructor(private readonly opts: { threads: number; url: URL; workerData?: unknown }) {
    this.slots = new Array<Slot | null>(opts.threads).fill(null);
  }

  async decode(body: Buffer, contentEncoding: string | undefined, dictionaries: DictionarySource): Promise<IngestBatch> {
    const slot = this.pick();
    const id = this.nextId++;
    const copy = new Uint8Array(body);
    let ref: Extract<ToWorker, { type: 'decode' }>['ref'];
    try {
      ref = { ok: true, value: dictionaries.ref() };
    } catch (err) {
      ref = { ok: false, error: toWireError(err) };
    }
    const reply = await new Promise<Done>((resolve, reject) => {
      slot.pending.set(id, { dictionaries, resolve, reject });
      const msg: ToWorker = { type: 'decode', id, body: copy, encoding: contentEncoding, ref };
      slot.worker.postMessage(msg, [copy.buffer]);
    });
    if (!reply.ok) throw fromWireError(reply.error);
    const { format, eventCount, tMin, tMax, rawBytes, bytes } = reply.chunk;
    // A chunk of its own (transferred to this thread: wrapped, not copied), or the request body itself.
    const stored = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : body;
    const chunk: EncodedChunk = { format, eventCount, tMin, tMax, rawBytes, bytes: stored };
    return { batch: lazyEvents(reply.envelope, chunk), index: reply.index, chunk };
  }

  /** The least busy worker, started on first use (and again after one died). */
  private pick(): Slot {
    let best = -1;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (!s) return (this.slots[i] = this.spawn(i));
      if (best < 0 || s.pending.size < this.slots[best]!.pending.size) best = i;
    }
    return this.slots[best]!;
  }

  private spawn(i: number): Slot {
    const worker = new Worker(this.opts.url, { workerData: this.opts.workerData });
    // Never what keeps the process alive; close() ends them.
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (msg: FromWorker) => {
      const p = slot.pending.get(msg.id);
      if (msg.type === 'dictionary') {
        if (p) void answerDictionary(worker, msg.id, msg.delta === true, p.dictionaries);
        return;
      }
      slot.pending.delete(msg.id);
      p?.resolve(msg);
    });
    const fail = (err: unknown) => {
      if (this.slots[i] === slot) this.slots[i] = null;
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`batch decoder thread exited with code ${code}`)));
    return slot;
  }

  async close(): Promise<void> {
    const slots = this.slots.filter((s): s is Slot => s !== null);
    this.slots.fill(null);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

async function answerDictionary(worker: Worker, id: number, delta: boolean, dictionaries: DictionarySource): Promise<void> {
  let msg: ToWorker;
  try {
    msg = { type: 'dictionary', id, bytes: await dictionaries.load(delta), error: null };
  } catch (err) {
    msg = { type: 'dictionary', id, bytes: null, error: toWireError(err) };
  }
  worker.postMessage(msg);
}

/** A batch whose events are parsed from its chunk when first read. */
function lazyEvents(envelope: Omit<Batch, 'events'>, chunk: EncodedChunk): Batch {
  let events: ReplayEvent[] | undefined;
  return {
    ...envelope,
    get events(): ReplayEvent[] {
      return (events ??= decodeChunk(chunk.bytes, chunk.format));
    },
  };
}

/**
 * Worker threads when the compiled worker is there (not when running from TypeScript sources)
 * and the machine has a core to spare beyond the main thread: one per extra core, up to 4.
 */
export function createBatchDecoder(threads = Math.min(4, availableParallelism() - 1)): BatchDecoder {
  const url = new URL('./decode-worker.js', import.meta.url);
  if (threads < 1 || url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) return inProcessDecoder;
  return new WorkerDecoder({ threads, url });
}
