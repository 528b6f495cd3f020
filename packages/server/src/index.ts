export { buildApp, type AppOptions } from './app.js';
export { loadConfig, type ServerConfig } from './config.js';
export { bootstrap } from './bootstrap.js';
export { openStore } from './store/open.js';
export { SqliteStore } from './store/sqlite/sqlite-store.js';
export type { Store, Project, User } from './store/types.js';
