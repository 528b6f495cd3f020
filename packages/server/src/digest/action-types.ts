import type { ClickFact, FeedbackFact, InputFact, KeyFact, NavFact, ScrollFact } from './facts.js';

/**
 * The user's actions in order, as both the steps and the digest's chains use them: rapid repeated
 * clicks on one target merged (a rage burst when 3 or more), a click into a text field folded into
 * the typing that follows, navigations that a click or key press caused folded into it.
 */
export type Action =
  | { kind: 'open'; t: number; url: string }
  | { kind: 'navigate'; t: number; nav: NavFact }
  /** `count` clicks on one target, each within a second of the previous; `lastT` the last one. */
  | { kind: 'click'; t: number; click: ClickFact; count: number; lastT: number; dead: boolean }
  | { kind: 'input'; t: number; input: InputFact }
  | { kind: 'key'; t: number; key: KeyFact }
  /** A scroll that set something off (a request, an error) before the next action. */
  | { kind: 'scroll'; t: number; scroll: ScrollFact }
  | { kind: 'feedback'; t: number; feedback: FeedbackFact };
