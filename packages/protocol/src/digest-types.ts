/**
 * The session digest and reproduction steps: a compact account of one session built from its
 * stored events, for assistants (MCP), tickets (Markdown) and the viewer's Steps tab.
 * Plain data: `GET /api/v1/sessions/:id/digest` and `/steps` return these shapes as JSON; the
 * viewer and the MCP server read them.
 */

/** How a step names the element it acts on, best first: test id, accessible name, selector. */
export interface StepTarget {
  /** The element's (or nearest ancestor's) data-testid. */
  testId: string | null;
  /** ARIA role, explicit or implied by the tag (button, link, textbox, checkbox…). */
  role: string | null;
  /** Accessible name as recorded: visible text, aria-label, title, alt or <label>. Never an input's value. */
  name: string | null;
  /** A stable CSS selector (#id, [data-testid=…] or a tag/class path). */
  selector: string | null;
}

export type StepKind = 'open' | 'navigate' | 'click' | 'input' | 'key' | 'scroll' | 'feedback';

/** What the session shows right after a step: a failing request, a console error, a JS error. */
export interface StepOutcome {
  kind: 'request' | 'console' | 'error' | 'dead-click' | 'rage-click';
  t: number;
  /** One line, e.g. "POST /api/checkout 422" or "TypeError: x is undefined". */
  text: string;
}

/** One reproduction step (a Playwright export can read the same structure). */
export interface Step {
  /** 1-based position in the list. */
  n: number;
  kind: StepKind;
  /** Epoch ms on the session clock (seek target). */
  t: number;
  /** The human-readable line without its number, e.g. "Click 'Pay'". */
  text: string;
  /** click, input and key steps (and scroll steps in an element); null for open/navigate/feedback. */
  target: StepTarget | null;
  /** Typed value exactly as stored; null when masked or not recorded. */
  value: string | null;
  /** The stored value was masked by the recorder (never unmasked here). */
  masked: boolean;
  /** Key steps: the key as Playwright's `press` names it (`Enter`, `Shift+Tab`, `Control+k`). */
  key?: string;
  /** Page URL at the step (the destination for open/navigate). */
  url: string | null;
  /** Problems that followed the step before the next one. */
  outcomes: StepOutcome[];
}

export interface StepList {
  sessionId: string;
  startedAt: number;
  steps: Step[];
  /** Time of the first JS error or failing request (deep link target), null when none. */
  firstProblemAt: number | null;
}

/** One line of the digest: an event on the session clock and its rendering. */
export interface DigestLine {
  t: number;
  kind: 'nav' | 'click' | 'input' | 'key' | 'scroll' | 'request' | 'console' | 'error' | 'feedback' | 'signal' | 'gap';
  text: string;
}

/** A problem and the steps that led to it, e.g. click → POST 422 → console.error → TypeError. */
export interface DigestProblem {
  kind: 'error' | 'request' | 'console' | 'rage-click' | 'dead-click' | 'feedback';
  /** First occurrence. */
  t: number;
  /** How many times this same problem happened (same chain with ids and numbers set aside). */
  count: number;
  /** When it happened (the chain's start), first ten occurrences; `chain` and `lines` are the first. */
  at: number[];
  /** The chain rendered on one line, " → " between links. */
  chain: string;
  /** The chain's links, in time order (the user step that triggered it first, when known). */
  lines: DigestLine[];
}

export interface Digest {
  sessionId: string;
  /** Header facts: first URL, duration, browser/OS, counts. */
  header: string;
  problems: DigestProblem[];
  /** The ordered account after budgeting: quiet stretches collapsed into `gap` lines. */
  timeline: DigestLine[];
  /** What was left out to fit the budget, in words (empty when nothing was). */
  dropped: string[];
  budgetTokens: number;
  /** Estimated tokens of `text` (about 4 characters a token). */
  tokens: number;
  /** Everything above rendered as plain text: what assistants and the LLM rewrite receive. */
  text: string;
}

export interface DigestOptions {
  /** Size budget in tokens (about 4 characters a token); default 2,000. */
  budgetTokens?: number;
}
