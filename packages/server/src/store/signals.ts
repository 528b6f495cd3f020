/**
 * Frustration signals and activity, decided at ingest from one batch plus the little the
 * store remembers of the session (its last clicks, clicks still waiting for a dead-click
 * decision, the time of the last activity). Pure functions: the store queries the context,
 * calls `planSignals`, and writes the plan in the batch's transaction.
 *
 * - Rage click: 3+ clicks in a row, each within 1 s of the previous one and on the same
 *   target (same selector, same rrweb node id, or within 30 px). One signal per burst, at its
 *   first click, with the burst size; a burst continues across batches. Any click on another
 *   target ends the burst.
 * - Dead click: a click on an interactive element (not a text field, select or contenteditable:
 *   focusing them is their answer) followed within 2.5 s by no DOM mutation, navigation, request
 *   start or user-triggered input change. Decided once the batch's events reach past the window;
 *   otherwise the click stays pending (dead = 2) and the next batch decides it. A pending click
 *   nothing follows (the page was closed) is never called dead. Requests are emitted when they
 *   end, so a request that started in a dead click's window but arrives in a later batch turns
 *   the click back into an answered one.
 * - Error click: a JS error within 1 s after a click. Each error is attributed to the latest
 *   click before it (so a rage burst ending in one error is one error click), also across batches.
 * - Active time: the sum of gaps of at most 5 s between consecutive user-activity events,
 *   continued across batches through the session's last activity time.
 */
import type { ClickRow, SignalTimeline } from './index-rows.js';

export const RAGE_MIN_CLICKS = 3;
export const RAGE_INTERVAL_MS = 1000;
export const RAGE_RADIUS_PX = 30;
export const DEAD_WINDOW_MS = 2500;
export const ERROR_CLICK_WINDOW_MS = 1000;
export const IDLE_GAP_MS = 5000;

/** `signals.type` values (search maps `has:rage`, `has:dead`, `has:errorclick` to them). */
export const SIGNAL_TYPES = { rage: 'rage', dead: 'dead', errorClick: 'error_click' } as const;
export type SignalType = (typeof SIGNAL_TYPES)[keyof typeof SIGNAL_TYPES];

/** Dead-click state of a click row (`clicks.dead`). */
export const DEAD = { answered: 0, dead: 1, pending: 2 } as const;
export type DeadState = (typeof DEAD)[keyof typeof DEAD];

/** A click stored by an earlier batch. */
export interface StoredClick {
  id: number;
  t: number;
  selector: string;
  text: string | null;
  nodeId: number | null;
  x: number;
  y: number;
  rage: boolean;
  errorClick: boolean;
  dead: DeadState;
}

/** What the store reads about the session before planning (see `contextRanges`). */
export interface SignalContext {
  /** The (up to) two latest stored clicks at or before the batch's first click, newest first. */
  before: StoredClick[];
  /** The rage burst `before[0]` belongs to, when it is marked rage. */
  burst: { t: number; clickCount: number } | null;
  /** Stored clicks still pending a dead-click decision. */
  pending: StoredClick[];
  /** Stored dead clicks in `ranges.deadRecheck` (a late request may answer them). */
  dead: StoredClick[];
  /** Stored clicks in `ranges.errorLookback` (an error of this batch may follow them). */
  beforeErrors: StoredClick[];
}

/** Which stored clicks the store must read for a batch; null ranges need no query. */
export interface ContextRanges {
  /** Read `before` (and `burst`) at or before this time. */
  firstClick: number | null;
  deadRecheck: [number, number] | null;
  errorLookback: [number, number] | null;
}

export interface SignalRow {
  type: SignalType;
  t: number;
  selector: string;
  text: string | null;
  /** Rage: the burst size (replaces the stored one). Dead and error: 1 per click (added). */
  clickCount: number;
}

export interface SignalPlan {
  /** Flags of the batch's clicks, in the order of `IndexRows.clicks`. */
  clicks: { rage: boolean; dead: DeadState; errorClick: boolean }[];
  /** Changes to stored clicks. */
  updates: { id: number; rage?: true; dead?: DeadState; errorClick?: true }[];
  /** Rage signals to insert or resize. */
  rage: SignalRow[];
  /** Dead and error-click signals to add. */
  added: SignalRow[];
  /** Dead signals to take back (a late request answered the click). */
  removedDead: { t: number }[];
  /** What the session's counters change by (dead can go down). */
  deltas: { rageClicks: number; deadClicks: number; errorClicks: number };
}

export function contextRanges(clicks: ClickRow[], tl: SignalTimeline): ContextRanges {
  const first = clicks[0];
  const req = tl.requests;
  return {
    firstClick: first ? first.t : null,
    deadRecheck: req.length ? [req[0]! - DEAD_WINDOW_MS, req[req.length - 1]!] : null,
    errorLookback: tl.errors.length ? [tl.errors[0]! - ERROR_CLICK_WINDOW_MS, tl.errors[tl.errors.length - 1]!] : null,
  };
}

interface Target {
  t: number;
  selector: string;
  nodeId: number | null;
  x: number;
  y: number;
}

/** Whether `b` continues a rage burst whose latest click is `a`. */
export function sameTargetSoon(a: Target, b: Target): boolean {
  const dt = b.t - a.t;
  if (dt < 0 || dt > RAGE_INTERVAL_MS) return false;
  if (a.selector === b.selector) return true;
  if (a.nodeId !== null && a.nodeId === b.nodeId) return true;
  return Math.hypot(a.x - b.x, a.y - b.y) <= RAGE_RADIUS_PX;
}

/** Index of the first element of a sorted array >= v. */
function lowerBound(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether a sorted array has a value in [from, to]. */
export function anyIn(sorted: number[], from: number, to: number): boolean {
  const i = lowerBound(sorted, from);
  return i < sorted.length && sorted[i]! <= to;
}

export function planSignals(clicks: ClickRow[], tl: SignalTimeline, ctx: SignalContext): SignalPlan {
  const plan: SignalPlan = {
    clicks: clicks.map(() => ({ rage: false, dead: DEAD.answered, errorClick: false })),
    updates: [],
    rage: [],
    added: [],
    removedDead: [],
    deltas: { rageClicks: 0, deadClicks: 0, errorClicks: 0 },
  };
  planRage(clicks, ctx, plan);
  planDead(clicks, tl, ctx, plan);
  planErrorClicks(clicks, tl, ctx, plan);
  return plan;
}

type Member = { kind: 'new'; i: number } | { kind: 'stored'; id: number };

function planRage(clicks: ClickRow[], ctx: SignalContext, plan: SignalPlan): void {
  interface Burst {
    first: Target & { text: string | null };
    last: Target;
    size: number;
    rage: boolean;
    unmarked: Member[];
  }
  let burst: Burst | null = null;
  const [last, prev] = ctx.before;
  if (last) {
    if (last.rage && ctx.burst) {
      burst = { first: { ...last, t: ctx.burst.t }, last, size: ctx.burst.clickCount, rage: true, unmarked: [] };
    } else if (prev && !prev.rage && sameTargetSoon(prev, last)) {
      burst = {
        first: prev,
        last,
        size: 2,
        rage: false,
        unmarked: [
          { kind: 'stored', id: prev.id },
          { kind: 'stored', id: last.id },
        ],
      };
    } else {
      burst = { first: last, last, size: 1, rage: false, unmarked: [{ kind: 'stored', id: last.id }] };
    }
  }
  const signals = new Map<number, SignalRow>();
  clicks.forEach((c, i) => {
    if (burst && sameTargetSoon(burst.last, c)) {
      burst.size++;
      burst.last = c;
      burst.unmarked.push({ kind: 'new', i });
    } else {
      burst = { first: c, last: c, size: 1, rage: false, unmarked: [{ kind: 'new', i }] };
    }
    if (burst.size < RAGE_MIN_CLICKS) return;
    if (!burst.rage) {
      burst.rage = true;
      plan.deltas.rageClicks++;
    }
    for (const m of burst.unmarked) {
      if (m.kind === 'new') plan.clicks[m.i]!.rage = true;
      else plan.updates.push({ id: m.id, rage: true });
    }
    burst.unmarked = [];
    signals.set(burst.first.t, {
      type: SIGNAL_TYPES.rage,
      t: burst.first.t,
      selector: burst.first.selector,
      text: burst.first.text,
      clickCount: burst.size,
    });
  });
  plan.rage = [...signals.values()];
}

function planDead(clicks: ClickRow[], tl: SignalTimeline, ctx: SignalContext, plan: SignalPlan): void {
  const answered = (t: number) => anyIn(tl.responses, t, t + DEAD_WINDOW_MS);
  const covered = (t: number) => tl.maxT !== null && tl.maxT >= t + DEAD_WINDOW_MS;
  const decide = (c: { t: number; selector: string; text: string | null }): DeadState => {
    if (answered(c.t)) return DEAD.answered;
    if (!covered(c.t)) return DEAD.pending;
    plan.added.push({ type: SIGNAL_TYPES.dead, t: c.t, selector: c.selector, text: c.text, clickCount: 1 });
    plan.deltas.deadClicks++;
    return DEAD.dead;
  };
  clicks.forEach((c, i) => {
    plan.clicks[i]!.dead = c.deadCandidate ? decide(c) : DEAD.answered;
  });
  for (const c of ctx.pending) {
    const state = decide(c);
    if (state !== DEAD.pending) plan.updates.push({ id: c.id, dead: state });
  }
  for (const c of ctx.dead) {
    if (!answered(c.t)) continue;
    plan.updates.push({ id: c.id, dead: DEAD.answered });
    plan.removedDead.push({ t: c.t });
    plan.deltas.deadClicks--;
  }
}

function planErrorClicks(clicks: ClickRow[], tl: SignalTimeline, ctx: SignalContext, plan: SignalPlan): void {
  if (tl.errors.length === 0) return;
  interface Candidate {
    t: number;
    selector: string;
    text: string | null;
    marked: boolean;
    mark(): void;
  }
  const stored: Candidate[] = ctx.beforeErrors.map((c) => ({
    t: c.t,
    selector: c.selector,
    text: c.text,
    marked: c.errorClick,
    mark: () => plan.updates.push({ id: c.id, errorClick: true }),
  }));
  const fresh: Candidate[] = clicks.map((c, i) => ({
    t: c.t,
    selector: c.selector,
    text: c.text,
    marked: false,
    mark: () => (plan.clicks[i]!.errorClick = true),
  }));
  const all = [...stored, ...fresh].sort((a, b) => a.t - b.t);
  const times = all.map((c) => c.t);
  for (const e of tl.errors) {
    // The latest click at or before the error.
    const i = lowerBound(times, e + 1) - 1;
    const c = all[i];
    if (!c || e - c.t > ERROR_CLICK_WINDOW_MS || c.marked) continue;
    c.marked = true;
    c.mark();
    plan.added.push({ type: SIGNAL_TYPES.errorClick, t: c.t, selector: c.selector, text: c.text, clickCount: 1 });
    plan.deltas.errorClicks++;
  }
}

/**
 * Active time a batch adds: gaps of at most 5 s between consecutive activity events, the first
 * one measured from the session's last activity (earlier batches). `last` is the new last activity.
 */
export function activeTime(sortedActivity: number[], lastActivityAt: number | null): { addMs: number; last: number | null } {
  let add = 0;
  let prev = lastActivityAt;
  let last = lastActivityAt;
  for (const t of sortedActivity) {
    if (prev !== null && t >= prev && t - prev <= IDLE_GAP_MS) add += t - prev;
    prev = t;
    if (last === null || t > last) last = t;
  }
  return { addMs: Math.round(add), last };
}

/** The `clicks` columns a batch's click is inserted into, the same in both dialects. */
export const CLICK_INSERT_COLUMNS = [
  'session_id',
  'seq',
  't',
  'selector',
  'text',
  'test_id',
  'tag',
  'x',
  'y',
  'node_id',
  'interactive',
  'rage',
  'error_click',
  'dead',
] as const;

/** A batch's click with its planned flags, as the values of CLICK_INSERT_COLUMNS in that order. */
export function clickValues(sessionId: string, seq: number, k: ClickRow, f: SignalPlan['clicks'][number]): unknown[] {
  const flags = [k.interactive ? 1 : 0, f.rage ? 1 : 0, f.errorClick ? 1 : 0, f.dead];
  return [sessionId, seq, Math.round(k.t), k.selector, k.text, k.testId, k.tag, k.x, k.y, k.nodeId, ...flags];
}

/** A `clicks` row as both stores select it (`id` is SQLite's rowid or PostgreSQL's serial). */
export interface ClickDbRow {
  id: number;
  t: number;
  selector: string;
  text: string | null;
  node_id: number | null;
  x: number;
  y: number;
  rage: number;
  error_click: number;
  dead: number;
}

export function toStoredClick(r: ClickDbRow): StoredClick {
  return {
    id: r.id,
    t: r.t,
    selector: r.selector,
    text: r.text,
    nodeId: r.node_id,
    x: r.x,
    y: r.y,
    rage: r.rage === 1,
    errorClick: r.error_click === 1,
    dead: (r.dead === 1 || r.dead === 2 ? r.dead : 0) as DeadState,
  };
}

/** What a store read for a batch's SignalContext (see contextRanges), as both stores select it. */
export interface ContextRows {
  before: ClickDbRow[];
  /** Read only when `before[0]` is marked rage. */
  burst: { t: number; click_count: number } | undefined;
  pending: ClickDbRow[];
  dead: ClickDbRow[];
  beforeErrors: ClickDbRow[];
}

export function toSignalContext(r: ContextRows): SignalContext {
  return {
    before: r.before.map(toStoredClick),
    burst: r.burst ? { t: r.burst.t, clickCount: r.burst.click_count } : null,
    pending: r.pending.map(toStoredClick),
    dead: r.dead.map(toStoredClick),
    beforeErrors: r.beforeErrors.map(toStoredClick),
  };
}
