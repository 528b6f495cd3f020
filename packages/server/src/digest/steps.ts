import type { Store } from '../store/types.js';
import type { StepList } from './types.js';

/** Numbered reproduction steps; null when the session is unknown. */
export async function buildSteps(store: Store, sessionId: string): Promise<StepList | null> {
  const s = await store.getSession(sessionId);
  if (!s) return null;
  return { sessionId, startedAt: s.startedAt, steps: [], firstProblemAt: null };
}

/** The steps as a Markdown list for a ticket; `link(t)` gives the viewer URL at a moment. */
export function stepsMarkdown(list: StepList, link: (t: number) => string): string {
  const lines = list.steps.map((s) => `${s.n}. ${s.text}`);
  if (list.firstProblemAt !== null) lines.push('', `[Watch the moment of the error](${link(list.firstProblemAt)})`);
  return lines.join('\n');
}
