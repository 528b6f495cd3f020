import type { IndexRows } from '../store/index-rows.js';
import { parseStack } from '../sourcemaps/parse-stack.js';
import { resolveFrames, type ResolveContext } from '../sourcemaps/resolve.js';
import { groupingFrame, issueOf } from './fingerprint.js';

/**
 * Grouping at ingest, with the maps that exist when the batch arrives (docs/issues.md): the
 * decode step (ingest/extract.ts) fingerprints each error from its minified frames; here, before
 * the batch is stored, errors whose frames a source map resolves are fingerprinted again from
 * their original functions and files. A map uploaded later does not move errors already grouped.
 * Resolution never throws (a bad or missing map leaves the minified fingerprint).
 */
export async function groupWithMaps(index: IndexRows, projectId: string, ctx: ResolveContext): Promise<void> {
  for (const e of index.errors) {
    if (!e.issue || !e.stack) continue;
    const frames = parseStack(e.stack, e.message);
    if (frames.length === 0) continue;
    const resolved = await resolveFrames(ctx, projectId, e.release, frames);
    if (resolved.some((f) => f.original)) e.issue = issueOf(e.name, e.message, resolved.map(groupingFrame));
  }
}
