import { literal, str } from './literals.js';
import type { ExportPlan } from './plan.js';
import type { SpecNames } from './render-steps.js';

/**
 * The closing assertions: what went wrong in the recorded range, as it went wrong. They pass
 * while the bug is there; the comment above them says how to turn them around once it is fixed.
 */
export function renderChecks(plan: ExportPlan, names: SpecNames, visibleText: string[]): string[] {
  const out: string[] = [];
  for (const c of plan.failing) {
    const v = names.responses.get(c);
    if (!v) continue;
    if (c.failed) {
      out.push(`// ${c.method} ${pathText(c.url)} got no response when recorded; the mock fails it the same way.`);
      out.push(`expect(${v}.method()).toBe(${str(c.method)});`);
      continue;
    }
    out.push(`expect(${v}.status()).toBe(${c.status});`);
    if (c.json !== undefined && c.json !== null && typeof c.json === 'object' && !Array.isArray(c.json)) {
      out.push(`expect(await ${v}.json()).toMatchObject(${literal(withoutRedacted(c.json), '  ')});`);
    } else if (c.text) out.push(`expect(await ${v}.text()).toContain(${str(c.text.slice(0, 200))});`);
  }
  for (const c of plan.consoleErrors) {
    const text = consolePrefix(c.text);
    if (text) out.push(`await expect.poll(() => consoleErrors).toContainEqual(expect.stringContaining(${str(text)}));`);
  }
  for (const e of plan.pageErrors) {
    const message = errorMessage(e.name, e.message);
    if (message)
      out.push(`await expect.poll(() => pageErrors.map((e) => e.message)).toContainEqual(expect.stringContaining(${str(message)}));`);
  }
  for (const line of visibleText) out.push(`await expect(page.locator('body')).toContainText(${str(line)});`);
  if (out.length === 0) return [];
  const first = plan.failing[0];
  const v = first ? names.responses.get(first) : undefined;
  return [
    '  // What went wrong, as recorded. The test passes while the bug is still there. Once it is fixed,',
    `  // turn these around (e.g. ${v && first && !first.failed ? `expect(${v}.ok()).toBe(true), ` : ''}expect(pageErrors).toEqual([])) so the test guards the fix.`,
    ...out.map((l) => `  ${l}`),
  ];
}

/** The text a console message starts with, up to the first serialized object (Playwright prints those differently). */
function consolePrefix(text: string): string | null {
  const cut = text
    .split('…')[0]!
    .split(/\s[{[]/)[0]!
    .trim();
  return cut.length >= 4 ? cut.slice(0, 120) : null;
}

/** The message `pageerror` reports: without Chrome's "Uncaught " and the error name. */
function errorMessage(name: string | null, message: string): string | null {
  let m = message.split('…')[0]!.replace(/^Uncaught\s+/, '');
  if (name && m.startsWith(`${name}: `)) m = m.slice(name.length + 2);
  else m = m.replace(/^[A-Z]\w*(?:Error|Exception): /, '');
  m = m.trim();
  return m.length >= 4 ? m.slice(0, 160) : null;
}

/** A JSON body with redacted values left out of the comparison (top level and one level down). */
function withoutRedacted(v: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === '[redacted]') continue;
    out[k] = x && typeof x === 'object' && !Array.isArray(x) ? withoutRedacted(x) : x;
  }
  return out;
}

function pathText(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
