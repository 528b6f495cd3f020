import type { ResolvedFrame, ResolvedSessionError } from '@reprise/protocol';
import type { Store } from '../store/types.js';
import { resolveContextFor } from './context.js';
import { parseStack } from './parse-stack.js';
import { resolveFrames } from './resolve.js';

/** Errors resolved per request: a session with more shows its first ones (the API says how many). */
export const MAX_RESOLVED_ERRORS = 200;

/** A session's recorded errors with their stacks resolved through its release's maps. */
export async function resolveSessionErrors(
  store: Store,
  session: { id: string; projectId: string; release?: string | null },
): Promise<ResolvedSessionError[]> {
  const ctx = resolveContextFor(store);
  const rows = await store.listSessionErrors(session.id, MAX_RESOLVED_ERRORS);
  const out: ResolvedSessionError[] = [];
  for (const r of rows) {
    // An error carries the release of its batch; older rows only the session's.
    const release = r.release ?? session.release ?? null;
    const frames = await resolveFrames(ctx, session.projectId, release, parseStack(r.stack, r.message));
    out.push({ t: r.t, kind: 'error', name: r.name, message: r.message, stack: { release, frames } });
  }
  return out;
}

/** Stack strings (as the viewer holds them from events) resolved for a session. */
export async function resolveStacks(
  store: Store,
  session: { projectId: string; release?: string | null },
  stacks: string[],
): Promise<ResolvedFrame[][]> {
  const ctx = resolveContextFor(store);
  const release = session.release ?? null;
  return Promise.all(stacks.map((s) => resolveFrames(ctx, session.projectId, release, parseStack(s))));
}
