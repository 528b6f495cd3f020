/**
 * Reprise browser SDK.
 *
 *   import { init } from '@reprise/recorder';
 *   const reprise = init({ projectKey: 'pk_...', endpoint: 'https://replay.example.com' });
 *
 * or only for tabs opened through a support link:
 *
 *   initOnDemand({ projectKey: 'pk_...', endpoint: 'https://replay.example.com' });
 */
import { zeroCounters } from './transport/transport.js';
import { debugLog } from './guard.js';
import { activeLink } from './link.js';
import { normalizeEndpoint, resolveOptions, type RecorderOptions, type ResolvedOptions } from './options.js';
import { isFramed } from './dom/frames.js';
import { initInFrame } from './frame-child.js';
import { Recorder, type RecorderStats } from './recorder.js';
import { toJson } from './json.js';

export type { BufferTrigger, CanvasFrameType, CaptureToggles, RecorderOptions, RecordingMode } from './options.js';
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
  /** Viewer link `<endpoint>/sessions/<id>?t=<seconds from session start>` for `atTime` (default now); null when not recording. */
  getSessionUrl(atTime?: Date | number): string | null;
  /** Associates the session with a user of your app (custom `identify` event). */
  identify(userId: string, traits?: Record<string, unknown>): void;
  /** Adds a searchable key/value to the session (custom `tag` event). */
  tag(key: string, value: string | number | boolean): void;
  /** Puts a named event of your app on the timeline (custom `event` event). */
  event(name: string, data?: unknown): void;
  stats(): RecorderStats;
}

// On window under a registered symbol so the script-tag build and an ESM copy on the same page share one recorder.
const HANDLE_KEY = Symbol.for('reprise.recorder.handle');
type HandleHolder = { [HANDLE_KEY]?: RecorderHandle };

function emptyStats(): RecorderStats {
  return {
    recording: false,
    ...zeroCounters(),
    internalErrors: 0,
    queuedBytes: 0,
    bufferedBytes: 0,
    initialSnapshot: null,
    compression: 'none',
    uploadStopped: null,
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
  return {
    stop() {},
    flush: () => Promise.resolve(),
    getSessionId: () => null,
    getSessionUrl: () => null,
    identify() {},
    tag() {},
    event() {},
    stats: emptyStats,
  };
}

const MAX_NAME = 200;
const MAX_VALUE = 2000;

/** Host data for custom events: JSON-safe and bounded, or undefined. */
function plain(v: unknown): unknown {
  if (v === undefined) return undefined;
  try {
    const json = toJson(v);
    if (typeof json !== 'string' || json.length > 16 * 1024) return undefined;
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

function text(v: unknown, max: number): string {
  return String(v).slice(0, max);
}

// The options of the last init(), so start() can resume after stop().
let lastOptions: RecorderOptions | null = null;

/** Starts recording this page. Calling it again returns the running recorder's handle. Never throws. */
export function init(options: RecorderOptions): RecorderHandle {
  try {
    if (typeof window === 'undefined' || typeof document === 'undefined') return inertHandle();
    const holder = window as unknown as HandleHolder;
    const existing = holder[HANDLE_KEY];
    if (existing) return existing;
    if (options && typeof options === 'object' && options.mode === 'on-demand' && options.link === undefined) return initOnDemand(options);
    lastOptions = options;
    const resolved = resolveOptions(options);
    if (typeof resolved === 'string') {
      // A configuration mistake the developer needs to see, even without debug.
      console.warn(`[reprise] not recording: ${resolved}`);
      return inertHandle();
    }
    if (isFramed()) {
      const framed = initInFrame(resolved, () => startRecorder(resolved, holder), inertHandle, emptyStats);
      if (framed) {
        holder[HANDLE_KEY] = framed;
        return framed;
      }
    }
    return startRecorder(resolved, holder);
  } catch (err) {
    debugLog('init failed', err);
    return inertHandle();
  }
}

function startRecorder(resolved: ResolvedOptions, holder: HandleHolder): RecorderHandle {
  try {
    // The recorder may end itself (support link stopped or refused): then init() starts afresh.
    let self: RecorderHandle | undefined;
    const release = (): void => {
      if (self && holder[HANDLE_KEY] === self) delete holder[HANDLE_KEY];
    };
    const rec = new Recorder(resolved, release);
    // Handle methods are called by host code: they must not throw either.
    const handle: RecorderHandle = {
      stop() {
        release();
        safe(() => rec.stop(), undefined);
      },
      flush: () => safe(() => rec.flush(), Promise.resolve()),
      getSessionId: () => safe(() => rec.sessionId, null),
      getSessionUrl: (atTime) => safe(() => rec.sessionUrl(atTime), null),
      identify(userId, traits) {
        safe(() => {
          if (typeof userId !== 'string' || userId === '') return;
          const t = plain(traits);
          rec.custom({
            type: 'identify',
            userId: text(userId, MAX_NAME),
            ...(t && typeof t === 'object' ? { traits: t as Record<string, unknown> } : {}),
          });
        }, undefined);
      },
      tag(key, value) {
        safe(() => {
          if (typeof key !== 'string' || key === '') return;
          rec.custom({ type: 'tag', key: text(key, MAX_NAME), value: text(value, MAX_VALUE) });
        }, undefined);
      },
      event(name, data) {
        safe(() => {
          if (typeof name !== 'string' || name === '') return;
          const d = plain(data);
          rec.custom({ type: 'event', name: text(name, MAX_NAME), ...(d !== undefined ? { data: d } : {}) });
        }, undefined);
      },
      stats: () => safe(() => rec.stats(), emptyStats()),
    };
    self = handle;
    holder[HANDLE_KEY] = handle;
    return handle;
  } catch (err) {
    debugLog('init failed', err);
    return inertHandle();
  }
}

/**
 * Records only when this tab was opened through a support link (`#reprise_token=…` or
 * `?reprise_token=…`, or a token stored by an earlier page of the tab). Otherwise it
 * does nothing at all and returns an inert handle. Never throws.
 */
export function initOnDemand(options: RecorderOptions): RecorderHandle {
  try {
    if (typeof window === 'undefined' || typeof document === 'undefined') return inertHandle();
    if (!options || typeof options.projectKey !== 'string' || options.projectKey.trim() === '') return init(options);
    const endpoint = normalizeEndpoint(options.endpoint);
    if (!endpoint) return init(options);
    const link = activeLink(options.projectKey.trim(), endpoint);
    if (!link) return inertHandle();
    return init({ ...options, mode: 'always', link: link.token });
  } catch (err) {
    debugLog('initOnDemand failed', err);
    return inertHandle();
  }
}

function current(): RecorderHandle | null {
  if (typeof window === 'undefined') return null;
  return (window as unknown as HandleHolder)[HANDLE_KEY] ?? null;
}

/** Starts again with the options of the last init() after stop(); no-op while recording or before init(). */
export function start(): RecorderHandle {
  return current() ?? (lastOptions ? init(lastOptions) : inertHandle());
}

/** Stops the running recorder (under a support link this ends the link recording for the tab). */
export function stop(): void {
  current()?.stop();
}

/** Uploads pending events now (in buffer mode: uploads the buffer). */
export function flush(): Promise<void> {
  return current()?.flush() ?? Promise.resolve();
}

export function getSessionId(): string | null {
  return current()?.getSessionId() ?? null;
}

export function getSessionUrl(atTime?: Date | number): string | null {
  return current()?.getSessionUrl(atTime) ?? null;
}

export function identify(userId: string, traits?: Record<string, unknown>): void {
  current()?.identify(userId, traits);
}

export function tag(key: string, value: string | number | boolean): void {
  current()?.tag(key, value);
}

export function event(name: string, data?: unknown): void {
  current()?.event(name, data);
}
