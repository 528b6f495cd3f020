import path from 'node:path';
import type { ServerConfig } from '../config.js';
import { ChunkCipher } from './chunks/crypto.js';
import { LocalChunkStore } from './chunks/local.js';
import { S3ChunkStore } from './chunks/s3.js';
import type { ChunkStore } from './chunks/types.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

/**
 * Picks the storage backend from configuration: PostgreSQL when REPRISE_DATABASE_URL is set
 * (with the S3 bucket of REPRISE_S3_* for chunks, or local files for a single instance),
 * else SQLite + local files. PostgreSQL migrates at open unless REPRISE_AUTO_MIGRATE=0
 * (then a schema older than the code refuses to open: run `reprise migrate`).
 */
export async function openStore(config: ServerConfig, opts: { migrate?: boolean; log?: (msg: string) => void } = {}): Promise<Store> {
  if (config.databaseUrl) {
    // Loaded only when configured: the SQLite setup (and its CLI commands) never pays for pg.
    const { PgStore } = await import('./postgres/pg-store.js');
    return PgStore.open({
      url: config.databaseUrl,
      chunks: openChunkStore(config),
      cipher: openCipher(config),
      // Packing saves requests to a bucket; local files (one instance) keep one file per batch.
      pack: config.s3 ? config.ingestPack : null,
      migrate: opts.migrate ?? config.autoMigrate,
      log: opts.log,
    });
  }
  return new SqliteStore(config.dataDir, { chunks: openChunkStore(config), cipher: openCipher(config), ingestPacks: packsFreed(config) });
}

/**
 * Whether the single SQLite instance may pack many sessions' batches into one file: only while it
 * runs chunk maintenance. Compaction copies sessions out of a pack, so a deleted session's bytes
 * go once the others' are out; with maintenance off (REPRISE_COMPACT_AFTER_MINUTES=0) nothing
 * would ever do that. (PostgreSQL + S3 instances pack either way: any one of them may run the
 * maintenance for all.)
 */
function packsFreed(config: ServerConfig): boolean {
  return config.compactAfterMinutes > 0;
}

/** Where event chunks live: the S3 bucket when REPRISE_S3_BUCKET is set, else `<dataDir>/chunks`. */
export function openChunkStore(config: ServerConfig, opts: { durable?: boolean } = {}): ChunkStore {
  if (config.s3) return new S3ChunkStore(config.s3);
  return new LocalChunkStore(path.join(config.dataDir, 'chunks'), opts);
}

/** The REPRISE_ENCRYPTION_KEY cipher, or null for plaintext chunks. */
export function openCipher(config: ServerConfig): ChunkCipher | null {
  return config.encryptionKeys ? new ChunkCipher(config.encryptionKeys) : null;
}
