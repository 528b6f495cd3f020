import { open, readdir, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createFileDurably } from '../durable-file.js';
import { assertValidKey, assertValidRange, ChunkNotFoundError } from './errors.js';
import type { ChunkObject, ChunkStore } from './types.js';

/**
 * Chunks as files under `rootDir`, the key being the relative path (`<projectId>/<sessionId>/...`).
 * `put` is the durable write of a new file (createFileDurably: write, fdatasync, directory fsync);
 * `durable: false` skips the syncs for bulk loads. A crash mid-put leaves a partial file under a
 * key no row names (rows commit after put), which orphan cleanup and erasure remove like any
 * other; `list` also returns `.tmp` files of the temp-file writes of earlier versions.
 */
export class LocalChunkStore implements ChunkStore {
  private readonly durable: boolean;

  constructor(
    readonly rootDir: string,
    options: { durable?: boolean } = {},
  ) {
    this.durable = options.durable ?? true;
  }

  private file(key: string): string {
    assertValidKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await createFileDurably(this.file(key), bytes, { sync: this.durable });
  }

  async get(key: string, range?: { start: number; end: number }): Promise<Buffer> {
    const file = this.file(key);
    try {
      if (!range) return await readFile(file);
      assertValidRange(key, range);
      const len = range.end - range.start;
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.allocUnsafe(len);
        let got = 0;
        while (got < len) {
          const { bytesRead } = await fh.read(buf, got, len - got, range.start + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        if (got !== len) throw new Error(`short read of ${key}: [${range.start}, ${range.end}) but the object ends first`);
        return buf;
      } finally {
        await fh.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ChunkNotFoundError(key);
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const file = this.file(key);
      try {
        await unlink(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      dirs.add(path.dirname(file));
    }
    // Best effort: drop directories the deletes emptied, up to (not including) the root.
    const root = path.resolve(this.rootDir);
    for (const start of dirs) {
      for (let dir = path.resolve(start); dir.startsWith(root + path.sep); dir = path.dirname(dir)) {
        try {
          await rmdir(dir);
        } catch {
          break; // not empty (or gone): its parents are not empty either
        }
      }
    }
  }

  async *list(prefix: string): AsyncIterable<ChunkObject> {
    // Walk from the deepest directory the prefix names, then filter on the full prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    if (dirKey) assertValidKey(dirKey);
    yield* this.walk(dirKey, prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncGenerator<ChunkObject> {
    const dir = dirKey ? path.join(this.rootDir, ...dirKey.split('/')) : this.rootDir;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const key = dirKey ? `${dirKey}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // Descend only where keys can still match the prefix.
        if (key.startsWith(prefix) || prefix.startsWith(key + '/')) yield* this.walk(key, prefix);
      } else if (e.isFile() && key.startsWith(prefix)) {
        let st;
        try {
          st = await stat(path.join(dir, e.name));
        } catch {
          continue; // deleted meanwhile
        }
        yield { key, size: st.size, lastModified: st.mtimeMs };
      }
    }
  }

  async close(): Promise<void> {}
}
