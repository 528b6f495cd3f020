import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/** What S3 tests get through `inject('s3')`: the endpoint of the local Swift + s3api, or why it failed. */
export interface S3TestEnv {
  endpoint?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  bucket?: string;
  /** Set when Swift could not be started: S3 tests must fail with it, never skip. */
  error?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3TestEnv;
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BUCKET = 'reprise-test';
/**
 * Serializes swift-start.sh across concurrent vitest runs (several people test at once). Taken
 * with `flock -o` so the lock fd is closed before the script runs: the Swift daemons it starts
 * must not inherit it, or they would hold the lock for as long as they live.
 */
const LOCK = '/tmp/reprise-swift-start.lock';

/**
 * Once per vitest run: makes sure the one-node Swift from scripts/s3 is running (installing it
 * if missing, ~5-8 s to start, instant when already up) and hands its settings to the tests.
 * Swift is left running for the next run. A failure does not stop unrelated tests; the S3 tests
 * fail with the message.
 */
export default async function setup(project: TestProject): Promise<void> {
  const script = path.join(ROOT, 'scripts/s3/swift-start.sh');
  const env: S3TestEnv = await new Promise((resolve) => {
    execFile('flock', ['-o', LOCK, 'bash', script, BUCKET], { cwd: ROOT, timeout: 300_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        // err.message repeats all of stderr; the tail holds the server log and the reason.
        const how = err.killed ? 'timed out' : `exit code ${String(err.code)}`;
        resolve({ error: `scripts/s3/swift-start.sh failed (${how}):\n${String(stderr).slice(-4000)}` });
        return;
      }
      const vars: Record<string, string> = {};
      for (const m of String(stdout).matchAll(/^export (REPRISE_S3_[A-Z_]+)=(.*)$/gm)) vars[m[1]!] = unquote(m[2]!);
      resolve({
        endpoint: vars.REPRISE_S3_ENDPOINT,
        region: vars.REPRISE_S3_REGION,
        accessKeyId: vars.REPRISE_S3_ACCESS_KEY_ID,
        secretAccessKey: vars.REPRISE_S3_SECRET_ACCESS_KEY,
        bucket: vars.REPRISE_S3_BUCKET,
        error: vars.REPRISE_S3_ENDPOINT ? undefined : `swift-start.sh printed no endpoint:\n${String(stdout)}`,
      });
    });
  });
  project.provide('s3', env);
}

/** Undoes bash `printf %q` for the simple values swift-start.sh prints. */
function unquote(v: string): string {
  if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return v.replace(/\\(.)/g, '$1');
}
