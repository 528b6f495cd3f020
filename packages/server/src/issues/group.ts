import type { IndexRows } from '../store/index-rows.js';
import { parseStack } from '../sourcemaps/parse-stack.js';
import { resolveFrames, type MapSource, type ResolveContext } from '../sourcemaps/resolve.js';
import { groupingFrame, issueOf, type GroupingFrame } from './fingerprint.js';

/**
 * Distinct stacks of one batch resolved before it is stored; errors past it keep their minified
 * fingerprint. Bounds what an error storm adds to the ingest path (map lookups, a fetch when the
 * project allows one).
 */
export const MAX_STACKS_RESOLVED = 20;

/**
 * Grouping at ingest, with the maps that exist when the batch arrives (docs/issues.md): the
 * decode step (ingest/extract.ts) fingerprints each error from its minified frames; here, before
 * the batch is stored, errors whose frames a source map resolves are fingerprinted again from
 * their original functions and files. A map uploaded later does not move errors already grouped.
 * Resolution never throws (a bad or missing map leaves the minified fingerprint).
 */
export async function groupWithMaps(index: IndexRows, projectId: string, ctx: ResolveContext): Promise<void> {
  const maps = memoized(ctx.maps);
  // Resolved frames by release and stack (null: nothing resolved): one resolution per distinct stack.
  const byStack = new Map<string, GroupingFrame[] | null>();
  for (const e of index.errors) {
    if (!e.issue || !e.stack) continue;
    const key = `${e.release ?? ''}\n${e.stack}`;
    let frames = byStack.get(key);
    if (frames === undefined) {
      if (byStack.size >= MAX_STACKS_RESOLVED) continue;
      const parsed = parseStack(e.stack, e.message);
      const resolved = parsed.length > 0 ? await resolveFrames({ maps }, projectId, e.release, parsed) : [];
      frames = resolved.some((f) => f.original) ? resolved.map(groupingFrame) : null;
      byStack.set(key, frames);
    }
    if (frames) e.issue = issueOf(e.name, e.message, frames);
  }
}

/** One lookup per (release, script) for the whole batch. */
function memoized(source: MapSource): MapSource {
  const seen = new Map<string, ReturnType<MapSource['lookup']>>();
  return {
    lookup(projectId, release, fileUrl) {
      const key = `${release ?? ''}\n${fileUrl}`;
      let found = seen.get(key);
      if (!found) seen.set(key, (found = source.lookup(projectId, release, fileUrl)));
      return found;
    },
  };
}
