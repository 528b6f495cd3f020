import { collectAssetUrls, type ReplayEvent, type SessionCounts, type SerializedValue } from '@reprise/protocol';
import { messageKey, normalizeRoute } from './normalize.js';
import { MAX_TAGS, type ClickRow, type IndexRows, type SearchField, type SignalTimeline } from '../store/index-rows.js';
import { SnapshotScanner } from './snapshots.js';
import { groupingFrame, issueOf } from '../issues/fingerprint.js';
import { parseStack } from '../sourcemaps/parse-stack.js';

/**
 * Input types whose click expects a visible answer. Every other type (text, email, number, date,
 * file, color…) and an input of unknown type is a field the user focuses or a native picker, so its
 * click is not a dead-click candidate; nor are textarea, select and contenteditable.
 */
const BUTTON_LIKE_INPUTS = new Set(['button', 'submit', 'reset', 'image', 'checkbox', 'radio', 'range']);

/** rrweb: EventType.IncrementalSnapshot and its sources. */
const RR_INCREMENTAL = 3;
const RR_MUTATION = 0;
const RR_INPUT = 5;
const RR_ACTIVITY_SOURCES = new Set([1, 2, 3, 5, 6]); // MouseMove, MouseInteraction, Scroll, Input, TouchMove
const PAGE_NAV_TYPES = new Set(['load', 'pushState', 'popstate']);
const NAV_TYPES = new Set(['load', 'pushState', 'replaceState', 'popstate', 'hashchange']);

export const ZERO_COUNTS: SessionCounts = {
  errors: 0,
  consoleErrors: 0,
  consoleWarnings: 0,
  network4xx: 0,
  network5xx: 0,
  networkFailed: 0,
  feedback: 0,
  clicks: 0,
  keyPresses: 0,
  rageClicks: 0,
  deadClicks: 0,
  errorClicks: 0,
  backendErrors: 0,
};

const MAX_TEXT = 2000;

/** Adds one value to a search field (blank ones are skipped). */
type AddSearch = (field: SearchField, v: string | null | undefined) => void;

/** Event data is untrusted: every field is checked, and anything malformed is skipped, not fatal. */
export function extractIndexRows(events: ReplayEvent[], meta?: { url?: string; release?: string }): IndexRows {
  const timeline: SignalTimeline = { responses: [], requests: [], errors: [], activity: [], maxT: null };
  const out: IndexRows = {
    network: [],
    console: [],
    errors: [],
    clicks: [],
    pages: [],
    pageCount: 0,
    search: [],
    timeline,
    counts: { ...ZERO_COUNTS },
    userId: null,
    release: typeof meta?.release === 'string' && meta.release.trim() ? meta.release.trim() : null,
    tags: {},
    snapshots: [],
    traces: [],
  };
  const snapshots = new SnapshotScanner(out.snapshots);
  const search: Record<SearchField, Set<string>> = {
    url: new Set(),
    request: new Set(),
    console: new Set(),
    error: new Set(),
    click: new Set(),
  };
  // Values exactly as the plain index tables hold them, so a row matching there always has a
  // matching search_text row (search relies on it); blank ones are skipped.
  const addSearch: AddSearch = (field, v) => {
    if (v && v.trim()) search[field].add(v);
  };
  if (typeof meta?.url === 'string') addSearch('url', meta.url.slice(0, MAX_TEXT));
  for (const e of events) {
    if (timeline.maxT === null || e.t > timeline.maxT) timeline.maxT = e.t;
    const d = e.data as Record<string, unknown> | null;
    if (!d || typeof d !== 'object') continue;
    if (e.kind === 'dom') {
      snapshots.add(e.t, d.type);
      indexDom(e.t, d, out);
    } else if (e.kind === 'click') indexClick(e.t, d, out, addSearch);
    else if (e.kind === 'nav') indexNav(e.t, d, out, addSearch);
    else if (e.kind === 'network') indexNetwork(e.t, d, out, addSearch);
    else if (e.kind === 'console') indexConsole(e.t, d, out, addSearch);
    else if (e.kind === 'error') indexError(e.t, d, out, addSearch);
    else if (e.kind === 'custom') indexCustom(d, out);
  }
  for (const field of Object.keys(search) as SearchField[]) {
    if (search[field].size > 0) out.search.push({ field, text: [...search[field]].join('\n') });
  }
  sortTimeline(out);
  out.assetUrls = collectAssetUrls(domData(events), typeof meta?.url === 'string' ? meta.url : null);
  return out;
}

function sortTimeline(out: IndexRows): void {
  const byTime = (a: number, b: number) => a - b;
  out.timeline.responses.sort(byTime);
  out.timeline.requests.sort(byTime);
  out.timeline.errors.sort(byTime);
  out.timeline.activity.sort(byTime);
  out.clicks.sort((a, b) => a.t - b.t);
}

function indexClick(t: number, d: Record<string, unknown>, out: IndexRows, addSearch: AddSearch): void {
  const click = clickRow(t, d);
  if (!click) return;
  out.clicks.push(click);
  out.counts.clicks++;
  out.timeline.activity.push(t);
  addSearch('click', click.text);
  addSearch('click', click.testId);
}

function indexNav(t: number, d: Record<string, unknown>, out: IndexRows, addSearch: AddSearch): void {
  const url = str(d.url, MAX_TEXT);
  if (url === null || typeof d.type !== 'string' || !NAV_TYPES.has(d.type)) return;
  out.pages.push({ t, url });
  if (PAGE_NAV_TYPES.has(d.type)) out.pageCount++;
  out.timeline.responses.push(t);
  addSearch('url', url);
}

function indexNetwork(t: number, d: Record<string, unknown>, out: IndexRows, addSearch: AddSearch): void {
  const status = num(d.status) ?? 0;
  // A beacon never sees its response: status 0 there means queued, not failed.
  const failed = typeof d.error === 'string' || (status === 0 && d.initiator !== 'beacon');
  const url = str(d.url, MAX_TEXT) ?? '';
  out.network.push({
    t,
    method: str(d.method, 16)?.toUpperCase() ?? 'GET',
    url,
    route: normalizeRoute(url),
    status,
    durationMs: num(d.durationMs) ?? 0,
    failed,
  });
  // The event is emitted when the request ends; what answers a click is when it started.
  const startedAt = num(d.startedAt) ?? t;
  out.timeline.responses.push(startedAt);
  out.timeline.requests.push(startedAt);
  addSearch('request', url);
  indexTrace(t, d, out);
  if (failed) out.counts.networkFailed++;
  else if (status >= 500) out.counts.network5xx++;
  else if (status >= 400) out.counts.network4xx++;
}

const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The W3C trace id the request carried (lowercase hex, as the recorder writes it), for backend traces. */
function indexTrace(t: number, d: Record<string, unknown>, out: IndexRows): void {
  if (typeof d.traceId !== 'string' || !TRACE_ID.test(d.traceId)) return;
  const requestId = typeof d.id === 'string' && REQUEST_ID.test(d.id) ? d.id : '';
  out.traces!.push({ t, traceId: d.traceId, requestId });
}

function indexConsole(t: number, d: Record<string, unknown>, out: IndexRows, addSearch: AddSearch): void {
  const level = str(d.level, 32) ?? 'log';
  const text = Array.isArray(d.args) ? argsText(d.args as SerializedValue[]) : '';
  out.console.push({ t, level, text });
  addSearch('console', text);
  // The recorder emits `assert` only for failed assertions, which browsers print as errors.
  if (level === 'error' || level === 'assert') out.counts.consoleErrors++;
  else if (level === 'warn') out.counts.consoleWarnings++;
}

function indexError(t: number, d: Record<string, unknown>, out: IndexRows, addSearch: AddSearch): void {
  const name = str(d.name, 200);
  const message = str(d.message, MAX_TEXT) ?? '';
  const stack = str(d.stack, 8000);
  // The batch's release (meta.release), as the errors table stores it.
  const release = out.release ?? null;
  const issue = d.origin === 'resource' ? null : issueOf(name, message, parseStack(stack, message).map(groupingFrame));
  out.errors.push({ t, name, message, messageKey: messageKey(message), stack, release, issue });
  out.counts.errors++;
  if (d.origin !== 'resource') out.timeline.errors.push(t);
  addSearch('error', name ? `${name}: ${message}` : message);
}

/** identify sets the user, tag sets a tag, feedback is counted. */
function indexCustom(d: Record<string, unknown>, out: IndexRows): void {
  if (d.type === 'identify') {
    const userId = str(d.userId, 256);
    if (userId) out.userId = userId;
  } else if (d.type === 'tag') {
    const key = str(d.key, 100);
    const value =
      typeof d.value === 'string'
        ? d.value.slice(0, 500)
        : typeof d.value === 'number' || typeof d.value === 'boolean'
          ? String(d.value)
          : null;
    // Own-property writes only; capped so a hostile batch cannot bloat the row.
    if (key && value !== null && (Object.hasOwn(out.tags, key) || Object.keys(out.tags).length < MAX_TAGS)) {
      Object.defineProperty(out.tags, key, { value, enumerable: true, writable: true, configurable: true });
    }
  } else if (d.type === 'feedback') {
    out.counts.feedback++;
  }
}

function* domData(events: ReplayEvent[]): Iterable<unknown> {
  for (const e of events) if (e.kind === 'dom') yield e.data;
}

/** rrweb events: mutations answer clicks; mouse, scroll, input and touch are user activity. */
function indexDom(t: number, rr: Record<string, unknown>, out: IndexRows): void {
  if (rr.type !== RR_INCREMENTAL) return;
  const d = rr.data as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') return;
  const source = d.source;
  if (source === RR_MUTATION) {
    const changed = (k: string) => Array.isArray(d[k]) && (d[k] as unknown[]).length > 0;
    if (changed('adds') || changed('removes') || changed('texts') || changed('attributes')) out.timeline.responses.push(t);
    return;
  }
  if (typeof source !== 'number' || !RR_ACTIVITY_SOURCES.has(source)) return;
  if (source === RR_INPUT) {
    // rrweb also records values set by scripts (userTriggered: false): neither activity nor a key press.
    if (d.userTriggered === false) return;
    // Key presses are approximated by input events: the recorder never records typed keys (its
    // `key` events are only the few a reproduction needs).
    out.counts.keyPresses++;
    out.timeline.responses.push(t);
  }
  out.timeline.activity.push(t);
}

/** A `click` event's data, or null when it lacks a selector or coordinates. */
function clickRow(t: number, d: Record<string, unknown>): ClickRow | null {
  const selector = str(d.selector, 1000);
  const x = num(d.x);
  const y = num(d.y);
  if (!selector || x === null || y === null) return null;
  const tag = (str(d.tag, 64) ?? '').toLowerCase();
  const interactive = d.interactive === true;
  const inputType = (str(d.inputType, 32) ?? '').toLowerCase();
  const textEntry =
    tag === 'textarea' || tag === 'select' || d.editable === true || (tag === 'input' && !BUTTON_LIKE_INPUTS.has(inputType));
  const nodeId = num(d.nodeId);
  return {
    t,
    selector,
    text: str(d.text, 200)?.trim() || null,
    testId: str(d.testId, 200) || null,
    tag,
    x,
    y,
    nodeId: nodeId !== null && Number.isInteger(nodeId) ? nodeId : null,
    interactive,
    deadCandidate: interactive && !textEntry,
  };
}

function str(v: unknown, max: number): string | null {
  return typeof v === 'string' ? v.slice(0, max) : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A flat, searchable rendering of console arguments (the tree stays in the chunk). */
export function argsText(args: SerializedValue[]): string {
  let text = '';
  const add = (s: string) => {
    if (text.length < MAX_TEXT) text += (text ? ' ' : '') + s;
  };
  const walk = (v: SerializedValue | undefined, depth: number): void => {
    if (!v || typeof v !== 'object' || depth > 3 || text.length >= MAX_TEXT) return;
    switch (v.type) {
      case 'string':
        add(String(v.value));
        break;
      case 'number':
      case 'boolean':
      case 'bigint':
      case 'symbol':
      case 'date':
      case 'regexp':
        add(String(v.value));
        break;
      case 'error':
        add(`${v.name}: ${v.message}`);
        break;
      case 'dom':
        add(v.selector);
        break;
      case 'function':
        add(`ƒ ${v.name}`);
        break;
      case 'array':
      case 'set':
        for (const i of v.items ?? []) walk(i, depth + 1);
        break;
      case 'object':
        for (const [k, val] of v.entries ?? []) {
          add(`${k}:`);
          walk(val, depth + 1);
        }
        break;
      case 'map':
        for (const [k, val] of v.entries ?? []) {
          walk(k, depth + 1);
          walk(val, depth + 1);
        }
        break;
      default:
        break;
    }
  };
  for (const a of args.slice(0, 50)) walk(a, 0);
  return text.slice(0, MAX_TEXT);
}
