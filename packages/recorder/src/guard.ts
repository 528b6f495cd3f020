/**
 * The recorder runs inside someone else's page: nothing it does may throw into
 * the host. Every callback we hand to the browser goes through `Guard`, which
 * swallows and counts errors instead.
 */
export class Guard {
  errors = 0;

  constructor(private readonly debug: boolean) {}

  report(err: unknown): void {
    this.errors++;
    if (this.debug) debugLog('internal error (swallowed)', err);
  }

  /** Runs `fn` now; returns undefined if it threw. */
  run<R>(fn: () => R): R | undefined {
    try {
      return fn();
    } catch (err) {
      this.report(err);
      return undefined;
    }
  }

  /** Wraps a callback so it never throws to its caller (event listeners, rrweb emit, timers). */
  wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
    return (...args: A) => {
      try {
        return fn(...args);
      } catch (err) {
        this.report(err);
        return undefined;
      }
    };
  }

  /** Attaches a rejection handler so no recorder promise ever becomes an unhandled rejection. */
  swallow(p: Promise<unknown>): void {
    p.then(undefined, (err: unknown) => this.report(err));
  }
}

// Captured at load so a page (or our own future console capture) patching console doesn't loop back.
const nativeDebug: ((...a: unknown[]) => void) | undefined =
  typeof console !== 'undefined' && typeof console.debug === 'function' ? console.debug.bind(console) : undefined;

export function debugLog(...args: unknown[]): void {
  try {
    nativeDebug?.('[reprise]', ...args);
  } catch {
    /* console unavailable: nothing to do */
  }
}
