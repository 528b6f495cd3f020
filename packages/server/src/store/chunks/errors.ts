/** `get` of a key that does not exist (never written, deleted, or replaced by compaction). */
export class ChunkNotFoundError extends Error {
  readonly code = 'CHUNK_NOT_FOUND';
  constructor(readonly key: string) {
    super(`chunk object not found: ${key}`);
    this.name = 'ChunkNotFoundError';
  }
}

export function isChunkNotFound(err: unknown): err is ChunkNotFoundError {
  return err instanceof ChunkNotFoundError;
}

/**
 * Keys are '/'-separated relative names: no empty, `.` or `..` segment, no backslash or NUL,
 * so a key can never escape a local root directory or an S3 prefix.
 */
export function assertValidKey(key: string): void {
  if (!key || key.length > 900 || /[\\\0]/.test(key) || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`invalid chunk key ${JSON.stringify(key)}`);
  }
}

export function assertValidRange(key: string, range: { start: number; end: number }): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new Error(`invalid byte range [${start}, ${end}) for ${key}`);
  }
}
