import type { SessionDetail } from '@reprise/protocol';
import { describe, expect, it } from 'vitest';
import { userActions } from '../src/digest/actions.js';
import type { ClickFact, InputFact, SessionFactsRead } from '../src/digest/facts.js';

const T0 = 1_700_000_000_000;
const target = (name: string, role: string) => ({ testId: null, role, name, selector: null });
const click = (t: number, nodeId: number, name: string, downT: number | null = null): ClickFact => ({
  t,
  target: target(name, 'button'),
  tag: 'button',
  x: 10,
  y: 10,
  nodeId,
  deadCandidate: false,
  textEntry: false,
  url: null,
  downT,
});
const input = (t: number, nodeId: number, name: string): InputFact => ({
  t,
  nodeId,
  target: target(name, 'textbox'),
  tag: 'textarea',
  type: null,
  value: 'hello',
  masked: false,
  checked: null,
  url: null,
});
const facts = (clicks: ClickFact[], inputs: InputFact[]): SessionFactsRead => ({
  session: { id: 's1', firstUrl: 'https://shop.test/help' } as SessionDetail,
  clicks,
  inputs,
  keys: [],
  scrolls: [],
  navs: [],
  requests: [],
  consoles: [],
  otherConsole: 0,
  errors: [],
  feedback: [],
  responses: [],
  startedAt: T0,
  endedAt: T0 + 60_000,
});
const kinds = (f: SessionFactsRead) => userActions(f).map((a) => a.kind);

describe('user actions: a value committed by the click that blurred its field', () => {
  it('orders the typing before the click, whichever of the two was recorded first', () => {
    for (const [clickT, inputT] of [
      [T0 + 5000, T0 + 5000],
      [T0 + 5000, T0 + 5001],
      [T0 + 5001, T0 + 5000],
    ] as const) {
      expect(kinds(facts([click(clickT, 7, 'Send')], [input(inputT, 3, 'Message')]))).toEqual(['open', 'input', 'click']);
    }
  });

  it('keeps a click first when the typing came later, or went into the clicked field itself', () => {
    expect(kinds(facts([click(T0 + 5000, 7, 'Send')], [input(T0 + 5200, 3, 'Message')]))).toEqual(['open', 'click', 'input']);
    expect(kinds(facts([click(T0 + 5000, 3, 'Message')], [input(T0 + 5001, 3, 'Message')]))).not.toEqual(['open', 'input', 'click']);
  });

  it('moves a click past one commit only: fields filled quickly after it stay after it', () => {
    const steps = (f: SessionFactsRead) => userActions(f).map((a) => (a.kind === 'input' ? a.input.target.name : a.kind));
    // The click's blur commits Password 1 ms after it; Name is filled 20 ms later by a script.
    expect(steps(facts([click(T0 + 5000, 7, 'Continue')], [input(T0 + 5001, 3, 'Password'), input(T0 + 5020, 4, 'Name')]))).toEqual([
      'open',
      'Password',
      'click',
      'Name',
    ]);
    // With the press known: Password committed at the press is the click's; Name stays after it.
    expect(
      steps(facts([click(T0 + 5001, 7, 'Continue', T0 + 4990)], [input(T0 + 5000, 3, 'Password'), input(T0 + 5020, 4, 'Name')])),
    ).toEqual(['open', 'Password', 'click', 'Name']);
    // Email committed before the press (when Message took the focus): Message, committed in the
    // click's millisecond, is the click's commit and goes before it.
    expect(steps(facts([click(T0 + 5000, 7, 'Send', T0 + 5000)], [input(T0 + 4960, 3, 'Email'), input(T0 + 5000, 4, 'Message')]))).toEqual([
      'open',
      'Email',
      'Message',
      'click',
    ]);
    // The commit was recorded just before the click: the quick fill after it is not moved either.
    expect(steps(facts([click(T0 + 5001, 7, 'Continue')], [input(T0 + 5000, 3, 'Password'), input(T0 + 5020, 4, 'Name')]))).toEqual([
      'open',
      'Password',
      'click',
      'Name',
    ]);
  });
});
