import { z } from 'zod';
import { exportPlaywright, RangeParamError } from '../../export/playwright/index.js';
import { CHARS_PER_TOKEN } from '../budget.js';
import { readableSession, ToolError, viewerLink } from '../context.js';
import { defineTool } from '../tool.js';

/** Longest spec returned whole; a longer one comes without its recorded responses (they are in the API's file). */
const MAX_SPEC_CHARS = 5_000 * CHARS_PER_TOKEN;
const FIXTURE_START = '\n/**\n * The responses the session received';

export const exportPlaywrightTest = defineTool({
  name: 'export_playwright_test',
  description:
    'A runnable Playwright test (.spec.ts) that replays what the user did in a session against the recorded API responses and asserts what went wrong (failing response, console error, uncaught exception); optionally only the slice from..to.',
  input: {
    sessionId: z.string().min(1).max(64).describe('Session id (from search_sessions)'),
    from: z.number().int().min(0).optional().describe('Start of the slice, ms from the session start (default: the start)'),
    to: z.number().int().min(0).optional().describe('End of the slice, ms from the session start (default: the end)'),
  },
  async run(ctx, args) {
    const session = await readableSession(ctx, args.sessionId);
    let out;
    try {
      out = await exportPlaywright(ctx.store, session.id, {
        from: args.from === undefined ? undefined : String(args.from),
        to: args.to === undefined ? undefined : String(args.to),
        replayUrl: viewerLink(ctx, session.id),
      });
    } catch (err) {
      if (err instanceof RangeParamError) throw new ToolError(err.message);
      throw err;
    }
    if (!out) throw new ToolError(`no session ${args.sessionId}`);
    const file = `${ctx.publicUrl.replace(/\/$/, '')}/api/v1/sessions/${encodeURIComponent(session.id)}/playwright`;
    if (out.spec.length <= MAX_SPEC_CHARS) return `${out.filename} (also at ${file}):\n\n${out.spec}`;
    const cut = out.spec.indexOf(FIXTURE_START);
    const head = cut > 0 ? out.spec.slice(0, cut) : out.spec.slice(0, MAX_SPEC_CHARS);
    return `${out.filename}, without its recorded responses and helpers (too long to show: download the whole file from ${file}):\n\n${head}`;
  },
});
