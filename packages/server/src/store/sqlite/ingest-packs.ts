import { sharedPackKey } from '../chunks/batch-chunks.js';
import { PACK_MAX_BYTES, PACK_MAX_PARTS, putPack } from '../chunks/ingest-pack.js';
import type { ChunkStore } from '../chunks/types.js';

/** Where a batch's bytes landed, and how to say whether its row ended up naming them. */
export interface PackSegment {
  key: string;
  /** null: the whole object (one object per batch). */
  offset: number | null;
  length: number | null;
  /**
   * Call once the batch's row committed (true) or did not (false: a duplicate, a refusal, a
   * failed transaction). A pack no row names is deleted once every batch of it has settled.
   */
  settle(used: boolean): void;
}

interface Waiting {
  projectId: string;
  bytes: Buffer;
  resolve(seg: PackSegment): void;
  reject(err: unknown): void;
}

/**
 * Ingest packing for the embedded store: the batches that arrive while a pack is being written
 * form the next pack, one shared object per project (`<projectId>/~packs/<random>.pack`, the
 * layout of store/chunks/batch-chunks.ts, written by store/chunks/ingest-pack.ts). A failed write
 * refuses every batch of the pack (ChunkStoreUnavailable: ingest answers 503). On local files that is one create, one fdatasync and
 * one directory fsync per pack instead of per batch, the bulk of ingest's file work. No window:
 * an idle store writes a lone batch at once, a busy one groups whatever queued behind the write in
 * flight, so a batch waits at most for one write before its own.
 */
export class IngestPacks {
  private waiting: Waiting[] = [];
  private writing: Promise<void> | null = null;

  constructor(private readonly chunks: ChunkStore) {}

  /** Resolves once the pack holding `bytes` is durable. */
  add(projectId: string, bytes: Buffer): Promise<PackSegment> {
    return new Promise<PackSegment>((resolve, reject) => {
      this.waiting.push({ projectId, bytes, resolve, reject });
      // setImmediate: the appends of this turn of the event loop join the first pack too.
      if (!this.writing) this.writing = new Promise<void>((done) => setImmediate(() => this.writeNext().finally(done)));
    });
  }

  /** Waits for the packs being written (the store is closing). */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeNext(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const take = this.waiting.splice(0, this.cut());
        const byProject = new Map<string, Waiting[]>();
        for (const w of take) {
          const list = byProject.get(w.projectId);
          if (list) list.push(w);
          else byProject.set(w.projectId, [w]);
        }
        await Promise.all([...byProject].map(([projectId, parts]) => this.writePack(projectId, parts)));
      }
    } finally {
      // Cleared in the same turn the queue was seen empty, so the next add starts a new write.
      this.writing = null;
    }
  }

  /** How many of the waiting batches the next round takes. */
  private cut(): number {
    let bytes = 0;
    for (let i = 0; i < this.waiting.length; i++) {
      bytes += this.waiting[i]!.bytes.length;
      if (i + 1 >= PACK_MAX_PARTS || (bytes >= PACK_MAX_BYTES && i > 0)) return i + 1;
    }
    return this.waiting.length;
  }

  private async writePack(projectId: string, parts: Waiting[]): Promise<void> {
    const key = sharedPackKey(projectId);
    let offsets: number[];
    try {
      offsets = await putPack(
        this.chunks,
        key,
        parts.map((p) => p.bytes),
      );
    } catch (err) {
      for (const p of parts) p.reject(err);
      return;
    }
    let unsettled = parts.length;
    let used = false;
    const settle = (u: boolean) => {
      used ||= u;
      // Nothing names the pack (every batch a duplicate or refused): drop it now rather than in an hour's gc.
      if (--unsettled === 0 && !used) void this.chunks.delete([key]).catch(() => undefined);
    };
    parts.forEach((p, i) => {
      let once = false;
      p.resolve({
        key,
        offset: offsets[i]!,
        length: p.bytes.length,
        settle: (u) => {
          if (once) return;
          once = true;
          settle(u);
        },
      });
    });
  }
}
