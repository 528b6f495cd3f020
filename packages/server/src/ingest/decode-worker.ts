import { parentPort } from 'node:worker_threads';
import type { Batch, DictionaryRef } from '@reprise/protocol';
import { HttpError } from '../http/errors.js';
import type { ChunkFormat, EventStats } from '../store/chunk-codec.js';
import { decodeBatch } from './decode.js';
import type { DictionarySource } from './dictionaries.js';
import type { IndexRows } from '../store/index-rows.js';
import { extractIndexRows } from './extract.js';
import { sanitizeForStorage } from './sanitize.js';

/**
 * Worker thread of decode-pool.ts: inflates, parses and validates a batch and extracts its index
 * rows, so JSON.parse of the whole batch stays off the main thread. The events themselves do not
 * travel back (cloning them would cost what parsing them does): the main thread gets the
 * envelope, the index rows and the chunk, and parses the events again from the chunk only if
 * something asks for them (a live viewer of the session). A deflate batch's preset dictionary
 * may need the store: the worker asks the main thread for it (`load`).
 */

/** An error as data: `code` null for one that is not a client error (answered 500). */
export interface WireError {
  status: number;
  code: string | null;
  message: string;
}

export type ToWorker =
  | {
      type: 'decode';
      id: number;
      /** The request body (a copy, transferred). */
      body: Uint8Array;
      encoding: string | undefined;
      /** DictionarySource.ref() of the request, evaluated by the main thread (it is pure). */
      ref: { ok: true; value: DictionaryRef | null } | { ok: false; error: WireError };
    }
  | { type: 'dictionary'; id: number; bytes: Uint8Array | null; error: WireError | null };

export type FromWorker =
  | { type: 'dictionary'; id: number; delta: boolean }
  | { type: 'done'; id: number; ok: true; envelope: Omit<Batch, 'events'>; index: IndexRows; chunk: WireChunk }
  | { type: 'done'; id: number; ok: false; error: WireError };

export interface WireChunk extends EventStats {
  format: ChunkFormat;
  rawBytes: number;
  /** null: the chunk is the request body itself. */
  bytes: Uint8Array | null;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof HttpError) return { status: err.statusCode, code: err.code, message: err.message };
  return { status: 500, code: null, message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}

export function fromWireError(e: WireError): Error {
  return e.code === null ? new Error(`batch decoder: ${e.message}`) : new HttpError(e.status, e.code, e.message);
}

const dictionaryLoads = new Map<number, { resolve(bytes: Uint8Array): void; reject(err: unknown): void }>();

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

async function decode(req: Extract<ToWorker, { type: 'decode' }>): Promise<void> {
  const dictionaries: DictionarySource = {
    ref: () => {
      if (!req.ref.ok) throw fromWireError(req.ref.error);
      return req.ref.value;
    },
    load: (delta) =>
      new Promise<Uint8Array>((resolve, reject) => {
        dictionaryLoads.set(req.id, { resolve, reject });
        post({ type: 'dictionary', id: req.id, delta });
      }),
  };
  try {
    const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
    const { batch, chunk } = await decodeBatch(body, req.encoding, dictionaries);
    const { events, ...envelope } = batch;
    const index = extractIndexRows(events, batch.meta);
    sanitizeForStorage(envelope, index);
    const bytes = chunk.bytes === body ? null : new Uint8Array(chunk.bytes);
    const wire: WireChunk = {
      format: chunk.format,
      eventCount: chunk.eventCount,
      tMin: chunk.tMin,
      tMax: chunk.tMax,
      rawBytes: chunk.rawBytes,
      bytes,
    };
    post({ type: 'done', id: req.id, ok: true, envelope, index, chunk: wire }, bytes ? [bytes.buffer as ArrayBuffer] : []);
  } catch (err) {
    post({ type: 'done', id: req.id, ok: false, error: toWireError(err) });
  } finally {
    dictionaryLoads.delete(req.id);
  }
}

parentPort?.on('message', (msg: ToWorker) => {
  if (msg.type === 'decode') {
    void decode(msg);
    return;
  }
  const load = dictionaryLoads.get(msg.id);
  dictionaryLoads.delete(msg.id);
  if (msg.error) load?.reject(fromWireError(msg.error));
  else load?.resolve(msg.bytes!);
});
