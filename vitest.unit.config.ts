import { defineConfig } from 'vitest/config';
import { runner } from './vitest.config.js';

// `npm run test:unit`: the fast inner loop, the tests that need no Chromium, no PostgreSQL and
// no object store (pure functions, the recorder's and viewer's logic, the server on SQLite +
// local files through real HTTP). No globalSetup: nothing to start. It reads the built SDK and
// viewer (security-headers serves them), so `npm run build` once first. `npm test` runs all.
export default defineConfig({
  test: {
    ...runner,
    include: ['packages/*/test/**/*.test.ts'],
    exclude: [
      // Chromium: the recorder in a real page, the viewer's replay in one.
      'packages/recorder/test/**/*.browser.test.ts',
      'packages/viewer/test/replay-integrity.test.ts',
      // PostgreSQL.
      'packages/server/test/pg-store.test.ts',
      'packages/server/test/multi-instance.test.ts',
      'packages/server/test/migrate-store.test.ts',
      'packages/server/test/pg-throwaway.test.ts',
      // S3 (Swift).
      'packages/server/test/chunks.test.ts',
    ],
    // e2e/ (Chromium) and bench/test (benchmark smoke runs, PostgreSQL and Chromium) are left out whole.
  },
});
