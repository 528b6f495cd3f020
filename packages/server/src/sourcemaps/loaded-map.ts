import { originalPositionFor, sourceContentFor, TraceMap } from '@jridgewell/trace-mapping';
import type { OriginalPosition, SourceContext } from '@reprise/protocol';
import type { LoadedMap } from './resolve.js';
import type { RawSourceMap } from './validate.js';

/** Lines of context on each side of the original line. */
const CONTEXT_LINES = 3;
/** Longest context line kept (minified sources inlined in a map would be megabytes per line). */
const MAX_CONTEXT_LINE = 240;

/** A checked map behind the LoadedMap interface, read with @jridgewell/trace-mapping. */
export class TracedMap implements LoadedMap {
  private readonly map: TraceMap;
  /** Source text split in lines, on first use per source. */
  private readonly lines = new Map<number, string[] | null>();

  constructor(raw: RawSourceMap) {
    this.map = new TraceMap(raw);
  }

  originalPosition(line: number, column: number): OriginalPosition | null {
    // trace-mapping: 1-based lines, 0-based columns (stacks print both 1-based).
    const pos = originalPositionFor(this.map, { line, column: Math.max(0, column - 1) });
    if (pos.source === null || pos.line === null || pos.column === null) return null;
    const index = this.map.resolvedSources.indexOf(pos.source);
    const file = (index >= 0 ? this.map.sources[index] : null) ?? pos.source;
    const context = index >= 0 ? this.contextAt(index, pos.source, pos.line) : undefined;
    return { file, line: pos.line, column: pos.column + 1, fn: null, ...(context ? { context } : {}) };
  }

  nameAt(line: number, column: number): string | null {
    return originalPositionFor(this.map, { line, column: Math.max(0, column - 1) }).name;
  }

  private contextAt(index: number, source: string, line: number): SourceContext | undefined {
    let lines = this.lines.get(index);
    if (lines === undefined) {
      const text = sourceContentFor(this.map, source);
      lines = text === null ? null : text.split(/\r\n|\r|\n/);
      this.lines.set(index, lines);
    }
    if (!lines || line > lines.length) return undefined;
    const start = Math.max(1, line - CONTEXT_LINES);
    const end = Math.min(lines.length, line + CONTEXT_LINES);
    return {
      startLine: start,
      lines: lines.slice(start - 1, end).map((l) => (l.length > MAX_CONTEXT_LINE ? `${l.slice(0, MAX_CONTEXT_LINE)}…` : l)),
    };
  }
}
