import { type Action, userActions } from '../../digest/actions.js';
import type { ConsoleFact, ErrorFact, NavFact, SessionFactsRead } from '../../digest/facts.js';
import { stepsOf } from '../../digest/steps.js';
import type { ExportRange } from './range.js';
import type { RecordedCall } from './network.js';

/**
 * What the spec will say, decided from the same user actions and steps as the reproduction
 * steps (digest/): each step with the responses it waits for and the page it lands on, and the
 * problems of the range that the closing assertions reproduce.
 */
export interface PlanStep {
  /** The reproduction step's wording ("Click 'Pay': the server answers 422"). */
  text: string;
  t: number;
  action: Action;
  /** The navigation that opened the page (`navigate` steps). */
  nav: NavFact | null;
  /** Calls started by this step, before the next, in recorded order (one per method and path). */
  waits: RecordedCall[];
  /** Where a navigation the step caused ended (same origin path), null when none. */
  landsOn: string | null;
}

export interface ExportPlan {
  sessionId: string;
  /** Origin of the first page (the spec's baseURL). */
  origin: string;
  steps: PlanStep[];
  /** Every call up to the range's end: served as mocks. */
  calls: RecordedCall[];
  /** Failing calls in the range (their status and body are asserted). */
  failing: RecordedCall[];
  consoleErrors: ConsoleFact[];
  pageErrors: ErrorFact[];
  range: ExportRange;
  /** The range starts after the session start. */
  sliced: boolean;
}

/** Successful responses a step waits for, at most (failing ones are always waited for). */
const MAX_OK_WAITS = 3;

export function planExport(f: SessionFactsRead, calls: RecordedCall[], range: ExportRange): ExportPlan {
  const steps = stepsOf(f).steps;
  const actions = userActions(f);
  const picked: PlanStep[] = [];
  actions.forEach((action, i) => {
    if (action.t < range.from || action.t > range.to) return;
    const nav = action.kind === 'navigate' ? action.nav : null;
    picked.push({ text: steps[i]!.text, t: action.t, action, nav, waits: [], landsOn: null });
  });
  // A slice that starts mid-session opens the page the user was on at that moment.
  if (picked[0]?.action.kind !== 'open' && !(picked[0]?.nav?.type === 'load')) {
    const url = [...f.navs].reverse().find((n) => n.t <= range.from)?.url ?? f.session.firstUrl ?? f.navs[0]?.url;
    if (url)
      picked.unshift({
        text: `Open ${pathOf(url)}`,
        t: range.from,
        action: { kind: 'open', t: range.from, url },
        nav: null,
        waits: [],
        landsOn: null,
      });
  }
  const first = picked[0]?.action;
  const origin = originOf(first?.kind === 'open' ? first.url : (f.session.firstUrl ?? ''));
  picked.forEach((s, i) => {
    const end = Math.min(picked[i + 1]?.t ?? Infinity, range.to + 1);
    const inStep = calls.filter((c) => c.t >= s.t && c.t < end);
    const seen = new Set<string>();
    let ok = 0;
    for (const c of inStep.sort((a, b) => Number(isBad(b)) - Number(isBad(a)) || a.t - b.t)) {
      const key = `${c.method} ${pathOf(c.url)}`;
      if (seen.has(key) || (!isBad(c) && ok >= MAX_OK_WAITS)) continue;
      seen.add(key);
      if (!isBad(c)) ok++;
      s.waits.push(c);
    }
    s.waits.sort((a, b) => a.t - b.t);
    if (s.action.kind === 'click' || s.action.kind === 'input' || s.action.kind === 'key' || s.action.kind === 'scroll') {
      const navs = f.navs.filter((n) => n.t > s.t && n.t < end && n.type !== 'replaceState' && n.type !== 'hashchange');
      const last = navs[navs.length - 1];
      if (last && originOf(last.url) === origin) s.landsOn = pathOf(last.url);
    }
  });
  const inRange = (t: number) => t >= range.from && t <= range.to;
  return {
    sessionId: f.session.id,
    origin,
    steps: picked,
    calls: calls.filter((c) => c.t <= range.to),
    failing: picked.flatMap((s) => s.waits.filter(isBad)),
    consoleErrors: f.consoles.filter((c) => c.level === 'error' && inRange(c.t)),
    // A logged error fires no pageerror: it is among the console errors.
    pageErrors: f.errors.filter((e) => e.origin !== 'resource' && e.origin !== 'console' && inRange(e.t)),
    range,
    sliced: range.from > f.startedAt,
  };
}

/** A call the digest counts as a problem (digest/wording.ts isBadRequest). */
export function isBad(c: RecordedCall): boolean {
  return c.failed || c.status >= 400;
}

/** `/checkout?step=2` of a URL (the whole URL when unparsable). */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'http://localhost:3000';
  }
}
