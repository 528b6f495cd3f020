import { anyIn, DEAD_WINDOW_MS, sameTargetSoon } from '../store/signals.js';
import type { Action } from './action-types.js';
import type { ClickFact, InputFact, SessionFactsRead } from './facts.js';
import { commitBeforeKey, keyboardClicks, keyWords, redundantTabs, scrollsThatMatter, scrollWords } from './keys-scrolls.js';
import { shortUrl, targetText } from './wording.js';

export type { Action } from './action-types.js';

/** A navigation this soon after an action is that action's doing. */
const CAUSED_NAV_MS = 3000;
/** Typing this soon after a click into the same field makes the click redundant. */
const FOCUS_CLICK_MS = 10_000;
export const RAGE_MIN = 3;

/**
 * A field's value is recorded when it is committed, on the blur that the next click causes, so
 * its input lands a millisecond or two either side of that click. The typing came first: order
 * it before the click, so what the click sets off (a request, a route change) is the click's.
 */
const COMMIT_ON_CLICK_MS = 50;

function commitBeforeClick(raw: Action[]): void {
  for (let i = 0; i + 1 < raw.length; i++) {
    const a = raw[i]!;
    const b = raw[i + 1]!;
    if (a.kind !== 'click' || b.kind !== 'input' || b.t - a.t > COMMIT_ON_CLICK_MS || b.input.nodeId === a.click.nodeId) continue;
    // A click blurs one field, at its press: if that commit was already recorded before the click,
    // the input after it is the next field's, typed by a fast hand (or a script) once the click was
    // done. A commit before the press was another's (focus moved on by typing in the next field).
    const before = raw[i - 1];
    const pressT = a.click.downT ?? a.t - COMMIT_ON_CLICK_MS;
    if (before?.kind === 'input' && before.t >= pressT && a.t - before.t <= COMMIT_ON_CLICK_MS) continue;
    raw[i] = b;
    raw[i + 1] = a;
    // The click moves once; comparing it again would carry it past the fields typed after it.
    i++;
  }
}

export function userActions(f: SessionFactsRead): Action[] {
  const raw: Action[] = [];
  const firstUrl = f.navs[0]?.url ?? f.session.firstUrl;
  if (firstUrl) raw.push({ kind: 'open', t: f.startedAt, url: firstUrl });
  for (const n of f.navs) raw.push({ kind: 'navigate', t: n.t, nav: n });
  for (const c of f.clicks) raw.push({ kind: 'click', t: c.t, click: c, count: 1, lastT: c.t, dead: false });
  for (const i of f.inputs) raw.push({ kind: 'input', t: i.t, input: i });
  for (const k of f.keys) raw.push({ kind: 'key', t: k.t, key: k });
  for (const s of scrollsThatMatter(f)) raw.push({ kind: 'scroll', t: s.t, scroll: s });
  for (const fb of f.feedback) raw.push({ kind: 'feedback', t: fb.t, feedback: fb });
  // A key press comes first in its millisecond: the change and the click it causes follow it.
  const order = { open: 0, navigate: 1, key: 2, click: 3, input: 4, scroll: 5, feedback: 6 } as const;
  raw.sort((a, b) => a.t - b.t || order[a.kind] - order[b.kind]);
  keyboardClicks(raw);
  commitBeforeClick(raw);
  commitBeforeKey(raw);
  redundantTabs(raw);

  const out: Action[] = [];
  let url = firstUrl ? shortUrl(firstUrl) : null;
  let lastActionT = -Infinity;
  for (let i = 0; i < raw.length; i++) {
    const a = raw[i]!;
    const prev = out[out.length - 1];
    if (a.kind === 'navigate') {
      const to = shortUrl(a.nav.url);
      // replaceState and hash changes are the app's bookkeeping; a caused navigation is its action's;
      // the page load right after the session starts is its "open".
      const caused = a.t - lastActionT <= CAUSED_NAV_MS;
      const skip = to === url || a.nav.type === 'replaceState' || a.nav.type === 'hashchange' || caused;
      if (prev?.kind === 'open' && out.length === 1 && !caused && a.t - prev.t <= CAUSED_NAV_MS) prev.url = a.nav.url;
      else if (!skip) out.push(a);
      url = to;
      continue;
    }
    if (a.kind === 'click') {
      lastActionT = a.t;
      if (prev?.kind === 'click' && sameTargetSoon(asTarget(prev.click, prev.lastT), asTarget(a.click, a.t))) {
        prev.count++;
        prev.lastT = a.t;
        continue;
      }
      if (a.click.textEntry && a.click.nodeId !== null) {
        const next = raw.slice(i + 1, i + 20).find((x) => x.kind !== 'navigate');
        if (next?.kind === 'input' && next.input.nodeId === a.click.nodeId && next.t - a.t <= FOCUS_CLICK_MS) continue;
      }
      out.push(a);
      continue;
    }
    lastActionT = a.t;
    out.push(a);
  }
  for (const a of out) {
    if (a.kind === 'click' && a.count < RAGE_MIN && a.click.deadCandidate) {
      // A click the session ends right after is undecided, not dead (like ingest's pending clicks).
      a.dead = a.lastT + DEAD_WINDOW_MS <= f.endedAt && !anyIn(f.responses, a.t, a.lastT + DEAD_WINDOW_MS);
    }
  }
  return out;
}

function asTarget(c: ClickFact, t: number) {
  return { t, selector: c.target.selector ?? '', nodeId: c.nodeId, x: c.x, y: c.y };
}

/** `clicked 'Pay' ([data-testid=pay])`, the wording of an action inside a digest chain. */
export function actionText(a: Action): string {
  switch (a.kind) {
    case 'open':
      return `opened ${shortUrl(a.url)}`;
    case 'navigate':
      return `${a.nav.type === 'popstate' ? 'went back to' : 'went to'} ${shortUrl(a.nav.url)}`;
    case 'click':
      return `clicked ${targetText(a.click.target)}${a.count > 1 ? ` ×${a.count}` : ''}`;
    case 'input':
      return `${inputVerb(a.input)}`;
    case 'key':
      return `pressed ${keyWords(a.key)}`;
    case 'scroll':
      return `scrolled ${scrollWords(a.scroll)}`;
    case 'feedback':
      return `reported a problem: "${a.feedback.message}"`;
  }
}

function inputVerb(i: InputFact): string {
  const target = targetText(i.target);
  if (i.checked !== null && (i.type === 'checkbox' || i.type === 'radio')) return `${i.checked ? 'checked' : 'unchecked'} ${target}`;
  if (i.masked) return `typed into ${target} (masked)`;
  if (i.value === null || i.value === '') return `cleared ${target}`;
  return `typed "${i.value}" into ${target}`;
}
