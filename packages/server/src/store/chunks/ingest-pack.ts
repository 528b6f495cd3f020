/**
 * Writing what ingest is about to acknowledge, for both stores: a batch's own object, or a pack
 * of batches (the embedded store's IngestPacks, sqlite/ingest-packs.ts; PostgreSQL's
 * IngestPacker, postgres/ingest-packer.ts). A failed write is ChunkStoreUnavailable on either:
 * ingest answers 503 and the recorder sends the batch again.
 */
import { ChunkStoreUnavailable } from '../types.js';
import type { ChunkStore } from './types.js';

/** Bounds one pack: the memory of one write and the rows of its commit. */
export const PACK_MAX_PARTS = 256;
export const PACK_MAX_BYTES = 4 * 1024 * 1024;

/** Stores an object ingest will acknowledge; `what` names it in the error. */
export async function putForIngest(chunks: ChunkStore, key: string, bytes: Buffer, what: string): Promise<void> {
  try {
    await chunks.put(key, bytes);
  } catch (err) {
    throw new ChunkStoreUnavailable(`storing ${what} failed`, { cause: err });
  }
}

/** Stores `parts` (sealed batches) as one new pack at `key` (batch-chunks.ts sharedPackKey): where each part starts in it. */
export async function putPack(chunks: ChunkStore, key: string, parts: readonly Buffer[]): Promise<number[]> {
  const offsets: number[] = [];
  let size = 0;
  for (const p of parts) {
    offsets.push(size);
    size += p.length;
  }
  await putForIngest(chunks, key, Buffer.concat(parts, size), parts.length === 1 ? 'a batch' : `a pack of ${parts.length} batches`);
  return offsets;
}
