import { z } from 'zod';
import type { RrwebEvent } from '@reprise/protocol';
import { clip, fitLines } from '../budget.js';
import { offset, readableSession, ToolError } from '../context.js';
import { rebuildPage } from '../page/rebuild.js';
import { readPage, type Interactive } from '../page/text.js';
import { defineTool } from '../tool.js';

const TEXT_CHARS = 8_000;
const ELEMENT_CHARS = 6_000;

export const getPageText = defineTool({
  name: 'get_page_text',
  description:
    'The visible text and the interactive elements (role, name, selector, value as stored) of the page at a moment, rebuilt on the server from the recorded DOM.',
  input: {
    sessionId: z.string().min(1).max(64).describe('Session id'),
    atMs: z.number().int().min(0).describe('Ms from the session start (times in other tools are shown as +seconds)'),
  },
  async run(ctx, { sessionId, atMs }) {
    const session = await readableSession(ctx, sessionId);
    const timeline = await ctx.store.getSessionTimeline(session.id);
    if (!timeline) throw new ToolError(`no session ${sessionId}`);
    const at = Math.min(timeline.startedAt + atMs, timeline.endedAt);
    // Only the stretch from the last full snapshot before the moment is read and replayed; a
    // moment before the first page was captured (the recorder starts a few ms earlier) shows that page.
    const snapshot = timeline.snapshots.filter((s) => s.t <= at).pop() ?? timeline.snapshots[0];
    if (!snapshot) throw new ToolError(`session ${session.id} holds no page snapshot: its page cannot be rebuilt`);
    const until = Math.max(at, snapshot.t);
    const events = await ctx.store.readEvents(session.id, { from: snapshot.startT, to: until });
    const dom = events.flatMap((e) => (e.kind === 'dom' && e.data && typeof e.data === 'object' ? [e.data as RrwebEvent] : []));
    const page = rebuildPage(dom);
    if (!page) throw new ToolError(`the page snapshot at ${offset(snapshot.t, timeline.startedAt)} could not be read`);
    try {
      const { title, lines, interactive } = readPage(page.window);
      return [
        `Page at ${offset(until, timeline.startedAt)}: ${page.url ?? '(URL not recorded)'}${title ? `, title "${clip(title, 200)}"` : ''}`,
        `(rebuilt from the snapshot at ${offset(page.snapshotT, timeline.startedAt)} and ${page.changes} later DOM changes; masked text stays masked)`,
        '',
        '## Visible text',
        fitLines(
          lines.map((l) => clip(l, 500)),
          TEXT_CHARS,
        ) || '(no visible text)',
        '',
        '## Interactive elements',
        fitLines(interactive.map(elementLine), ELEMENT_CHARS, 'elements') || '(none)',
      ].join('\n');
    } finally {
      await page.close();
    }
  },
});

function elementLine(e: Interactive): string {
  const value = e.value === null ? '' : ` value ${JSON.stringify(e.value)}`;
  const state = e.state.length ? ` (${e.state.join(', ')})` : '';
  return `- ${e.role} ${JSON.stringify(e.name)} ${e.selector}${value}${state}`;
}
