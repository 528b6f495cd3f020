#!/usr/bin/env node
// The `reprise` command (package.json "bin": dist/cli.js). The commands are in cli/commands/.
import { runCli } from './cli/dispatch.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
