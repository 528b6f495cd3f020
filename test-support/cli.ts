import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const SERVER = path.join(ROOT, 'packages/server');
const BUILT_CLI = path.join(SERVER, 'dist/cli.js');
// tsc -b rewrites it on every build that changed anything in the server or what it references.
const BUILD_INFO = path.join(SERVER, 'tsconfig.tsbuildinfo');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let fresh = false;

/**
 * The built CLI, which tests spawn instead of `tsx src/cli.ts`: tsx transforms the whole server
 * in every child, seconds of CPU each time. `npm test` builds first; a build older than the
 * sources is refused, so a test never passes on yesterday's code.
 */
export function builtCli(): string {
  if (fresh) return BUILT_CLI;
  const built = statSync(BUILD_INFO, { throwIfNoEntry: false });
  const sources = newestMtime(path.join(SERVER, 'src'));
  if (!built || !statSync(BUILT_CLI, { throwIfNoEntry: false }) || built.mtimeMs < sources) {
    throw new Error('packages/server/dist is missing or older than its sources: run `npm run build -w @reprise/server` first');
  }
  fresh = true;
  return BUILT_CLI;
}

/** Runs `reprise <args>` in a child process from the repository root; rejects on a non-zero exit (with `code`). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [builtCli(), ...args], { cwd: ROOT, env, maxBuffer: 64 << 20 });
}
