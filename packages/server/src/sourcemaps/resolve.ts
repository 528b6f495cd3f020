import type { OriginalPosition, ResolvedFrame, StackFrame, UnresolvedReason } from '@reprise/protocol';

/** A parsed source map ready to answer positions (see `map-cache.ts`). */
export interface LoadedMap {
  /** Original position of a 1-based line and column of the minified file, `null` when unmapped. */
  originalPosition(line: number, column: number): OriginalPosition | null;
  /** The original name the map gives the token at a position (a call site names the function it calls). */
  nameAt(line: number, column: number): string | null;
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
  const lookups = new Map<string, Promise<Lookup>>();
  const found: (Lookup | null)[] = [];
  for (const frame of frames) {
    if (frame.line === null || frame.column === null || !/^https?:\/\//i.test(frame.file)) {
      found.push(null);
      continue;
    }
    let pending = lookups.get(frame.file);
    if (!pending) {
      pending = ctx.maps.lookup(projectId, release, frame.file).catch((): Lookup => ({ missing: 'invalid_map' }));
      lookups.set(frame.file, pending);
    }
    found.push(await pending);
  }
  return frames.map((frame, i): ResolvedFrame => {
    const f = found[i];
    if (!f || frame.line === null || frame.column === null) return { ...frame, unresolved: 'not_resolvable' };
    if ('missing' in f) return { ...frame, unresolved: f.missing };
    let original: OriginalPosition | null;
    try {
      original = f.map.originalPosition(frame.line, frame.column);
    } catch {
      // Mappings are decoded on first use: a corrupt string shows here.
      return { ...frame, unresolved: 'invalid_map' };
    }
    if (!original) return { ...frame, unresolved: 'no_mapping' };
    return { ...frame, original: { ...original, fn: callerName(frames[i + 1], found[i + 1]) ?? original.fn ?? frame.fn } };
  });
}

type Lookup = { map: LoadedMap } | { missing: UnresolvedReason };

/**
 * A minified frame's function name is mangled (`a`); its original name is the name the map gives
 * the call in the frame below (the caller's call site names the function it calls).
 */
function callerName(caller: StackFrame | undefined, lookup: Lookup | null | undefined): string | null {
  if (!caller || !lookup || 'missing' in lookup || caller.line === null || caller.column === null) return null;
  try {
    return lookup.map.nameAt(caller.line, caller.column);
  } catch {
    return null;
  }
}

/** A source with no maps: every frame is reported `no_map` (or `no_release`). */
export const NO_MAPS: MapSource = {
  lookup: async (_projectId, release) => ({ missing: release ? 'no_map' : 'no_release' }),
};
