import { defineConfig } from 'vitest/config';

// One run covers unit, integration (real SQLite, real HTTP) and browser tests
// (Debian's headless Chromium). Two workers: the machine has two cores.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts', 'bench/test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
