import type { FastifyBaseLogger } from 'fastify';
import type { SessionDetail } from '@reprise/protocol';
import type { Caller } from '../auth/access.js';
import type { Store } from '../store/types.js';

/**
 * What every tool runs with: the store (in-process, behind `/mcp`), the caller resolved from the
 * bearer token (auth/access.ts), and the public URL for viewer links. `reprise mcp` (stdio)
 * reaches these same tools by relaying to `/mcp`, so there is one implementation.
 */
export interface ToolContext {
  store: Store;
  caller: Caller;
  publicUrl: string;
  /** Where a tool's unexpected failure is logged (the assistant gets no internals). */
  log: Pick<FastifyBaseLogger, 'error'>;
}

/** A failure the assistant should read (unknown session, bad query…): returned with `isError`. */
export class ToolError extends Error {}

/**
 * The session if the caller may read its project. A session of another project is reported
 * exactly like an unknown one, as `/api/v1` answers 404 for both.
 */
export async function readableSession(ctx: ToolContext, sessionId: string): Promise<SessionDetail> {
  const projectId = await ctx.store.getSessionProject(sessionId);
  const session = projectId !== null && ctx.caller.can(projectId, 'read') ? await ctx.store.getSession(sessionId) : null;
  if (!session) throw new ToolError(`no session ${sessionId}: search_sessions lists the sessions you can read`);
  return session;
}

/** The project ids the caller may read; undefined when that is every project (an admin). */
export async function readableProjects(ctx: ToolContext): Promise<string[] | undefined> {
  const all = (await ctx.store.listProjects()).map((p) => p.id);
  return ctx.caller.projectsWith(all, 'read') ?? undefined;
}

/** The viewer page of a session, optionally at a moment (`?t=` seconds from the start). */
export function viewerLink(ctx: ToolContext, sessionId: string, offsetMs?: number): string {
  const base = `${ctx.publicUrl}/sessions/${encodeURIComponent(sessionId)}`;
  return offsetMs === undefined ? base : `${base}?t=${Math.round(Math.max(0, offsetMs) / 100) / 10}`;
}

/** `+12.3s` from the session start: every tool states times this way, and takes them as ms. */
export function offset(t: number, startedAt: number): string {
  return `+${(Math.max(0, t - startedAt) / 1000).toFixed(1)}s`;
}
