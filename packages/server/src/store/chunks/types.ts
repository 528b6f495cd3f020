/**
 * Where immutable event chunks live: local files for the embedded store, an S3-compatible
 * bucket for scale-out. Metadata stores (SQLite, PostgreSQL) keep only keys and byte ranges.
 * Keys are '/'-separated and start with `<projectId>/<sessionId>/`, so lifecycle rules and
 * erasure can address a project or a session by prefix.
 */
export interface ChunkStore {
  /** Resolves only once the object is durable; a key is written once and never changed. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The whole object, or `[start, end)` of it (packed objects hold several batches). */
  get(key: string, range?: { start: number; end: number }): Promise<Buffer>;
  /** Deleting a missing key is not an error. */
  delete(keys: string[]): Promise<void>;
  /** Every object under a prefix (orphan cleanup, erasure, migration). */
  list(prefix: string): AsyncIterable<ChunkObject>;
  close(): Promise<void>;
}

export interface ChunkObject {
  key: string;
  size: number;
  /** Epoch ms. */
  lastModified: number;
}
