import type { Guard } from '../guard.js';
import type { ResolvedOptions } from '../options.js';
import type { EventSink } from '../sink.js';

/** What every capture module gets: where to put events, how to report its own errors, options. */
export interface CaptureContext {
  guard: Guard;
  sink: EventSink;
  opts: ResolvedOptions;
  /** rrweb mirror id of a recorded node (undefined when unknown or DOM capture is off). */
  nodeId?: (node: Node) => number | undefined;
}

/** Stops a capture module: removes listeners, restores patches. Must be safe to call twice. */
export type Stop = () => void;

/**
 * Strips the header line ("Error" in V8) and the first `skip` frames (the recorder's own)
 * from an `Error().stack`.
 */
export function trimStack(stack: unknown, skip: number): string | undefined {
  if (typeof stack !== 'string' || !stack) return undefined;
  const lines = stack.split('\n');
  // V8 starts with "Error" / "Error: msg"; Firefox and Safari start with the first frame.
  if (lines.length && /^\w*Error\b/.test(lines[0]) && !/@/.test(lines[0])) lines.shift();
  const out = lines.slice(skip).join('\n');
  return out ? out.slice(0, 8000) : undefined;
}
