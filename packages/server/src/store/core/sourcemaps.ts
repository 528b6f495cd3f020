import { createHash } from 'node:crypto';
import { openStoredChunk, type ChunkCipher } from '../chunks/crypto.js';
import type { ChunkStore } from '../chunks/types.js';
import type { Sql } from './sql.js';

/** One uploaded source map: which minified file of which release it belongs to. */
export interface SourceMapRecord {
  projectId: string;
  release: string;
  /** The minified file's URL, as browsers print it in stacks. */
  url: string;
  /** The map's debug id (`debugId` in the map, `//# debugId=` in the file), lower case; null when it has none. */
  debugId: string | null;
  /** SHA-256 of the map's bytes: its object is `sourcemaps/<projectId>/<hash>`. */
  hash: string;
  bytes: number;
  createdAt: number;
}

interface SourceMapRow {
  project_id: string;
  release: string;
  url: string;
  debug_id: string | null;
  hash: string;
  bytes: number | string;
  created_at: number | string;
}

const toRecord = (r: SourceMapRow): SourceMapRecord => ({
  projectId: r.project_id,
  release: r.release,
  url: r.url,
  debugId: r.debug_id,
  hash: r.hash,
  bytes: Number(r.bytes),
  createdAt: Number(r.created_at),
});

/**
 * Uploaded source maps, the same on both backends: a row per (project, release, minified URL)
 * and the bytes as an object in the chunk store (sealed like chunks when encryption is on),
 * content-addressed per project so re-uploading the same map stores nothing new. Every read
 * names the project: a map of another project is never found.
 */
export class SourceMapIndex {
  constructor(
    private readonly sql: Sql,
    private readonly chunks: ChunkStore,
    private readonly cipher: ChunkCipher | null,
  ) {}

  static key(projectId: string, hash: string): string {
    return `sourcemaps/${projectId}/${hash}`;
  }

  /** Stores the bytes (durable first), then the row; an existing (project, release, url) is replaced. */
  async put(input: { projectId: string; release: string; url: string; debugId: string | null; bytes: Buffer }): Promise<SourceMapRecord> {
    const hash = createHash('sha256').update(input.bytes).digest('hex');
    const key = SourceMapIndex.key(input.projectId, hash);
    await this.putObject(input.projectId, hash, key, input.bytes);
    const previous = await this.get(input.projectId, input.release, input.url);
    const rec: SourceMapRecord = {
      projectId: input.projectId,
      release: input.release,
      url: input.url,
      debugId: input.debugId,
      hash,
      bytes: input.bytes.length,
      createdAt: Date.now(),
    };
    await this.sql.run(
      `INSERT INTO sourcemaps (project_id, release, url, debug_id, hash, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (project_id, release, url) DO UPDATE SET debug_id = excluded.debug_id, hash = excluded.hash,
         bytes = excluded.bytes, created_at = excluded.created_at`,
      [rec.projectId, rec.release, rec.url, rec.debugId, rec.hash, rec.bytes, rec.createdAt],
    );
    if (previous && previous.hash !== hash) await this.dropIfUnused(input.projectId, previous.hash);
    return rec;
  }

  async get(projectId: string, release: string, url: string): Promise<SourceMapRecord | null> {
    const rows = await this.sql.all<SourceMapRow>('SELECT * FROM sourcemaps WHERE project_id = $1 AND release = $2 AND url = $3', [
      projectId,
      release,
      url,
    ]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The project's newest map with this debug id, whatever its release (the id names the build). */
  async getByDebugId(projectId: string, debugId: string): Promise<SourceMapRecord | null> {
    const rows = await this.sql.all<SourceMapRow>(
      'SELECT * FROM sourcemaps WHERE project_id = $1 AND debug_id = $2 ORDER BY created_at DESC LIMIT 1',
      [projectId, debugId.toLowerCase()],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The releases of the project that have a map for this URL (to tell "release mismatch" from "no map"). */
  async releasesForUrl(projectId: string, url: string, limit = 5): Promise<string[]> {
    const rows = await this.sql.all<{ release: string }>(
      'SELECT release FROM sourcemaps WHERE project_id = $1 AND url = $2 ORDER BY created_at DESC LIMIT $3',
      [projectId, url, limit],
    );
    return rows.map((r) => r.release);
  }

  /** A project's maps (of one release, or all), by URL. */
  async list(projectId: string, release?: string): Promise<SourceMapRecord[]> {
    const rows =
      release === undefined
        ? await this.sql.all<SourceMapRow>('SELECT * FROM sourcemaps WHERE project_id = $1 ORDER BY release, url', [projectId])
        : await this.sql.all<SourceMapRow>('SELECT * FROM sourcemaps WHERE project_id = $1 AND release = $2 ORDER BY url', [
            projectId,
            release,
          ]);
    return rows.map(toRecord);
  }

  async readBytes(rec: SourceMapRecord): Promise<Buffer> {
    const key = SourceMapIndex.key(rec.projectId, rec.hash);
    return openStoredChunk(this.cipher, await this.chunks.get(key), key);
  }

  /** Deletes a release's maps (rows, then objects no other row names); returns how many rows. */
  async deleteRelease(projectId: string, release: string): Promise<number> {
    const recs = await this.list(projectId, release);
    const n = await this.sql.run('DELETE FROM sourcemaps WHERE project_id = $1 AND release = $2', [projectId, release]);
    for (const hash of new Set(recs.map((r) => r.hash))) await this.dropIfUnused(projectId, hash);
    return n;
  }

  /** Origins the server may fetch public maps from for this project; null = fetching off. */
  async getFetchOrigins(projectId: string): Promise<string[] | null> {
    const rows = await this.sql.all<{ o: unknown }>('SELECT sourcemap_fetch_origins AS o FROM projects WHERE id = $1', [projectId]);
    const v = rows[0]?.o;
    const list: unknown = typeof v === 'string' ? JSON.parse(v) : v;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : null;
  }

  async setFetchOrigins(projectId: string, origins: string[] | null): Promise<void> {
    await this.sql.run('UPDATE projects SET sourcemap_fetch_origins = $1 WHERE id = $2', [
      origins === null ? null : JSON.stringify(origins),
      projectId,
    ]);
  }

  /** Objects are written once: the same content uploaded again (or at once by two uploads) is already there. */
  private async putObject(projectId: string, hash: string, key: string, bytes: Buffer): Promise<void> {
    const named = await this.sql.all('SELECT 1 FROM sourcemaps WHERE project_id = $1 AND hash = $2 LIMIT 1', [projectId, hash]);
    if (named.length > 0) return;
    try {
      await this.chunks.put(key, this.cipher ? this.cipher.seal(bytes, key) : bytes);
    } catch (err) {
      const there = await this.chunks.get(key).then(
        () => true,
        () => false,
      );
      if (!there) throw err;
    }
  }

  private async dropIfUnused(projectId: string, hash: string): Promise<void> {
    const used = await this.sql.all('SELECT 1 FROM sourcemaps WHERE project_id = $1 AND hash = $2 LIMIT 1', [projectId, hash]);
    if (used.length === 0) await this.chunks.delete([SourceMapIndex.key(projectId, hash)]);
  }
}
