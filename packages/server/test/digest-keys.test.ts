import type { SessionDetail } from '@reprise/protocol';
import { describe, expect, it } from 'vitest';
import { userActions } from '../src/digest/actions.js';
import type { ClickFact, InputFact, KeyFact, RequestFact, ScrollFact, SessionFactsRead } from '../src/digest/facts.js';
import { stepsOf } from '../src/digest/steps.js';

const T0 = 1_700_000_000_000;
const SEARCH = { testId: 'faq-search', role: 'searchbox', name: 'Search the FAQ', selector: '#faq-q' };
const GO = { testId: null, role: 'button', name: 'Go', selector: '#go' };

const key = (t: number, k: string, over: Partial<KeyFact> = {}): KeyFact => ({
  t,
  key: k,
  combo: k,
  target: SEARCH,
  tag: 'input',
  nodeId: 6,
  textEntry: true,
  url: 'https://shop.test/help',
  ...over,
});
const input = (t: number, value: string, nodeId = 6, target = SEARCH): InputFact => ({
  t,
  nodeId,
  target,
  tag: 'input',
  type: 'search',
  value,
  masked: false,
  checked: null,
  url: 'https://shop.test/help',
});
const click = (t: number, nodeId: number, target = GO): ClickFact => ({
  t,
  target,
  tag: 'button',
  x: 10,
  y: 10,
  nodeId,
  deadCandidate: false,
  textEntry: false,
  url: 'https://shop.test/help',
  downT: null,
});
const request = (t: number, url: string): RequestFact => ({
  t,
  end: t + 80,
  method: 'GET',
  url,
  status: 200,
  failed: false,
  error: null,
  body: null,
});
const scroll = (t: number, fromY: number, y: number, lastT = t + 300): ScrollFact => ({
  t,
  lastT,
  nodeId: null,
  target: null,
  fromY,
  x: 0,
  y,
  url: 'https://shop.test/help',
});

function facts(parts: Partial<Pick<SessionFactsRead, 'clicks' | 'inputs' | 'keys' | 'scrolls' | 'requests'>>): SessionFactsRead {
  return {
    session: { id: 's1', firstUrl: 'https://shop.test/help' } as SessionDetail,
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
    startedAt: T0,
    endedAt: T0 + 60_000,
    ...parts,
  };
}

/** Each action in a word: `input:card`, `key:Enter`, `click:Go`, `scroll:900`. */
function seq(f: SessionFactsRead): string[] {
  return userActions(f).map((a) => {
    if (a.kind === 'input') return `input:${a.input.value}`;
    if (a.kind === 'key') return `key:${a.key.combo}`;
    if (a.kind === 'click') return `click:${a.click.target.name}`;
    if (a.kind === 'scroll') return `scroll:${a.scroll.y}`;
    return a.kind;
  });
}

describe('key presses among the user actions', () => {
  it('puts the value Enter committed before the Enter, whichever was recorded first', () => {
    for (const [keyT, inputT] of [
      [T0 + 5000, T0 + 5000],
      [T0 + 5000, T0 + 5002],
    ] as const) {
      expect(seq(facts({ keys: [key(keyT, 'Enter')], inputs: [input(inputT, 'card')] }))).toEqual(['open', 'input:card', 'key:Enter']);
    }
  });

  it('moves a value the blur committed later before the Enter the app took, not typing after another key in the field', () => {
    // The app handled Enter itself (no change event): the value came with the blur of a later click.
    const late = facts({ keys: [key(T0 + 5000, 'Enter')], inputs: [input(T0 + 9001, 'card')], clicks: [click(T0 + 9000, 20)] });
    expect(seq(late)).toEqual(['open', 'input:card', 'key:Enter', 'click:Go']);
    // A second Enter in the field before that commit: the value may hold what was typed after the first.
    const twice = facts({ keys: [key(T0 + 5000, 'Enter'), key(T0 + 7000, 'Enter')], inputs: [input(T0 + 7001, 'cards')] });
    expect(seq(twice)).toEqual(['open', 'key:Enter', 'input:cards', 'key:Enter']);
  });

  it('keeps the earlier click-commit rule: a click still moves before one field commit only', () => {
    const f = facts({
      clicks: [click(T0 + 5000, 20)],
      inputs: [input(T0 + 5001, 'a', 3, { ...SEARCH, name: 'A' }), input(T0 + 5020, 'b', 4)],
    });
    expect(seq(f)).toEqual(['open', 'input:a', 'click:Go', 'input:b']);
  });

  it("drops the submit button's click that Enter in a field made, and the key when Enter clicked the focused button", () => {
    // Implicit submission: keydown in the field, change, then a click on the form's submit button.
    const submit = facts({ keys: [key(T0 + 5000, 'Enter')], inputs: [input(T0 + 5001, 'card')], clicks: [click(T0 + 5001, 20)] });
    expect(seq(submit)).toEqual(['open', 'input:card', 'key:Enter']);
    // Enter on a focused button: the click stands for it.
    const onButton = facts({
      keys: [key(T0 + 5000, 'Enter', { target: GO, tag: 'button', nodeId: 20, textEntry: false })],
      clicks: [click(T0 + 5000, 20)],
    });
    expect(seq(onButton)).toEqual(['open', 'click:Go']);
    // A mouse click a second later is its own action.
    const later = facts({ keys: [key(T0 + 5000, 'Escape')], clicks: [click(T0 + 6000, 20)] });
    expect(seq(later)).toEqual(['open', 'key:Escape', 'click:Go']);
  });

  it('leaves out a Tab that only moved focus to the next field typed into, keeps one nothing follows', () => {
    const tabbed = facts({
      keys: [key(T0 + 5000, 'Tab')],
      inputs: [input(T0 + 5001, 'card'), input(T0 + 7000, 'x', 9, { ...SEARCH, name: 'Next' })],
    });
    expect(seq(tabbed)).toEqual(['open', 'input:card', 'input:x']);
    expect(seq(facts({ keys: [key(T0 + 5000, 'Shift+Tab', { combo: 'Shift+Tab' })] }))).toEqual(['open', 'key:Shift+Tab']);
  });

  it('words key steps with the target, and a key with nothing focused as the key alone', () => {
    const f = facts({
      keys: [
        key(T0 + 5000, 'Enter'),
        key(T0 + 8000, 'k', {
          combo: 'Control+k',
          target: { testId: null, role: null, name: null, selector: 'body' },
          tag: 'body',
          textEntry: false,
        }),
      ],
      inputs: [input(T0 + 5001, 'card')],
    });
    const steps = stepsOf(f).steps;
    expect(steps.map((s) => s.text)).toEqual([
      'Open /help',
      'Type "card" into \'Search the FAQ\' ([data-testid=faq-search])',
      "Press Enter in 'Search the FAQ' ([data-testid=faq-search])",
      'Press Control+k',
    ]);
    expect(steps[2]).toMatchObject({ kind: 'key', key: 'Enter', target: SEARCH, value: null });
  });
});

describe('scrolls among the user actions', () => {
  it('keeps a scroll that started a request before the next action, with its direction', () => {
    const f = facts({ scrolls: [scroll(T0 + 5000, 0, 900)], requests: [request(T0 + 5400, 'https://shop.test/api/faq?page=2')] });
    expect(seq(f)).toEqual(['open', 'scroll:900']);
    expect(stepsOf(f).steps[1]).toMatchObject({ kind: 'scroll', text: 'Scroll down to 900 px', target: null });
  });

  it('leaves out scrolls that set nothing off, that the app made right after an action, or whose request came after the next action', () => {
    const quiet = facts({ scrolls: [scroll(T0 + 5000, 0, 900)], requests: [request(T0 + 9000, 'https://shop.test/api/x')] });
    expect(seq(quiet)).toEqual(['open']);
    const appScroll = facts({
      clicks: [click(T0 + 5000, 20)],
      scrolls: [scroll(T0 + 5100, 0, 0 + 600)],
      requests: [request(T0 + 5200, 'https://shop.test/api/x')],
    });
    expect(seq(appScroll)).toEqual(['open', 'click:Go']);
    // The browser restoring the scroll position right after a page load.
    const restored = facts({ scrolls: [scroll(T0 + 400, 0, 900)], requests: [request(T0 + 600, 'https://shop.test/api/x')] });
    expect(seq(restored)).toEqual(['open']);
    const clickFirst = facts({
      scrolls: [scroll(T0 + 5000, 0, 900)],
      clicks: [click(T0 + 5500, 20)],
      requests: [request(T0 + 5600, 'https://shop.test/api/x')],
    });
    expect(seq(clickFirst)).toEqual(['open', 'click:Go']);
  });

  it('keeps a scroll an error followed, and says up when it went up', () => {
    const f = facts({ scrolls: [scroll(T0 + 5000, 1200, 300)] });
    f.errors.push({ t: T0 + 5500, name: 'TypeError', message: 'x is undefined', where: null, origin: 'error' });
    expect(stepsOf(f).steps.map((s) => s.text)).toEqual(['Open /help', 'Scroll up to 300 px: the page throws a TypeError']);
  });
});
