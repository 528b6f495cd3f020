import { z } from 'zod';
import { buildDigest, buildSteps, DEFAULT_BUDGET_TOKENS, stepsMarkdown } from '../../digest/index.js';
import { readableSession, ToolError, viewerLink } from '../context.js';
import { defineTool } from '../tool.js';

const sessionId = z.string().min(1).max(64).describe('Session id (from search_sessions)');

export const getSessionDigest = defineTool({
  name: 'get_session_digest',
  description:
    'A compact, ordered account of one session (clicks, navigations, failing requests, console errors, JS errors), problems first with the steps that led to them; start here.',
  input: {
    sessionId,
    budgetTokens: z.number().int().min(200).max(20_000).optional().describe(`Size budget in tokens (default ${DEFAULT_BUDGET_TOKENS})`),
  },
  async run(ctx, args) {
    const session = await readableSession(ctx, args.sessionId);
    const digest = await buildDigest(ctx.store, session.id, { budgetTokens: args.budgetTokens });
    if (!digest) throw new ToolError(`no session ${args.sessionId}`);
    return `${digest.text}\n\nReplay: ${viewerLink(ctx, session.id)}`;
  },
});

export const getReproSteps = defineTool({
  name: 'get_repro_steps',
  description:
    'Numbered, human-readable steps to reproduce what the user did in a session, with what went wrong after each step (Markdown).',
  input: { sessionId },
  async run(ctx, args) {
    const session = await readableSession(ctx, args.sessionId);
    const steps = await buildSteps(ctx.store, session.id);
    if (!steps) throw new ToolError(`no session ${args.sessionId}`);
    if (steps.steps.length === 0) return 'the session holds no user steps (no page load, click or input was recorded)';
    return stepsMarkdown(steps, (t) => viewerLink(ctx, session.id, t - steps.startedAt));
  },
});
