import { z } from 'zod';
import { endpointQuery, errorQuery, quote } from '../../api/problems.js';
import { parseDuration } from '../../links/service.js';
import { readableProjects, ToolError } from '../context.js';
import { namedMessage } from '../format.js';
import { defineTool } from '../tool.js';

const PER_KIND = 10;

export const listProblems = defineTool({
  name: 'list_problems',
  description:
    'The top problems across sessions in a time window: failing endpoints, JS error groups, rage clicks and dead clicks, each with a search query for search_sessions.',
  input: {
    window: z.string().max(16).default('7d').describe('How far back: 30m, 24h, 7d or seconds (default 7d)'),
  },
  async run(ctx, { window }) {
    const seconds = parseDuration(window);
    if (seconds === null) throw new ToolError(`window must look like 30m, 24h, 7d or a number of seconds, got "${window}"`);
    const q = { since: Date.now() - seconds * 1000, limit: PER_KIND, projectIds: await readableProjects(ctx) };
    const [endpoints, errors, rage, dead] = await Promise.all([
      ctx.store.listFailingEndpoints(q),
      ctx.store.listErrorGroups(q),
      ctx.store.listClickProblems({ ...q, type: 'rage' }),
      ctx.store.listClickProblems({ ...q, type: 'dead' }),
    ]);
    const seen = (r: { count: number; sessions: number }) => `${r.count}× in ${r.sessions} session(s)`;
    const section = (title: string, lines: string[]) => `## ${title}\n${lines.length ? lines.join('\n') : '(none)'}`;
    return [
      `Problems in the last ${window} (top ${PER_KIND} of each kind, most frequent first):`,
      section(
        'Failing endpoints',
        endpoints.map(
          (r) =>
            `- ${r.method} ${r.route} → ${r.statuses.map((s) => (s === 0 ? 'failed' : s)).join(', ')}: ${seen(r)}; query: ${endpointQuery(r.method, r.route, r.statuses)}`,
        ),
      ),
      section(
        'JS errors',
        errors.map((r) => `- ${namedMessage(r.name, r.example)}: ${seen(r)}; query: ${errorQuery(r.message)}`),
      ),
      section(
        'Rage clicks',
        rage.map((r) => `- ${r.selector}${r.text ? ` ('${r.text}')` : ''}: ${seen(r)}; query: has:rage selector:${quote(r.selector)}`),
      ),
      section(
        'Dead clicks',
        dead.map((r) => `- ${r.selector}${r.text ? ` ('${r.text}')` : ''}: ${seen(r)}; query: has:dead selector:${quote(r.selector)}`),
      ),
    ].join('\n\n');
  },
});
