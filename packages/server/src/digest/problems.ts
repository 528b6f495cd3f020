import type { Action } from './actions.js';
import { actionText, RAGE_MIN } from './actions.js';
import type { SessionFactsRead } from './facts.js';
import type { DigestLine, DigestProblem, StepOutcome } from './types.js';
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
}

const SEVERITY = { error: 0, request: 1, console: 2, 'rage-click': 3, 'dead-click': 4, feedback: 5 } as const;
/** A chain shows at most this many links after its action. */
const MAX_LINKS = 8;

export function problemEvents(f: SessionFactsRead, actions: Action[]): ProblemEvent[] {
  const out: ProblemEvent[] = [];
  const add = (kind: ProblemEvent['kind'], t: number, lineKind: DigestLine['kind'], text: string) =>
    out.push({ kind, t, text, severity: SEVERITY[kind], line: { t, kind: lineKind, text } });
  for (const e of f.errors) add('error', e.t, 'error', errorText(e));
  for (const r of f.requests) if (isBadRequest(r)) add('request', r.t, 'request', requestText(r));
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

export function problemChains(f: SessionFactsRead, actions: Action[], events: ProblemEvent[]): DigestProblem[] {
  const groups = new Map<number, ProblemEvent[]>();
  for (const e of events) {
    const i = actionBefore(actions, e.t);
    const g = groups.get(i);
    if (g) g.push(e);
    else groups.set(i, [e]);
  }
  const byChain = new Map<string, DigestProblem & { severity: number }>();
  for (const [i, evs] of groups) {
    const action = actions[i];
    const first = evs[0]!.t;
    const last = evs[evs.length - 1]!.t;
    const warns = f.consoles.filter((c) => c.level === 'warn' && c.t >= (action?.t ?? first) && c.t <= last);
    const links: DigestLine[] = [...evs.map((e) => e.line), ...warns.map((c) => ({ t: c.t, kind: 'console' as const, text: consoleText(c) }))];
    links.sort((a, b) => a.t - b.t);
    const shown = dedupeLinks(links);
    const kept = shown.length > MAX_LINKS ? [...shown.slice(0, MAX_LINKS), { t: last, kind: 'gap' as const, text: `+${shown.length - MAX_LINKS} more` }] : shown;
    const lines: DigestLine[] = action ? [{ t: action.t, kind: lineKind(action), text: actionText(action) }, ...kept] : kept;
    const chain = lines.map((l) => l.text).join(' → ');
    const severity = Math.min(...evs.map((e) => e.severity));
    const found = byChain.get(chain);
    if (found) found.count++;
    else {
      const kind = evs.find((e) => e.severity === severity)!.kind;
      byChain.set(chain, { kind, t: action?.t ?? first, count: 1, chain, lines, severity });
    }
  }
  return [...byChain.values()].sort((a, b) => a.severity - b.severity || a.t - b.t).map(({ severity: _s, ...p }) => p);
}

/** Repeats in a row become one link with `×n`. */
function dedupeLinks(links: DigestLine[]): DigestLine[] {
  const out: { line: DigestLine; n: number }[] = [];
  for (const l of links) {
    const prev = out[out.length - 1];
    if (prev && prev.line.text === l.text) prev.n++;
    else out.push({ line: l, n: 1 });
  }
  return out.map(({ line, n }) => (n > 1 ? { ...line, text: `${line.text} ×${n}` } : line));
}

export function lineKind(a: Action): DigestLine['kind'] {
  return a.kind === 'open' || a.kind === 'navigate' ? 'nav' : a.kind;
}
