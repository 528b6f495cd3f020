import type { CliCommand } from '../command.js';
import { chunks, compact } from './chunks.js';
import { exportCommand } from './export.js';
import { exportPlaywrightCommand } from './export-playwright.js';
import { importCommand } from './import.js';
import { linkCreate } from './link.js';
import { mcp } from './mcp.js';
import { migrateStore } from './migrate-store.js';
import { migrate } from './migrate.js';
import { retentionRun } from './retention.js';
import { serve } from './serve.js';
import { sessionsSearch } from './sessions.js';
import { sourcemapsUpload } from './sourcemaps.js';
import { token } from './token.js';
import { usersCreate } from './users.js';

/** Every `reprise` command, in the order of the usage. A new command is a file here and a row. */
export const COMMANDS: readonly CliCommand[] = [
  serve,
  migrate,
  migrateStore,
  usersCreate,
  token,
  linkCreate,
  sessionsSearch,
  retentionRun,
  // Before `export`: `export playwright <id>` is its sub-form.
  exportPlaywrightCommand,
  exportCommand,
  importCommand,
  compact,
  chunks,
  sourcemapsUpload,
  mcp,
];
