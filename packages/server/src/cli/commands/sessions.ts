import type { SessionSummary } from '@reprise/protocol';
import { parseQuery, SESSION_SORTS } from '@reprise/protocol/query';
import { decodeSortCursor, isSessionSort } from '../../search/sort.js';
import { fail, type CliCommand } from '../command.js';

/** `reprise sessions search`: the sessions matching a search query, one per line or as JSON. */
export const sessionsSearch: CliCommand = {
  name: 'sessions',
  sub: 'search',
  usage: [
    {
      synopsis: "sessions search '<query>' [--sort newest|oldest|longest|errors|rage|active] [--limit N] [--cursor C] [--json]",
      about: [
        'sessions matching a search query (docs/search.md), one per line:',
        'id, start, duration, first URL, counts; --json prints the page',
      ],
    },
  ],
  async run(args, ctx) {
    // Not parseArgs: a query may start with '-' (`-has:feedback`), which is no option.
    const values: { sort?: string; limit?: string; cursor?: string; json?: boolean } = {};
    const words: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const opt = /^--(sort|limit|cursor)(?:=(.*))?$/.exec(a);
      if (opt) {
        const v = opt[2] ?? args[++i];
        if (v === undefined) return fail(`--${opt[1]} needs a value`);
        values[opt[1] as 'sort' | 'limit' | 'cursor'] = v;
      } else if (a === '--json') {
        values.json = true;
      } else if (a === '--') {
        words.push(...args.slice(i + 1));
        break;
      } else {
        words.push(a);
      }
    }
    const text = words.join(' ');
    const parsed = parseQuery(text);
    if (!parsed.ok) {
      const { message, position, length } = parsed.error;
      return fail(`invalid query: ${message}\n  ${text}\n  ${' '.repeat(position)}${'^'.repeat(Math.max(1, length))}`);
    }
    const sort = values.sort ?? 'newest';
    if (!isSessionSort(sort)) return fail(`--sort must be one of ${SESSION_SORTS.join(', ')}`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return fail('--limit must be an integer from 1 to 10000');
    const cursor = values.cursor ?? null;
    if (cursor && !decodeSortCursor(sort, cursor)) return fail('--cursor is not valid for this sort');
    const store = await ctx.store();
    const page = await store.searchSessions({ ast: parsed.ast, sort, limit, cursor, now: Date.now() });
    if (values.json) {
      console.log(JSON.stringify(page, null, 2));
    } else {
      for (const s of page.sessions) console.log(sessionLine(s));
      if (page.nextCursor) console.error(`more: --cursor ${page.nextCursor}`);
      else if (page.sessions.length === 0) console.error('no matching sessions');
    }
    return 0;
  },
};

/** `id  start  duration  first URL  counts` (only the counts that are not zero). */
function sessionLine(s: SessionSummary): string {
  const c = s.counts;
  const counts = [
    ['errors', c.errors],
    ['console_errors', c.consoleErrors],
    ['4xx', c.network4xx],
    ['5xx', c.network5xx],
    ['failed', c.networkFailed],
    ['rage', c.rageClicks],
    ['dead', c.deadClicks],
    ['error_clicks', c.errorClicks],
    ['backend_errors', c.backendErrors ?? 0],
    ['feedback', c.feedback],
    ['clicks', c.clicks],
  ]
    .filter(([, n]) => (n as number) > 0)
    .map(([k, n]) => `${k}=${n}`);
  return [
    s.id,
    new Date(s.startedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    formatDuration(s.durationMs),
    s.firstUrl ?? '-',
    counts.join(' ') || '-',
  ].join('  ');
}

function formatDuration(ms: number): string {
  const sec = Math.round(ms / 1000);
  if (sec < 60) return `${sec}s`;
  const m = Math.floor(sec / 60);
  if (m < 60) return `${m}m${String(sec % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
