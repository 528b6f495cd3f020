import { formatFrame, topFrame, type ReplayEvent, type SerializedValue, type SessionDetail } from '@reprise/protocol';
import { argsText } from '../ingest/extract.js';
import { resolveStacks } from '../sourcemaps/session-errors.js';
import type { Store } from '../store/types.js';
import { clean, FieldNames } from './field-names.js';
import type { StepTarget } from './types.js';

/**
 * One pass over a session's stored events (streamed, never the whole session at once) that keeps
 * only what the digest and the steps say: clicks with their targets, inputs (masked stays masked),
 * navigations, requests (bodies only of failing ones, as stored), console errors and warnings,
 * JS errors, feedback, and the times that answer a click (for dead clicks). Stored data is
 * untrusted: malformed fields are skipped.
 */

export interface ClickFact {
  t: number;
  target: StepTarget;
  tag: string;
  x: number;
  y: number;
  nodeId: number | null;
  deadCandidate: boolean;
  textEntry: boolean;
  url: string | null;
  /** When the pointer press that began this click was recorded (null: none, e.g. a key that clicked). */
  downT: number | null;
}
export interface InputFact {
  t: number;
  nodeId: number;
  target: StepTarget;
  tag: string;
  type: string | null;
  value: string | null;
  masked: boolean;
  checked: boolean | null;
  url: string | null;
}
/** A key press the recorder kept (custom `key` events): never a typed character. */
export interface KeyFact {
  t: number;
  /** As Playwright's `press` names it: `Enter`, `Shift+Tab`, `Control+k`. */
  combo: string;
  key: string;
  target: StepTarget;
  tag: string;
  nodeId: number | null;
  textEntry: boolean;
  url: string | null;
}
/**
 * A burst of scrolling of the page (`nodeId` null) or of one element: rrweb's scroll events,
 * each within SCROLL_BURST_MS of the previous, from where the last burst left off.
 */
export interface ScrollFact {
  t: number;
  lastT: number;
  nodeId: number | null;
  /** The scrolled element (null for the page). */
  target: StepTarget | null;
  fromY: number;
  x: number;
  y: number;
  url: string | null;
}
export interface NavFact {
  t: number;
  url: string;
  type: string;
}
export interface RequestFact {
  t: number;
  end: number;
  method: string;
  url: string;
  status: number;
  failed: boolean;
  error: string | null;
  body: string | null;
}
export interface ConsoleFact {
  t: number;
  level: string;
  text: string;
}
export interface ErrorFact {
  t: number;
  name: string | null;
  message: string;
  where: string | null;
  origin: string;
}
export interface FeedbackFact {
  t: number;
  message: string;
}

export interface SessionFactsRead {
  session: SessionDetail;
  clicks: ClickFact[];
  inputs: InputFact[];
  keys: KeyFact[];
  scrolls: ScrollFact[];
  navs: NavFact[];
  requests: RequestFact[];
  consoles: ConsoleFact[];
  /** console.log/info/debug… are only counted. */
  otherConsole: number;
  errors: ErrorFact[];
  feedback: FeedbackFact[];
  /** Sorted times of DOM changes, navigations, request starts and user inputs. */
  responses: number[];
  startedAt: number;
  endedAt: number;
}

const RR_INCREMENTAL = 3;
const RR_MUTATION = 0;
const RR_INPUT = 5;
const RR_SCROLL = 3;
const RR_FULL = 2;
const RR_MOUSE_INTERACTION = 2;
const RR_MOUSE_DOWN = 1;
const RR_TOUCH_START = 7;
/** A press further back than this before a click did not begin it. */
const PRESS_BEFORE_CLICK_MS = 5000;
/** Scroll events this close together are one gesture (rrweb samples scrolling every 150 ms). */
const SCROLL_BURST_MS = 600;
const MAX_SCROLLS = 2000;
const BUTTON_LIKE_INPUTS = new Set(['button', 'submit', 'reset', 'image', 'checkbox', 'radio', 'range']);
const NAV_TYPES = new Set(['load', 'pushState', 'replaceState', 'popstate', 'hashchange']);
const MAX_TEXT = 200;
const MAX_BODY = 160;

/** Where the pass stands: the page URL so far and whether the last fact was an input. */
interface ReadState {
  fields: FieldNames;
  url: string | null;
  // Whether anything but an input happened since the last input fact (inputs on one field coalesce).
  inputOpen: boolean;
  /** The recorded document's node id (its scroll events are the page's). */
  docId: number | null;
  /** Last known scroll position per node (the page's under -1). */
  scrollY: Map<number, number>;
  /** The last pointer press not yet taken by a click. */
  pressT: number | null;
}

/** Null when the session is unknown. */
export async function readFacts(store: Store, sessionId: string): Promise<SessionFactsRead | null> {
  const session = await store.getSession(sessionId);
  if (!session) return null;
  const timeline = await store.getSessionTimeline(sessionId);
  const f: SessionFactsRead = {
    session,
    clicks: [],
    inputs: [],
    keys: [],
    scrolls: [],
    navs: [],
    requests: [],
    consoles: [],
    otherConsole: 0,
    errors: [],
    feedback: [],
    responses: [],
    startedAt: timeline?.startedAt ?? session.startedAt,
    endedAt: timeline?.endedAt ?? session.endedAt,
  };
  const state: ReadState = {
    fields: new FieldNames(),
    url: session.firstUrl,
    inputOpen: false,
    docId: null,
    scrollY: new Map(),
    pressT: null,
  };
  for await (const group of store.streamEvents(sessionId)) {
    for (const e of group) {
      const d = e.data as Record<string, unknown> | null;
      if (!d || typeof d !== 'object') continue;
      if (e.kind === 'dom') {
        addDomFacts(f, state, e.t, d);
        continue;
      }
      state.inputOpen = false;
      addEventFact(f, state, e, d);
    }
  }
  f.responses.sort((a, b) => a - b);
  f.requests.sort((a, b) => a.t - b.t);
  await resolveErrorPlaces(store, session, f.errors);
  return f;
}

/** Errors whose place is resolved through the source maps; later ones keep their minified place. */
const MAX_RESOLVED = 50;
/** The recorded stack of each error fact, for resolution only (it is not part of the facts). */
const stacks = new WeakMap<ErrorFact, string>();

/** An error's place becomes its top resolved frame, `retryPayment (src/checkout.ts:105:33)`, when its release's map has it. */
async function resolveErrorPlaces(store: Store, session: SessionDetail, errors: ErrorFact[]): Promise<void> {
  const withStacks = errors.filter((e) => stacks.has(e)).slice(0, MAX_RESOLVED);
  if (withStacks.length === 0) return;
  const resolved = await resolveStacks(
    store,
    session,
    withStacks.map((e) => stacks.get(e)!),
  );
  withStacks.forEach((e, i) => {
    const top = topFrame(resolved[i]!);
    if (top?.original) e.where = formatFrame(top);
  });
}

/** An rrweb event: field names for later, DOM changes as responses, user inputs as input facts. */
function addDomFacts(f: SessionFactsRead, state: ReadState, t: number, d: Record<string, unknown>): void {
  state.fields.add(d);
  if (d.type === RR_FULL && isObj(d.data)) {
    const node = d.data.node;
    state.docId = isObj(node) && typeof node.id === 'number' ? node.id : null;
    const top = isObj(d.data.initialOffset) ? d.data.initialOffset.top : null;
    state.scrollY = new Map([[-1, typeof top === 'number' && Number.isFinite(top) ? top : 0]]);
    return;
  }
  if (d.type !== RR_INCREMENTAL || !isObj(d.data)) return;
  const rr = d.data;
  if (rr.source === RR_MUTATION) {
    if (['adds', 'removes', 'texts', 'attributes'].some((k) => Array.isArray(rr[k]) && (rr[k] as unknown[]).length > 0))
      f.responses.push(t);
  } else if (rr.source === RR_INPUT && rr.userTriggered !== false && typeof rr.id === 'number') {
    f.responses.push(t);
    addInputFact(f, state, t, rr.id, rr);
  } else if (rr.source === RR_MOUSE_INTERACTION && (rr.type === RR_MOUSE_DOWN || rr.type === RR_TOUCH_START)) {
    state.pressT = t;
  } else if (rr.source === RR_SCROLL && typeof rr.id === 'number' && typeof rr.y === 'number' && Number.isFinite(rr.y)) {
    addScrollFact(f, state, t, rr.id, typeof rr.x === 'number' && Number.isFinite(rr.x) ? rr.x : 0, rr.y);
  }
}

function addScrollFact(f: SessionFactsRead, state: ReadState, t: number, id: number, x: number, y: number): void {
  const nodeId = id === state.docId ? null : id;
  const key = nodeId ?? -1;
  const last = f.scrolls[f.scrolls.length - 1];
  if (last && last.nodeId === nodeId && t - last.lastT <= SCROLL_BURST_MS) {
    Object.assign(last, { lastT: t, x, y });
  } else if (f.scrolls.length < MAX_SCROLLS) {
    const target = nodeId === null ? null : (state.fields.field(nodeId)?.target ?? null);
    f.scrolls.push({ t, lastT: t, nodeId, target, fromY: state.scrollY.get(key) ?? 0, x, y, url: state.url });
  }
  state.scrollY.set(key, y);
}

function addInputFact(f: SessionFactsRead, state: ReadState, t: number, nodeId: number, rr: Record<string, unknown>): void {
  const last = f.inputs[f.inputs.length - 1];
  const text = typeof rr.text === 'string' ? rr.text : null;
  const masked = text !== null && text.length > 0 && /^\*+$/.test(text);
  const value = masked ? null : text === null ? null : text.slice(0, MAX_TEXT);
  const checked = typeof rr.isChecked === 'boolean' ? rr.isChecked : null;
  if (state.inputOpen && last && last.nodeId === nodeId) {
    Object.assign(last, { value, masked, checked });
    return;
  }
  const info = state.fields.field(nodeId);
  f.inputs.push({
    t,
    nodeId,
    value,
    masked,
    checked,
    url: state.url,
    tag: info?.tag ?? 'input',
    type: info?.type ?? null,
    target: info?.target ?? { testId: null, role: null, name: null, selector: null },
  });
  state.inputOpen = true;
}

/** Any event but rrweb's: clicks, navigations, requests, console, errors and feedback. */
function addEventFact(f: SessionFactsRead, state: ReadState, e: ReplayEvent, d: Record<string, unknown>): void {
  if (e.kind === 'click') {
    const pressT = state.pressT !== null && e.t - state.pressT <= PRESS_BEFORE_CLICK_MS ? state.pressT : null;
    state.pressT = null;
    const c = clickFact(e.t, d, state.url, state.fields, pressT);
    if (c) f.clicks.push(c);
  } else if (e.kind === 'nav') {
    if (typeof d.url !== 'string' || typeof d.type !== 'string' || !NAV_TYPES.has(d.type)) return;
    state.url = d.url.slice(0, 2000);
    f.navs.push({ t: e.t, url: state.url, type: d.type });
    f.responses.push(e.t);
  } else if (e.kind === 'network') {
    const r = requestFact(e, d);
    f.requests.push(r);
    f.responses.push(r.t);
  } else if (e.kind === 'console') {
    const level = typeof d.level === 'string' ? d.level : 'log';
    if (level === 'error' || level === 'assert' || level === 'warn') {
      const text = Array.isArray(d.args) ? argsText(d.args as SerializedValue[]) : '';
      f.consoles.push({ t: e.t, level: level === 'assert' ? 'error' : level, text: oneLine(text, MAX_TEXT) });
    } else f.otherConsole++;
  } else if (e.kind === 'error') {
    f.errors.push(errorFact(e.t, d));
  } else if (e.kind === 'custom' && d.type === 'feedback' && typeof d.message === 'string') {
    f.feedback.push({ t: e.t, message: oneLine(d.message, MAX_TEXT) });
  } else if (e.kind === 'custom' && d.type === 'key') {
    const k = keyFact(e.t, d, state.url, state.fields);
    if (k) f.keys.push(k);
  }
}

const MODIFIERS = ['Control', 'Alt', 'Meta', 'Shift'];

function keyFact(t: number, d: Record<string, unknown>, url: string | null, fields: FieldNames): KeyFact | null {
  if (typeof d.key !== 'string' || !/^(?:[A-Z][A-Za-z0-9]{1,20}|\S)$/u.test(d.key) || !isObj(d.target)) return null;
  const click = clickFact(t, d.target, url, fields, null);
  if (!click) return null;
  const mods = Array.isArray(d.mods) ? MODIFIERS.filter((m) => (d.mods as unknown[]).includes(m)) : [];
  return {
    t,
    key: d.key,
    combo: [...mods, d.key].join('+'),
    target: click.target,
    tag: click.tag,
    nodeId: click.nodeId,
    textEntry: click.textEntry,
    url,
  };
}

function clickFact(t: number, d: Record<string, unknown>, url: string | null, fields: FieldNames, downT: number | null): ClickFact | null {
  if (typeof d.selector !== 'string' || typeof d.x !== 'number' || typeof d.y !== 'number') return null;
  const tag = typeof d.tag === 'string' ? d.tag.toLowerCase().slice(0, 64) : '';
  const inputType = typeof d.inputType === 'string' ? d.inputType.toLowerCase() : '';
  const nodeId = typeof d.nodeId === 'number' && Number.isInteger(d.nodeId) ? d.nodeId : null;
  const textEntry =
    tag === 'textarea' || tag === 'select' || d.editable === true || (tag === 'input' && !BUTTON_LIKE_INPUTS.has(inputType));
  const field = nodeId !== null && textEntry ? fields.field(nodeId) : null;
  const target: StepTarget = {
    testId: typeof d.testId === 'string' && d.testId ? d.testId.slice(0, 200) : null,
    role: (nodeId !== null ? fields.role(nodeId) : null) ?? clickRole(tag, inputType),
    name: clean(typeof d.text === 'string' ? d.text : null) ?? field?.target.name ?? null,
    selector: d.selector.slice(0, 300),
  };
  return { t, target, tag, x: d.x, y: d.y, nodeId, deadCandidate: d.interactive === true && !textEntry, textEntry, url, downT };
}

function clickRole(tag: string, inputType: string): string | null {
  if (tag === 'button' || (tag === 'input' && ['button', 'submit', 'reset', 'image'].includes(inputType))) return 'button';
  if (tag === 'a') return 'link';
  if (tag === 'input' && (inputType === 'checkbox' || inputType === 'radio')) return inputType;
  if (tag === 'select') return 'combobox';
  if (tag === 'input' && inputType === 'search') return 'searchbox';
  if (tag === 'input' && inputType === 'number') return 'spinbutton';
  if (tag === 'input' || tag === 'textarea') return 'textbox';
  return null;
}

function requestFact(e: ReplayEvent, d: Record<string, unknown>): RequestFact {
  const status = typeof d.status === 'number' ? d.status : 0;
  const failed = typeof d.error === 'string' || (status === 0 && d.initiator !== 'beacon');
  const bad = failed || status >= 400;
  return {
    t: typeof d.startedAt === 'number' && Number.isFinite(d.startedAt) ? d.startedAt : e.t,
    end: e.t,
    method: typeof d.method === 'string' ? d.method.toUpperCase().slice(0, 16) : 'GET',
    url: typeof d.url === 'string' ? d.url.slice(0, 2000) : '',
    status,
    failed,
    error: typeof d.error === 'string' ? d.error.slice(0, 32) : null,
    // Bodies only of failing requests: they explain the problem; routine ones would only cost budget.
    body: bad && isObj(d.responseBody) ? bodyText(d.responseBody) : null,
  };
}

/** A stored response body in one short line, as stored (the recorder has already redacted it). */
function bodyText(b: Record<string, unknown>): string | null {
  if (b.kind === 'json') return oneLine(compact(b.value, 0), MAX_BODY);
  if (b.kind === 'text' && typeof b.value === 'string') return oneLine(b.value, MAX_BODY);
  return null;
}

/** `{error: card_expired, field: card_expiry}`: JSON without quotes, nested values elided past depth 1. */
export function compact(v: unknown, depth: number): string {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? v : String(v);
  if (depth > 1) return Array.isArray(v) ? '[…]' : '{…}';
  if (Array.isArray(v))
    return `[${v
      .slice(0, 5)
      .map((x) => compact(x, depth + 1))
      .join(', ')}${v.length > 5 ? ', …' : ''}]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return `{${entries
    .slice(0, 6)
    .map(([k, x]) => `${k}: ${compact(x, depth + 1)}`)
    .join(', ')}${entries.length > 6 ? ', …' : ''}}`;
}

function errorFact(t: number, d: Record<string, unknown>): ErrorFact {
  const stack = typeof d.stack === 'string' ? d.stack : null;
  let where = stack ? firstFrame(stack) : null;
  if (!where && typeof d.source === 'string' && d.source) {
    where = `${basename(d.source)}${typeof d.line === 'number' ? `:${d.line}` : ''}${typeof d.column === 'number' ? `:${d.column}` : ''}`;
  }
  const fact: ErrorFact = {
    t,
    name: typeof d.name === 'string' && d.name ? d.name.slice(0, 100) : null,
    message: oneLine(typeof d.message === 'string' ? d.message : '', MAX_TEXT),
    where,
    origin: typeof d.origin === 'string' ? d.origin : 'error',
  };
  if (stack) stacks.set(fact, stack);
  return fact;
}

/** `checkout.js:42:13` from the first frame of a V8 or Firefox stack that has a location. */
function firstFrame(stack: string): string | null {
  for (const line of stack.split('\n').slice(0, 12)) {
    const m = /([^\s()@]+):(\d+):(\d+)\)?\s*$/.exec(line.trim());
    if (m) return `${basename(m[1]!)}:${m[2]}:${m[3]}`;
  }
  return null;
}

function basename(u: string): string {
  const path = u.split(/[?#]/)[0]!;
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

export function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
