import type { ResolvedFrame, StackFrame, UnresolvedReason } from '@reprise/protocol';

/** A parsed source map ready to answer positions (see `map-cache.ts`). */
export interface LoadedMap {
  /** Original position of a 1-based line and column of the minified file, `null` when unmapped. */
  originalPosition(line: number, column: number): ResolvedFrame['original'] | null;
}

/** Finds the map of one minified script for a project's release. */
export interface MapSource {
  lookup(projectId: string, release: string | null, fileUrl: string): Promise<{ map: LoadedMap } | { missing: UnresolvedReason }>;
}

/** What resolution needs: where maps come from. One per process (it holds the cache), see `resolverFor`. */
export interface ResolveContext {
  maps: MapSource;
}

/**
 * Resolves frames through the release's source maps. The minified frame is always kept; each
 * frame gets `original` or `unresolved` with the reason. Never throws for a bad or missing map.
 */
export async function resolveFrames(
  ctx: ResolveContext,
  projectId: string,
  release: string | null,
  frames: readonly StackFrame[],
): Promise<ResolvedFrame[]> {
  // A stack repeats its script many times: look each URL up once.
  const lookups = new Map<string, ReturnType<MapSource['lookup']>>();
  const out: ResolvedFrame[] = [];
  for (const frame of frames) {
    if (frame.line === null || frame.column === null || !/^https?:\/\//i.test(frame.file)) {
      out.push({ ...frame, unresolved: 'not_resolvable' });
      continue;
    }
    let pending = lookups.get(frame.file);
    if (!pending) {
      pending = ctx.maps.lookup(projectId, release, frame.file).catch(() => ({ missing: 'invalid_map' as const }));
      lookups.set(frame.file, pending);
    }
    const found = await pending;
    if ('missing' in found) {
      out.push({ ...frame, unresolved: found.missing });
      continue;
    }
    const original = found.map.originalPosition(frame.line, frame.column);
    out.push(original ? { ...frame, original: { ...original, fn: original.fn ?? frame.fn } } : { ...frame, unresolved: 'no_mapping' });
  }
  return out;
}

/** A source with no maps: every frame is reported `no_map` (or `no_release`). */
export const NO_MAPS: MapSource = {
  lookup: async (_projectId, release) => ({ missing: release ? 'no_map' : 'no_release' }),
};
