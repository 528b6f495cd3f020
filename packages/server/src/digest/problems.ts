import type { Action } from './actions.js';
import { actionText, RAGE_MIN } from './actions.js';
import type { SessionFactsRead } from './facts.js';
import type { DigestLine, DigestProblem, StepOutcome } from './types.js';
import { messageKey, normalizeRoute } from '../ingest/normalize.js';
import { consoleText, errorText, isBadRequest, plural, requestText, span } from './wording.js';

/**
 * Problems and the steps that led to them: each failing request, console error, JS error, rage
 * or dead click and feedback is attached to the latest user action at or before it; the action
 * and everything that went wrong after it (console warnings between them included) make one
 * chain. Chains with the same wording are one problem with a count.
 */

/** Something that went wrong, on the session clock (a request at its start). */
export interface ProblemEvent extends StepOutcome {
  severity: number;
  line: DigestLine;
  /** What stays the same across occurrences of one bug (ids and numbers out, status kept). */
  key: string;
}

const SEVERITY = { error: 0, request: 1, console: 2, 'rage-click': 3, 'dead-click': 4, feedback: 5 } as const;
/** A problem this long after the latest action is not that action's doing. */
const CAUSE_WINDOW_MS = 60_000;
/** Problems with no action before them that are this close in time are one chain. */
const LOOSE_GAP_MS = 2000;
/** A chain shows at most this many links after its action. */
const MAX_LINKS = 8;

export function problemEvents(f: SessionFactsRead, actions: Action[]): ProblemEvent[] {
  const out: ProblemEvent[] = [];
  const add = (kind: ProblemEvent['kind'], t: number, lineKind: DigestLine['kind'], text: string, key = messageKey(text)) =>
    out.push({ kind, t, text, key, severity: SEVERITY[kind], line: { t, kind: lineKind, text } });
  for (const e of f.errors) add('error', e.t, 'error', errorText(e));
  for (const r of f.requests) {
    if (isBadRequest(r))
      add('request', r.t, 'request', requestText(r), `${r.method} ${normalizeRoute(r.url)} ${r.failed ? 'failed' : r.status}`);
  }
  for (const c of f.consoles) if (c.level === 'error') add('console', c.t, 'console', consoleText(c));
  for (const a of actions) {
    if (a.kind !== 'click') continue;
    if (a.count >= RAGE_MIN) add('rage-click', a.lastT, 'signal', `rage click: ${plural(a.count, 'click')} in ${span(a.lastT - a.t)}`);
    else if (a.dead) add('dead-click', a.t, 'signal', 'dead click: nothing answered within 2.5 s');
  }
  out.sort((a, b) => a.t - b.t || a.severity - b.severity);
  return out;
}

/** Index of the latest action at or before `t` (-1: none), by binary search over sorted actions. */
export function actionBefore(actions: Action[], t: number): number {
  let lo = 0;
  let hi = actions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (actions[mid]!.t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** One time a problem happened: when its chain's first problem was, and which problem (index). */
export interface Occurrence {
  t: number;
  problem: number;
}

export function problemChains(
  f: SessionFactsRead,
  actions: Action[],
  events: ProblemEvent[],
): { problems: DigestProblem[]; occurrences: Occurrence[] } {
  // By the action that led to them; problems long after any action (a background poll failing)
  // are grouped by closeness in time instead, with no action at their head.
  const groups = new Map<string, { action: Action | undefined; evs: ProblemEvent[] }>();
  let loose: { key: string; last: number } | null = null;
  events.forEach((e, n) => {
    const i = actionBefore(actions, e.t);
    const action = i >= 0 && e.t - actions[i]!.t <= CAUSE_WINDOW_MS ? actions[i] : undefined;
    let key = `a${i}`;
    if (!action) {
      if (!loose || e.t - loose.last > LOOSE_GAP_MS) loose = { key: `t${n}`, last: e.t };
      key = loose.key;
      loose.last = e.t;
    }
    const g = groups.get(key);
    if (g) g.evs.push(e);
    else groups.set(key, { action, evs: [e] });
  });
  const byShape = new Map<string, DigestProblem & { severity: number }>();
  const seen: { t: number; shape: string }[] = [];
  for (const { action, evs } of groups.values()) {
    const first = evs[0]!.t;
    const last = evs[evs.length - 1]!.t;
    const warns = f.consoles.filter((c) => c.level === 'warn' && c.t >= (action?.t ?? first) && c.t <= last);
    const links = [
      ...evs.map((e) => ({ line: e.line, key: e.key })),
      ...warns.map((c) => ({ line: { t: c.t, kind: 'console' as const, text: consoleText(c) }, key: messageKey(consoleText(c)) })),
    ].sort((a, b) => a.line.t - b.line.t);
    const shown = dedupeLinks(links);
    const kept =
      shown.length > MAX_LINKS
        ? [...shown.slice(0, MAX_LINKS), { line: { t: last, kind: 'gap' as const, text: `+${shown.length - MAX_LINKS} more` }, key: '+' }]
        : shown;
    const lines = [...(action ? [{ t: action.t, kind: lineKind(action), text: actionText(action) }] : []), ...kept.map((l) => l.line)];
    const chain = lines.map((l) => l.text).join(' → ');
    // One bug met again (another id, another card, another minute, once or twice in a row) is the
    // same problem, counted; what led to it counts when it was a click (which button matters).
    const trigger = action?.kind === 'click' ? actionKey(action) : '';
    const shape = [trigger, ...new Set(kept.map((l) => l.key))].join(' → ');
    seen.push({ t: first, shape });
    const severity = Math.min(...evs.map((e) => e.severity));
    const found = byShape.get(shape);
    if (found) {
      found.count++;
      if (found.at!.length < MAX_TIMES) found.at!.push(action?.t ?? first);
    } else {
      const kind = evs.find((e) => e.severity === severity)!.kind;
      byShape.set(shape, { kind, t: action?.t ?? first, count: 1, at: [action?.t ?? first], chain, lines, severity });
    }
  }
  const ordered = [...byShape.entries()].sort(([, a], [, b]) => a.severity - b.severity || a.t - b.t);
  const index = new Map(ordered.map(([shape], i) => [shape, i]));
  return {
    problems: ordered.map(([, { severity: _s, ...p }]) => p),
    occurrences: seen.map((o) => ({ t: o.t, problem: index.get(o.shape)! })),
  };
}

/** Occurrence times kept per problem. */
const MAX_TIMES = 10;

/** A click's target with the parts that vary (ids, numbers) normalized. */
function actionKey(a: Extract<Action, { kind: 'click' }>): string {
  const t = a.click.target;
  return `click ${messageKey(t.testId ?? t.selector ?? t.name ?? '')}`;
}

/** Repeats in a row become one link with `×n`. */
function dedupeLinks(links: { line: DigestLine; key: string }[]): { line: DigestLine; key: string }[] {
  const out: { line: DigestLine; key: string; n: number }[] = [];
  for (const l of links) {
    const prev = out[out.length - 1];
    if (prev && prev.key === l.key) prev.n++;
    else out.push({ ...l, n: 1 });
  }
  return out.map(({ line, key, n }) => (n > 1 ? { line: { ...line, text: `${line.text} ×${n}` }, key } : { line, key }));
}

export function lineKind(a: Action): DigestLine['kind'] {
  return a.kind === 'open' || a.kind === 'navigate' ? 'nav' : a.kind;
}
