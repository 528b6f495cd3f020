import type { ReplayEvent } from '@reprise/protocol';
import { randomId } from '../../ids.js';
import {
  BATCH_CHUNK_FORMAT,
  CHUNK_FORMAT,
  decodeChunk,
  encodeNdjsonChunk,
  eventStats,
  type ChunkFormat,
  type EncodedChunk,
} from '../chunk-codec.js';
import { envelopeKeyId, isEncrypted, openStoredChunk, type ChunkCipher } from './crypto.js';
import { isChunkNotFound } from './errors.js';
import { putForIngest } from './ingest-pack.js';
import type { ChunkStore } from './types.js';

/**
 * Batch chunks on top of a ChunkStore, shared by the metadata stores (SQLite, PostgreSQL).
 *
 * Layout: every batch is first stored as its own immutable object
 * `<projectId>/<sessionId>/<seq, 10 digits>-<random>.ndjson.gz` (`.json.gz` in the
 * batch.json.gz.v1 format), durable before the batch row commits. Compaction later
 * concatenates a quiet session's small objects into
 * `<projectId>/<sessionId>/pack-<firstSeq>-<lastSeq>-<random>.pack`; each batch row then holds
 * (key, offset, length) of its segment, so a time range reads only its segments (ranged GETs).
 * A segment is exactly the bytes the batch was first stored as: its chunk format (chunk-codec.ts),
 * sealed per segment when encryption is on, so segments are independently readable.
 *
 * Ingest packing (PostgreSQL + S3, postgres/ingest-packer.ts) stores the batches that arrive within
 * a short window, from any sessions of one project, as one shared object
 * `<projectId>/~packs/<random>.pack`, each row naming its segment. Shared packs are transient:
 * compaction copies a session's segments out of them into its own objects, and a shared pack is
 * deleted once no row references any part of it (by compaction, session deletion or gc).
 */

/** Where one batch's bytes are: a whole object (offset/length null) or a segment of a pack. */
export interface SegmentRef {
  projectId: string;
  sessionId: string;
  seq: number;
  key: string;
  offset: number | null;
  length: number | null;
  /** The row's chunk_format; absent = ndjson.gz.v1. */
  format?: string;
}

export interface PackedSegment {
  seq: number;
  /** The object the batch was in before: a whole object, or a shared pack (then `oldOffset` is set). */
  oldKey: string;
  /** The batch's offset in `oldKey` when that is a shared ingest pack; null for a whole object. */
  oldOffset: number | null;
  offset: number;
  length: number;
}

export interface CompactResult {
  packs: { key: string; segments: PackedSegment[] }[];
  packedBatches: number;
  /** Lone batches whose row now names its own object as an explicit range (no copy). */
  inPlace: number;
  deletedObjects: number;
}

export interface GcResult {
  scanned: number;
  deleted: string[];
}

const CHUNK_KEY =
  /^[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/(?:\d{10}-[A-Za-z0-9_-]+\.(?:ndjson|json)\.gz|pack-\d{10}-\d{10}-[A-Za-z0-9_-]+\.pack)(?:\.[0-9a-f]{12}\.tmp)?$/;
/** A shared ingest pack; `~` is not a session id character, so no session prefix covers it. */
const SHARED_PACK_KEY = /^[A-Za-z0-9_-]+\/~packs\/[A-Za-z0-9_-]+\.pack$/;
/** How compaction's SQL recognises a row in a shared pack (LIKE: `~` and `/` are no wildcards). */
export const SHARED_PACK_LIKE = '%/~packs/%';
const READ_CONCURRENCY = 8;
export const DEFAULT_MAX_PACK_BYTES = 16 * 1024 * 1024;
/** Orphans younger than this are left alone: their batch may be about to commit. */
export const DEFAULT_ORPHAN_AGE_MS = 60 * 60 * 1000;

export function batchKey(projectId: string, sessionId: string, seq: number, format: ChunkFormat = CHUNK_FORMAT): string {
  const ext = format === BATCH_CHUNK_FORMAT ? 'json.gz' : 'ndjson.gz';
  return `${projectId}/${sessionId}/${pad(seq)}-${randomId()}.${ext}`;
}

export function packKey(projectId: string, sessionId: string, firstSeq: number, lastSeq: number): string {
  return `${projectId}/${sessionId}/pack-${pad(firstSeq)}-${pad(lastSeq)}-${randomId()}.pack`;
}

/** A new shared ingest pack of one project (batches of any of its sessions). */
export function sharedPackKey(projectId: string): string {
  return `${projectId}/~packs/${randomId()}.pack`;
}

export function isSharedPackKey(key: string): boolean {
  return SHARED_PACK_KEY.test(key);
}

export function sessionPrefix(projectId: string, sessionId: string): string {
  return `${projectId}/${sessionId}/`;
}

/** True for keys in the layout above (and temp files of interrupted local writes); gc touches nothing else. */
export function isChunkKey(key: string): boolean {
  return CHUNK_KEY.test(key) || SHARED_PACK_KEY.test(key);
}

/** The authenticated context of a sealed segment: its batch identity, stable across packing. */
export function segmentContext(projectId: string, sessionId: string, seq: number): string {
  return `${projectId}/${sessionId}/${seq}`;
}

function pad(n: number): string {
  return String(n).padStart(10, '0');
}

/** A batch's chunk when ingest did not encode it: the default format. */
export function encodeBatch(events: readonly ReplayEvent[]): EncodedChunk {
  return { format: CHUNK_FORMAT, ...encodeNdjsonChunk(events), ...eventStats(events) };
}

export class BatchChunks {
  constructor(
    readonly store: ChunkStore,
    readonly cipher: ChunkCipher | null = null,
  ) {}

  /**
   * Stores one batch (sealed when encryption is on) as a new object; durable when this resolves.
   * `chunk` is the batch already encoded by ingest; without it the events are encoded here.
   */
  async writeBatch(
    ref: { projectId: string; sessionId: string; seq: number },
    events: readonly ReplayEvent[],
    chunk?: EncodedChunk,
  ): Promise<{ key: string; bytes: number; chunk: EncodedChunk }> {
    const encoded = chunk ?? encodeBatch(events);
    const key = batchKey(ref.projectId, ref.sessionId, ref.seq, encoded.format);
    const bytes = this.seal(encoded.bytes, segmentContext(ref.projectId, ref.sessionId, ref.seq));
    await putForIngest(this.store, key, bytes, 'a batch');
    return { key, bytes: bytes.length, chunk: encoded };
  }

  /** A batch's bytes as stored (sealed when encryption is on): a whole object or a segment of a pack. */
  sealBatch(ref: { projectId: string; sessionId: string; seq: number }, chunk: EncodedChunk): Buffer {
    return this.seal(chunk.bytes, segmentContext(ref.projectId, ref.sessionId, ref.seq));
  }

  private seal(plain: Buffer, context: string): Buffer {
    return this.cipher ? this.cipher.seal(plain, context) : plain;
  }

  /**
   * The events of each segment, in the order given. Adjacent segments of one object are
   * fetched with a single ranged GET; up to 8 requests run at once.
   */
  async readSegments(refs: SegmentRef[]): Promise<ReplayEvent[][]> {
    const runs: { key: string; start: number; end: number | null; members: number[] }[] = [];
    refs.forEach((r, i) => {
      const last = runs[runs.length - 1];
      if (r.offset === null || r.length === null) {
        runs.push({ key: r.key, start: 0, end: null, members: [i] });
      } else if (last && last.key === r.key && last.end !== null && last.end === r.offset) {
        last.end = r.offset + r.length;
        last.members.push(i);
      } else {
        runs.push({ key: r.key, start: r.offset, end: r.offset + r.length, members: [i] });
      }
    });
    const out: ReplayEvent[][] = new Array(refs.length);
    let next = 0;
    const worker = async () => {
      while (next < runs.length) {
        const run = runs[next++]!;
        const bytes = await this.store.get(run.key, run.end === null ? undefined : { start: run.start, end: run.end });
        for (const i of run.members) {
          const r = refs[i]!;
          const seg =
            r.offset === null || r.length === null ? bytes : bytes.subarray(r.offset - run.start, r.offset - run.start + r.length);
          const label = r.offset === null ? r.key : `${r.key}@${r.offset}`;
          const plain = openStoredChunk(this.cipher, seg, segmentContext(r.projectId, r.sessionId, r.seq), label);
          out[i] = decodeChunk(plain, r.format);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, runs.length) }, worker));
    return out;
  }

  /**
   * Packs whole-object batches of one session (sorted by seq) into pack objects of at most
   * `maxPackBytes`. Per pack: store it durably, `commit` the new (key, offset, length) of every
   * batch in one metadata transaction (it returns false when a row no longer points at its old
   * object, e.g. the session was erased meanwhile), then delete the small objects. A crash
   * leaves only orphans (a pack nobody references, or small objects nobody references), which
   * gc removes. Segments are copied as stored; plaintext ones are sealed and ones under an old
   * key are re-sealed with the active key when a cipher is configured.
   * Segments in shared ingest packs are copied out the same way (one ranged GET each); a shared
   * pack is deleted once `referenced` says no row names it any more, else left to the others.
   */
  async compact(input: {
    segments: SegmentRef[];
    commit(pack: { key: string; segments: PackedSegment[] }): Promise<boolean>;
    /** The keys among `keys` some row still names (shared packs are deleted only when none does). */
    referenced?(keys: string[]): Promise<Set<string>>;
    maxPackBytes?: number;
  }): Promise<CompactResult> {
    const maxPackBytes = input.maxPackBytes ?? DEFAULT_MAX_PACK_BYTES;
    const whole = input.segments.filter((s) => s.offset === null || isSharedPackKey(s.key)).sort((a, b) => a.seq - b.seq);
    const result: CompactResult = { packs: [], packedBatches: 0, inPlace: 0, deletedObjects: 0 };
    let group: { ref: SegmentRef; bytes: Buffer; resealed: boolean }[] = [];
    let size = 0;
    const flush = async (): Promise<boolean> => {
      const items = group;
      group = [];
      size = 0;
      if (items.length === 0) return true;
      if (items.length === 1 && !items[0]!.resealed && items[0]!.ref.offset === null) {
        // A lone object gains nothing from a copy: its row just gets an explicit range, so it
        // is no longer a compaction candidate.
        const { ref, bytes } = items[0]!;
        const seg = { seq: ref.seq, oldKey: ref.key, oldOffset: null, offset: 0, length: bytes.length };
        if (!(await input.commit({ key: ref.key, segments: [seg] }))) return false;
        result.inPlace++;
        return true;
      }
      const segs: PackedSegment[] = [];
      let offset = 0;
      for (const { ref, bytes } of items) {
        segs.push({ seq: ref.seq, oldKey: ref.key, oldOffset: ref.offset, offset, length: bytes.length });
        offset += bytes.length;
      }
      const first = items[0]!.ref;
      const key = packKey(first.projectId, first.sessionId, first.seq, items[items.length - 1]!.ref.seq);
      await this.store.put(
        key,
        Buffer.concat(
          items.map((x) => x.bytes),
          offset,
        ),
      );
      let committed: boolean;
      try {
        committed = await input.commit({ key, segments: segs });
      } catch (err) {
        await this.store.delete([key]).catch(() => undefined);
        throw err;
      }
      if (!committed) {
        // The rows changed under us (erased, or compacted by another process): leave everything.
        await this.store.delete([key]).catch(() => undefined);
        return false;
      }
      result.packs.push({ key, segments: segs });
      result.packedBatches += segs.length;
      const old = [...new Set(segs.map((x) => x.oldKey))];
      const shared = old.filter(isSharedPackKey);
      const used = shared.length > 0 && input.referenced ? await input.referenced(shared).catch(() => new Set(shared)) : new Set(shared);
      const gone = old.filter((k) => !used.has(k));
      await this.store.delete(gone).then(
        () => {
          result.deletedObjects += gone.length;
        },
        () => undefined, // left for gc
      );
      return true;
    };
    for (const ref of whole) {
      let stored: Buffer;
      try {
        stored = await this.store.get(
          ref.key,
          ref.offset === null || ref.length === null ? undefined : { start: ref.offset, end: ref.offset + ref.length },
        );
      } catch (err) {
        // Gone: another compaction or an erasure got there first. Pack what we have.
        if (!isChunkNotFound(err)) throw err;
        await flush();
        return result;
      }
      const bytes = this.reseal(stored, ref);
      if (group.length > 0 && size + bytes.length > maxPackBytes && !(await flush())) return result;
      group.push({ ref, bytes, resealed: bytes !== stored });
      size += bytes.length;
    }
    await flush();
    return result;
  }

  private reseal(stored: Buffer, s: SegmentRef): Buffer {
    if (!this.cipher) return stored;
    if (isEncrypted(stored) && envelopeKeyId(stored) === this.cipher.activeKeyId) return stored;
    if (isEncrypted(stored) && !this.cipher.keyIds.includes(envelopeKeyId(stored)!)) return stored;
    const context = segmentContext(s.projectId, s.sessionId, s.seq);
    return this.cipher.seal(openStoredChunk(this.cipher, stored, context, s.key), context);
  }

  /**
   * Deletes objects in the chunk layout that are older than `olderThanMs` and that no batch
   * references (`referenced` gets up to 500 keys and returns those the metadata store uses).
   */
  async gc(input: {
    referenced(keys: string[]): Promise<Set<string>>;
    olderThanMs?: number;
    now?: number;
    dryRun?: boolean;
    prefix?: string;
  }): Promise<GcResult> {
    const cutoff = (input.now ?? Date.now()) - (input.olderThanMs ?? DEFAULT_ORPHAN_AGE_MS);
    const result: GcResult = { scanned: 0, deleted: [] };
    let pending: string[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const used = await input.referenced(pending);
      const orphans = pending.filter((k) => !used.has(k));
      pending = [];
      if (orphans.length === 0) return;
      if (!input.dryRun) await this.store.delete(orphans);
      result.deleted.push(...orphans);
    };
    for await (const o of this.store.list(input.prefix ?? '')) {
      result.scanned++;
      if (o.lastModified > cutoff || !isChunkKey(o.key)) continue;
      pending.push(o.key);
      if (pending.length >= 500) await flush();
    }
    await flush();
    return result;
  }
}
