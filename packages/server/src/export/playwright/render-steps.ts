import { locatorFor } from './locators.js';
import { constName, str, varStem } from './literals.js';
import type { RecordedCall } from './network.js';
import { isBad, originOf, pathOf, type ExportPlan, type PlanStep } from './plan.js';

/** Placeholders for masked values and the variables that hold failing responses, shared across the spec. */
export interface SpecNames {
  /** Constant name → the step wording it stands for. */
  placeholders: Map<string, string>;
  /** Failing call → the variable holding its Response (or Request when it never got one). */
  responses: Map<RecordedCall, string>;
  taken: Set<string>;
}

/** The body of the test: one commented block per step, waits in the recorded order. */
export function renderSteps(plan: ExportPlan, names: SpecNames): string[] {
  const lines: string[] = [];
  plan.steps.forEach((s, i) => {
    lines.push(`  // ${i + 1}. ${oneLine(s.text)}`);
    lines.push(...stepLines(s, plan, names).map((l) => `  ${l}`));
    lines.push('');
  });
  return lines;
}

function stepLines(s: PlanStep, plan: ExportPlan, names: SpecNames): string[] {
  const act = actionCode(s, plan, names);
  if (act === null) return [`// (nothing to replay: ${oneLine(s.text)})`];
  const out: string[] = [];
  if (s.action.kind === 'scroll') out.push('// Playwright scrolls only to the elements it acts on: this scroll set off what follows.');
  if (s.waits.length === 0) out.push(`await ${act};`);
  else {
    const named = s.waits.filter((c) => isBad(c)).map((c) => nameFor(c, names));
    const waits = s.waits.map(
      (c) =>
        `${c.failed ? 'page.waitForRequest(requestTo' : 'page.waitForResponse(responseTo'}(${str(c.method)}, ${str(pathOnly(c.url))})),`,
    );
    // Failing calls first so the destructuring names line up.
    const ordered = [...s.waits.map((c, i) => ({ c, w: waits[i]! }))].sort((a, b) => Number(isBad(b.c)) - Number(isBad(a.c)));
    out.push(`${named.length ? `const [${named.join(', ')}] = ` : ''}await Promise.all([`);
    for (const { w } of ordered) out.push(`  ${w}`);
    out.push(`  ${act},`, ']);');
  }
  if (s.landsOn) out.push(`await page.waitForURL((url) => ${urlTest(s.landsOn)});`);
  return out;
}

function actionCode(s: PlanStep, plan: ExportPlan, names: SpecNames): string | null {
  const a = s.action;
  switch (a.kind) {
    case 'open':
      return `page.goto(${str(gotoTarget(a.url, plan.origin))})`;
    case 'navigate':
      if (a.nav.type === 'popstate') return 'page.goBack()';
      if (a.nav.type === 'load') return `page.goto(${str(gotoTarget(a.nav.url, plan.origin))})`;
      // The app changed the URL on its own (a timer, a redirect in code): wait for it.
      return `page.waitForURL((url) => ${urlTest(pathOf(a.nav.url))})`;
    case 'click': {
      const loc = locatorFor(a.click.target);
      return a.count > 1 ? `clickTimes(${loc}, ${a.count})` : `${loc}.click()`;
    }
    case 'input':
      return inputCode(a.input, s.text, names);
    case 'key':
      // Nothing had focus: the key went to the page.
      if (a.key.tag === 'body' || a.key.tag === 'html') return `page.keyboard.press(${str(a.key.combo)})`;
      return `${locatorFor(a.key.target)}.press(${str(a.key.combo)})`;
    case 'scroll':
      return scrollCode(a.scroll);
    case 'feedback':
      return null;
  }
}

/** The scroll's end position, set directly: the page (or element) scrolls there as the user's did. */
function scrollCode(sc: Extract<PlanStep['action'], { kind: 'scroll' }>['scroll']): string | null {
  const x = Math.round(sc.x);
  const y = Math.round(sc.y);
  if (!sc.target) return `page.evaluate(() => window.scrollTo(${x}, ${y}))`;
  // Only an element a locator finds alone: a bare tag path would match many.
  if (!sc.target.testId && !sc.target.selector?.startsWith('#')) return null;
  return `${locatorFor({ ...sc.target, role: null })}.evaluate((element) => element.scrollTo(${x}, ${y}))`;
}

function inputCode(i: Extract<PlanStep['action'], { kind: 'input' }>['input'], text: string, names: SpecNames): string {
  const loc = locatorFor(i.target);
  if (i.checked !== null && (i.type === 'checkbox' || i.type === 'radio')) return `${loc}.${i.checked ? 'check' : 'uncheck'}()`;
  let value = str(i.value ?? '');
  if (i.masked) {
    const name = constName(i.target.testId ?? i.target.name ?? i.target.selector ?? '', names.taken);
    names.placeholders.set(name, text);
    value = name;
  }
  return i.tag === 'select' ? `${loc}.selectOption(${value})` : `${loc}.fill(${value})`;
}

function nameFor(c: RecordedCall, names: SpecNames): string {
  const known = names.responses.get(c);
  if (known) return known;
  const name = varStem(pathOnly(c.url), names.taken).replace(/Response(\d*)$/, c.failed ? 'Request$1' : 'Response$1');
  names.responses.set(c, name);
  return name;
}

/** The path for same-origin pages (so baseURL applies), else the whole URL. */
function gotoTarget(url: string, origin: string): string {
  return originOf(url) === origin ? pathOf(url) : url;
}

function pathOnly(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0]!;
  }
}

function urlTest(path: string): string {
  return path.includes('?') ? `url.pathname + url.search === ${str(path)}` : `url.pathname === ${str(path)}`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/\*\//g, '* /');
}
