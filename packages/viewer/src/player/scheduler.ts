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

/** Resolves once the next frame is painted: at once in a hidden page (it paints none), else after 1 s at the latest. */
export function afterNextPaint(): Promise<void> {
  if (document.visibilityState === 'hidden') return Promise.resolve();
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 1000);
  });
}
