import type { Replayer } from '@rrweb/replay';

declare global {
  interface Window {
    /**
     * Test/debug hook only: the rrweb Replayer of the session currently open in the player,
     * so end-to-end tests and a developer console can inspect it. Not an API.
     */
    __repriseReplayer?: Replayer;
  }
}

export {};
