import { sharedPackKey } from '../chunks/batch-chunks.js';
import { PACK_MAX_BYTES, PACK_MAX_PARTS, putPack } from '../chunks/ingest-pack.js';
import type { ChunkStore } from '../chunks/types.js';
import { ChunkStoreUnavailable } from '../types.js';

/** REPRISE_S3_PACK_WINDOW_MS / REPRISE_S3_PACK_MAX_BYTES (config.ts). */
export interface IngestPackOptions {
  /** How long the first batch of a pack waits for others; 0 = no packing (one object per batch). */
  windowMs: number;
  /** A pack is written as soon as it holds this many bytes. */
  maxBytes: number;
  /** …or this many batches (bounds the rows' transaction). */
  maxParts?: number;
}

export const DEFAULT_PACK_WINDOW_MS = 250;
export const DEFAULT_PACK_MAX_BYTES = PACK_MAX_BYTES;

/** One batch's segment of a written pack, as the commit sees it. */
export interface PackPart<T> {
  item: T;
  offset: number;
  length: number;
}

/**
 * Commits the rows of every part of the pack stored at `key` in one transaction and returns each
 * part's outcome in the same order (a value, or the error that refused that batch alone), and
 * whether any row now names the pack. Throws when the transaction as a whole failed.
 */
export type PackCommit<T, R> = (key: string, parts: PackPart<T>[]) => Promise<{ outcomes: (R | Error)[]; used: boolean }>;

interface Waiting<T, R> {
  item: T;
  bytes: Buffer;
  resolve(r: R): void;
  reject(err: unknown): void;
}

interface Open<T, R> {
  parts: Waiting<T, R>[];
  bytes: number;
  timer: NodeJS.Timeout;
}

/**
 * Ingest packing: the batches one instance receives within `windowMs`, from any sessions of one
 * project, are stored as ONE object (`<projectId>/~packs/<random>.pack`), then their rows commit in
 * one transaction, then every batch of the pack resolves. Nothing resolves before its object and
 * its row are durable; a failed PutObject rejects every batch of the pack (ChunkStoreUnavailable:
 * ingest answers 503 and the recorder sends again), a failed transaction rejects them all with its
 * error. Packs are per project so a project's bytes stay under its prefix.
 */
export class IngestPacker<T, R> {
  private readonly open = new Map<string, Open<T, R>>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private draining = false;

  constructor(
    private readonly opts: IngestPackOptions,
    private readonly chunks: ChunkStore,
    private readonly commit: PackCommit<T, R>,
    /** Called with a pack nothing ended up referencing (every batch a duplicate or refused). */
    private readonly onUnused: (key: string) => void = (key) => void chunks.delete([key]).catch(() => undefined),
  ) {}

  /** Resolves with the batch's outcome once its pack's object and rows are durable. */
  add(projectId: string, bytes: Buffer, item: T): Promise<R> {
    if (this.closed) return Promise.reject(new ChunkStoreUnavailable('the store is closing'));
    return new Promise<R>((resolve, reject) => {
      let pack = this.open.get(projectId);
      if (!pack) {
        const timer = setTimeout(() => this.flush(projectId), this.opts.windowMs);
        pack = { parts: [], bytes: 0, timer };
        this.open.set(projectId, pack);
      }
      pack.parts.push({ item, bytes, resolve, reject });
      pack.bytes += bytes.length;
      const full = pack.bytes >= this.opts.maxBytes || pack.parts.length >= (this.opts.maxParts ?? PACK_MAX_PARTS);
      if (full || this.draining) this.flush(projectId);
    });
  }

  /** From now on every batch is written at once (no window): the store is closing. */
  drain(): void {
    this.draining = true;
    for (const projectId of [...this.open.keys()]) this.flush(projectId);
  }

  /** Writes every open pack now and waits for all packs in flight; later batches are refused. */
  async close(): Promise<void> {
    this.drain();
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private flush(projectId: string): void {
    const pack = this.open.get(projectId);
    if (!pack) return;
    this.open.delete(projectId);
    clearTimeout(pack.timer);
    const p = this.write(projectId, pack.parts).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async write(projectId: string, waiting: Waiting<T, R>[]): Promise<void> {
    const key = sharedPackKey(projectId);
    let offsets: number[];
    try {
      offsets = await putPack(
        this.chunks,
        key,
        waiting.map((w) => w.bytes),
      );
    } catch (err) {
      for (const w of waiting) w.reject(err);
      return;
    }
    const parts: PackPart<T>[] = waiting.map((w, i) => ({ item: w.item, offset: offsets[i]!, length: w.bytes.length }));
    let done: { outcomes: (R | Error)[]; used: boolean };
    try {
      done = await this.commit(key, parts);
    } catch (err) {
      // Left for the GC: a failed COMMIT may still have committed.
      for (const w of waiting) w.reject(err);
      return;
    }
    waiting.forEach((w, i) => {
      const o = done.outcomes[i];
      if (o instanceof Error) w.reject(o);
      else w.resolve(o as R);
    });
    if (!done.used) this.onUnused(key);
  }
}
