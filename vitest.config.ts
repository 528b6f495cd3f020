import { defineConfig } from 'vitest/config';

// One run covers unit, integration (real SQLite, real HTTP) and browser tests
// (Debian's headless Chromium). Two workers: the machine has two cores.
// The storage and API suite runs twice: SQLite + local files (`default`), and PostgreSQL +
// S3 (`postgres`: REPRISE_TEST_BACKEND=postgres, see packages/server/test/backend.ts).
// `--project default` or `--project postgres` runs one of them.
// Not isolated: a worker process runs file after file and keeps its module cache, so the server
// app, Fastify, pg, the AWS SDK and playwright-core load once per worker, not once per file
// (isolated, loading them was the largest cost of the run: 12 server files side by side on the
// same machine took 1424 s isolated, 917 s not, import time 1344 s → 366 s). It holds because
// tests keep no state outside what they create and close: no module mocks, fake timers or
// environment changes (vitest restores spies between files), each file opens its own servers,
// stores and browser. A test must not rely on a module being evaluated afresh for its file.
/** How the tests run, shared with vitest.unit.config.ts. */
// expect.poll waits up to 10 s, not vitest's 1 s: what it waits for (a lazy chunk, a Worker, an upload)
// is fast alone but can take over a second on CI's loaded two cores.
export const runner = {
  pool: 'forks',
  isolate: false,
  maxWorkers: 2,
  testTimeout: 60_000,
  hookTimeout: 60_000,
  expect: { poll: { timeout: 10_000 } },
} as const;

export default defineConfig({
  test: {
    ...runner,
    // A real S3 server (OpenStack Swift + s3api, scripts/s3) for the chunk-store tests, and a
    // migrated template database on the local PostgreSQL for the PostgreSQL tests (a throwaway
    // cluster from scripts/pg when none answers).
    globalSetup: ['packages/server/test/s3-global-setup.ts', 'packages/server/test/pg-global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'default',
          include: ['packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: ['e2e/fidelity/**'],
        },
      },
      {
        extends: true,
        test: {
          // Framework apps (examples/todo-apps) recorded and replayed, compared in text, state and
          // pixels; writes test-results/fidelity.json.
          name: 'fidelity',
          include: ['e2e/fidelity/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['packages/server/test/**/*.test.ts'],
          exclude: [
            // Pure functions: nothing to do with storage.
            'packages/server/test/query-parse.test.ts',
            'packages/server/test/normalize.test.ts',
            'packages/server/test/digest-actions.test.ts',
            'packages/server/test/digest-keys.test.ts',
            'packages/server/test/issue-fingerprint.test.ts',
            'packages/server/test/parse-stack.test.ts',
            'packages/server/test/otlp-redact.test.ts',
            // The HTTP layer and the decode threads, the same whatever stores the rows.
            'packages/server/test/csrf.test.ts',
            'packages/server/test/security-headers.test.ts',
            'packages/server/test/slow-clients.test.ts',
            'packages/server/test/decode-pool.test.ts',
            // A transformation of the events the store returns; the events API is tested on both.
            'packages/server/test/playwright-export.test.ts',
            // Tests of the chunk layer and of SqliteStore itself (they construct SqliteStore).
            'packages/server/test/chunks.test.ts',
            'packages/server/test/transfer.test.ts',
            // PostgreSQL-only already: they run once, in the default project.
            'packages/server/test/multi-instance.test.ts',
            'packages/server/test/pg-store.test.ts',
            'packages/server/test/pg-ingest-packing.test.ts',
            'packages/server/test/pg-pack-rows.test.ts',
            // Starts a vitest run of its own against a dead PostgreSQL address.
            'packages/server/test/pg-throwaway.test.ts',
            // The CLI's dispatch, on SQLite by nature (the SQLite WAL tells a closed store).
            'packages/server/test/cli.test.ts',
            // SQLite → PostgreSQL + S3 by nature: runs once, in the default project.
            'packages/server/test/migrate-store.test.ts',
          ],
          env: { REPRISE_TEST_BACKEND: 'postgres' },
        },
      },
    ],
  },
});
