import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../test-support/chromium.js';
import { startServer, type RunningServer } from './server.js';

export interface E2eHarness {
  server: RunningServer;
  browser: Browser;
}

/** Registers beforeAll/afterAll for an end-to-end file: one Reprise server (with the demo shop) and one Chromium. */
export function useServerAndBrowser(): E2eHarness {
  const h = {} as E2eHarness;
  beforeAll(async () => {
    h.server = await startServer();
    h.browser = await launchChromium();
  });
  afterAll(async () => {
    await h.browser?.close();
    await h.server?.close();
  });
  return h;
}
