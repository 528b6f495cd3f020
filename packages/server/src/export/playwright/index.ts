import { readFacts } from '../../digest/facts.js';
import type { Store } from '../../store/types.js';
import { buildHar } from './har.js';
import { readCalls } from './network.js';
import { planExport, type ExportPlan } from './plan.js';
import { parseRange } from './range.js';
import type { Unmatched } from './render-mocks.js';
import { textThatAppeared } from './page-text.js';
import { renderSpec } from './spec.js';

export { RangeParamError } from './range.js';
export type { Unmatched } from './render-mocks.js';

export interface PlaywrightExportOptions {
  /** ms from the session start or an ISO time; the session start when left out. */
  from?: string;
  /** ms from the session start or an ISO time; the session end when left out. */
  to?: string;
  unmatched?: Unmatched;
  /** Viewer link of the session, for the spec's header. */
  replayUrl?: string | null;
}

export interface PlaywrightExport {
  /** `reprise-<session>.spec.ts` */
  filename: string;
  spec: string;
  harFilename: string;
  har: object;
}

/** A session (or a slice of it) as a Playwright test and a HAR; null when the session is unknown. */
export async function exportPlaywright(
  store: Store,
  sessionId: string,
  opts: PlaywrightExportOptions = {},
): Promise<PlaywrightExport | null> {
  const facts = await readFacts(store, sessionId);
  if (!facts) return null;
  const range = parseRange(opts.from, opts.to, facts.startedAt, facts.endedAt);
  const calls = await readCalls(store, sessionId, range.to);
  const plan = planExport(facts, calls, range);
  const visibleText = await visibleAtEnd(store, plan);
  const spec = renderSpec(plan, { unmatched: opts.unmatched ?? 'passthrough', visibleText, replayUrl: opts.replayUrl ?? null });
  const stem = `reprise-${sessionId.replace(/[^\w-]/g, '_')}`;
  return { filename: `${stem}.spec.ts`, spec, harFilename: `${stem}.har`, har: buildHar(plan.calls, sessionId) };
}

/** Text shown after the last step: at the first problem (a second later, once the page has shown it), else at the range end. */
async function visibleAtEnd(store: Store, plan: ExportPlan): Promise<string[]> {
  const last = plan.steps[plan.steps.length - 1];
  if (!last) return [];
  const problems = [
    ...plan.failing.map((c) => c.t + c.durationMs),
    ...plan.pageErrors.map((e) => e.t),
    ...plan.consoleErrors.map((c) => c.t),
  ];
  const at = problems.length ? Math.min(Math.max(...problems) + SETTLE_MS, plan.range.to) : plan.range.to;
  return textThatAppeared(store, plan.sessionId, last.t - 1, Math.max(at, last.t));
}

/** How long after an error the page is read (the app renders its error message after it). */
const SETTLE_MS = 1000;
