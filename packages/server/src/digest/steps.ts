import type { Store } from '../store/types.js';
import { type Action, userActions } from './actions.js';
import { readFacts, type InputFact, type SessionFactsRead } from './facts.js';
import { keyWords, scrollWords } from './keys-scrolls.js';
import { actionBefore, problemEvents, type ProblemEvent } from './problems.js';
import type { Step, StepList, StepOutcome } from './types.js';

export { stepsMarkdown } from '@reprise/protocol';
import { shortUrl, targetText } from './wording.js';

/** Numbered reproduction steps; null when the session is unknown. */
export async function buildSteps(store: Store, sessionId: string): Promise<StepList | null> {
  const f = await readFacts(store, sessionId);
  return f ? stepsOf(f) : null;
}

export function stepsOf(f: SessionFactsRead): StepList {
  const actions = userActions(f);
  const problems = problemEvents(f, actions);
  const outcomes = new Map<number, ProblemEvent[]>();
  for (const p of problems) {
    const i = actionBefore(actions, p.t);
    if (i < 0) continue;
    const list = outcomes.get(i) ?? [];
    list.push(p);
    outcomes.set(i, list);
  }
  const steps: Step[] = actions.map((a, i) => {
    const out = (outcomes.get(i) ?? []).map(({ kind, t, text }): StepOutcome => ({ kind, t, text }));
    const base = stepBase(a);
    const consequence = outcomeWords(out);
    return { n: i + 1, ...base, t: a.t, text: consequence ? `${base.text}: ${consequence}` : base.text, outcomes: out };
  });
  const firstOf = (kind: ProblemEvent['kind']) =>
    problems.find((p) => p.kind === kind && !(kind === 'error' && p.text.startsWith('failed to load')))?.t;
  const firstProblemAt = firstOf('error') ?? firstOf('request') ?? firstOf('console') ?? null;
  return { sessionId: f.session.id, startedAt: f.startedAt, steps, firstProblemAt };
}

type StepBase = Pick<Step, 'kind' | 'text' | 'target' | 'value' | 'masked' | 'url' | 'key'>;

function stepBase(a: Action): StepBase {
  const none = { target: null, value: null, masked: false };
  switch (a.kind) {
    case 'open':
      return { kind: 'open', text: `Open ${shortUrl(a.url)}`, url: a.url, ...none };
    case 'navigate':
      return {
        kind: 'navigate',
        text: `${a.nav.type === 'popstate' ? 'Go back to' : 'Go to'} ${shortUrl(a.nav.url)}`,
        url: a.nav.url,
        ...none,
      };
    case 'click': {
      const times = a.count > 1 ? ` ${a.count} times quickly` : '';
      return {
        kind: 'click',
        text: `Click ${targetText(a.click.target)}${times}`,
        target: a.click.target,
        value: null,
        masked: false,
        url: a.click.url,
      };
    }
    case 'input':
      return {
        kind: 'input',
        text: inputText(a.input),
        target: a.input.target,
        value: a.input.value,
        masked: a.input.masked,
        url: a.input.url,
      };
    case 'key':
      return {
        kind: 'key',
        text: `Press ${keyWords(a.key)}`,
        target: a.key.target,
        value: null,
        masked: false,
        url: a.key.url,
        key: a.key.combo,
      };
    case 'scroll':
      return { kind: 'scroll', text: `Scroll ${scrollWords(a.scroll)}`, url: a.scroll.url, ...none, target: a.scroll.target };
    case 'feedback':
      return { kind: 'feedback', text: `Report a problem: "${a.feedback.message}"`, url: null, ...none };
  }
}

function inputText(i: InputFact): string {
  const target = targetText(i.target);
  if (i.checked !== null && i.type === 'checkbox') return `${i.checked ? 'Check' : 'Uncheck'} ${target}`;
  if (i.checked !== null && i.type === 'radio') return `Choose ${target}`;
  const select = i.tag === 'select';
  if (i.masked) return `${select ? 'Choose a value in' : 'Type a value into'} ${target} (masked)`;
  if (i.value === null || i.value === '') return `Clear ${target}`;
  return select ? `Choose "${i.value}" in ${target}` : `Type "${i.value}" into ${target}`;
}

/** "the server answers 422 and the page throws a TypeError". */
function outcomeWords(out: StepOutcome[]): string {
  const words: string[] = [];
  const statuses = [
    ...new Set(out.filter((o) => o.kind === 'request').map((o) => /\s(\d{3}|failed(?: \(\w+\))?)(?:\s|$)/.exec(o.text)?.[1] ?? 'an error')),
  ];
  for (const s of statuses) words.push(s.startsWith('failed') ? `a request ${s}` : `the server answers ${s}`);
  const errors = out.filter((o) => o.kind === 'error' && !o.text.startsWith('failed to load'));
  for (const name of [
    ...new Set(errors.map((o) => /^(?:uncaught|unhandled rejection) ([A-Z]\w*(?:Error|Exception))\b/.exec(o.text)?.[1] ?? 'an error')),
  ]) {
    words.push(`the page throws ${name === 'an error' ? name : `a ${name}`}`);
  }
  if (words.length === 0 && out.some((o) => o.kind === 'console')) words.push('the console shows an error');
  if (out.some((o) => o.kind === 'dead-click')) words.push('nothing happens');
  return words.join(' and ');
}
