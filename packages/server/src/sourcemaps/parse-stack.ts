import errorStackParser from 'error-stack-parser';
import type { StackFrame } from '@reprise/protocol';

/** Frames kept per stack: enough for any real trace, bounded for hostile input. */
export const MAX_FRAMES = 64;
/** A stack string longer than this is cut before parsing (the parser is line-based). */
const MAX_STACK_CHARS = 64 * 1024;

/** The recorder's own script: its frames wrap the app's (console and fetch hooks), never the cause. */
// The package is CommonJS with `module.exports.default = parser`.
const ErrorStackParser = errorStackParser.default;

const SDK_PATH = /\/sdk\/reprise(\.min)?\.js$/;

/**
 * Parses a JS stack string (Chrome/V8, Firefox, Safari formats) into frames, top first.
 * Never throws: a stack the parser does not recognise gives no frames.
 */
export function parseStack(stack: string | undefined | null, message = ''): StackFrame[] {
  if (!stack) return [];
  const text = stack.length > MAX_STACK_CHARS ? stack.slice(0, MAX_STACK_CHARS) : stack;
  let parsed: ReturnType<typeof ErrorStackParser.parse>;
  try {
    // The parser reads `stack` (and `stacktrace`/`opera#sourceloc` for old Opera) off an Error-like object.
    parsed = ErrorStackParser.parse({ name: 'Error', message, stack: text });
  } catch {
    return [];
  }
  const frames: StackFrame[] = [];
  for (const f of parsed) {
    if (frames.length >= MAX_FRAMES) break;
    const file = f.fileName ?? '';
    // A line the parser took for a frame without a location is not one (a message line, noise).
    if (file === '') continue;
    frames.push({
      fn: cleanFunctionName(f.functionName),
      file,
      line: positive(f.lineNumber),
      column: positive(f.columnNumber),
      inApp: isInApp(file),
    });
  }
  return frames;
}

function positive(n: number | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : null;
}

function cleanFunctionName(name: string | undefined): string | null {
  if (!name) return null;
  const trimmed = name.trim();
  return trimmed === '' || trimmed === '<anonymous>' ? null : trimmed;
}

/** App code is served over http(s); native code, extensions, eval and the recorder are not the app's. */
export function isInApp(file: string): boolean {
  let url: URL;
  try {
    url = new URL(file);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return !SDK_PATH.test(url.pathname);
}
