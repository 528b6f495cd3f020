import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A port that nothing listens on: the kernel's pick, released again. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('PostgreSQL for the tests when none answers', () => {
  it('a vitest run pointed at a dead port starts a throwaway cluster, runs a PostgreSQL test file on it, then stops it and removes its folder', async () => {
    const asked = `postgres://postgres@127.0.0.1:${await deadPort()}/postgres`;
    // A whole vitest run of its own, as `npm test` would start it, on one real PostgreSQL test file.
    const env: Record<string, string | undefined> = {
      ...process.env,
      REPRISE_TEST_PG_URL: asked,
      REPRISE_BENCH_PG_URL: undefined,
      REPRISE_TEST_BACKEND: undefined,
    };
    for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k === 'TEST') delete env[k];
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          path.join(ROOT, 'node_modules/vitest/vitest.mjs'),
          'run',
          '--project',
          'default',
          'packages/server/test/pg-store.test.ts',
          '-t',
          'monthly partitions',
        ],
        { cwd: ROOT, env, timeout: 300_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}\n${stderr}` }),
      );
    });
    expect(run.out).toContain(`nothing answers at ${asked}: the tests use a throwaway cluster`);
    const ready = /throwaway PostgreSQL \(.*\) ready at 127\.0\.0\.1:(\d+) in \d+ms, folder (\S+)/.exec(run.out);
    expect(ready, run.out).not.toBeNull();
    const [, port, dir] = ready!;
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/Tests\s+.*1 passed/);
    expect(run.out).not.toMatch(/\d+ failed/);
    // Stopped at the end of the run, and its folder removed.
    expect(run.out).toContain(`pg-stop: stopped the cluster at ${dir}`);
    expect(existsSync(dir!)).toBe(false);
    const after = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 5000 });
    await expect(after.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await after.end().catch(() => undefined);
  }, 360_000);
});
