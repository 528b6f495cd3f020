import type { AssetMode } from '@reprise/protocol';
import { createHash } from 'node:crypto';
import type { ChunkCipher } from '../store/chunks/crypto.js';
import { openStoredChunk } from '../store/chunks/crypto.js';
import type { ChunkStore } from '../store/chunks/types.js';

/**
 * Captured assets (stylesheets, images, fonts, media a recording loads). Per project, each URL
 * has one row saying what fetching it gave; its bytes are one object per content hash in the
 * chunk store, so identical content under many URLs is stored once. Sessions reference URLs
 * (`session_assets`, removed with the session), and the retention job removes rows no session
 * references and then objects no row names.
 *
 * Row states: `new` (referenced, not fetched yet), `pending` (a fetch is running: claimed),
 * `stored`, `failed` (fetched and refused or broken: served as missing, not retried).
 */
export type AssetStatus = 'new' | 'pending' | 'stored' | 'failed';

export interface AssetRecord {
  projectId: string;
  url: string;
  status: AssetStatus;
  hash: string | null;
  contentType: string | null;
  bytes: number | null;
  error: string | null;
  updatedAt: number;
}

export type AssetResult = { status: 'stored'; hash: string; contentType: string; bytes: number } | { status: 'failed'; error: string };

/** The metadata half of asset capture, implemented by each metadata store (SQLite, PostgreSQL). */
export interface AssetIndex {
  getAssetMode(projectId: string): Promise<AssetMode>;
  setAssetMode(projectId: string, mode: AssetMode): Promise<void>;
  /**
   * Records that a session loads these URLs (of its project). Returns the URLs the project had no
   * row for; they now have one in state `new`.
   */
  referenceAssets(projectId: string, sessionId: string, urls: string[], now: number): Promise<string[]>;
  /**
   * Takes the fetch of one URL: true when its row was `new` (or `pending` since before
   * `staleBefore`: a fetch that died with its process) and is now `pending` for this caller.
   */
  claimAsset(projectId: string, url: string, now: number, staleBefore: number): Promise<boolean>;
  finishAsset(projectId: string, url: string, result: AssetResult, now: number): Promise<void>;
  /** The URL's row, only when this session references it (what a viewer of the session may load). */
  getSessionAsset(sessionId: string, url: string): Promise<AssetRecord | null>;
  /** The rows of the URLs a session references, by URL (at most `limit`). */
  listSessionAssets(sessionId: string, limit: number): Promise<AssetRecord[]>;
  /** True when some row of the project names this content. */
  hasAssetHash(projectId: string, hash: string): Promise<boolean>;
  /**
   * Deletes the rows of URLs no session references any more (changed before `before`), and
   * returns the objects (project, hash) that no row names after that.
   */
  sweepAssets(before: number): Promise<{ rows: number; unreferenced: BlobRef[] }>;
  /** Of these objects, those some row names (`<projectId>/<hash>`). */
  referencedAssetBlobs(refs: BlobRef[]): Promise<Set<string>>;
}

export interface BlobRef {
  projectId: string;
  hash: string;
}

/** A metadata store with asset capture: its index and where the bytes go. */
export interface AssetStore {
  readonly assets: AssetIndex;
  readonly assetBlobs: AssetBlobs;
}

export function hasAssetStore(store: object): store is AssetStore & object {
  const s = store as Partial<AssetStore>;
  return typeof s.assets === 'object' && s.assets !== null && s.assetBlobs instanceof AssetBlobs;
}

const BLOB_KEY = /^assets\/([A-Za-z0-9_-]+)\/([0-9a-f]{64})$/;

export function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Asset bytes in the chunk store: `assets/<projectId>/<sha256>` (outside the batch layout, which
 * chunk gc and compaction never touch), sealed like chunks when encryption is on.
 */
export class AssetBlobs {
  constructor(
    readonly store: ChunkStore,
    readonly cipher: ChunkCipher | null = null,
  ) {}

  static key(ref: BlobRef): string {
    return `assets/${ref.projectId}/${ref.hash}`;
  }

  async put(ref: BlobRef, bytes: Buffer): Promise<void> {
    const key = AssetBlobs.key(ref);
    await this.store.put(key, this.cipher ? this.cipher.seal(bytes, key) : bytes);
  }

  async get(ref: BlobRef): Promise<Buffer> {
    const key = AssetBlobs.key(ref);
    return openStoredChunk(this.cipher, await this.store.get(key), key);
  }

  async delete(refs: BlobRef[]): Promise<void> {
    if (refs.length > 0) await this.store.delete(refs.map(AssetBlobs.key));
  }

  /** Objects under `assets/` older than `before` that no row names (left by a crash between put and row). */
  async gc(index: AssetIndex, before: number): Promise<number> {
    let deleted = 0;
    let pending: BlobRef[] = [];
    const flush = async () => {
      const used = await index.referencedAssetBlobs(pending);
      const orphans = pending.filter((r) => !used.has(`${r.projectId}/${r.hash}`));
      pending = [];
      await this.delete(orphans);
      deleted += orphans.length;
    };
    for await (const o of this.store.list('assets/')) {
      const m = BLOB_KEY.exec(o.key);
      if (!m || o.lastModified >= before) continue;
      pending.push({ projectId: m[1]!, hash: m[2]! });
      if (pending.length >= 500) await flush();
    }
    if (pending.length > 0) await flush();
    return deleted;
  }
}
