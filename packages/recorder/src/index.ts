/**
 * Reprise browser SDK.
 *
 *   import { init } from '@reprise/recorder';
 *   const reprise = init({ projectKey: 'pk_...', endpoint: 'https://replay.example.com' });
 */
import { debugLog } from './guard.js';
import { resolveOptions, type RecorderOptions } from './options.js';
import { Recorder, type RecorderStats } from './recorder.js';

export type { CaptureToggles, RecorderOptions } from './options.js';
export type { RecorderStats } from './recorder.js';
export type { CompressionMode } from './transport/compress.js';
export type { EventSink } from './sink.js';
export { isOwnRequest } from './transport/own-request.js';
export { SDK_VERSION } from './version.js';

export interface RecorderHandle {
  /** Stops capturing, uploads what is pending and removes every listener. init() may be called again. */
  stop(): void;
  /** Uploads pending events now. Resolves when delivered or when an attempt fails; never rejects. */
  flush(): Promise<void>;
  /** Current session id, or null when this page is not recording. */
  getSessionId(): string | null;
  stats(): RecorderStats;
}

// On window under a registered symbol so the script-tag build and an ESM copy on the same page share one recorder.
const HANDLE_KEY = Symbol.for('reprise.recorder.handle');
type HandleHolder = { [HANDLE_KEY]?: RecorderHandle };

function emptyStats(): RecorderStats {
  return {
    recording: false,
    eventsCaptured: 0,
    eventsDropped: 0,
    batchesSent: 0,
    batchesFailed: 0,
    batchesDropped: 0,
    retries: 0,
    internalErrors: 0,
    queuedBytes: 0,
    compression: 'none',
  };
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** A handle that does nothing: bad options, no DOM (SSR), or a failure while starting. */
function inertHandle(): RecorderHandle {
  return { stop() {}, flush: () => Promise.resolve(), getSessionId: () => null, stats: emptyStats };
}

/** Starts recording this page. Calling it again returns the running recorder's handle. Never throws. */
export function init(options: RecorderOptions): RecorderHandle {
  try {
    if (typeof window === 'undefined' || typeof document === 'undefined') return inertHandle();
    const holder = window as unknown as HandleHolder;
    const existing = holder[HANDLE_KEY];
    if (existing) return existing;
    const resolved = resolveOptions(options);
    if (typeof resolved === 'string') {
      // A configuration mistake the developer needs to see, even without debug.
      console.warn(`[reprise] not recording: ${resolved}`);
      return inertHandle();
    }
    const rec = new Recorder(resolved);
    // Handle methods are called by host code: they must not throw either.
    const handle: RecorderHandle = {
      stop() {
        if (holder[HANDLE_KEY] === handle) delete holder[HANDLE_KEY];
        safe(() => rec.stop(), undefined);
      },
      flush: () => safe(() => rec.flush(), Promise.resolve()),
      getSessionId: () => safe(() => rec.sessionId, null),
      stats: () => safe(() => rec.stats(), emptyStats()),
    };
    holder[HANDLE_KEY] = handle;
    return handle;
  } catch (err) {
    debugLog('init failed', err);
    return inertHandle();
  }
}
