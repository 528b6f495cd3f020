/**
 * Data shapes of the non-DOM event kinds. The recorder produces them, the server
 * indexes them at ingest, the viewer renders them; all on the session clock (`t`).
 */

/** A console argument or thrown value, serialized as an inspectable tree with caps. */
export type SerializedValue =
  | { type: 'string'; value: string; truncated?: number } // truncated: original length
  | { type: 'number'; value: number | 'NaN' | 'Infinity' | '-Infinity' }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' }
  | { type: 'undefined' }
  | { type: 'bigint'; value: string }
  | { type: 'symbol'; value: string }
  | { type: 'date'; value: string }
  | { type: 'regexp'; value: string }
  | { type: 'function'; name: string }
  | { type: 'error'; name: string; message: string; stack?: string }
  | { type: 'dom'; selector: string; html: string }
  | { type: 'array'; length: number; items: SerializedValue[]; truncated?: number }
  | { type: 'object'; className?: string; entries: [string, SerializedValue][]; truncated?: number }
  | { type: 'map'; size: number; entries: [SerializedValue, SerializedValue][]; truncated?: number }
  | { type: 'set'; size: number; items: SerializedValue[]; truncated?: number }
  | { type: 'circular'; path: string }
  /** Depth or byte cap reached: the value was not descended into. */
  | { type: 'capped'; reason: 'depth' | 'bytes'; className?: string }
  /** Reading the value threw (hostile getter, revoked proxy…). */
  | { type: 'thrown'; message: string };

export type ConsoleLevel =
  | 'log'
  | 'info'
  | 'warn'
  | 'error'
  | 'debug'
  | 'trace'
  | 'table'
  | 'assert'
  | 'dir'
  | 'dirxml'
  | 'count'
  | 'countReset'
  | 'group'
  | 'groupCollapsed'
  | 'groupEnd'
  | 'time'
  | 'timeEnd'
  | 'timeLog'
  | 'clear';

export interface ConsoleData {
  level: ConsoleLevel;
  args: SerializedValue[];
  stack?: string;
}

/** A captured request or response body. */
export interface BodyCapture {
  kind: 'text' | 'json' | 'form' | 'urlencoded' | 'binary' | 'omitted';
  /** Text (possibly cut at the cap) or parsed-and-redacted JSON / form fields. */
  value?: unknown;
  /** Size in bytes when known. */
  size?: number;
  truncated?: boolean;
  /** Why the body is absent (binary, disabled, denied URL, stream…). */
  reason?: string;
}

export interface NetworkData {
  id: string;
  initiator: 'fetch' | 'xhr' | 'beacon';
  method: string;
  url: string;
  /** 0 when no response arrived. */
  status: number;
  statusText?: string;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  requestBody: BodyCapture | null;
  responseBody: BodyCapture | null;
  startedAt: number;
  durationMs: number;
  error?: 'network' | 'abort' | 'timeout';
  errorMessage?: string;
  /** W3C Trace Context the request carried (lowercase hex): the recorder's own, or the app's when it sent one. */
  traceId?: string;
  spanId?: string;
}

export interface ErrorData {
  message: string;
  stack?: string;
  source?: string;
  line?: number;
  column?: number;
  /**
   * uncaught error, unhandled promise rejection, a failed img/script/css load, or an Error passed
   * to console.error (what a framework's error handler does with what it caught).
   */
  origin?: 'error' | 'unhandledrejection' | 'resource' | 'console';
  name?: string;
}

export interface NavData {
  url: string;
  from?: string;
  type: 'load' | 'pushState' | 'replaceState' | 'popstate' | 'hashchange';
}

export interface EnvData {
  userAgent: string;
  browser?: { name?: string; version?: string };
  os?: { name?: string; version?: string };
  device?: { type?: string; vendor?: string; model?: string };
  viewport: { width: number; height: number };
  screen: { width: number; height: number };
  dpr: number;
  timezone?: string;
  language?: string;
  languages?: string[];
  connection?: { effectiveType?: string; downlink?: number; rtt?: number; saveData?: boolean };
  url: string;
  referrer: string;
}

export interface VitalData {
  name: 'LCP' | 'CLS' | 'INP' | 'FCP' | 'TTFB' | 'longtask';
  value: number;
  /** Extra detail, e.g. the LCP element selector or long task attribution. */
  detail?: string;
}

/** Counts kept on every session summary, computed at ingest. */
export interface SessionCounts {
  errors: number;
  consoleErrors: number;
  consoleWarnings: number;
  network4xx: number;
  network5xx: number;
  networkFailed: number;
  /** "Report a problem" submissions (`custom` events of type feedback). */
  feedback: number;
  /** Clicks (from `click` events) and key presses (rrweb input events) in the session. */
  clicks: number;
  keyPresses: number;
  /** Frustration signals computed at ingest (see docs/search.md). */
  rageClicks: number;
  deadClicks: number;
  errorClicks: number;
  /**
   * Backend errors in the traces of the session's recorded requests (OTLP, docs/otlp.md): spans
   * with status error or an exception event, and log records of severity ERROR or worse.
   */
  backendErrors: number;
}

/**
 * A `click` event: what the user clicked, described while the DOM exists, so ingest can
 * index it (rage, dead and error clicks; `clicked:` and `selector:` search) without a DOM.
 * Text is never taken from masked or blocked elements, nor from input values.
 */
export interface ClickData {
  /** A stable CSS selector: #id, [data-testid], or a tag/class path with :nth-of-type. */
  selector: string;
  /** Visible text, aria-label, title, alt or associated <label>, trimmed to 100 chars. */
  text?: string;
  /** The element's (or nearest ancestor's) data-testid. */
  testId?: string;
  /** Lowercase tag name of the element that receives the click. */
  tag: string;
  /** a, button, input, select, textarea, summary, [role=button|link|...], [onclick]. */
  interactive: boolean;
  /** Viewport coordinates, CSS px. */
  x: number;
  y: number;
  /** rrweb mirror id of the target, to highlight it in the replay. */
  nodeId?: number;
  /**
   * Lowercase `type` of an `<input>` target. Ingest needs it to tell buttons and checkboxes
   * (dead-click candidates) from text fields (not candidates: focusing is their response).
   * An input without it is treated as a text field.
   */
  inputType?: string;
  /** True when the target is contenteditable (not a dead-click candidate, like a text field). */
  editable?: boolean;
}

/**
 * `custom` events: SDK calls and widget actions on the timeline.
 * - identify: `Reprise.identify(userId, traits)`; the server keeps the last userId on the session.
 * - tag: `Reprise.tag(key, value)`; the server keeps the session's tags.
 * - event: `Reprise.event(name, data)`, shown on the timeline.
 * - feedback: the "Report a problem" widget; counted per session and marked on the timeline.
 * - stop: the user pressed Stop on the recording badge; nothing follows it.
 * - key: a key press that matters for reproducing the session (see KeyData).
 * - notice: the recorder degraded instead of stopping (see RecorderNotice).
 */
export type CustomData =
  | { type: 'identify'; userId: string; traits?: Record<string, unknown> }
  | { type: 'tag'; key: string; value: string }
  | { type: 'event'; name: string; data?: unknown }
  | { type: 'feedback'; message: string; email?: string }
  | { type: 'stop'; by: 'user' | 'link-expired' | 'app' }
  | KeyData
  | RecorderNotice;

/**
 * The recorder recorded something differently than usual, so the replay may differ from what
 * the user saw around that moment. `mutation-burst`: one DOM change held more mutation
 * records than the recorder's `mutationLimit`; instead of recording them, it took a fresh full
 * snapshot (the rrweb FullSnapshot that follows), so the replay jumps to that state.
 * `console-flood` / `error-flood`: console calls (errors) came faster than the recorder keeps
 * (1,000 at once, then `limit` a second; 200 while the recorder's capture code is still loading);
 * `records` of them, from this time on, were not recorded.
 */
export interface RecorderNotice {
  type: 'notice';
  code: 'mutation-burst' | 'console-flood' | 'error-flood';
  /** Mutation records in the burst; or the console calls (errors) left out. */
  records: number;
  /** The limit it passed: mutationLimit; or the calls (errors) a second recorded in a flood. */
  limit: number;
}

/** Modifier keys held during a key press, in the order Playwright's `press('Control+Shift+K')` writes them. */
export type KeyModifier = 'Control' | 'Alt' | 'Meta' | 'Shift';

/**
 * A key press that matters for reproducing the session (a `custom` event): Enter, Escape, Tab,
 * the arrow keys, Backspace/Delete outside text fields, and shortcuts with Control or Meta
 * outside text fields. Never a character typed into a field; in a password or masked field
 * only Enter, Escape and Tab (and the arrow keys in a masked, non-password field). Typed
 * values are in rrweb's input events, masked as configured.
 */
export interface KeyData {
  type: 'key';
  /** `KeyboardEvent.key` as Playwright names it: `Enter`, `ArrowDown`, `k` (of `Control+k`). */
  key: string;
  /** Modifiers held, when any. */
  mods?: KeyModifier[];
  /** The focused element, described as a click's target is (never its value). */
  target: ClickData;
}

/** Why ingest refused a batch sent with a link token (403 `error` codes). */
export const LINK_ERRORS = ['link_invalid', 'link_expired', 'link_revoked', 'link_used_up'] as const;
export type LinkError = (typeof LINK_ERRORS)[number];
