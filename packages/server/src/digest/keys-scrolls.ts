import type { Action } from './action-types.js';
import type { KeyFact, ScrollFact, SessionFactsRead } from './facts.js';
import { targetText } from './wording.js';

/**
 * Key presses and scrolls among the user's actions: which of them a reproduction needs, and in
 * which order against the values typed and the clicks the keyboard made.
 */

/** What a key press sets off synchronously (a change, a click) lands within this many ms of it. */
const SAME_PRESS_MS = 50;
/** A field's value committed this long after an Enter in it may still be what the Enter submitted. */
const LATE_COMMIT_MS = 60_000;
/** A request or error this soon after a scroll ends (and before the next action) is the scroll's doing. */
const SCROLL_CAUSE_MS = 2000;
/** Scrolling this soon after an action is the app's doing (scrolled to a result, to the top). */
const APP_SCROLL_MS = 300;
/** Scrolling this soon after a page load or route change is the browser's or the app's (restored position, anchor). */
const LOAD_SCROLL_MS = 1000;
/** A Tab followed by typing or a click this soon only moved focus, which the next step does anyway. */
const TAB_FOCUS_MS = 10_000;

function sameTarget(a: KeyFact, nodeId: number | null, selector: string | null): boolean {
  if (a.nodeId !== null && nodeId !== null) return a.nodeId === nodeId;
  return a.target.selector !== null && a.target.selector === selector;
}

/**
 * Enter (or Space) on a button or link makes the browser click it, and Enter in a form's field
 * clicks its submit button: one key press, recorded as a key and a click. On the element itself
 * the click stands for it (a click is what the button got); elsewhere the key does (the user
 * pressed Enter in the field; pressing it again submits the same way).
 */
export function keyboardClicks(raw: Action[]): void {
  for (let i = 0; i < raw.length; i++) {
    const k = raw[i]!;
    if (k.kind !== 'key' || (k.key.key !== 'Enter' && k.key.key !== ' ')) continue;
    const j = raw.findIndex((x, n) => n > i && x.kind === 'click' && x.t - k.t <= SAME_PRESS_MS);
    if (j < 0 || raw.slice(i + 1, j).some((x) => x.kind === 'key' || x.kind === 'click')) continue;
    const c = raw[j] as Extract<Action, { kind: 'click' }>;
    if (sameTarget(k.key, c.click.nodeId, c.click.target.selector)) {
      raw.splice(i, 1);
      i--;
    } else raw.splice(j, 1);
  }
}

/**
 * A field's value is recorded when it is committed (rrweb samples inputs on `change`): Enter and
 * Tab commit it just after the key press is recorded. The value was typed first: order it before
 * the key, so the export fills the field before pressing Enter in it. When the app takes the
 * Enter itself (no change fires), the value is committed later, on the blur: an Enter in a field
 * whose next commit comes before anything else is done in that field moves that commit too.
 */
export function commitBeforeKey(raw: Action[]): void {
  for (let i = 0; i < raw.length; i++) {
    const k = raw[i]!;
    if (k.kind !== 'key' || !k.key.textEntry || k.key.nodeId === null) continue;
    const node = k.key.nodeId;
    let j = -1;
    for (let n = i + 1; n < raw.length; n++) {
      const x = raw[n]!;
      if (x.t - k.t > (k.key.key === 'Enter' ? LATE_COMMIT_MS : SAME_PRESS_MS)) break;
      if (x.kind === 'input' && x.input.nodeId === node) j = n;
      // Something else done in the field: its next commit may hold typing that came after the key.
      if (j >= 0 || (x.kind === 'key' && x.key.nodeId === node) || (x.kind === 'click' && x.click.nodeId === node)) break;
    }
    if (j < 0) continue;
    const [commit] = raw.splice(j, 1);
    raw.splice(i, 0, commit!);
    i++;
  }
}

/** Tab presses that only moved focus to the field typed into or the element clicked next. */
export function redundantTabs(raw: Action[]): void {
  for (let i = raw.length - 1; i >= 0; i--) {
    const k = raw[i]!;
    if (k.kind !== 'key' || k.key.key !== 'Tab' || k.key.combo.split('+').some((m) => m !== 'Shift' && m !== 'Tab')) continue;
    const next = raw.slice(i + 1).find((x) => x.kind !== 'navigate');
    if (next && (next.kind === 'input' || next.kind === 'click') && next.t - k.t <= TAB_FOCUS_MS) raw.splice(i, 1);
  }
}

/**
 * Scrolls a reproduction needs. Playwright scrolls to whatever it clicks or types into, so a
 * scroll matters only when it set something off by itself: a request started (infinite scroll,
 * lazy loading) or an error happened after it, before the user's next action.
 */
export function scrollsThatMatter(f: SessionFactsRead): ScrollFact[] {
  const acts = [...f.clicks.map((c) => c.t), ...f.keys.map((k) => k.t), ...f.inputs.map((i) => i.t)].sort((a, b) => a - b);
  const effects = [
    ...f.requests.map((r) => r.t),
    ...f.errors.filter((e) => e.origin !== 'resource').map((e) => e.t),
    ...f.consoles.filter((c) => c.level === 'error').map((c) => c.t),
  ].sort((a, b) => a - b);
  const loads = [f.startedAt, ...f.navs.map((n) => n.t)].sort((a, b) => a - b);
  const out: ScrollFact[] = [];
  for (const s of f.scrolls) {
    if (s.y === s.fromY) continue;
    const before = lastAtOrBefore(acts, s.t);
    if (before !== null && s.t - before <= APP_SCROLL_MS) continue;
    const loaded = lastAtOrBefore(loads, s.t);
    if (loaded !== null && s.t - loaded <= LOAD_SCROLL_MS) continue;
    const nextAct = acts.find((t) => t > s.t) ?? Infinity;
    const until = Math.min(s.lastT + SCROLL_CAUSE_MS, nextAct);
    if (effects.some((t) => t >= s.t && t < until)) out.push(s);
  }
  return out;
}

function lastAtOrBefore(sorted: number[], t: number): number | null {
  let found: number | null = null;
  for (const x of sorted) {
    if (x > t) break;
    found = x;
  }
  return found;
}

/** `Enter in 'Search'`, `Escape`, `Control+k`: the key and where it was pressed. */
export function keyWords(k: KeyFact): string {
  if (k.tag === 'body' || k.tag === 'html' || k.target.selector === 'body') return k.combo;
  return `${k.combo} ${k.textEntry ? 'in' : 'on'} ${targetText(k.target)}`;
}

/** `down to 1200 px`, `up to 0 px in \`#results\``. */
export function scrollWords(s: ScrollFact): string {
  const where = s.target ? ` in ${targetText(s.target)}` : '';
  return `${s.y > s.fromY ? 'down' : 'up'} to ${Math.round(s.y)} px${where}`;
}
