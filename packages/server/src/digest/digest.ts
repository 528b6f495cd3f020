import type { Store } from '../store/types.js';
import { type Action, userActions } from './actions.js';
import { readFacts, type SessionFactsRead } from './facts.js';
import { lineKind, problemChains, problemEvents, type Occurrence } from './problems.js';
import { actionText } from './actions.js';
import type { Digest, DigestLine, DigestOptions, DigestProblem } from './types.js';
import { clock, consoleText, isBadRequest, plural, requestText, span } from './wording.js';

export const DEFAULT_BUDGET_TOKENS = 2000;
export const MIN_BUDGET_TOKENS = 200;
export const MAX_BUDGET_TOKENS = 50_000;

/** About 4 characters a token. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The session digest; null when the session is unknown. */
export async function buildDigest(store: Store, sessionId: string, opts: DigestOptions = {}): Promise<Digest | null> {
  const f = await readFacts(store, sessionId);
  return f ? digestOf(f, opts) : null;
}

/**
 * Timeline detail levels, kept in this order when the budget is short: 0 navigations and problems;
 * 1 clicks, inputs, feedback; 2 console warnings; 3 requests that succeeded. Console
 * log/info/debug are only counted.
 */
interface Item extends DigestLine {
  level: number;
  /** What a hidden item counts as in a collapsed line and in the "left out" note. */
  label: [string, string];
}

const LABELS = {
  nav: ['navigation', 'navigations'],
  click: ['click', 'clicks'],
  input: ['input', 'inputs'],
  feedback: ['feedback', 'feedback'],
  problem: ['problem', 'problems'],
  warn: ['console warning', 'console warnings'],
  request: ['successful request', 'successful requests'],
} as const satisfies Record<string, [string, string]>;

/** A stretch this long with nothing shown is called out as quiet. */
const QUIET_MS = 60_000;

export function digestOf(f: SessionFactsRead, opts: DigestOptions = {}): Digest {
  const budgetTokens = Math.min(MAX_BUDGET_TOKENS, Math.max(MIN_BUDGET_TOKENS, Math.round(opts.budgetTokens ?? DEFAULT_BUDGET_TOKENS)));
  const actions = userActions(f);
  const events = problemEvents(f, actions);
  const { problems, occurrences } = problemChains(f, actions, events);
  const items = timelineItems(f, actions, occurrences);
  const header = headerText(f);
  const always = f.otherConsole > 0 ? [`${plural(f.otherConsole, 'console log/info/debug message')} (never included)`] : [];
  const budgetChars = budgetTokens * 4;

  // The most telling lines first (see rank), as many as fit; each run of the others becomes one line.
  const order = rank(
    items,
    events.map((e) => e.t),
  );
  const attempt = (k: number) => {
    const shown = new Set(order.slice(0, k));
    const timeline = collapse(items, shown, f.startedAt);
    const dropped = [...droppedNote(items, shown), ...always];
    return { timeline, dropped, text: render(header, problems, timeline, dropped, f.startedAt, budgetTokens) };
  };
  let best = attempt(items.length);
  if (best.text.length > budgetChars) {
    // Longest prefix of the ranking that fits (the rendered size grows, give or take a collapsed line, with k).
    let lo = 0;
    let hi = items.length - 1;
    best = attempt(0);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const a = attempt(mid);
      if (a.text.length <= budgetChars) {
        lo = mid;
        best = a;
      } else hi = mid - 1;
    }
    if (lo === 0) best = attempt(0);
  }
  if (best.text.length <= budgetChars) return result(f, header, problems, best.timeline, best.dropped, budgetTokens, best.text);
  // Still too long: the timeline goes; then the least severe problems, never the chains kept.
  const dropped = [`the timeline (${plural(items.length, 'line')}; ask with a larger budget)`, ...always];
  let kept = problems;
  let text = render(header, kept, [], dropped, f.startedAt, budgetTokens);
  while (text.length > budgetChars && kept.length > 1) {
    kept = kept.slice(0, -1);
    const left = problems.length - kept.length;
    text = render(
      header,
      kept,
      [],
      [`${plural(left, 'less severe problem')} (${kindsOf(problems.slice(kept.length))})`, ...dropped],
      f.startedAt,
      budgetTokens,
    );
  }
  const finalDropped =
    kept.length < problems.length
      ? [`${plural(problems.length - kept.length, 'less severe problem')} (${kindsOf(problems.slice(kept.length))})`, ...dropped]
      : dropped;
  return result(f, header, kept, [], finalDropped, budgetTokens, text);
}

/**
 * Item indexes, most telling first: by level (navigations and problems, then clicks and inputs,
 * warnings, successful requests); within a level, the lines closest before a problem first (the
 * steps that led to it), then the rest spread evenly over the session (every other, every fourth…),
 * so a cut keeps an even picture rather than only the first minutes.
 */
function rank(items: Item[], problemTimes: number[]): number[] {
  const sortedProblems = [...problemTimes].sort((a, b) => a - b);
  const distance = (t: number) => {
    let best = Infinity;
    for (const p of sortedProblems)
      if (p >= t) {
        best = p - t;
        break;
      }
    return best;
  };
  const spread = (i: number) => {
    // Bit-reversed-ish order: 0, n/2, n/4, 3n/4… by the lowest set bit of the position.
    let k = 0;
    while (i > 0 && (i & 1) === 0) {
      i >>= 1;
      k++;
    }
    return i === 0 ? 64 : k;
  };
  const keyed = items.map((it, i) => ({ i, level: it.level, near: distance(it.t) <= 60_000 ? 0 : 1, d: distance(it.t), s: spread(i + 1) }));
  keyed.sort((a, b) => a.level - b.level || a.near - b.near || (a.near === 0 ? a.d - b.d : b.s - a.s) || a.i - b.i);
  return keyed.map((k) => k.i);
}

function result(
  f: SessionFactsRead,
  header: string,
  problems: DigestProblem[],
  timeline: DigestLine[],
  dropped: string[],
  budgetTokens: number,
  text: string,
): Digest {
  return { sessionId: f.session.id, header, problems, timeline, dropped, budgetTokens, tokens: estimateTokens(text), text };
}

function kindsOf(ps: DigestProblem[]): string {
  const counts = new Map<string, number>();
  for (const p of ps) counts.set(p.kind, (counts.get(p.kind) ?? 0) + p.count);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

function headerText(f: SessionFactsRead): string {
  const s = f.session;
  const c = s.counts;
  const where = [s.browser, s.os, s.device].filter(Boolean).join(', ');
  const facts = [
    `${span(f.endedAt - f.startedAt)}`,
    s.firstUrl ? `started at ${s.firstUrl}` : null,
    where || null,
    s.userId ? `user ${s.userId}` : null,
  ].filter(Boolean);
  const tally = [
    plural(c.errors, 'JS error'),
    plural(c.network4xx + c.network5xx + c.networkFailed, 'failing request'),
    plural(c.consoleErrors, 'console error'),
    c.backendErrors ? plural(c.backendErrors, 'backend error') : null,
    c.rageClicks ? plural(c.rageClicks, 'rage click') : null,
    c.deadClicks ? plural(c.deadClicks, 'dead click') : null,
    c.feedback ? plural(c.feedback, 'feedback report') : null,
    plural(s.pageCount, 'page'),
    plural(c.clicks, 'click'),
  ].filter(Boolean);
  return `Session ${s.id}: ${facts.join(', ')}. ${tally.join(', ')}.`;
}

function timelineItems(f: SessionFactsRead, actions: Action[], occurrences: Occurrence[]): Item[] {
  const items: Item[] = [];
  for (const a of actions) {
    const kind = lineKind(a);
    items.push({
      t: a.t,
      kind,
      text: actionText(a),
      level: kind === 'nav' ? 0 : 1,
      label: kind === 'nav' ? LABELS.nav : kind === 'feedback' ? LABELS.feedback : kind === 'input' ? LABELS.input : LABELS.click,
    });
  }
  // Each time a problem happens is one line pointing at it (its chain is told above).
  for (const o of occurrences) items.push({ t: o.t, kind: 'signal', text: `✖ problem ${o.problem + 1}`, level: 0, label: LABELS.problem });
  for (const c of f.consoles)
    if (c.level === 'warn') items.push({ t: c.t, kind: 'console', text: consoleText(c), level: 2, label: LABELS.warn });
  for (const r of f.requests)
    if (!isBadRequest(r)) items.push({ t: r.t, kind: 'request', text: requestText(r), level: 3, label: LABELS.request });
  items.sort((a, b) => a.t - b.t);
  return items;
}

/**
 * The lines shown: repeats in a row merged (`×n`), each run of hidden lines one `gap`
 * line with what it holds, and a quiet stretch (nothing at all for a minute) said as such.
 */
function collapse(items: Item[], shown: Set<number>, start: number): DigestLine[] {
  const out: DigestLine[] = [];
  let hidden: Item[] = [];
  let lastShown: { line: DigestLine; n: number } | null = null;
  let lastT = start;
  const flushHidden = () => {
    if (hidden.length === 0) return;
    const counts = new Map<[string, string], number>();
    for (const h of hidden) counts.set(h.label, (counts.get(h.label) ?? 0) + 1);
    const what = [...counts].map(([[one, many], n]) => plural(n, one, many)).join(', ');
    const over = hidden[hidden.length - 1]!.t - hidden[0]!.t;
    out.push({ t: hidden[0]!.t, kind: 'gap', text: `… ${what}${over >= 1000 ? ` over ${span(over)}` : ''}` });
    hidden = [];
    lastShown = null;
  };
  for (const [i, it] of items.entries()) {
    if (it.t - lastT >= QUIET_MS) {
      flushHidden();
      out.push({ t: lastT, kind: 'gap', text: `… ${span(it.t - lastT)} quiet` });
      lastShown = null;
    }
    lastT = it.t;
    if (!shown.has(i)) {
      hidden.push(it);
      continue;
    }
    flushHidden();
    if (lastShown && lastShown.line.text.replace(/ ×\d+$/, '') === it.text) {
      lastShown.n++;
      lastShown.line.text = `${it.text} ×${lastShown.n}`;
      continue;
    }
    const line: DigestLine = { t: it.t, kind: it.kind, text: it.text };
    out.push(line);
    lastShown = { line, n: 1 };
  }
  flushHidden();
  return out;
}

function droppedNote(items: Item[], shown: Set<number>): string[] {
  const all = new Map<[string, string], number>();
  const hidden = new Map<[string, string], number>();
  items.forEach((it, i) => {
    all.set(it.label, (all.get(it.label) ?? 0) + 1);
    if (!shown.has(i)) hidden.set(it.label, (hidden.get(it.label) ?? 0) + 1);
  });
  return [...hidden].map(([label, n]) => `${n} of ${plural(all.get(label)!, label[0], label[1])} (counted in the … lines)`);
}

/** ` (×5; again at 07:40, 15:02, 22:10 …)` */
function repeats(p: DigestProblem, start: number): string {
  if (p.count < 2) return '';
  const again = p.at.slice(1, 4).map((t) => clock(t - start));
  return ` (×${p.count}; again at ${again.join(', ')}${p.count > 4 ? ' …' : ''})`;
}

function render(
  header: string,
  problems: DigestProblem[],
  timeline: DigestLine[],
  dropped: string[],
  start: number,
  budget: number,
): string {
  const out = [header, ''];
  if (problems.length === 0) out.push('Problems: none recorded.');
  else {
    out.push(`Problems (${problems.length}), most severe first, each with the step that led to it:`);
    problems.forEach((p, i) => out.push(`${i + 1}. [${clock(p.t - start)}]${repeats(p, start)} ${p.chain}`));
  }
  if (timeline.length > 0) {
    out.push('', 'Timeline (mm:ss from start):');
    for (const l of timeline) out.push(`[${clock(l.t - start)}] ${l.text}`);
  }
  if (dropped.length > 0) out.push('', `Left out (budget ${budget.toLocaleString('en-US')} tokens): ${dropped.join('; ')}.`);
  return out.join('\n');
}
