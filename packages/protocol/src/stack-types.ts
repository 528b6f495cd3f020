/**
 * Stack frames of recorded errors, as parsed from a JS stack string and as resolved through a
 * release's source maps. Shared by the server (resolution, grouping), the API and the viewer.
 */

/** One frame of a stack as the browser printed it (minified positions). */
export interface StackFrame {
  /** Function name as printed, `null` when the frame has none (anonymous, top-level). */
  fn: string | null;
  /** Script URL (or `<anonymous>`, `native`, … as printed). */
  file: string;
  /** 1-based line, `null` when the browser printed none. */
  line: number | null;
  /** 1-based column, `null` when the browser printed none. */
  column: number | null;
  /** The frame is the app's own code (an http(s) script URL, not the browser, an extension or the recorder). */
  inApp: boolean;
}

/** A few lines of original source around a resolved position (from the map's `sourcesContent`). */
export interface SourceContext {
  /** 1-based line number of `lines[0]`. */
  startLine: number;
  lines: string[];
}

/** Where a minified frame came from, per the source map. */
export interface OriginalPosition {
  /** Source path as the map names it, normalised (no `..`, no scheme, no leading `/`). */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Original function name: the map's name for the enclosing function when it has one, else the printed one. */
  fn: string | null;
  context?: SourceContext;
}

/** Why a frame could not be resolved, said plainly. */
export type UnresolvedReason =
  /** No map stored (or fetchable) for that script URL in the session's release. */
  | 'no_map'
  /** Maps exist for that URL, but under other releases than the session's. */
  | 'release_mismatch'
  /** The session has no release, so no uploaded map can be chosen. */
  | 'no_release'
  /** The map stored for that URL could not be read. */
  | 'invalid_map'
  /** The map has no mapping at that line and column. */
  | 'no_mapping'
  /** The frame has no line/column, or is not a script URL (native, eval, extension). */
  | 'not_resolvable';

export const UNRESOLVED_REASON_TEXT: Record<UnresolvedReason, string> = {
  no_map: 'no source map for this script URL',
  release_mismatch: "source maps exist for this URL, but not for this session's release",
  no_release: 'the session has no release, so no source map can be chosen',
  invalid_map: 'the source map for this URL could not be read',
  no_mapping: 'the source map has no mapping at this position',
  not_resolvable: 'not a script position',
};

/** A frame after resolution: the minified frame is always kept; `original` xor `unresolved`. */
export interface ResolvedFrame extends StackFrame {
  original?: OriginalPosition;
  unresolved?: UnresolvedReason;
}

/** A recorded error's stack, parsed and resolved. */
export interface ResolvedStack {
  /** The release resolution used (the session's), `null` when it has none. */
  release: string | null;
  frames: ResolvedFrame[];
}

/** One error of a session with its resolved stack (`GET /api/v1/sessions/:id/errors/resolved`). */
export interface ResolvedSessionError {
  /** Event time (epoch ms), the same `t` as the event in `/events`. */
  t: number;
  /** `error` for captured errors, `console` for `console.error` with a stack. */
  kind: 'error' | 'console';
  name: string | null;
  message: string;
  stack: ResolvedStack;
}

/** The best frame to show first: the first resolved in-app frame, else the first in-app frame, else the first. */
export function topFrame(frames: readonly ResolvedFrame[]): ResolvedFrame | undefined {
  return frames.find((f) => f.inApp && f.original) ?? frames.find((f) => f.inApp) ?? frames[0];
}

/** `fn (file:line:column)` of a frame, preferring its original position. */
export function formatFrame(frame: ResolvedFrame, prefer: 'original' | 'minified' = 'original'): string {
  const o = prefer === 'original' ? frame.original : undefined;
  const fn = o ? (o.fn ?? frame.fn) : frame.fn;
  const where = o ? `${o.file}:${o.line}:${o.column}` : [frame.file, frame.line, frame.column].filter((p) => p !== null).join(':');
  return fn ? `${fn} (${where})` : where;
}
