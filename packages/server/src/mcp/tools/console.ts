import { z } from 'zod';
import {
  formatFrame,
  topFrame,
  UNRESOLVED_REASON_TEXT,
  type ConsoleData,
  type ErrorData,
  type ReplayEvent,
  type SessionDetail,
} from '@reprise/protocol';
import { resolveStacks } from '../../sourcemaps/session-errors.js';
import type { Store } from '../../store/types.js';
import { clip, fitLines } from '../budget.js';
import { offset, readableSession } from '../context.js';
import { formatValue, namedMessage } from '../format.js';
import { defineTool } from '../tool.js';

const sessionId = z.string().min(1).max(64).describe('Session id');
const LEVELS = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'assert'] as const;

export const getConsole = defineTool({
  name: 'get_console',
  description:
    'Console messages of a session in time order, optionally one level only and/or the ones nearest a moment (ms from the session start).',
  input: {
    sessionId,
    level: z.enum(LEVELS).optional().describe('Only this console level'),
    around: z.number().int().min(0).optional().describe('Ms from the session start: the messages nearest this moment'),
  },
  async run(ctx, { sessionId: id, level, around }) {
    const session = await readableSession(ctx, id);
    let entries = (await eventsOf<ConsoleData>(ctx.store, session, 'console')).filter((e) => !level || e.data.level === level);
    if (entries.length === 0) return `no console messages${level ? ` of level ${level}` : ''} in session ${session.id}`;
    if (around !== undefined) {
      // The nearest ones first, so the budget keeps those; then back in time order.
      const at = session.startedAt + around;
      entries = [...entries]
        .sort((a, b) => Math.abs(a.t - at) - Math.abs(b.t - at))
        .slice(0, 50)
        .sort((a, b) => a.t - b.t);
    }
    const lines = entries.map((e) => {
      const text = (Array.isArray(e.data.args) ? e.data.args : []).map((a) => formatValue(a)).join(' ');
      return `${offset(e.t, session.startedAt)} [${e.data.level}] ${clip(text, 1_000)}`;
    });
    return fitLines(lines, undefined, 'messages');
  },
});

/** Errors whose stacks are resolved per call; later ones show as recorded. */
const MAX_RESOLVED = 50;
const ERROR_KIND: Record<NonNullable<ErrorData['origin']>, string> = {
  error: 'uncaught',
  unhandledrejection: 'unhandled rejection',
  resource: 'failed resource',
  console: 'logged with console.error',
};

export const getErrors = defineTool({
  name: 'get_errors',
  description:
    'Uncaught JS errors, unhandled promise rejections, failed resource loads and Errors logged with console.error (what framework error handlers do) of a session, with source locations and stacks.',
  input: { sessionId },
  async run(ctx, { sessionId: id }) {
    const session = await readableSession(ctx, id);
    const errors = await eventsOf<ErrorData>(ctx.store, session, 'error');
    if (errors.length === 0) return `no JS errors in session ${session.id}`;
    // Stacks resolved through the release's source maps: the original place first, the minified one kept.
    const resolved = await resolveStacks(
      ctx.store,
      session,
      errors.slice(0, MAX_RESOLVED).map(({ data: e }) => e.stack ?? ''),
    );
    const lines = errors.map(({ t, data: e }, i) => {
      const top = resolved[i] ? topFrame(resolved[i]) : undefined;
      const original = top?.original ? `\n    original: ${clip(formatFrame(top), 300)}` : '';
      // Said only where maps were expected: a session without a release has none to miss.
      const why = top?.unresolved && top.inApp && session.release ? `\n    not de-minified: ${UNRESOLVED_REASON_TEXT[top.unresolved]}` : '';
      const where = e.source ? ` at ${e.source}${e.line ? `:${e.line}${e.column ? `:${e.column}` : ''}` : ''}` : '';
      // Stored batches may hold any origin string.
      const kind = ERROR_KIND[e.origin ?? 'error'] ?? 'uncaught';
      const stack = e.stack
        ? `\n${e.stack
            .split('\n')
            .slice(0, 12)
            .map((l) => `    ${clip(l.trim(), 300)}`)
            .join('\n')}`
        : '';
      return `${offset(t, session.startedAt)} ${kind} ${clip(namedMessage(e.name, (e.message ?? '').replace(/^Uncaught /, '')), 1_000)}${where}${original}${why}${stack}`;
    });
    return fitLines(lines, undefined, 'errors');
  },
});

/** The session's events of one kind, read group by group (the DOM events are not kept). */
async function eventsOf<D>(store: Store, session: SessionDetail, kind: 'console' | 'error'): Promise<ReplayEvent<typeof kind, D>[]> {
  const out: ReplayEvent<typeof kind, D>[] = [];
  for await (const group of store.streamEvents(session.id)) {
    for (const e of group) if (e.kind === kind && e.data && typeof e.data === 'object') out.push(e as ReplayEvent<typeof kind, D>);
  }
  return out;
}
