import type { Store } from '../store/types.js';
import { type Action, userActions } from './actions.js';
import { readFacts, type SessionFactsRead } from './facts.js';
import { lineKind, problemChains, problemEvents } from './problems.js';
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
 * Timeline detail levels: a line shows when its level is at most the level the budget allows.
 * 0: navigations and problems; 1: clicks, inputs, feedback; 2: console warnings; 3: requests that
 * succeeded. Console log/info/debug are only counted.
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
  const problems = problemChains(f, actions, events);
  const items = timelineItems(f, actions, events);
  const header = headerText(f);
  const always = f.otherConsole > 0 ? [`${plural(f.otherConsole, 'console log/info/debug message')} (never included)`] : [];
  const budgetChars = budgetTokens * 4;

  // Most detail first; each step down hides a level, collapsing hidden runs into one line.
  for (let level = 3; level >= 0; level--) {
    const timeline = collapse(items, level, f.startedAt);
    const dropped = [...droppedNote(items, level), ...always];
    const text = render(header, problems, timeline, dropped, f.startedAt, budgetTokens);
    if (text.length <= budgetChars) return result(f, header, problems, timeline, dropped, budgetTokens, text);
  }
  // Still too long: the timeline goes; then the least severe problems, never the chains kept.
  const dropped = [`the timeline (${plural(items.length, 'line')}; ask with a larger budget)`, ...always];
  let kept = problems;
  let text = render(header, kept, [], dropped, f.startedAt, budgetTokens);
  while (text.length > budgetChars && kept.length > 1) {
    kept = kept.slice(0, -1);
    const left = problems.length - kept.length;
    text = render(header, kept, [], [`${plural(left, 'less severe problem')} (${kindsOf(problems.slice(kept.length))})`, ...dropped], f.startedAt, budgetTokens);
  }
  const finalDropped = kept.length < problems.length ? [`${plural(problems.length - kept.length, 'less severe problem')} (${kindsOf(problems.slice(kept.length))})`, ...dropped] : dropped;
  return result(f, header, kept, [], finalDropped, budgetTokens, text);
}

function result(f: SessionFactsRead, header: string, problems: DigestProblem[], timeline: DigestLine[], dropped: string[], budgetTokens: number, text: string): Digest {
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
    c.rageClicks ? plural(c.rageClicks, 'rage click') : null,
    c.deadClicks ? plural(c.deadClicks, 'dead click') : null,
    c.feedback ? plural(c.feedback, 'feedback report') : null,
    plural(s.pageCount, 'page'),
    plural(c.clicks, 'click'),
  ].filter(Boolean);
  return `Session ${s.id}: ${facts.join(', ')}. ${tally.join(', ')}.`;
}

function timelineItems(f: SessionFactsRead, actions: Action[], events: ReturnType<typeof problemEvents>): Item[] {
  const items: Item[] = [];
  for (const a of actions) {
    const kind = lineKind(a);
    items.push({ t: a.t, kind, text: actionText(a), level: kind === 'nav' ? 0 : 1, label: kind === 'nav' ? LABELS.nav : kind === 'feedback' ? LABELS.feedback : kind === 'input' ? LABELS.input : LABELS.click });
  }
  for (const e of events) items.push({ ...e.line, text: `✖ ${e.line.text}`, level: 0, label: LABELS.problem });
  for (const c of f.consoles) if (c.level === 'warn') items.push({ t: c.t, kind: 'console', text: consoleText(c), level: 2, label: LABELS.warn });
  for (const r of f.requests) if (!isBadRequest(r)) items.push({ t: r.t, kind: 'request', text: requestText(r), level: 3, label: LABELS.request });
  items.sort((a, b) => a.t - b.t);
  return items;
}

/**
 * The lines shown at `level`: repeats in a row merged (`×n`), each run of hidden lines one `gap`
 * line with what it holds, and a quiet stretch (nothing at all for a minute) said as such.
 */
function collapse(items: Item[], level: number, start: number): DigestLine[] {
  const out: DigestLine[] = [];
  let hidden: Item[] = [];
  let lastShown: { line: DigestLine; n: number } | null = null;
  let lastT = start;
  const flushHidden = () => {
    if (hidden.length === 0) return;
    const counts = new Map<[string, string], number>();
    for (const h of hidden) counts.set(h.label, (counts.get(h.label) ?? 0) + 1);
    const what = [...counts].map(([[one, many], n]) => plural(n, one, many)).join(', ');
    out.push({ t: hidden[0]!.t, kind: 'gap', text: `… ${what} over ${span(hidden[hidden.length - 1]!.t - hidden[0]!.t)}` });
    hidden = [];
    lastShown = null;
  };
  for (const it of items) {
    if (it.t - lastT >= QUIET_MS) {
      flushHidden();
      out.push({ t: lastT, kind: 'gap', text: `… ${span(it.t - lastT)} quiet` });
      lastShown = null;
    }
    lastT = it.t;
    if (it.level > level) {
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

function droppedNote(items: Item[], level: number): string[] {
  const counts = new Map<[string, string], number>();
  for (const it of items) if (it.level > level) counts.set(it.label, (counts.get(it.label) ?? 0) + 1);
  return [...counts].map(([[one, many], n]) => `${plural(n, one, many)} (counted in … lines)`);
}

function render(header: string, problems: DigestProblem[], timeline: DigestLine[], dropped: string[], start: number, budget: number): string {
  const out = [header, ''];
  if (problems.length === 0) out.push('Problems: none recorded.');
  else {
    out.push(`Problems (${problems.length}), most severe first, each with the step that led to it:`);
    problems.forEach((p, i) => out.push(`${i + 1}. [${clock(p.t - start)}]${p.count > 1 ? ` (×${p.count})` : ''} ${p.chain}`));
  }
  if (timeline.length > 0) {
    out.push('', 'Timeline (mm:ss from start):');
    for (const l of timeline) out.push(`[${clock(l.t - start)}] ${l.text}`);
  }
  if (dropped.length > 0) out.push('', `Left out (budget ${budget.toLocaleString('en-US')} tokens): ${dropped.join('; ')}.`);
  return out.join('\n');
}
