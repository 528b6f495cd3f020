import type { ServerConfig } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './types.js';

/** Picks the storage backend from configuration; SQLite + local files is the default. */
export function openStore(config: ServerConfig): Store {
  return new SqliteStore(config.dataDir);
}
