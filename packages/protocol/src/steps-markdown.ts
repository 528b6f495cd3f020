import type { StepList } from './digest-types.js';

/** Numbered steps for a ticket, then a link to the moment of the error (the API's `markdown` and the viewer's Copy as Markdown). */
export function stepsMarkdown(list: StepList, link: (t: number) => string): string {
  const lines = list.steps.map((s) => `${s.n}. ${s.text}`);
  if (list.firstProblemAt !== null) lines.push('', `[Replay the moment of the error](${link(list.firstProblemAt)})`);
  return lines.join('\n');
}
