import { z } from 'zod';
import type { SessionSummary } from '@reprise/protocol';
import { parseQuery } from '@reprise/protocol/query';
import { readableProjects, ToolError, viewerLink, type ToolContext } from '../context.js';
import { fitLines } from '../budget.js';
import { defineTool } from '../tool.js';

export const searchSessions = defineTool({
  name: 'search_sessions',
  description:
    'Find recorded sessions with the Reprise search language (e.g. `status:>=500`, `error:"TypeError"`, `url:/checkout has:rage`); returns ids, first URLs, problem counts and viewer links, newest first.',
  input: {
    query: z.string().max(2000).describe('Search query (docs/search.md); empty lists every session'),
    limit: z.number().int().min(1).max(50).default(10).describe('How many sessions, 1-50 (default 10)'),
  },
  async run(ctx, { query, limit }) {
    const parsed = parseQuery(query);
    if (!parsed.ok) {
      const { message, position, length } = parsed.error;
      throw new ToolError(`invalid query: ${message}\n  ${query}\n  ${' '.repeat(position)}${'^'.repeat(Math.max(1, length))}`);
    }
    const page = await ctx.store.searchSessions({
      ast: parsed.ast,
      sort: 'newest',
      limit,
      cursor: null,
      now: Date.now(),
      projectIds: await readableProjects(ctx),
    });
    if (page.sessions.length === 0) return `no session matches ${JSON.stringify(query)}`;
    const lines = page.sessions.map((s) => sessionLine(ctx, s));
    const more = page.nextCursor ? `\n(more sessions match: raise limit or narrow the query)` : '';
    return `${page.sessions.length} session(s), newest first:\n${fitLines(lines, undefined, 'sessions')}${more}`;
  },
});

function sessionLine(ctx: ToolContext, s: SessionSummary): string {
  const c = s.counts;
  const counts = [
    ['errors', c.errors],
    ['console errors', c.consoleErrors],
    ['4xx', c.network4xx],
    ['5xx', c.network5xx],
    ['failed requests', c.networkFailed],
    ['rage clicks', c.rageClicks],
    ['dead clicks', c.deadClicks],
    ['error clicks', c.errorClicks],
    ['backend errors', c.backendErrors ?? 0],
    ['feedback', c.feedback],
  ]
    .filter(([, n]) => (n as number) > 0)
    .map(([k, n]) => `${n} ${k}`);
  const when = new Date(s.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const who = s.userId ? ` user ${s.userId}` : '';
  return `- ${s.id}  ${when}  ${Math.round(s.durationMs / 1000)}s  ${s.firstUrl ?? '-'}${who}  problems: ${counts.join(', ') || 'none'}  ${viewerLink(ctx, s.id)}`;
}
