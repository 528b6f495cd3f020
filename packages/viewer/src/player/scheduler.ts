/** When the playback controller's work runs: frames and timers, injectable so it runs without a browser. */
export interface Scheduler {
  /** Runs `fn` before the next paint; returns its cancel. */
  frame(fn: () => void): () => void;
  /** Runs `fn` after `ms`; returns its cancel. */
  later(fn: () => void, ms: number): () => void;
}

export const browserScheduler: Scheduler = {
  frame(fn) {
    const id = requestAnimationFrame(fn);
    return () => cancelAnimationFrame(id);
  },
  later(fn, ms) {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
};
