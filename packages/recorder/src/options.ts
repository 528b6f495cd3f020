import { LIMITS } from '@reprise/protocol';

export interface RecorderOptions {
  /** Project key from the Reprise server (required). */
  projectKey: string;
  /** Reprise server origin, e.g. "https://replay.example.com" (required for ESM usage). */
  endpoint?: string;
  /** Fraction of sessions to record, 0..1 (default 1). Decided once per session. */
  sampleRate?: number;
  /** The app's release (e.g. a version or commit): stored on the session and its errors, picks the source maps. */
  release?: string;
  /** Mask every input value (default true). Password inputs are always masked. */
  maskAllInputs?: boolean;
  /** Elements to leave out entirely; `[data-reprise-block]` always applies. */
  blockSelector?: string;
  /** Elements whose text is masked; `[data-reprise-mask]` always applies. */
  maskTextSelector?: string;
  /** Upload interval in ms (default 5000). */
  flushIntervalMs?: number;
  /** Cut a batch when its JSON reaches this many bytes (default 512 KiB). */
  maxBatchBytes?: number;
  /** Most unsent data held in memory; beyond it the oldest batches are dropped (default 5 MiB). */
  maxQueueBytes?: number;
  /** Longest wait between upload retries in ms (default 30000). */
  maxRetryDelayMs?: number;
  /** Retries of one batch the server answers 5xx/408/425/429 before it is dropped and counted (default 10). */
  maxRetries?: number;
  /** Full DOM snapshot interval in ms, for seeking in long sessions (default 2 min). */
  checkoutEveryNms?: number;
  /**
   * Most DOM mutation records one change may hold (one MutationObserver callback, default
   * 25,000). A larger burst is not recorded change by change: the recorder takes a fresh full
   * snapshot instead and puts a `notice` on the timeline. Recording never stops because of it.
   */
  mutationLimit?: number;
  /** Log recorder internals to the console. */
  debug?: boolean;
  /** Turn individual capture kinds off (all default to true). */
  capture?: CaptureToggles;
  /** Record request / response bodies of fetch, XHR and sendBeacon (default true). */
  captureBodies?: boolean;
  /** Only record bodies for URLs matching one of these (substring or RegExp). Empty: all URLs. */
  bodyUrlAllow?: Array<string | RegExp>;
  /** Never record bodies for URLs matching one of these (substring or RegExp). */
  bodyUrlDeny?: Array<string | RegExp>;
  /** Largest body kept per request or response, in bytes (default 100 KiB). */
  networkBodyMaxBytes?: number;
  /** Extra body / form / query-parameter keys whose values are redacted (case-insensitive). */
  redactKeys?: string[];
  /** Extra request / response header names that are never recorded (case-insensitive). */
  redactHeaders?: string[];
  /**
   * fetch/XHR URLs that get a W3C `traceparent` header, so backend traces link to the request:
   * origins (`https://api.example.com`), URL prefixes (`https://api.example.com/v2/`, `/api/`)
   * or RegExps tested on the absolute URL. Default: the page's own origin only (a new header on
   * a cross-origin request needs the server's CORS consent). `[]` turns propagation off.
   */
  tracePropagationTargets?: Array<string | RegExp>;
  /**
   * 'always' (default): record every sampled session. 'buffer': keep the last
   * bufferSeconds in memory and upload only on a trigger or flush(). 'on-demand':
   * record only when the tab was opened through a support link (see initOnDemand).
   */
  mode?: RecordingMode;
  /** Support-link token: record under the link (badge, 500 ms uploads, stop on link errors). */
  link?: string;
  /** Buffer mode: seconds of recent activity kept in memory (default 60). */
  bufferSeconds?: number;
  /** Buffer mode: seconds of normal recording after a trigger (default 30). */
  afterErrorSeconds?: number;
  /** Buffer mode: what uploads the buffer (default all three). */
  triggers?: BufferTrigger[];
  /** Buffer mode: most bytes (serialised JSON) kept in memory (default 8 MiB). */
  maxBufferBytes?: number;
  /** Show the "Report a problem" widget (default false). */
  feedback?: boolean;
  /**
   * Canvas content (off by default): `true` records every visible canvas, `'marked'` only
   * canvases carrying a `data-reprise-canvas` attribute. Frames are sampled, not drawn calls.
   */
  recordCanvas?: boolean | 'marked';
  /** Canvas frames per second (default 2, 0.2..30). */
  canvasFps?: number;
  /** Canvas frame quality, 0..1 (default 0.6). */
  canvasQuality?: number;
  /** Canvas frame format: 'image/webp' (default) or 'image/jpeg'. */
  canvasType?: CanvasFrameType;
}

export type CanvasFrameType = 'image/webp' | 'image/jpeg';

/** Canvas recording as resolved: `mode` 'off' records no canvas pixels at all. */
export interface CanvasOptions {
  mode: 'off' | 'all' | 'marked';
  fps: number;
  quality: number;
  type: CanvasFrameType;
}

/** The attribute that opts one canvas in when `recordCanvas` is 'marked'. */
export const CANVAS_MARK_ATTRIBUTE = 'data-reprise-canvas';

export type RecordingMode = 'always' | 'buffer' | 'on-demand';
export type BufferTrigger = 'error' | 'unhandledrejection' | 'console.error';
const TRIGGERS: BufferTrigger[] = ['error', 'unhandledrejection', 'console.error'];

export interface CaptureToggles {
  console?: boolean;
  network?: boolean;
  errors?: boolean;
  nav?: boolean;
  env?: boolean;
  /** Web vitals and long tasks. */
  perf?: boolean;
  /** `click` events describing what was clicked (selector, text, test id). */
  clicks?: boolean;
  /** Key presses that matter for reproduction (Enter, Escape, Tab, arrows, shortcuts); never typed characters. */
  keys?: boolean;
}

export interface ResolvedOptions {
  projectKey: string;
  endpoint: string;
  sampleRate: number;
  /** Trimmed, at most `LIMITS.maxReleaseLength` characters; null when not given. */
  release: string | null;
  maskAllInputs: boolean;
  blockSelector: string;
  maskTextSelector: string;
  flushIntervalMs: number;
  maxBatchBytes: number;
  maxQueueBytes: number;
  maxRetryDelayMs: number;
  maxRetries: number;
  checkoutEveryNms: number;
  mutationLimit: number;
  debug: boolean;
  capture: Required<CaptureToggles>;
  captureBodies: boolean;
  bodyUrlAllow: Array<string | RegExp>;
  bodyUrlDeny: Array<string | RegExp>;
  networkBodyMaxBytes: number;
  redactKeys: string[];
  redactHeaders: string[];
  tracePropagationTargets: Array<string | RegExp>;
  mode: 'always' | 'buffer';
  /** Support-link token, or null when not recording under a link. */
  link: string | null;
  bufferMs: number;
  afterErrorMs: number;
  triggers: BufferTrigger[];
  maxBufferBytes: number;
  feedback: boolean;
  canvas: CanvasOptions;
}

export const DEFAULT_BLOCK_SELECTOR = '[data-reprise-block]';
/** The SDK's own UI hosts (badge, feedback widget): never recorded whatever the user selector says. */
export const UI_BLOCK_SELECTOR = 'reprise-badge, reprise-feedback';
const LINK_TOKEN_RE = /^[A-Za-z0-9_.~-]{1,256}$/;
export const DEFAULT_MASK_TEXT_SELECTOR = '[data-reprise-mask]';

/** Exported for the replay benchmark, which cuts its synthetic session the way the recorder would. */
export const DEFAULTS = {
  sampleRate: 1,
  flushIntervalMs: 5000,
  maxBatchBytes: 512 * 1024,
  maxQueueBytes: 5 * 1024 * 1024,
  maxRetryDelayMs: 30_000,
  maxRetries: 10,
  // A seek to a moment the viewer has not loaded yet reads from the last full snapshot before it:
  // with 2 min instead of 5 such seeks took 205 ms instead of 362 (median, 60-minute synthetic
  // session, bench/replay.ts), for ~14% more upload bytes in that session.
  checkoutEveryNms: 2 * 60 * 1000,
  // rrweb needs ~0.3 s of main-thread time per 20,000 records (bench "10000 elements added, then
  // moved": 20,000 records in its second step, recorded as usual); a full snapshot of the page
  // holds the outcome of a larger burst in a time-sliced pass, and is usually smaller.
  mutationLimit: 25_000,
  networkBodyMaxBytes: 100 * 1024,
};

function patterns(v: unknown): Array<string | RegExp> {
  if (!Array.isArray(v)) return [];
  return v.filter((p): p is string | RegExp => (typeof p === 'string' && p !== '') || p instanceof RegExp).slice(0, 200);
}

function names(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim())
    .slice(0, 200);
}

function toggles(v: unknown): Required<CaptureToggles> {
  const c = (v && typeof v === 'object' ? v : {}) as CaptureToggles;
  return {
    console: c.console !== false,
    network: c.network !== false,
    errors: c.errors !== false,
    nav: c.nav !== false,
    env: c.env !== false,
    perf: c.perf !== false,
    clicks: c.clicks !== false,
    keys: c.keys !== false,
  };
}

// A batch's JSON is kept below the server's compressed limit so it fits even if gzip is unavailable.
const MAX_BATCH_BYTES = LIMITS.maxCompressedBatchBytes - 64 * 1024;

function num(v: unknown, def: number, min: number, max: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return def;
  return Math.min(max, Math.max(min, n));
}

function canvasOptions(o: RecorderOptions): CanvasOptions {
  const mode = o.recordCanvas === true ? 'all' : o.recordCanvas === 'marked' ? 'marked' : 'off';
  return {
    mode,
    fps: num(o.canvasFps, 2, 0.2, 30),
    quality: num(o.canvasQuality, 0.6, 0, 1),
    type: o.canvasType === 'image/jpeg' ? 'image/jpeg' : 'image/webp',
  };
}

function validSelector(sel: string): boolean {
  try {
    document.createDocumentFragment().querySelector(sel);
    return true;
  } catch {
    return false;
  }
}

/** Our default selector always applies; a user selector is added when it parses. */
function withDefault(user: unknown, def: string): string {
  if (typeof user !== 'string' || user.trim() === '' || !validSelector(user)) return def;
  return `${user}, ${def}`;
}

/** The default propagation target: the page's own origin (none on an opaque origin such as file:). */
function pageOrigin(): string[] {
  try {
    const o = location.origin;
    return o && o !== 'null' ? [o] : [];
  } catch {
    return [];
  }
}

/** Server base URL without trailing slash, or null if unusable. */
export function normalizeEndpoint(endpoint: unknown): string | null {
  if (typeof endpoint !== 'string' || endpoint.trim() === '') return null;
  try {
    const u = new URL(endpoint.trim(), location.href);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    return (u.origin + u.pathname).replace(/\/+$/, '');
  } catch {
    return null;
  }
}

/** Validates and fills defaults; returns a reason string when the options can't work. */
export function resolveOptions(o: RecorderOptions): ResolvedOptions | string {
  if (!o || typeof o !== 'object') return 'options object required';
  if (typeof o.projectKey !== 'string' || o.projectKey.trim() === '') return 'projectKey is required';
  const endpoint = normalizeEndpoint(o.endpoint);
  if (!endpoint) return 'endpoint (the Reprise server URL) is required';
  // The memory bound the host asked for wins: batches shrink to half of it so
  // cutting one never has to evict the previous one.
  const maxQueueBytes = num(o.maxQueueBytes, DEFAULTS.maxQueueBytes, 8 * 1024, 256 * 1024 * 1024);
  if (o.link !== undefined && (typeof o.link !== 'string' || !LINK_TOKEN_RE.test(o.link))) return 'link token is malformed';
  const link = typeof o.link === 'string' ? o.link : null;
  // A link records everything: no sampling, no buffering.
  const mode = link === null && o.mode === 'buffer' ? 'buffer' : 'always';
  const bufferMs = num(o.bufferSeconds, 60, 1, 3600) * 1000;
  const triggers = Array.isArray(o.triggers) ? TRIGGERS.filter((t) => o.triggers!.includes(t)) : TRIGGERS.slice();
  const maxBatchBytes = Math.min(num(o.maxBatchBytes, DEFAULTS.maxBatchBytes, 1024, MAX_BATCH_BYTES), Math.floor(maxQueueBytes / 2));
  return {
    projectKey: o.projectKey.trim(),
    endpoint,
    sampleRate: link !== null ? 1 : num(o.sampleRate, DEFAULTS.sampleRate, 0, 1),
    release: releaseName(o.release),
    maskAllInputs: o.maskAllInputs !== false,
    // Our UI hosts carry data-reprise-block and rrweb's rr-block class (ui/host.ts): listing their
    // tags here too would make rrweb match a longer selector on every element it serializes.
    blockSelector: withDefault(o.blockSelector, DEFAULT_BLOCK_SELECTOR),
    maskTextSelector: withDefault(o.maskTextSelector, DEFAULT_MASK_TEXT_SELECTOR),
    // Under a link the support agent watches live: upload at least every 500 ms.
    flushIntervalMs: Math.min(num(o.flushIntervalMs, DEFAULTS.flushIntervalMs, 50, 10 * 60 * 1000), link !== null ? 500 : Infinity),
    maxBatchBytes,
    maxQueueBytes,
    maxRetryDelayMs: num(o.maxRetryDelayMs, DEFAULTS.maxRetryDelayMs, 100, 10 * 60 * 1000),
    maxRetries: Math.round(num(o.maxRetries, DEFAULTS.maxRetries, 0, 1000)),
    // Buffer mode checks out every bufferSeconds/2 so the kept range can start with a full snapshot.
    checkoutEveryNms: mode === 'buffer' ? bufferMs / 2 : num(o.checkoutEveryNms, DEFAULTS.checkoutEveryNms, 10_000, 24 * 60 * 60 * 1000),
    mutationLimit: Math.round(num(o.mutationLimit, DEFAULTS.mutationLimit, 1, 100_000_000)),
    debug: o.debug === true,
    capture: toggles(o.capture),
    captureBodies: o.captureBodies !== false,
    bodyUrlAllow: patterns(o.bodyUrlAllow),
    bodyUrlDeny: patterns(o.bodyUrlDeny),
    networkBodyMaxBytes: num(o.networkBodyMaxBytes, DEFAULTS.networkBodyMaxBytes, 0, 10 * 1024 * 1024),
    redactKeys: names(o.redactKeys),
    redactHeaders: names(o.redactHeaders),
    tracePropagationTargets: o.tracePropagationTargets === undefined ? pageOrigin() : patterns(o.tracePropagationTargets),
    mode,
    link,
    bufferMs,
    afterErrorMs: num(o.afterErrorSeconds, 30, 0, 3600) * 1000,
    triggers,
    maxBufferBytes: num(o.maxBufferBytes, 8 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
    feedback: o.feedback === true,
    canvas: canvasOptions(o),
  };
}

/** A release name as the server takes it: a non-blank string, cut to the protocol's length (never refused: recording goes on). */
function releaseName(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  return v.trim().slice(0, LIMITS.maxReleaseLength);
}
